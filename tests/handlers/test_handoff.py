"""Talking to a person: the ticket, relaying, staff answers, /done, office hours, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from bot.messages import Address, Attachment, AttachmentKind, Incoming, Reply
from models.audit import AuditEntry
from models.db import Sessions
from models.handoff import HandoffTicket
from tests.support.dialogue import Member, notices
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, STAFF_CHAT, add_staff, event_settings

STAFF = Address("telegram", STAFF_CHAT)


class Inbox:
    """What one chat was sent by notice since the last look."""

    def __init__(self, dispatcher: Dispatcher, address: Address) -> None:
        self.dispatcher, self.address, self.seen = dispatcher, address, 0

    async def new(self) -> list[str]:
        found = await notices(self.dispatcher, self.address)
        fresh, self.seen = found[self.seen:], len(found)
        return [notice.text for notice in fresh]


def _staff_reply(text: str, replying_to: str, user_id: str = "900") -> Incoming:
    return Incoming(channel="telegram", chat_id=STAFF_CHAT, user_id=user_id,
                    display_name="李老师", language_hint="zh-hans", text=text,
                    reply_to_text=replying_to, is_private=False, update_id=f"s-{text}")


async def test_member_talks_to_staff_and_staff_answer(
    sessions: Sessions, database_url: str
) -> None:
    await add_staff(sessions, "900")
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang = Member(dispatcher, user_id="1")
    staff, member = Inbox(dispatcher, STAFF), Inbox(dispatcher, Address("telegram", "1"))

    opened = await wang.presses("human.start")
    assert "工单 #T1" in opened and "非工作时间" not in opened  # Wednesday 10:00
    assert await staff.new() == ["#T1 王芳 请求人工服务。"]
    assert ("结束对话", "human.done") in wang.buttons

    assert "已转给工作人员（#T1）" in await wang.says("我的京卡丢了怎么办？")
    relayed = await staff.new()
    assert relayed == ["#T1 王芳: 我的京卡丢了怎么办？"]

    replies = await dispatcher.handle(_staff_reply("请到银行网点挂失。", relayed[0]))
    assert await member.new() == ["工会工作人员（#T1）：请到银行网点挂失。"]
    assert [r.text for r in replies] == ["已排队发给 王芳（#T1）。"]

    done = await wang.command("/done")
    assert "已结束" in done
    assert await staff.new() == ["#T1 王芳 结束了对话。"]
    # After /done the member's words go to the bot again, not to staff.
    await wang.says("你好")
    assert await staff.new() == []


async def test_member_can_start_by_typing_and_end_by_button(
    sessions: Sessions, database_url: str
) -> None:
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    assert "ticket #T1" in await wang.command("/human")
    assert "has ended" in await wang.presses("human.done")
    assert "no open conversation" in await wang.command("/done")
    assert "no open conversation" in await wang.command("/done thanks")


async def test_cancel_during_a_conversation_with_staff_closes_the_ticket(
    sessions: Sessions, database_url: str
) -> None:
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    assert "ticket #T1" in await wang.command("/human")
    assert "has ended" in await wang.command("/cancel")
    assert (await Inbox(wang.dispatcher, STAFF).new())[-1] == "#T1 王芳 结束了对话。"
    async with sessions.begin() as session:
        ticket = await session.scalar(select(HandoffTicket))
    assert ticket is not None and ticket.status == "closed"
    assert "nothing to cancel" in await wang.command("/cancel")


async def test_outside_office_hours_member_is_told_when_to_expect_an_answer(
    sessions: Sessions, database_url: str
) -> None:
    saturday_night = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # Sat 21:00 in Beijing
    dispatcher = make_dispatcher(event_settings(database_url), sessions,
                                 clock=lambda: saturday_night)
    wang = Member(dispatcher, language="en")
    opened = await wang.command("/human")
    assert "not at work right now" in opened
    assert "Mon–Fri 09:00-17:30" in opened
    assert "Mon, Dec 7 09:00" in opened


async def test_staff_close_a_ticket_and_the_member_is_told(
    sessions: Sessions, database_url: str
) -> None:
    await add_staff(sessions, "900")
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang = Member(dispatcher, user_id="1", language="en")
    await wang.command("/human")
    staff_done = Incoming(channel="telegram", chat_id=STAFF_CHAT, user_id="900",
                          command="done", args=("T1",), is_private=False, update_id="d1")
    replies = await dispatcher.handle(staff_done)
    assert [r.text for r in replies] == ["已关闭 #T1。"]
    told = await Inbox(dispatcher, Address("telegram", "1")).new()
    assert told == ["Union staff have closed this conversation (#T1). "
                    "Send /human if you need a person again."]
    # The member's flow ended with the ticket: their next words are not relayed.
    staff = Inbox(dispatcher, STAFF)
    await staff.new()
    await wang.says("thanks")
    assert await staff.new() == []


async def test_members_cannot_act_as_staff_and_are_audited(
    sessions: Sessions, database_url: str
) -> None:
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang = Member(dispatcher, user_id="1")
    await wang.command("/human")
    await wang.says("你好")
    intruder = Member(dispatcher, user_id="66", language="en")
    assert "only for union staff" in await intruder.command("/done T1")
    assert "only for union staff" in await intruder.command("/tickets")
    replies = await dispatcher.handle(_staff_reply("fake answer", "#T1 王芳: 你好", "66"))
    assert replies == [Reply(text="Sorry, that is only for union staff.")]  # not to Wang Fang
    async with sessions.begin() as session:
        refused = list(await session.scalars(
            select(AuditEntry.action).where(AuditEntry.allowed.is_(False))))
        ticket = await session.get(HandoffTicket, 1)
    assert sorted(refused) == ["handoff.close", "handoff.reply", "tickets"]
    assert ticket is not None and ticket.is_open


async def test_staff_list_open_tickets_and_closed_tickets_refuse_answers(
    sessions: Sessions, database_url: str
) -> None:
    await add_staff(sessions, "900")
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    wang = Member(dispatcher, user_id="1")
    await wang.command("/human")
    staff = Member(dispatcher, user_id="900", language="en")
    assert "#T1 王芳" in await staff.command("/tickets")
    photo = _staff_reply("", "#T1 王芳: 你好")
    replies = await dispatcher.handle(replace(photo, text=None, attachment=Attachment(
        AttachmentKind.PHOTO, "p1"), update_id="photo"))
    assert [r.text for r in replies] == ["只能把文字转给职工，请输入文字。"]
    await wang.command("/done")
    replies = await dispatcher.handle(_staff_reply("late answer", "#T1 王芳: 你好"))
    assert [r.text for r in replies] == ["工单 #T1 未在处理中。"]


async def test_handoff_not_configured(sessions: Sessions, database_url: str) -> None:
    settings = event_settings(database_url).model_copy(
        update={"handoff": event_settings(database_url).handoff.model_copy(
            update={"staff_chat": ""})})
    wang = Member(make_dispatcher(settings, sessions, NOW), language="en")
    answer = await wang.command("/human")
    assert "No staff member can answer in this chat" in answer
    assert "Union hotline: 12351" in answer


async def test_member_photo_during_handoff_is_not_relayed(
    sessions: Sessions, database_url: str
) -> None:
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    await wang.command("/human")
    await wang.send(attachment=Attachment(AttachmentKind.PHOTO, "f1"))
    assert "only pass text messages" in wang.last[0].text
    assert await Inbox(wang.dispatcher, STAFF).new() == ["#T1 王芳 请求人工服务。"]


async def test_words_in_a_group_during_a_conversation_are_not_relayed(
    sessions: Sessions, database_url: str
) -> None:
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    staff = Inbox(wang.dispatcher, STAFF)
    await wang.command("/human")
    await staff.new()
    in_group = await wang.send(text="my salary is 5000", chat_id="-100555", is_private=False)
    assert [r.text for r in in_group] == [
        "Please write to me privately for this: it concerns you alone, so I do not answer "
        "it in a group."]
    assert await staff.new() == []
    group = await wang.send(command="human", is_private=False, chat_id="-100555")
    assert "privately" in group[0].text


async def test_other_replies_to_the_bot_are_answered_as_usual(
    sessions: Sessions, database_url: str
) -> None:
    await add_staff(sessions, "900")
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    private = Incoming(channel="telegram", chat_id="1", user_id="1", language_hint="en",
                       text="/lectures?", reply_to_text="#T1 王芳: hello", update_id="p1")
    replies = await dispatcher.handle(private)
    assert replies and all(r.to is None for r in replies)
    assert "only for union staff" not in replies[0].text
    no_ticket = await dispatcher.handle(_staff_reply("thanks all", "Good morning"))
    assert all(r.to is None for r in no_ticket)
