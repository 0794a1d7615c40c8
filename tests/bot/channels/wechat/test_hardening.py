"""Attacks on the WeChat callback, as an attacker would post them over real HTTP: an unsigned
body in compatible mode, a signature replayed with another body (to a second process too),
a read of the access log for openids and signatures, an API error carrying the AppSecret."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.app import App
from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.xmlmsg import render_fields
from bot.config import Settings
from models.db import Sessions
from models.member import Member
from tests.bot.channels.wechat.conftest import Serve
from tests.support.fakes.wechat_api import APP_ID, APP_SECRET, Follower

log = logging.getLogger(__name__)


@pytest.fixture
async def compatible_url(serve_app: Callable[..., Awaitable[str]]) -> str:
    return await serve_app(mode="compatible")


async def _members(sessions: Sessions) -> int:
    async with sessions.begin() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_compatible_mode_refuses_an_unsigned_plaintext_body(
    compatible_url: str, sessions: Sessions
) -> None:
    forger = Follower(compatible_url, mode="plaintext")  # signature over token/time/nonce only
    assert (await forger.says("/grant wechat oAttacker admin")).status == 403
    assert await _members(sessions) == 0


async def test_compatible_mode_reads_the_encrypted_part_not_the_clear_fields(
    compatible_url: str,
) -> None:
    member = Follower(compatible_url, mode="compatible")
    inner = render_fields(member.fields("text", Content="/help", MsgId=9001))
    query, body = member.seal(inner)
    tampered = body.replace(b"/help", b"/grant wechat oAttacker admin", 1)
    answer = await member.post_raw(query, tampered)
    assert answer.status == 200 and "/menu" in answer.text


async def test_a_signature_replayed_with_another_body_is_refused_by_every_process(
    sessions: Sessions, make_settings: Callable[..., Settings], serve: Serve
) -> None:
    """Plaintext mode (its body is unsigned): someone who read a signed query string posts it
    again with a message of their own, to this process and to another one."""
    apps = [App(make_settings(mode="plaintext")) for _ in range(2)]  # two engines: two processes
    try:
        urls = [await serve(app.http_app()) + "/wechat" for app in apps]
        member = Follower(urls[0], mode="plaintext")
        query, body = member.seal(render_fields(member.fields("text", Content="你好",
                                                             MsgId=7001)))
        assert (await member.post_raw(query, body)).status == 200
        retry = await member.post_raw(query, body)  # WeChat re-posting the same request
        assert retry.status == 200
        forged = render_fields(member.fields("text", Content="/grant wechat oX admin",
                                             MsgId=7002)).encode()
        for url in urls:
            attacker = Follower(url, mode="plaintext")
            assert (await attacker.post_raw(query, forged)).status == 403
    finally:
        for app in apps:
            await app.stop()


async def test_the_access_log_has_no_openid_or_signature(
    sessions: Sessions, make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App(make_settings())
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG)
    runner = app.http_runner()  # the server App.start runs
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        member = Follower(f"http://127.0.0.1:{port}/wechat")
        query, body = member.seal(render_fields(member.fields("text", Content="你好",
                                                             MsgId=7101)))
        assert (await member.post_raw(query, body)).status == 200
    finally:
        await runner.cleanup()
        await app.stop()
    access = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert access and all(line.startswith("POST /wechat 200") for line in access)
    for secret in (member.openid, query["signature"], query["msg_signature"]):
        assert secret not in caplog.text


async def test_a_wechat_network_error_does_not_carry_the_app_secret(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.rel_url))  # redirects forever: aiohttp gives up

    redirecting = web.Application()
    redirecting.router.add_get("/cgi-bin/token", loop)
    api = WeChatApi(APP_ID, APP_SECRET, await serve(redirecting))
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(WeChatApiError) as caught:
            await api.send_text("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "你好")
        log.error("wechat call failed: %r", caught.value, exc_info=caught.value)
    finally:
        await api.close()
    assert APP_SECRET not in repr(caught.value) and caught.value.__cause__ is None
    assert APP_SECRET not in caplog.text


async def test_a_flood_from_one_follower_is_told_once_to_slow_down(
    serve_app: Callable[..., Awaitable[str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UNIONBOT_INBOUND__MEMBER_BURST")  # the real limit: a burst of 5
    member = Follower(await serve_app())
    answers = [await member.says(f"你好 {n}") for n in range(8)]
    slow = [a for a in answers if a.text and "您发消息的速度比我读得快" in a.text]
    assert len(slow) == 1 and answers[5] is slow[0]
    assert [a.body for a in answers[6:]] == ["success", "success"]  # dropped, no answer


async def test_an_update_that_raises_gets_the_apology(
    serve_app: Callable[..., Awaitable[str]], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    url = await serve_app()
    monkeypatch.setattr("bot.channels.wechat.channel.mark_reachable", fail)
    answer = await Follower(url).says("你好", msg_id=8801)
    assert answer.status == 200 and answer.text == "抱歉，系统出了点问题，请稍后再试。"
    assert "update msg:8801 failed" in caplog.text
