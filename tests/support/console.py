"""Helpers for the console tests: a running unionbot with the console and the fake Bot API,
Chromium through Playwright, and a claim, a ticket and a member to work on."""

from __future__ import annotations

import base64
import os
import re
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from bot import documents
from bot.app import App
from bot.config import Settings, load_settings
from models.base import utcnow
from models.db import Sessions
from models.handoff import open_ticket
from models.member import Member, Role, get_or_create_member
from models.mutual_aid import AidPlan, Claim, ClaimDocument
from models.roster import Binding, RosterEntry
from tests.support.fakes.telegram_api import FakeTelegram

CHROMIUM = os.environ.get("UNIONBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]
LINK = re.compile(r"https?://\S+/console/link/[A-Za-z0-9_-]+")
STAFF, MEMBER = 2002, 1001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def console_settings(database_url: str, data_dir: Path, fake: FakeTelegram, port: int,
                     **sections: object) -> Settings:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(data_dir)},
        telegram={"token": fake.token, "base_url": fake.base_url,
                  "base_file_url": fake.base_file_url},
        http={"host": "127.0.0.1", "port": port},
        handoff={"staff_chat": f"telegram:{STAFF}", "office_hours": "00:00-23:59",
                 "office_days": "mon-sun"},
        broadcast={"quiet_hours": ""},
        console={"enabled": True, "public_url": f"http://127.0.0.1:{port}", "secret_key": key},
        **sections,
    )


class LateClock:
    """The real time, plus however far a test moves it on."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@asynccontextmanager
async def running_app(settings: Settings, clock: LateClock | None = None
                      ) -> AsyncIterator[App]:
    app = App(settings, clock=clock or LateClock())
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def add_account(sessions: Sessions, user_id: int, *, name: str, role: Role = Role.MEMBER,
                      language: str = "en") -> int:
    async with sessions.begin() as session:
        member, _created = await get_or_create_member(
            session, channel="telegram", external_id=str(user_id), chat_id=str(user_id),
            display_name=name, language=language, now=utcnow())
        member.role = role.value
        return member.id


async def one_time_link(fake: FakeTelegram, user_id: int) -> str:
    """What the bot answers to /console in the private chat, as a URL."""
    before = len(fake.to(user_id))
    fake.push(fake.message(user_id, "/console", language="en", name="李干事"))
    answer = (await fake.wait_for(user_id, before + 1))[-1].text
    found = LINK.search(answer)
    assert found, answer
    return found[0]


async def sign_in(page: Page, fake: FakeTelegram, user_id: int = STAFF) -> None:
    await page.goto(await one_time_link(fake, user_id))
    await page.click("#sign-in")
    await page.wait_for_url("**/console/")


def png(width: int = 120, height: int = 80) -> bytes:
    """A small real PNG (a grey gradient), so the claim page shows an image."""
    rows = b"".join(b"\x00" + bytes((x * 2) % 256 for x in range(width)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def seed_claim(sessions: Sessions, data_dir: Path, *, member_id: int,
                     name: str = "王芳", description: str = "住院 5 天") -> int:
    """A submitted claim of a bound member, with one image document."""
    now = utcnow()
    stored = await documents.store(png(), data_dir)
    async with sessions.begin() as session:
        plan = AidPlan(name_zh="在职职工医疗互助", name_en="Medical mutual aid",
                       coverage_zh="住院", cap_fen=1_000_000, claim_window_days=180,
                       incident_types=["hospitalisation"])
        entry = RosterEntry(card_number="6200000000000099", name=name, phone="13800001234",
                            workplace_union="西城区总工会")
        session.add_all([plan, entry])
        await session.flush()
        session.add(Binding(member_id=member_id, roster_id=entry.id, bound_at=now))
        claim = Claim(member_id=member_id, roster_id=entry.id, plan_id=plan.id,
                      incident_type="hospitalisation", incident_date=now.date(),
                      amount_fen=350_000, description=description, submitted_at=now,
                      updated_at=now)
        session.add(claim)
        await session.flush()
        claim.number = f"HZ{now:%y%m%d}{claim.id:05d}"
        session.add(ClaimDocument(claim_id=claim.id, member_id=member_id, sha256=stored.sha256,
                                  mime_type=stored.mime_type, size=stored.size,
                                  path=stored.path, added_at=now))
        return claim.id


async def seed_ticket(sessions: Sessions, member_id: int) -> int:
    async with sessions.begin() as session:
        return (await open_ticket(session, member_id=member_id, now=utcnow())).id


async def member_row(sessions: Sessions, member_id: int) -> Member:
    async with sessions.begin() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        return member
