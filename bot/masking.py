"""Masks personal numbers (mobile and landline phones, ID cards, bank and union cards) in free
text before it is stored for staff."""

from __future__ import annotations

import re

# 18-character resident ID (last character may be X), 15-digit old ID, bank/union card numbers
# (16-19 digits, maybe spaced in fours), mobile numbers (1[3-9] + 9 digits), landlines.
_PATTERNS = (
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),
    re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{4,7}(?!\d)"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)"),
    re.compile(r"(?<!\d)\d{8,}(?!\d)"),
)


def mask_personal(text: str) -> str:
    """The text with every phone, ID or card number replaced by asterisks of the same length."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: "*" * len(m.group(0)), text)
    return text
