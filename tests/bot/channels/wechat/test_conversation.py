"""On WeChat (which sends no language): English typed gets English, 算了 leaves a flow, another
command asks first with numbered options, and /human gives the union's hotline."""

from __future__ import annotations

from tests.bot.channels.wechat.conftest import MakeChannel, Serve, channel_app
from tests.support.fakes.wechat_api import Follower


async def test_a_follower_in_their_own_words(make_wechat_channel: MakeChannel,
                                             serve: Serve) -> None:
    channel = make_wechat_channel(4.0)
    follower = Follower(await serve(channel_app(channel)) + "/wechat")
    assert "Hello" in (await follower.says("hello")).text
    asked = (await follower.says("/bind")).text
    assert "Step 1 of 3" in asked
    leave = (await follower.says("/discounts")).text
    assert "middle of: linking your membership" in leave and "1. Continue" in leave
    assert "go on" in (await follower.says("1")).text
    assert "Cancelled" in (await follower.says("never mind")).text
    human = (await follower.says("/human")).text
    assert "Union hotline: 12351" in human and "Telegram" not in human
    chinese = (await follower.says("你好")).text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
