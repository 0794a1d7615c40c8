"""The WeChat API client against the fake API over HTTP: the access token is fetched once,
refreshed when WeChat calls it stale or expired (one refresh at a time), and JSON goes as
UTF-8."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.tokens import DbTokenStore
from models.db import Sessions
from tests.support.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChat

OPENID = "oMember0001"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(fake_wechat: FakeWeChat, clock: Clock) -> AsyncIterator[WeChatApi]:
    client = WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url, clock=clock)
    yield client
    await client.close()


async def test_the_token_is_fetched_once_and_reused(api: WeChatApi, fake_wechat: FakeWeChat
                                                    ) -> None:
    for text in ("一", "二", "三"):
        await api.send_text(OPENID, text)
    assert [s.text for s in fake_wechat.to(OPENID)] == ["一", "二", "三"]
    assert fake_wechat.token_fetches == 1


async def test_a_token_replaced_elsewhere_40001_is_refreshed_and_the_call_retried(
    api: WeChatApi, fake_wechat: FakeWeChat
) -> None:
    await api.send_text(OPENID, "first")
    fake_wechat.invalidate_token()
    await api.send_text(OPENID, "second")
    assert [s.text for s in fake_wechat.to(OPENID)] == ["first", "second"]
    assert fake_wechat.rejected == [40001]
    assert fake_wechat.token_fetches == 2


async def test_an_expired_token_42001_is_refreshed_and_the_call_retried(
    api: WeChatApi, fake_wechat: FakeWeChat
) -> None:
    await api.send_text(OPENID, "first")
    fake_wechat.expire_token()
    await api.send_text(OPENID, "second")
    assert fake_wechat.rejected == [42001]
    assert len(fake_wechat.to(OPENID)) == 2


async def test_many_calls_with_a_stale_token_refresh_it_once(
    api: WeChatApi, fake_wechat: FakeWeChat
) -> None:
    await api.send_text(OPENID, "warm-up")
    fake_wechat.invalidate_token()
    await asyncio.gather(*(api.send_text(OPENID, f"m{i}") for i in range(8)))
    assert fake_wechat.token_fetches == 2
    assert len(fake_wechat.to(OPENID)) == 9


async def test_the_token_is_refreshed_before_it_expires(
    api: WeChatApi, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    await api.send_text(OPENID, "a")
    clock.now += 7200 - 299  # inside the 5-minute margin of the 2-hour lifetime
    await api.send_text(OPENID, "b")
    assert fake_wechat.token_fetches == 2
    assert fake_wechat.rejected == []


async def test_a_refusal_is_raised_with_its_errcode(api: WeChatApi, fake_wechat: FakeWeChat
                                                    ) -> None:
    fake_wechat.errors[OPENID] = 45015
    with pytest.raises(WeChatApiError) as caught:
        await api.send_text(OPENID, "x")
    assert caught.value.errcode == 45015


async def test_a_wrong_secret_is_an_error_not_a_crash(fake_wechat: FakeWeChat) -> None:
    client = WeChatApi(APP_ID, "wrong", fake_wechat.base_url)
    try:
        with pytest.raises(WeChatApiError) as caught:
            await client.send_text(OPENID, "x")
    finally:
        await client.close()
    assert caught.value.errcode == 40013


async def test_an_unreachable_api_is_errcode_minus_one() -> None:
    client = WeChatApi(APP_ID, APP_SECRET, "http://127.0.0.1:9")
    try:
        with pytest.raises(WeChatApiError) as caught:
            await client.send_text(OPENID, "x")
    finally:
        await client.close()
    assert caught.value.errcode == -1


async def test_chinese_menu_names_go_as_utf8_not_escapes(api: WeChatApi, fake_wechat: FakeWeChat
                                                          ) -> None:
    menu = {"button": [{"type": "click", "name": "京卡优惠", "key": "discounts.menu"}]}
    await api.create_menu(menu)
    assert fake_wechat.menus == [menu]


async def test_media_is_downloaded_within_a_size_limit(api: WeChatApi, fake_wechat: FakeWeChat
                                                       ) -> None:
    fake_wechat.media["MEDIA1"] = b"\xff\xd8jpeg" * 10
    assert await api.get_media("MEDIA1", max_bytes=1000) == b"\xff\xd8jpeg" * 10
    with pytest.raises(ValueError):
        await api.get_media("MEDIA1", max_bytes=10)
    with pytest.raises(WeChatApiError):
        await api.get_media("MISSING", max_bytes=1000)


async def test_processes_share_the_token_instead_of_invalidating_each_other(
    sessions: Sessions, fake_wechat: FakeWeChat
) -> None:
    first, second = (
        WeChatApi(APP_ID, APP_SECRET, fake_wechat.base_url, store=DbTokenStore(sessions, APP_ID))
        for _ in range(2)
    )
    try:
        await first.send_text(OPENID, "from the first process")
        await second.send_text(OPENID, "from the second process")
        assert fake_wechat.token_fetches == 1
        fake_wechat.invalidate_token()
        await first.send_text(OPENID, "first again")  # refreshes and shares the new token
        await second.send_text(OPENID, "second again")  # 40001, then uses the shared one
    finally:
        await first.close()
        await second.close()
    assert fake_wechat.token_fetches == 2
    assert len(fake_wechat.to(OPENID)) == 4
