"""WeChat's 5-second rule: a slow answer goes out by the customer-service API, and a message
WeChat re-posts is answered once, in one process or two sharing the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from bot.channels.wechat.channel import WeChatChannel
from bot.context import Context
from bot.messages import Incoming, Reply
from bot.routing import Route
from tests.bot.channels.wechat.conftest import MakeChannel, Serve, channel_app
from tests.support.fakes.wechat_api import FakeWeChat, Follower


class Gate:
    """A handler that answers only when the test opens the gate (no sleeping)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()
        self.calls = 0

    async def slow_answer(self, msg: Incoming, ctx: Context) -> Reply:
        """Answers once the gate opens."""
        self.calls += 1
        self.entered.set()
        await self.opened.wait()
        return Reply(text="查询结果：您的申请已受理。")


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.opened.set()  # a failed test must not leave the channel's drain waiting


@pytest.fixture
def make_channel(make_wechat_channel: MakeChannel, gate: Gate) -> Callable[[float], WeChatChannel]:
    """A WeChat channel with its own engine (two of them are two processes), and `/slow`."""
    return lambda budget: make_wechat_channel(budget, (Route(gate.slow_answer, command="slow"),))


async def test_a_slow_answer_says_success_now_and_arrives_by_the_api(
    make_channel: Callable[[float], WeChatChannel], serve: Serve, fake_wechat: FakeWeChat,
    gate: Gate,
) -> None:
    channel = make_channel(0.2)
    member = Follower(await serve(channel_app(channel)) + "/wechat")
    answer = await member.says("/slow")
    assert (answer.status, answer.body) == (200, "success")
    assert gate.calls == 1 and not gate.opened.is_set()
    gate.opened.set()
    sent = await fake_wechat.wait_for(member.openid, 1)
    assert [s.text for s in sent] == ["查询结果：您的申请已受理。"]
    await channel.drain()
    assert len(fake_wechat.to(member.openid)) == 1


async def test_retries_while_the_first_is_running_get_one_answer(
    make_channel: Callable[[float], WeChatChannel], serve: Serve, fake_wechat: FakeWeChat,
    gate: Gate,
) -> None:
    channel = make_channel(0.2)
    member = Follower(await serve(channel_app(channel)) + "/wechat")
    answers = [await member.says("/slow", msg_id=42) for _ in range(4)]  # WeChat: 1 + 3 retries
    assert {a.body for a in answers} == {"success"}
    gate.opened.set()
    await fake_wechat.wait_for(member.openid, 1)
    await channel.drain()
    assert gate.calls == 1
    assert len(fake_wechat.to(member.openid)) == 1


async def test_a_retry_after_the_answer_is_not_answered_again(
    make_channel: Callable[[float], WeChatChannel], serve: Serve, fake_wechat: FakeWeChat,
) -> None:
    channel = make_channel(4.0)
    member = Follower(await serve(channel_app(channel)) + "/wechat")
    first = await member.says("/help", msg_id=77)
    retry = await member.says("/help", msg_id=77)
    other = await member.says("/help", msg_id=78)
    await channel.drain()
    assert first.text and other.text == first.text
    assert retry.body == "success"
    assert fake_wechat.sent == []


async def test_two_events_in_one_second_are_both_answered_but_each_once(
    make_channel: Callable[[float], WeChatChannel], serve: Serve,
) -> None:
    channel = make_channel(4.0)
    member = Follower(await serve(channel_app(channel)) + "/wechat")
    more = member.fields("event", Event="CLICK", EventKey="menu.more", CreateTime=1700000000)
    main = member.fields("event", Event="CLICK", EventKey="menu.main", CreateTime=1700000000)
    answers = [await member.post(more), await member.post(main), await member.post(more)]
    assert [bool(a.text) for a in answers] == [True, True, False]


async def test_two_processes_sharing_the_database_answer_a_retry_once(
    make_channel: Callable[[float], WeChatChannel], serve: Serve, fake_wechat: FakeWeChat,
    gate: Gate,
) -> None:
    first, second = make_channel(10.0), make_channel(0.3)
    to_first = Follower(await serve(channel_app(first)) + "/wechat")
    to_second = Follower(await serve(channel_app(second)) + "/wechat")
    original = asyncio.create_task(to_first.says("/slow", msg_id=9001))
    await gate.entered.wait()
    retry = await to_second.says("/slow", msg_id=9001)  # WeChat's retry, another process
    assert retry.body == "success"
    gate.opened.set()
    answer = await original
    await second.drain()
    await first.drain()
    assert answer.text == "查询结果：您的申请已受理。"
    assert gate.calls == 1
    assert fake_wechat.sent == []
