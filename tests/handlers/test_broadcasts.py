"""Staff compose announcements in chat; members are refused, and the refusal is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.answering import load_answerer
from bot.config import Settings
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.messages import Attachment, AttachmentKind, Incoming
from handlers import all_routes
from models.audit import AuditEntry
from models.broadcast import Broadcast
from models.db import Sessions
from models.member import Role
from models.staff import grant_role
from tests.support.dialogue import Member

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.fixture
def dispatcher(settings: Settings, sessions: Sessions) -> Dispatcher:
    services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
    return Dispatcher(all_routes(), services, sessions, clock=lambda: NOW)


async def make_staff(sessions: Sessions, user_id: str) -> None:
    async with sessions.begin() as session:
        await grant_role(session, channel="telegram", external_id=user_id, role=Role.STAFF,
                         now=NOW, language="en")


async def test_a_member_cannot_announce_and_the_refusal_is_audited(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    member = Member(dispatcher, user_id="2001")
    assert "工会工作人员" in await member.command("/announce") or "staff" in member.last[0].text
    async with sessions.begin() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.allowed.is_(False)))
    assert entry is not None and entry.action == "announce"


async def test_staff_compose_preview_and_send_now(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await make_staff(sessions, "3001")
    staff = Member(dispatcher, user_id="3001", language="en")
    assert "announcement text" in await staff.command("/announce")
    assert "Who should receive it" in await staff.says("Lecture on Friday 19:00, room 2")
    assert ("Everyone", "bc.aud:all") in staff.buttons
    preview = await staff.presses("bc.aud:all")
    assert staff.last[1].text == "Lecture on Friday 19:00, room 2"  # exactly as members see it
    assert "Preview" in preview and ("Send now", "bc.go:now") in staff.buttons
    assert "going out now" in await staff.presses("bc.go:now")
    async with sessions.begin() as session:
        broadcast = await session.scalar(select(Broadcast))
        audit = await session.scalar(select(AuditEntry).where(
            AuditEntry.action == "broadcast.create"))
    assert broadcast is not None and broadcast.status == "scheduled" and broadcast.send_at == NOW
    assert audit is not None and audit.target == f"broadcast:{broadcast.id}"
    listing = await staff.command("/broadcasts")
    assert f"#{broadcast.id}" in listing and (f"Cancel #{broadcast.id}",
                                              f"bc.cancel:{broadcast.id}") in staff.buttons
    assert "cancelled" in await staff.presses(f"bc.cancel:{broadcast.id}")


async def test_staff_schedule_weekly(dispatcher: Dispatcher, sessions: Sessions) -> None:
    await make_staff(sessions, "3002")
    staff = Member(dispatcher, user_id="3002", language="en")
    await staff.command("/subscribe lectures")
    await staff.command("/announce")
    await staff.says("每周例会")
    await staff.presses("bc.aud:topic:lectures")
    await staff.presses("bc.go:every")
    assert "could not read" in await staff.says("sometimes")
    assert "every Monday 09:00" in await staff.says("every Monday 09:00")
    async with sessions.begin() as session:
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None and broadcast.recurrence == "weekly:0:09:00"
    assert broadcast.send_at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Mon 09:00 Beijing


async def test_settings_switch_topics(dispatcher: Dispatcher) -> None:
    member = Member(dispatcher, user_id="4001", language="en")
    await member.command("/settings")
    assert ("✅ Union announcements", "subs.off:announcements") in member.buttons
    assert ("⬜ Job fairs", "subs.on:job_fairs") in member.buttons
    assert "no longer receive" in await member.presses("subs.off:announcements")
    assert ("⬜ Union announcements", "subs.on:announcements") in member.buttons
    await member.command("/subscribe job_fairs")
    assert ("✅ Job fairs", "subs.off:job_fairs") in member.buttons
    await member.presses("subs.off:reminders")
    assert ("⬜ Reminders (lectures, job fairs, claims)", "subs.on:reminders") in member.buttons


async def test_only_admins_grant_roles(dispatcher: Dispatcher, sessions: Sessions) -> None:
    await make_staff(sessions, "3003")
    staff = Member(dispatcher, user_id="3003", language="en")
    assert "Only an admin" in await staff.command("/grant telegram 5 staff")
    async with sessions.begin() as session:
        await grant_role(session, channel="telegram", external_id="3004", role=Role.ADMIN,
                         now=NOW, language="en")
    admin = Member(dispatcher, user_id="3004", language="en")
    assert "now staff" in await admin.command("/grant telegram 5 staff")
    openid = "o-Ab_cd12EfGh34IjKl56MnOp78q"  # WeChat openids have - and _
    assert "now staff" in await admin.command(f"/grant wechat {openid} staff")
    for bad in ("/grant telegram ² staff", "/grant wechat o1;drop staff",
                "/grant telegram -5 staff"):
        assert "Usage" in await admin.command(bad)


async def test_send_now_in_quiet_hours_says_when_members_get_it(
    settings: Settings, sessions: Sessions,
) -> None:
    services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
    late = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 in Beijing
    dispatcher = Dispatcher(all_routes(), services, sessions, clock=lambda: late)
    await make_staff(sessions, "3005")
    staff = Member(dispatcher, user_id="3005", language="en")
    await staff.command("/announce")
    await staff.says("明早停水通知")
    await staff.presses("bc.aud:all")
    assert "quiet hours (22:00-08:00)" in await staff.presses("bc.go:now")


class Photos:
    """The channel's file fetcher, holding one photo."""

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        assert attachment.file_ref == "photo-1"
        return b"\xff\xd8jpeg"


async def test_a_photo_with_a_caption_is_previewed_and_stored(
    dispatcher: Dispatcher, sessions: Sessions,
) -> None:
    await make_staff(sessions, "3006")

    def incoming(n: int, **content: object) -> Incoming:
        return Incoming(channel="telegram", chat_id="3006", user_id="3006",
                        update_id=f"p{n}", **content)  # type: ignore[arg-type]

    await dispatcher.handle(incoming(1, command="announce"))
    photo = Attachment(AttachmentKind.PHOTO, "photo-1", "image/jpeg", 6)
    await dispatcher.handle(incoming(2, text="劳模表彰大会", attachment=photo), files=Photos())
    preview = await dispatcher.handle(incoming(3, payload="bc.aud:all"), files=Photos())
    assert preview[1].text == "劳模表彰大会"
    assert preview[1].file is not None and preview[1].file.as_photo
    await dispatcher.handle(incoming(4, payload="bc.go:urgent"), files=Photos())
    async with sessions.begin() as session:
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None and broadcast.photo == b"\xff\xd8jpeg" and broadcast.urgent
