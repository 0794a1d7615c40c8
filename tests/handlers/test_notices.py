"""/notices: staff see whether each notice was delivered, is still queued, or why it failed."""

from __future__ import annotations

from sqlalchemy import update

from models.broadcast import OutboxMessage
from models.db import Sessions
from tests.support.delivery import FakeTime, ScriptedSender, engine_for
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_staff, event_settings


async def test_staff_see_each_notice_queued_then_delivered(
    sessions: Sessions, database_url: str
) -> None:
    await add_staff(sessions, "900")
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang, staff = Member(dispatcher, user_id="1"), Member(dispatcher, user_id="900")
    await wang.command("/human")
    assert await wang.command("/notices") == "抱歉，此功能仅限工会工作人员使用。"
    listed = await staff.command("/notices")
    assert "工作人员群: 排队中 · #T1 王芳 请求人工服务。" in listed

    sender = ScriptedSender()
    async with sessions.begin() as session:  # the engine's clock must see the row as due
        await session.execute(update(OutboxMessage).values(available_at=NOW))
    await engine_for(sessions, sender, FakeTime(now=NOW)).drain("telegram")
    assert sender.sent == [("-1001234", "#T1 王芳 请求人工服务。")]
    assert "工作人员群: 已送达" in await staff.command("/notices")
