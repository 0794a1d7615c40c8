"""Parsers for untrusted pieces of a message: a command line, a button's argument, an account id.

Each returns None (or a plain value) for anything unexpected and never raises: a member's text
or a forged button must not be able to crash the handling of an update.
"""

from __future__ import annotations

import re

ID_DIGITS = 18  # a database id fits a signed 64-bit integer with room to spare
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Telegram user ids are positive integers of up to 52 bits; WeChat openids are 28 characters of
# letters, digits, - and _ (we allow 6-64, other apps' ids differ); the terminal is "local".
ACCOUNT_ID_SHAPES = {
    "telegram": re.compile(r"[1-9][0-9]{0,15}"),
    "wechat": re.compile(r"[A-Za-z0-9_-]{6,64}"),
    "terminal": re.compile(r"[A-Za-z0-9_-]{1,64}"),
}


def split_command(text: str) -> tuple[str, tuple[str, ...]] | None:
    """`/claim 12 yes` -> ("claim", ("12", "yes")); None when `text` is not a command.

    A "/" followed by nothing but spaces of any kind (U+3000, U+00A0...) is not a command."""
    if not text.startswith("/"):
        return None
    words = text[1:].split()
    if not words or text[1:2].isspace():
        return None
    return words[0], tuple(words[1:])


def parse_id(text: str, *, digits: int = ID_DIGITS) -> int | None:
    """A positive database id written in ASCII digits, or None ("²", "-1", "9" * 40, "")."""
    if len(text) > digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value > 0 else None


def parse_number(text: str, *, digits: int = ID_DIGITS) -> int | None:
    """A non-negative number in ASCII digits (a page, an option), or None."""
    if len(text) > digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def valid_account_id(channel: str, value: str) -> bool:
    """Whether `value` has the shape of a user id on `channel` (a WeChat openid has - and _)."""
    shape = ACCOUNT_ID_SHAPES.get(channel)
    return shape is not None and shape.fullmatch(value) is not None
