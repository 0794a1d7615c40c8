"""Console pages over plain HTTP (no browser needed): cancelling an event tells everyone
registered, exports, giving a waitlisted member a seat, check-in, the roster import's dry run,
assigning an unanswered question, and `unionbot staff passwd`."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import App
from bot.cli import main
from models.base import utcnow
from models.broadcast import OutboxMessage
from models.db import Sessions
from models.events import Event, Registration, register
from models.member import Member, Role
from models.roster import RosterEntry
from models.unanswered import UnansweredQuestion, record_unanswered
from tests.support.console import MEMBER, add_account, one_time_link, seed_claim
from tests.support.fakes.telegram_api import FakeTelegram

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def staff_http(app: App, fake_telegram: FakeTelegram
                     ) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A signed-in staff browser without the browser; yields it and a CSRF token."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        link = await one_time_link(fake_telegram, 2002)
        page = await (await http.get(link)).text()
        answer = await http.post(link, data={"csrf": CSRF.findall(page)[0]})
        yield http, CSRF.findall(await answer.text())[0]


async def _event_with(sessions: Sessions, members: list[int], capacity: int = 1) -> int:
    now = utcnow()
    async with sessions.begin() as session:
        event = Event(kind="lecture", topic="legal", title_zh="劳动法讲座", title_en="Labour law",
                      starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
                      capacity=capacity, taken=0)
        session.add(event)
        await session.flush()
        for member in members:
            await register(session, event_id=event.id, member_id=member, now=now)
        return event.id


async def test_cancelling_an_event_tells_everyone_registered_in_their_language(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        fake_telegram: FakeTelegram, base_url: str) -> None:
    http, csrf = staff_http
    chinese = await add_account(sessions, 3003, name="张伟", language="zh_CN")
    event_id = await _event_with(sessions, [2, chinese])
    await http.post(f"{base_url}/events/{event_id}/cancel",
                    data={"csrf": csrf, "reason": "The hall is closed for repairs."})

    english = (await fake_telegram.wait_for(MEMBER, 1))[-1].text
    zh = (await fake_telegram.wait_for(3003, 1))[-1].text
    assert english.startswith("Sorry: Labour law (") and "is cancelled" in english
    assert english.endswith("The hall is closed for repairs.")
    assert zh.startswith("抱歉：劳动法讲座（") and "已取消" in zh
    async with sessions.begin() as session:
        event = await session.get(Event, event_id)
        assert event is not None and event.cancelled_at is not None


async def test_a_waitlisted_member_given_a_seat_is_told_and_can_be_checked_in(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        fake_telegram: FakeTelegram, base_url: str) -> None:
    http, csrf = staff_http
    first = await add_account(sessions, 3004, name="刘洋")
    event_id = await _event_with(sessions, [first, 2])
    async with sessions.begin() as session:
        waiting = await session.scalar(select(Registration.id).where(
            Registration.member_id == 2))
    await http.post(f"{base_url}/events/{event_id}/promote/{waiting}", data={"csrf": csrf})
    told = (await fake_telegram.wait_for(MEMBER, 1))[-1].text
    assert told.startswith("Good news: a seat came free and it is yours.")

    await http.post(f"{base_url}/events/{event_id}/checkin/{waiting}", data={"csrf": csrf})
    async with sessions.begin() as session:
        registration = await session.get(Registration, waiting)
        event = await session.get(Event, event_id)
        assert registration is not None and registration.status == "confirmed"
        assert registration.checked_in_at is not None and event is not None and event.taken == 2


async def test_the_registration_list_exports_as_csv_and_xlsx_without_formulas(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        base_url: str) -> None:
    http, _csrf = staff_http
    sly = await add_account(sessions, 3005, name="=HYPERLINK(\"http://x\")")
    event_id = await _event_with(sessions, [2, sly], capacity=5)

    text = (await (await http.get(f"{base_url}/events/{event_id}/export.csv")).read())
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][:2] == ["status", "name"]
    assert [row[1] for row in rows[1:]] == ["王芳", "'=HYPERLINK(\"http://x\")"]
    book = load_workbook(io.BytesIO(await (await http.get(
        f"{base_url}/events/{event_id}/export.xlsx")).read()))
    sheet = book.active
    assert sheet is not None and sheet["B3"].value == "'=HYPERLINK(\"http://x\")"


async def test_a_roster_import_dry_run_lists_errors_and_writes_nothing(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        base_url: str) -> None:
    http, csrf = staff_http
    async with sessions.begin() as session:
        staff = await session.get(Member, 1)
        assert staff is not None
        staff.role = Role.ADMIN.value
    sheet = ("card_number,name,phone,workplace_union\n"
             "6200000000000123,王芳,13800001234,西城\n"
             "12,李四,13800001235,西城\n").encode()

    async def upload(apply: str) -> str:
        form = aiohttp.FormData({"csrf": csrf, "apply": apply})
        form.add_field("file", sheet, filename="roster.csv", content_type="text/csv")
        return await (await http.post(f"{base_url}/roster-import", data=form)).text()

    for apply in ("0", "1"):
        page = await upload(apply)
        assert "row 3, card_number" in page and "138****1234" in page
    async with sessions.begin() as session:
        assert await session.scalar(select(RosterEntry)) is None


async def test_assigning_an_unanswered_question_takes_it_off_the_list(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        base_url: str) -> None:
    http, csrf = staff_http
    async with sessions.begin() as session:
        question_id = await record_unanswered(
            session, now=utcnow(), channel="telegram", language="zh_CN", text="京卡能在超市用吗",
            best_intent="jingka.discounts", confidence=0.4, reason="low_confidence")
    assert "京卡能在超市用吗" in await (await http.get(f"{base_url}/unanswered")).text()
    answer = await http.post(f"{base_url}/unanswered/{question_id}",
                             data={"csrf": csrf, "intent": "jingka.discounts"})
    assert answer.status == 200
    assert "京卡能在超市用吗" not in await answer.text()
    async with sessions.begin() as session:
        done = await session.get(UnansweredQuestion, question_id)
        assert done is not None and (done.status, done.assigned_intent, done.assigned_by) == (
            "assigned", "jingka.discounts", 1)


async def test_staff_passwd_sets_a_password_only_for_staff(
        app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The command runs beside the running bot, as it would: the bot's loop goes on (a frozen
    # loop could hold SQLite's write lock mid-transaction and make the command wait for it).
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", app.settings.database.url)
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert await asyncio.to_thread(
        main, ["staff", "passwd", "--user-id", "2002", "--username", "lifang"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert await asyncio.to_thread(
        main, ["staff", "passwd", "--user-id", "1001", "--username", "wangfang"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert await asyncio.to_thread(
        main, ["staff", "passwd", "--user-id", "2002", "--username", "lifang"]) == 2
    err = capsys.readouterr().err
    assert "telegram:1001 is not staff" in err and "at least 10 characters" in err


async def test_a_broadcast_to_an_events_registrants_reaches_only_them(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        fake_telegram: FakeTelegram, base_url: str) -> None:
    http, csrf = staff_http
    outsider = await add_account(sessions, 3006, name="陈静")
    event_id = await _event_with(sessions, [2], capacity=5)
    form = aiohttp.FormData({"csrf": csrf, "text": "Bring your ID card on Friday.",
                             "audience": f"event:{event_id}", "when": "now"})
    answer = await http.post(f"{base_url}/broadcasts", data=form)
    assert answer.url.path.startswith("/console/broadcasts/")

    got = await fake_telegram.wait_for(MEMBER, 1, within=30)
    assert got[-1].text == "Bring your ID card on Friday."
    async with sessions.begin() as session:
        recipients = list(await session.scalars(select(OutboxMessage.member_id).where(
            OutboxMessage.broadcast_id.is_not(None))))
    assert recipients == [2] and outsider not in recipients


async def test_an_admin_changes_a_staff_role_and_staff_cannot(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        base_url: str) -> None:
    http, csrf = staff_http
    other = await add_account(sessions, 3007, name="赵敏", role=Role.STAFF)
    refused = await http.post(f"{base_url}/members/account/{other}/role",
                              data={"csrf": csrf, "role": "member"})
    assert refused.status == 403
    async with sessions.begin() as session:
        me = await session.get(Member, 1)
        assert me is not None
        me.role = Role.ADMIN.value
    assert "赵敏" in await (await http.get(f"{base_url}/members")).text()
    await http.post(f"{base_url}/members/account/{other}/role",
                    data={"csrf": csrf, "role": "member"})
    async with sessions.begin() as session:
        demoted = await session.get(Member, other)
        assert demoted is not None and demoted.role == "member"


async def test_rejecting_or_asking_for_documents_tells_the_member_the_reason(
        app: App, staff_http: tuple[aiohttp.ClientSession, str], sessions: Sessions,
        fake_telegram: FakeTelegram, base_url: str, tmp_path: Path) -> None:
    http, csrf = staff_http
    claim_id = await seed_claim(sessions, tmp_path / "data", member_id=2)
    await http.post(f"{base_url}/claims/{claim_id}/decide", data={
        "csrf": csrf, "action": "documents", "reason": "The discharge summary, please."})
    asked = (await fake_telegram.wait_for(MEMBER, 1))[-1]
    assert asked.text.endswith("needs more documents: The discharge summary, please.")
    assert asked.buttons == [("Send documents", f"claim.more:{claim_id}")]

    await http.post(f"{base_url}/claims/{claim_id}/decide", data={
        "csrf": csrf, "action": "reject", "reason": "Outside the plan's claim window."})
    rejected = (await fake_telegram.wait_for(MEMBER, 2))[-1].text
    assert "was not approved. Reason: Outside the plan's claim window." in rejected
    page = await (await http.get(f"{base_url}/claims/{claim_id}")).text()
    assert "Outside the plan" in page and 'id="approve"' not in page
