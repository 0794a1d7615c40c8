"""WeChat's 5-second rule: a slow answer goes out by the customer-service API, and a message
WeChat re-posts is answered once, in one process or two sharing the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from bot.answering import load_answerer
from bot.channels.base import Outbound
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.channel import WeChatChannel
from bot.config import Settings
from bot.context import Context, Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.messages import Incoming, Reply
from bot.routing import Route
from handlers import all_routes
from models.db import Sessions, make_engine
from tests.channels.wechat.conftest import Serve, channel_app
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChat, Follower


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
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def make_channel(
    sessions: Sessions, make_settings: Callable[..., Settings], fake_wechat: FakeWeChat,
    gate: Gate,
) -> AsyncIterator[Callable[[float], WeChatChannel]]:
    """A WeChat channel with its own engine: two of them are two processes."""
    channels: list[WeChatChannel] = []
    settings = make_settings()

    def make(budget: float) -> WeChatChannel:
        routes = (*all_routes(), Route(gate.slow_answer, command="slow"))
        services = Services(settings=settings, catalogs=Catalogs(), answerer=load_answerer())
        dispatcher = Dispatcher(routes, services, Sessions(make_engine(settings.database.url)))
        api = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url)
        channel = WeChatChannel(settings.wechat, dispatcher, Outbound(), api, reply_budget=budget)
        channels.append(channel)
        return channel

    yield make
    gate.opened.set()
    for channel in channels:
        await channel.stop()
        await channel.sessions.dispose()


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
