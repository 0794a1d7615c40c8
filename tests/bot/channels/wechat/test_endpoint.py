"""A member on WeChat talks to the real App's HTTP server, as WeChat would post it: the URL
check, the three encryption modes, menu clicks, numbered options, follow and unfollow."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.wechat.crypto import signature
from bot.config import Settings
from models.conversation import load_state, save_state
from models.db import Sessions
from models.member import Member
from tests.bot.channels.wechat.conftest import Serve
from tests.support.fakes.wechat_api import TOKEN, FakeWeChat, Follower


@pytest.fixture
async def app(sessions: Sessions, make_settings: Callable[..., Settings]) -> AsyncIterator[App]:
    app = App(make_settings())
    yield app
    await app.stop()


@pytest.fixture
async def url(app: App, serve: Serve) -> str:
    return await serve(app.http_app()) + "/wechat"


async def test_the_url_check_echoes_echostr_verbatim(url: str) -> None:
    stamp, nonce = str(int(time.time())), "8731"
    query = {"signature": signature(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce,
             "echostr": "6253419081123937311"}
    async with aiohttp.ClientSession() as http, http.get(url, params=query) as response:
        assert response.status == 200
        assert await response.read() == b"6253419081123937311"
        query["signature"] = "0" * 40
    async with aiohttp.ClientSession() as http, http.get(url, params=query) as response:
        assert response.status == 403


async def test_enabling_wechat_makes_run_serve_platforms(app: App) -> None:
    assert app.serves_platforms


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
async def test_a_new_follower_is_welcomed_with_a_numbered_menu_in_each_mode(
    sessions: Sessions, make_settings: Callable[..., Settings], serve: Serve, mode: str
) -> None:
    app = App(make_settings(mode=mode))
    try:
        follower = Follower(await serve(app.http_app()) + "/wechat", mode=mode)
        answer = await follower.subscribes()
    finally:
        await app.stop()
    assert answer.status == 200
    assert answer.fields is not None
    assert answer.fields["ToUserName"] == follower.openid  # swapped: to the member
    assert answer.fields["FromUserName"] == "gh_10f6c3c3ac5a"
    assert "1. 京卡优惠" in answer.text or "1. " in answer.text
    assert "请回复数字" in answer.text
    if mode != "plaintext":
        assert "<Encrypt>" in answer.body and "Content" not in answer.body


async def test_safe_mode_refuses_an_unencrypted_message(url: str, sessions: Sessions) -> None:
    answer = await Follower(url, mode="plaintext").says("你好")
    assert answer.status == 403
    assert await _count(sessions, Member) == 0


async def test_a_digit_answers_the_last_numbered_options(url: str) -> None:
    member = Follower(url)
    menu = await member.subscribes()
    second = [line for line in menu.text.splitlines() if line.startswith("2. ")]
    assert second, menu.text
    by_digit = await member.says("2")
    by_click = await member.clicks("plans.list")
    assert by_digit.text == by_click.text
    assert by_digit.text and "2. " not in by_digit.text.splitlines()[0]


async def test_a_digit_nobody_offered_is_just_text(url: str) -> None:
    answer = await Follower(url).says("7")
    assert answer.status == 200 and answer.text


async def test_a_menu_click_is_a_button_press(url: str) -> None:
    answer = await Follower(url).clicks("menu.more")
    assert "京卡" in answer.text and "请回复数字" in answer.text


async def test_an_old_menu_key_gets_the_menu_again(url: str) -> None:
    answer = await Follower(url).clicks("discounts.gone:1")
    assert "不再有效" in answer.text or "菜单" in answer.text


async def test_a_voice_message_gets_a_polite_answer(url: str) -> None:
    answer = await Follower(url).sends_voice("MEDIA-voice")
    assert answer.status == 200 and answer.text


async def test_member_text_with_cdata_terminator_does_not_break_the_reply(url: str) -> None:
    answer = await Follower(url).says("]]><xml>&amp;")
    assert answer.status == 200 and answer.fields is not None


async def test_unfollowing_forgets_the_member(url: str, sessions: Sessions) -> None:
    member = Follower(url)
    await member.subscribes()
    async with sessions.begin() as session:
        row = (await session.scalars(select(Member))).one()
        await save_state(session, row.id, flow="claim", step="bill", data={"x": 1},
                         now=row.last_seen_at)
    answer = await member.unsubscribes()
    assert (answer.status, answer.body) == (200, "success")
    async with sessions.begin() as session:
        row = (await session.scalars(select(Member))).one()
        assert row.unreachable
        assert await load_state(session, row.id) is None
    await member.subscribes()
    async with sessions.begin() as session:
        assert not (await session.scalars(select(Member))).one().unreachable


async def test_a_link_or_location_report_needing_no_answer_gets_success(url: str) -> None:
    member = Follower(url)
    answer = await member.post(member.fields("event", Event="VIEW", EventKey="https://x.cn"))
    assert (answer.status, answer.body) == (200, "success")


async def test_the_previous_aes_key_still_works_during_rotation(
    sessions: Sessions, make_settings: Callable[..., Settings], serve: Serve,
    fake_wechat: FakeWeChat,
) -> None:
    old_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    app = App(make_settings(encoding_aes_key="Z" * 43, previous_encoding_aes_key=old_key))
    try:
        url = await serve(app.http_app()) + "/wechat"
        answer = await Follower(url, aes_key=old_key).says("你好")
        stranger = await Follower(url, aes_key="Y" * 43).says("你好")
    finally:
        await app.stop()
    assert answer.status == 200 and answer.text
    assert stranger.status == 403


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions.begin() as session:
        return len((await session.scalars(select(model))).all())
