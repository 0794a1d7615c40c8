"""Locations and files a member sends on WeChat reach the handlers in the core's form."""

from __future__ import annotations

import pytest

from bot.context import Context
from bot.messages import Button, Incoming, OutgoingFile, Reply
from bot.routing import Route
from tests.bot.channels.wechat.conftest import MakeChannel, Serve, channel_app
from tests.support.fakes.wechat_api import FakeWeChat, Follower


async def nearby(msg: Incoming, ctx: Context) -> Reply:
    """Says where the member is."""
    assert msg.location is not None
    return Reply(text=f"您在 {msg.location.latitude:.4f}, {msg.location.longitude:.4f} 附近")


async def receive_file(msg: Incoming, ctx: Context) -> Reply:
    """Says how many bytes arrived."""
    assert msg.attachment is not None
    data = await ctx.files.fetch(msg.attachment, max_bytes=1000)
    return Reply(text=f"收到 {msg.attachment.kind.value} {len(data)} 字节")


@pytest.fixture
async def member(make_wechat_channel: MakeChannel, serve: Serve) -> Follower:
    channel = make_wechat_channel(4.0, (Route(nearby, event="location"),
                                        Route(receive_file, event="attachment")))
    return Follower(await serve(channel_app(channel)) + "/wechat")


async def test_a_shared_location_reaches_the_location_handler(member: Follower) -> None:
    answer = await member.shares_location(39.9123, 116.3661)
    assert answer.text == "您在 39.9123, 116.3661 附近"


async def test_a_photo_is_fetched_through_the_media_api(member: Follower,
                                                        fake_wechat: FakeWeChat) -> None:
    fake_wechat.media["MEDIA-photo"] = b"\xff\xd8" + b"x" * 98
    answer = await member.sends_image("MEDIA-photo")
    assert answer.text == "收到 photo 100 字节"


async def decide_with_documents(msg: Incoming, ctx: Context) -> list[Reply]:
    """A claim as staff see it: the summary, a photo, a PDF, then the decision buttons."""
    photo = OutgoingFile("HZ1-1.jpg", b"\xff\xd8\xff" + b"p" * 61, "image/jpeg", as_photo=True)
    pdf = OutgoingFile("HZ1-2.pdf", b"%PDF-1.7" + b"d" * 56, "application/pdf")
    return [Reply(text="理赔 HZ1"), Reply(text="HZ1 #1", file=photo),
            Reply(text="HZ1 #2", file=pdf),
            Reply(text="请对 HZ1 作出决定：", buttons=((Button("批准", "claims.approve:1"),
                                                   Button("驳回", "claims.reject:1")),))]


async def test_staff_get_the_photo_as_an_image_message_and_keep_the_decision(
        make_wechat_channel: MakeChannel, serve: Serve, fake_wechat: FakeWeChat) -> None:
    channel = make_wechat_channel(4.0, (Route(decide_with_documents, command="open"),))
    staff = Follower(await serve(channel_app(channel)) + "/wechat")
    answer = await staff.says("/open")
    assert "1. 批准" in answer.text and "2. 驳回" in answer.text
    assert "HZ1-1.jpg" in answer.text and "HZ1-2.pdf" in answer.text
    sent = await fake_wechat.wait_for(staff.openid, 1)
    assert [s.kind for s in sent] == ["image"]
    assert fake_wechat.uploaded[sent[0].text] == b"\xff\xd8\xff" + b"p" * 61
