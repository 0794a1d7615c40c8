"""The delivery engine's WeChat sender against the fake API: the 48-hour window, template
messages for service notices only, and WeChat's refusals as outcomes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.sender import WeChatSender
from bot.config import Settings
from bot.delivery.sender import MessageKind, Outcome
from bot.messages import Button, Reply
from models.db import Sessions
from models.member import Member
from models.options import chosen_option
from tests.support.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChat
from tests.support.flaky import FlakySessions

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECENT, QUIET = "oRecent", "oQuiet"
ANNOUNCE = MessageKind.ANNOUNCEMENT
NOTICE = MessageKind.SERVICE_NOTICE


@pytest.fixture
async def members(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        for openid, seen in ((RECENT, NOW - timedelta(hours=3)), (QUIET, NOW - timedelta(days=3)),
                             ("oGone", NOW)):
            session.add(Member(channel="wechat", external_id=openid, chat_id=openid,
                               language="zh_CN", created_at=seen, last_seen_at=seen,
                               unreachable=openid == "oGone"))


@pytest.fixture
async def make_sender(
    sessions: Sessions, make_settings: Callable[..., Settings], fake_wechat: FakeWeChat,
    members: None,
) -> AsyncIterator[Callable[..., WeChatSender]]:
    api = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url)

    def make(**wechat: str) -> WeChatSender:
        return WeChatSender(api, sessions, make_settings(**wechat).wechat, clock=lambda: NOW)

    yield make
    await api.close()


async def test_a_member_who_wrote_recently_gets_a_customer_service_message(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat, sessions: Sessions
) -> None:
    reply = Reply(text="工会春季讲座报名开始。", buttons=((Button("报名", "lectures.show:3"),),))
    result = await make_sender().deliver(RECENT, reply, kind=ANNOUNCE)
    assert result.outcome is Outcome.SENT
    [sent] = fake_wechat.to(RECENT)
    assert sent.kind == "text"
    assert sent.text.splitlines()[:2] == ["工会春季讲座报名开始。", "1. 报名"]
    async with sessions.begin() as session:
        assert await chosen_option(session, channel="wechat", chat_id=RECENT, number=1,
                                   now=NOW) == "lectures.show:3"


async def test_an_announcement_outside_48_hours_is_out_of_window_without_a_call(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat
) -> None:
    result = await make_sender().deliver(QUIET, Reply(text="公告"), kind=ANNOUNCE)
    assert result.outcome is Outcome.OUT_OF_WINDOW
    assert fake_wechat.sent == [] and fake_wechat.rejected == []


async def test_a_service_notice_outside_48_hours_goes_as_a_template_message(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat
) -> None:
    result = await make_sender().deliver(QUIET, Reply(text="您的互助金已到账。"), kind=NOTICE)
    assert result.outcome is Outcome.SENT
    [sent] = fake_wechat.to(QUIET)
    assert (sent.kind, sent.body["template_id"], sent.text) == (
        "template", "TPL-notice", "您的互助金已到账。")


async def test_without_a_template_a_late_service_notice_waits_for_the_member(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat
) -> None:
    result = await make_sender(template_id="").deliver(QUIET, Reply(text="x"), kind=NOTICE)
    assert result.outcome is Outcome.WAITING
    assert fake_wechat.sent == []


@pytest.mark.parametrize(("errcode", "outcome"), [
    (45015, Outcome.OUT_OF_WINDOW), (45047, Outcome.OUT_OF_WINDOW), (43004, Outcome.BLOCKED),
    (45009, Outcome.TRANSIENT), (-1, Outcome.TRANSIENT), (45011, Outcome.RETRY_AFTER),
    (40035, Outcome.FAILED),
])
async def test_wechat_refusals_become_outcomes(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat, errcode: int,
    outcome: Outcome,
) -> None:
    fake_wechat.errors[RECENT] = errcode
    result = await make_sender().deliver(RECENT, Reply(text="公告"), kind=ANNOUNCE)
    assert result.outcome is outcome
    assert (result.retry_after is not None) == (outcome is Outcome.RETRY_AFTER)
    assert fake_wechat.sent == []


async def test_a_service_notice_refused_with_45015_falls_back_to_the_template(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat
) -> None:
    fake_wechat.errors[RECENT] = 45015
    result = await make_sender().deliver(RECENT, Reply(text="候补转正通知"), kind=NOTICE)
    assert result.outcome is Outcome.SENT
    assert [s.kind for s in fake_wechat.to(RECENT)] == ["template"]


async def test_a_stale_token_40001_is_refreshed_and_the_message_sent(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat
) -> None:
    sender = make_sender()
    assert (await sender.deliver(RECENT, Reply(text="一"), kind=ANNOUNCE)).outcome is Outcome.SENT
    fake_wechat.invalidate_token()
    assert (await sender.deliver(RECENT, Reply(text="二"), kind=ANNOUNCE)).outcome is Outcome.SENT
    assert fake_wechat.rejected == [40001]
    assert [s.text for s in fake_wechat.to(RECENT)] == ["一", "二"]


@pytest.mark.parametrize("openid", ["oGone", "oNeverSeen"])
async def test_unfollowed_or_unknown_members_are_blocked(
    make_sender: Callable[..., WeChatSender], fake_wechat: FakeWeChat, openid: str
) -> None:
    result = await make_sender().deliver(openid, Reply(text="x"), kind=NOTICE)
    assert result.outcome is Outcome.BLOCKED
    assert fake_wechat.sent == []


async def test_a_message_sent_is_sent_even_if_its_options_cannot_be_noted(
    make_settings: Callable[..., Settings], fake_wechat: FakeWeChat, sessions: Sessions,
    members: None,
) -> None:
    flaky = FlakySessions(sessions, fail_at={2})  # 1: the member looked up; 2: options noted
    api = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url)
    sender = WeChatSender(api, flaky, make_settings().wechat, clock=lambda: NOW)
    reply = Reply(text="讲座报名开始。", buttons=((Button("报名", "lectures.show:3"),),))
    result = await sender.deliver(RECENT, reply, kind=ANNOUNCE)
    await api.close()
    assert result.outcome is Outcome.SENT  # so the engine will not send it again
    assert len(fake_wechat.to(RECENT)) == 1
