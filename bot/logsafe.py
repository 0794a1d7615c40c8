"""Secrets and openids out of every log line, at every level, from every library.

python-telegram-bot and httpx log Bot API URLs, which hold the bot token; aiohttp's access log
writes query strings, which hold WeChat's openid, signature and msg_signature; an aiohttp error
repr holds the URL it failed on (the AppSecret, an access token). A filter on one logger misses
records of its children, so redaction happens where every record is made (the record factory)
and for the access log, which logs the path without its query string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

HIDDEN = "***"
# Query parameters that authenticate a request or name a person.
_QUERY = re.compile(
    r"(?i)\b(openid|signature|msg_signature|access_token|secret|appsecret|echostr|"
    r"secret_token|token)=([^&\s\"'<>]+)"
)
# A bot token that is not in our settings (another bot's, or one read from the environment).
_TELEGRAM_TOKEN = re.compile(r"(?<![0-9])[0-9]{3,}:[A-Za-z0-9_-]{20,}")
# WeChat openids: 28 characters, starting with "o" (an account's followers all share a prefix).
_OPENID = re.compile(r"(?<![A-Za-z0-9_-])o[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])")
# Libraries that log a line per request or per scheduler tick at INFO (the access log too:
# INFO has one line per handled update, written by the channels).
QUIET_LOGGERS = ("apscheduler", "httpx", "httpcore", "aiohttp.access", "telegram.ext")


class Redactor:
    """Replaces configured secrets, token-shaped strings, openids and sensitive query values."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = set()
        self._longest_first: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets.update(s for s in secrets if len(s) >= 6)  # shorter would hide words
        # Sorted once: every log record passes here.
        self._longest_first = tuple(sorted(self.secrets, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, HIDDEN)
        text = _QUERY.sub(lambda m: f"{m[1]}={HIDDEN}", text)
        text = _TELEGRAM_TOKEN.sub(HIDDEN, text)
        return _OPENID.sub(lambda m: "o" + HIDDEN + m[0][-4:], text)


_REDACTOR = Redactor()
_installed = False


def install_redaction(secrets: Iterable[str] = ()) -> Redactor:
    """Redact every log record made from now on in this process (idempotent; secrets add up)."""
    global _installed
    _REDACTOR.add(secrets)
    if not _installed:
        _installed = True
        make_record = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _redact(record)
            return record

        logging.setLogRecordFactory(factory)
    return _REDACTOR


def _redact(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging itself reports it later
        return
    clean = _REDACTOR(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = _REDACTOR(text)


def quiet_libraries() -> None:
    """APScheduler logs two INFO lines a second; httpx one per request: WARNING and up only."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without the query string (openid, signature, msg_signature)."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            self.logger.info("%s %s %s %.0f ms", request.method, request.path,
                             response.status, time * 1000)
