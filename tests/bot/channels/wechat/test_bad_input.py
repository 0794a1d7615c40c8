"""What is not from WeChat, or not WeChat's XML, is refused with the right status, logged, and
leaves no trace in the database."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from sqlalchemy import func, select

from models.db import Sessions
from models.dedupe import HandledUpdate
from models.member import Member
from models.options import OfferedOptions
from tests.support.fakes.wechat_api import Follower

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    "<Content>&c;</Content><MsgId>1</MsgId></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    "<Content>&x;</Content><MsgId>2</MsgId></xml>"
)


@pytest.fixture
async def url(serve_app: Callable[..., Awaitable[str]]) -> str:
    return await serve_app(mode="compatible")


@pytest.fixture
async def plain_url(serve_app: Callable[..., Awaitable[str]]) -> str:
    """Plaintext mode, the only one that reads an unsigned body."""
    return await serve_app(mode="plaintext")


@pytest.fixture(autouse=True)
async def nothing_written(sessions: Sessions) -> AsyncIterator[None]:
    yield
    async with sessions.begin() as session:
        for model in (Member, HandledUpdate, OfferedOptions):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


def _text(follower: Follower) -> str:
    from bot.channels.wechat.xmlmsg import render_fields

    return render_fields(follower.fields("text", Content="你好", MsgId=123))


async def test_a_wrong_msg_signature_is_403(url: str, caplog: pytest.LogCaptureFixture) -> None:
    member = Follower(url)
    query, body = member.seal(_text(member))
    query["msg_signature"] = "0" * 40
    with caplog.at_level(logging.WARNING):
        assert (await member.post_raw(query, body)).status == 403
    assert "signature" in caplog.text


async def test_a_wrong_plain_signature_is_403(url: str) -> None:
    member = Follower(url, mode="plaintext")
    query, body = member.seal(_text(member))
    query["signature"] = "0" * 40
    assert (await member.post_raw(query, body)).status == 403


async def test_a_signed_request_with_a_different_body_is_403(url: str) -> None:
    member = Follower(url)
    query, _body = member.seal(_text(member))
    _query, other = member.seal(_text(member).replace("你好", "转账"))
    assert (await member.post_raw(query, other)).status == 403


async def test_a_timestamp_older_than_5_minutes_is_403(url: str) -> None:
    member = Follower(url)
    answer = await member.post(member.fields("text", Content="你好", MsgId=5),
                               timestamp=int(time.time()) - 301)
    assert answer.status == 403


async def test_a_wrong_app_id_inside_the_ciphertext_is_403(url: str) -> None:
    answer = await Follower(url, app_id="wx0000000000000000").says("你好")
    assert answer.status == 403


async def test_a_wrong_key_is_403(url: str) -> None:
    assert (await Follower(url, aes_key="Q" * 43).says("你好")).status == 403


@pytest.mark.parametrize("body", [b"<xml><Encrypt>", b"not xml at all", b"", b"<a/>"])
async def test_malformed_outer_xml_is_400(url: str, body: bytes) -> None:
    member = Follower(url)
    query, _body = member.seal(_text(member))
    assert (await member.post_raw(query, body)).status == 400


@pytest.mark.parametrize("inner", ["<xml><Content>", BILLION_LAUGHS, EXTERNAL_ENTITY])
async def test_bad_xml_inside_a_correctly_signed_ciphertext_is_400(url: str, inner: str) -> None:
    member = Follower(url)
    query, body = member.seal(inner)
    assert (await member.post_raw(query, body)).status == 400


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
async def test_entity_tricks_in_plain_bodies_are_400(plain_url: str, body: str) -> None:
    member = Follower(plain_url, mode="plaintext")
    query, raw = member.seal(body)
    assert (await member.post_raw(query, raw)).status == 400


async def test_a_body_over_1_mb_is_413(url: str) -> None:
    member = Follower(url, mode="plaintext")
    query, _raw = member.seal(_text(member))
    huge = b"<xml><Content>" + b"a" * (1024 * 1024 + 1) + b"</Content></xml>"
    assert (await member.post_raw(query, huge)).status == 413


async def test_no_timestamp_or_nonce_is_403(url: str) -> None:
    member = Follower(url)
    query, body = member.seal(_text(member))
    del query["nonce"]
    assert (await member.post_raw(query, body)).status == 403


async def test_a_chunked_body_over_1_mb_without_length_is_413(url: str) -> None:
    member = Follower(url, mode="plaintext")
    query, _raw = member.seal(_text(member))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b"a" * 65536

    async with aiohttp.ClientSession() as http:
        async with http.post(url, params=query, data=chunks()) as response:
            assert response.status == 413
