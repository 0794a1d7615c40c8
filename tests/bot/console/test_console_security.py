"""What must fail safely: a member asking for a link or using one, a link used twice, a form
with a forged CSRF token, a session whose staff role was taken away, a password guessed too
often, and a member's name or message carrying script."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from argon2 import PasswordHasher
from playwright.async_api import Page, expect
from sqlalchemy import select

from bot.app import App
from models.audit import AuditEntry
from models.base import utcnow
from models.console import issue_link, staff_login
from models.db import Sessions
from models.handoff import Direction, HandoffTicket, record_message
from models.member import Member, Role
from models.mutual_aid import Claim
from tests.support.console import (
    MEMBER,
    STAFF,
    LateClock,
    add_account,
    console_settings,
    free_port,
    member_row,
    one_time_link,
    running_app,
    seed_claim,
    seed_ticket,
    sign_in,
)
from tests.support.fakes.telegram_api import FakeTelegram

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
XSS = '<img src=x onerror="window.pwned=1">'


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # the console runs on 127.0.0.1 in tests
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield session


async def _use_link(http: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    page = await (await http.get(link)).text()
    return await http.post(link, data={"csrf": CSRF.findall(page)[0]})


async def _audit(sessions: Sessions, action: str) -> list[AuditEntry]:
    async with sessions.begin() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                          .order_by(AuditEntry.id)))


async def test_a_member_gets_no_link_and_a_link_made_for_a_member_signs_nobody_in(
        app: App, fake_telegram: FakeTelegram, sessions: Sessions,
        http: aiohttp.ClientSession, base_url: str) -> None:
    fake_telegram.push(fake_telegram.message(MEMBER, "/console", language="en"))
    refused = await fake_telegram.wait_for(MEMBER, 1)
    assert "only for union staff" in refused[-1].text and "/console/link/" not in refused[-1].text
    async with sessions.begin() as session:
        token = await issue_link(session, member_id=2, now=utcnow(), valid=timedelta(minutes=5))

    answer = await _use_link(http, f"{base_url}/link/{token}")
    assert answer.status == 403
    assert (await http.get(f"{base_url}/claims")).url.path == "/console/login"


async def test_a_link_works_once(app: App, fake_telegram: FakeTelegram,
                                 http: aiohttp.ClientSession, base_url: str) -> None:
    link = await one_time_link(fake_telegram, STAFF)
    assert (await _use_link(http, link)).url.path == "/console/"
    http.cookie_jar.clear()

    again = await _use_link(http, link)
    assert again.status == 403
    assert "此登录链接已使用、已过期或无效" in await again.text()  # the default language
    assert (await http.get(f"{base_url}/")).url.path == "/console/login"


async def test_a_forged_csrf_token_changes_nothing_and_is_audited(
        app: App, fake_telegram: FakeTelegram, sessions: Sessions,
        http: aiohttp.ClientSession, base_url: str, tmp_path: Path) -> None:
    claim_id = await seed_claim(sessions, tmp_path / "data", member_id=2)
    await _use_link(http, await one_time_link(fake_telegram, STAFF))

    forged = await http.post(f"{base_url}/claims/{claim_id}/decide",
                             data={"csrf": "x" * 43, "action": "approve"})
    missing = await http.post(f"{base_url}/claims/{claim_id}/decide", data={"action": "approve"})
    assert (forged.status, missing.status) == (403, 403)
    async with sessions.begin() as session:
        claim = await session.get(Claim, claim_id)
        assert claim is not None and claim.status == "submitted"
    assert [e.allowed for e in await _audit(sessions, "console.csrf")] == [False, False]
    assert fake_telegram.to(MEMBER) == []


async def test_a_session_ends_when_the_staff_role_is_taken_away(
        app: App, fake_telegram: FakeTelegram, sessions: Sessions,
        http: aiohttp.ClientSession, base_url: str) -> None:
    await _use_link(http, await one_time_link(fake_telegram, STAFF))
    assert (await http.get(f"{base_url}/members")).url.path == "/console/members"
    async with sessions.begin() as session:
        staff = await session.get(Member, 1)
        assert staff is not None
        staff.role = "member"

    assert (await http.get(f"{base_url}/members")).url.path == "/console/login"


async def test_an_idle_session_ends(
        database_url: str, sessions: Sessions, fake_telegram: FakeTelegram,
        tmp_path: Path, http: aiohttp.ClientSession) -> None:
    clock = LateClock()
    settings = console_settings(database_url, tmp_path / "idle", fake_telegram, free_port())
    await add_account(sessions, STAFF, name="李干事", role=Role.STAFF)
    async with running_app(settings, clock) as app:
        base = f"http://127.0.0.1:{app.http_port}/console"
        await _use_link(http, await one_time_link(fake_telegram, STAFF))
        clock.ahead = timedelta(minutes=29)
        assert (await http.get(f"{base}/claims")).url.path == "/console/claims"
        clock.ahead = timedelta(minutes=58)  # 29 minutes after the last request: still fine
        assert (await http.get(f"{base}/claims")).url.path == "/console/claims"
        clock.ahead = timedelta(minutes=89)

        assert (await http.get(f"{base}/claims")).url.path == "/console/login"


async def test_sign_out_everywhere_ends_other_browsers(
        app: App, fake_telegram: FakeTelegram, http: aiohttp.ClientSession,
        base_url: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as phone:
        await _use_link(phone, await one_time_link(fake_telegram, STAFF))
        await _use_link(http, await one_time_link(fake_telegram, STAFF))
        page = await (await http.get(f"{base_url}/")).text()
        await http.post(f"{base_url}/logout-everywhere", data={"csrf": CSRF.findall(page)[0]})

        assert (await phone.get(f"{base_url}/")).url.path == "/console/login"


async def test_password_guessing_is_throttled(
        app: App, sessions: Sessions, http: aiohttp.ClientSession, base_url: str) -> None:
    async with sessions.begin() as session:
        login = await staff_login(session, 1)
        login.username, login.password_hash = "li", PasswordHasher().hash("correct horse 1")
    statuses = []
    for attempt in ("guess1", "guess2", "guess3", "guess4", "guess5", "correct horse 1"):
        page = await (await http.get(f"{base_url}/login")).text()
        answer = await http.post(f"{base_url}/login", data={
            "csrf": CSRF.findall(page)[0], "username": "li", "password": attempt})
        statuses.append(answer.status)
    assert statuses == [401, 401, 401, 401, 401, 429]
    assert (await http.get(f"{base_url}/")).url.path == "/console/login"


async def test_a_password_signs_staff_in(
        app: App, sessions: Sessions, http: aiohttp.ClientSession, base_url: str) -> None:
    async with sessions.begin() as session:
        login = await staff_login(session, 1)
        login.username, login.password_hash = "li", PasswordHasher().hash("correct horse 1")
    page = await (await http.get(f"{base_url}/login")).text()
    answer = await http.post(f"{base_url}/login", data={
        "csrf": CSRF.findall(page)[0], "username": "li", "password": "correct horse 1"})
    assert answer.url.path == "/console/"
    cookie = answer.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie


async def test_script_in_a_members_name_and_message_is_shown_as_text(
        app: App, page: Page, fake_telegram: FakeTelegram, sessions: Sessions,
        base_url: str, tmp_path: Path) -> None:
    async with sessions.begin() as session:
        member = await session.get(Member, 2)
        assert member is not None
        member.display_name = XSS
    ticket_id = await seed_ticket(sessions, 2)
    async with sessions.begin() as session:
        ticket = await session.get(HandoffTicket, ticket_id)
        assert ticket is not None
        await record_message(session, ticket, author_id=2, direction=Direction.TO_STAFF,
                             text="<script>window.pwned=2</script>", now=utcnow())
    await seed_claim(sessions, tmp_path / "data", member_id=2, name=XSS,
                     description="<script>window.pwned=3</script>")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await sign_in(page, fake_telegram)

    for path in (f"/conversations/{ticket_id}", "/conversations", "/claims/1", "/claims"):
        await page.goto(f"{base_url}{path}")
        assert await page.evaluate("window.pwned") is None
    await expect(page.locator("h1")).to_have_text("Claims")
    await page.goto(f"{base_url}/conversations/{ticket_id}")
    await expect(page.locator("h1")).to_contain_text(XSS)
    await expect(page.locator(".thread")).to_contain_text("<script>window.pwned=2</script>")
    assert dialogs == []
    assert (await member_row(sessions, 2)).display_name == XSS

