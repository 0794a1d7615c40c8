"""End to end through python-telegram-bot and the fake Bot API over real HTTP: a member
files a claim with a photo, staff approve it, the member is told; discounts near me."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot import documents
from bot.app import App
from bot.config import Settings
from models.db import Sessions
from models.mutual_aid import Claim, ClaimDocument
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.member_services import JPEG, NOW, load_demo_data, make_staff
from tests.support.telegram_chat import Chat, app_settings, running

MEMBER, STAFF = 1001, 2002


@pytest.fixture
async def channel(database_url: str, settings: Settings, sessions: Sessions,
                  fake_telegram: FakeTelegram) -> AsyncIterator[App]:
    await load_demo_data(sessions)
    await make_staff(sessions, str(STAFF))
    on_fake = app_settings(database_url, settings.bot.data_dir, fake_telegram)
    async with running(on_fake, NOW) as app:
        yield app


async def test_member_files_a_claim_with_a_photo(channel, fake_telegram, sessions, settings
                                                 ) -> None:
    await _file_claim(fake_telegram, sessions, settings)


async def _file_claim(fake_telegram: FakeTelegram, sessions: Sessions, settings: Settings
                      ) -> None:
    member = Chat(fake_telegram, MEMBER, "en")
    assert "Step 1 of 3" in await member.says("/bind")
    await member.says("6200 0000 0000 0001")
    asked = await member.sends(contact=None, text="王芳")
    assert asked[0].keyboard[0]["request_contact"] is True
    own = {"phone_number": "+8613800000001", "first_name": "王芳", "user_id": MEMBER}
    assert "linked to 王芳" in (await member.sends(contact=own))[0].text

    plans = await member.presses("claim.start")
    assert ("Medical mutual aid for working members (demo)", "claim.answer:p1") in \
        plans[0].buttons
    await member.presses("claim.answer:p1")
    await member.presses("claim.answer:hospitalisation")
    assert "How much" in await member.says("2026-11-18")
    await member.says("3500")
    consent = await member.presses("claim.answer:-")
    assert "sensitive personal information" in consent[0].text
    await member.presses("claim.answer:agree")
    fake_telegram.add_file("photo-1", JPEG)
    photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 600,
              "file_size": len(JPEG)}]
    assert "Received document 1" in (await member.sends(photo=photo))[0].text
    summary = await member.presses("claim.answer:done")
    assert "Documents: 1" in summary[0].text
    filed = await member.presses("claim.answer:submit")
    assert "Claim number: HZ26112000001" in filed[0].text

    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
        document = await session.scalar(select(ClaimDocument))
    assert claim is not None and claim.status == "submitted" and claim.amount_fen == 350_000
    assert document is not None and document.mime_type == "image/jpeg"
    stored = settings.bot.data_dir / "documents" / document.path
    assert JPEG not in stored.read_bytes()  # sealed at rest
    assert await documents.load(document.path, settings.bot.data_dir) == JPEG


async def test_staff_approve_and_the_member_receives_the_notice(
    channel, fake_telegram, sessions, settings
) -> None:
    await _file_claim(fake_telegram, sessions, settings)
    staff = Chat(fake_telegram, STAFF, "zh-hans")
    assert "待审核的申请：1 项" in await staff.says("/claims")
    opened = await staff.presses("claims.open:1", answers=4)
    assert "会员：王芳" in opened[0].text
    assert [s.method for s in opened] == ["sendMessage", "sendMessage", "sendPhoto",
                                          "sendMessage"]
    assert opened[2].params["photo"]["data"] == JPEG
    # the decision buttons come after the documents, so the photo does not hide them
    assert ("批准 ¥3,500.00", "claims.approve:1") in opened[3].buttons

    before = len(fake_telegram.to(MEMBER))
    decided = await staff.presses("claims.approve:1")
    assert "给会员的通知已排队" in decided[0].text
    notice = (await fake_telegram.wait_for(MEMBER, before + 1))[before]
    assert notice.text == ("Good news: your claim HZ26112000001 is approved. ¥3,500.00 will be "
                           "paid to your Jingka card.")
    member = Chat(fake_telegram, MEMBER, "en")
    assert "Status: Approved" in await member.says("/myclaims")


async def test_discounts_near_a_shared_location(channel, fake_telegram) -> None:
    member = Chat(fake_telegram, MEMBER, "zh-hans")
    asked = await member.presses("discounts.near")
    assert asked[0].keyboard[0]["request_location"] is True
    answer = await member.sends(location={"latitude": 39.9106, "longitude": 116.3738})
    lines = answer[0].text.splitlines()
    assert lines[0] == "离您最近的优惠："
    assert lines[1].startswith("1. 西单老字号饺子馆（演示） · ")
    assert lines[1].endswith(" 米")
    show = [data for _label, data in answer[0].buttons if data.startswith("discounts.show:")]
    detail = await member.presses(show[0])
    assert "地址：西城区西单北大街120号" in detail[0].text
    assert "电话：010-66010001" in detail[0].text


async def test_member_applies_for_hardship_aid_and_staff_pay_it(channel, fake_telegram) -> None:
    member = Chat(fake_telegram, MEMBER, "en")
    for line in ("/bind", "6200000000000001", "王芳", "0001"):
        await member.says(line)
    assert "Please have these ready" in await member.says("/apply hardship")
    await member.presses("apply.answer:illness")
    for answer in ("last Friday", "3", "3500", "15,000", "My husband is in hospital."):
        await member.says(answer)
    await member.presses("apply.answer:agree")
    assert "Please check your application" in "\n".join(
        s.text for s in await member.presses("apply.answer:done"))
    assert "KN" in "\n".join(s.text for s in await member.presses("apply.answer:submit"))
    staff = Chat(fake_telegram, STAFF, "zh-hans")
    await staff.says("/applications")
    before = len(fake_telegram.to(MEMBER))
    await staff.presses("apply.approve:1", answers=1)
    await staff.presses("apply.paid:1")
    sent = await fake_telegram.wait_for(MEMBER, before + 2)
    notices = "\n".join(s.text for s in sent[before:])
    assert "approved. ¥15,000.00 will be paid" in notices
    assert "¥15,000.00 was paid to your Jingka card on 2026-11-20" in notices
