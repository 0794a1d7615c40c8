"""Mass send (群发): staff see who can still be reached this month before confirming; each
follower receives at most 4 a calendar month."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.mass import MassSender
from bot.delivery.sender import Outcome
from models.db import Sessions
from models.mass_sends import record_mass_send
from tests.support.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChat

MARCH = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Beijing
FOLLOWERS = ["oA", "oB", "oC"]


@pytest.fixture
async def api(fake_wechat: FakeWeChat) -> AsyncIterator[WeChatApi]:
    client = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url)
    yield client
    await client.close()


async def test_a_follower_who_had_four_this_month_is_left_out(
    api: WeChatApi, sessions: Sessions, fake_wechat: FakeWeChat
) -> None:
    async with sessions.begin() as session:
        for _ in range(4):
            await record_mass_send(session, channel="wechat", chat_ids=["oC"], month="2026-04")
        await record_mass_send(session, channel="wechat", chat_ids=["oB"], month="2026-03")
    sender = MassSender(api, sessions, clock=lambda: MARCH)
    plan = await sender.plan(FOLLOWERS)
    assert (plan.month, plan.reachable, plan.over_quota) == ("2026-04", ("oA", "oB"), ("oC",))
    result = await sender.send(plan, "五一劳动节慰问品领取通知")
    assert result.outcome is Outcome.SENT
    assert sorted(s.openid for s in fake_wechat.sent) == ["oA", "oB"]
    again = await sender.plan(FOLLOWERS)
    assert again.reachable == ("oA", "oB")  # 1 of 4 used
    for _ in range(3):
        await sender.send(await sender.plan(FOLLOWERS), "通知")
    assert (await sender.plan(FOLLOWERS)).reachable == ()


async def test_wechat_saying_no_quota_is_out_of_window(
    api: WeChatApi, sessions: Sessions, fake_wechat: FakeWeChat
) -> None:
    fake_wechat.invalidate_token()
    fake_wechat.expire_token()
    sender = MassSender(api, sessions, clock=lambda: MARCH)
    plan = await sender.plan(FOLLOWERS)
    fake_wechat.errors["*mass"] = 45028
    result = await sender.send(plan, "通知")
    assert result.outcome is Outcome.OUT_OF_WINDOW
    assert (await sender.plan(FOLLOWERS)).reachable == tuple(FOLLOWERS)
