"""Logs carry no personal numbers: phones (mobile, +86, landline), card and ID numbers."""

from __future__ import annotations

import io
import logging

import pytest

from bot.config import Settings
from bot.masking import MaskingFilter, mask_personal
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher


@pytest.mark.parametrize(("said", "logged"), [
    ("我的手机 13800138000", "我的手机 [phone]"),
    ("call +86 138 0013 8000 please", "call [phone] please"),
    ("8613800138000", "[phone]"),
    ("0086-13912345678", "[phone]"),
    ("办公室 010-62345678", "办公室 [phone]"),
    ("(021)12345678", "[phone]"),
    ("京卡 6200000000000001", "京卡 [card number]"),
    ("card 6222 0212 3456 7890 123", "card [card number]"),
    ("身份证 11010519491231002X 号", "身份证 [id number] 号"),
    ("claim HZ26112000001 for ¥3,500.00 on 2026-11-20", "claim HZ26112000001 for ¥3,500.00 "
                                                        "on 2026-11-20"),
    ("update 123456789 from telegram:1001", "update 123456789 from telegram:1001"),
])
def test_personal_numbers_are_masked_and_the_rest_kept(said: str, logged: str) -> None:
    assert mask_personal(said) == logged


def test_the_log_filter_masks_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    try:
        logger.warning("member typed %s", "手机13800138000")
        try:
            raise ValueError("card 6200000000000001 refused")
        except ValueError:
            logger.exception("failed for %s", "11010519491231002X")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "13800138000" not in written and "6200000000000001" not in written
    assert "11010519491231002X" not in written
    assert "手机[phone]" in written and "card [card number] refused" in written


async def test_message_text_is_logged_only_at_debug_and_masked(
    settings: Settings, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    member = Member(make_dispatcher(settings, sessions), language="en")
    with caplog.at_level(logging.INFO):
        await member.says("my phone is 13800138000, card 6200000000000001")
    assert "13800138000" not in caplog.text and "my phone" not in caplog.text
    with caplog.at_level(logging.DEBUG, logger="bot.dispatcher"):
        await member.says("my phone is 13800138000, card 6200000000000001")
    assert "my phone is [phone], card [card number]" in caplog.text
    assert "13800138000" not in caplog.text
