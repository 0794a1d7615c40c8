"""Personal numbers out of text meant for logs: phones, bank/Jingka card numbers, ID numbers.

`mask_personal` replaces each with a tag that says what was there and nothing more;
`MaskingFilter` applies it to every log record a handler emits.
"""

from __future__ import annotations

import logging
import re

_NOT_DIGIT_BEFORE = r"(?<!\d)"
_NOT_DIGIT_AFTER = r"(?!\d)"
# 18-character resident ID: 17 digits and a check digit or X.
_ID_NUMBER = re.compile(_NOT_DIGIT_BEFORE + r"\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]"
                        + _NOT_DIGIT_AFTER)
# 16-19 digit card numbers, whole or in groups of four separated by spaces or dashes.
_CARD = re.compile(_NOT_DIGIT_BEFORE + r"(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)"
                   + _NOT_DIGIT_AFTER)
# Mainland mobiles, with or without +86 / 0086 / 86, written whole or as 3-4-4.
_MOBILE = re.compile(_NOT_DIGIT_BEFORE + r"(?:(?:\+|00)?86[ -]?)?"
                     + r"1[3-9]\d(?:[ -]?\d{4}){2}" + _NOT_DIGIT_AFTER)
# Landlines: an area code 0xx or 0xxx (in brackets or not), then 7-8 digits.
_LANDLINE = re.compile(_NOT_DIGIT_BEFORE + r"(?:(?:\+|00)?86[ -]?)?"
                       + r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{3,4}[ -]?\d{4}" + _NOT_DIGIT_AFTER)

PATTERNS = (
    (_ID_NUMBER, "[id number]"),
    (_CARD, "[card number]"),
    (_MOBILE, "[phone]"),
    (_LANDLINE, "[phone]"),
)


def mask_personal(text: str) -> str:
    """The text with phone, card and ID numbers replaced by what they were, e.g. [phone]."""
    for pattern, tag in PATTERNS:
        text = pattern.sub(tag, text)
    return text


class MaskingFilter(logging.Filter):
    """Masks the formatted message (and any traceback text) of each record passing."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_personal(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        return True


def install_masking(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of the root logger (or of `logger`)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
