"""Through python-telegram-bot and the fake Bot API: a member who filed a claim gets a copy
of their data as a document, then has it deleted."""

from __future__ import annotations

from bot.config import Settings
from bot.privacy.erase import settle
from models.db import Sessions
from tests.bot.channels.test_telegram_member_services import (  # noqa: F401 (fixture)
    MEMBER,
    Chat,
    _file_claim,
    channel,
)
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.member_services import JPEG
from tests.support.privacy import read_export, traces


async def test_mydata_arrives_as_a_document_and_deleteme_erases(
    channel, fake_telegram: FakeTelegram, sessions: Sessions, settings: Settings  # noqa: F811
) -> None:
    await _file_claim(fake_telegram, sessions, settings)
    member = Chat(fake_telegram, MEMBER, "en")
    sent = await member.sends(answers=2, text="/mydata")
    assert [s.method for s in sent] == ["sendMessage", "sendDocument"]
    body, files = read_export(sent[1].params["document"]["data"])
    assert list(files.values()) == [JPEG]
    assert body["membership"][0]["phone"] == "13800000001"
    assert body["chat_account"][0]["external_id"] == str(MEMBER)

    asked = await member.says("/deleteme")
    assert "will be withdrawn" in asked
    done = await member.presses("privacy.erase:yes")
    assert "is deleted" in done[0].text
    await settle()
    assert await traces(sessions, "13800000001", "王芳", str(MEMBER)) == []
    assert list((settings.bot.data_dir / "documents").rglob("*.*")) == []
