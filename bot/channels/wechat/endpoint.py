"""Checks that a callback comes from WeChat and opens it; seals the passive reply.

Plaintext requests carry `signature` over [token, timestamp, nonce] and an unsigned body, so
they are accepted only in plaintext mode; encrypted ones (`encrypt_type=aes`) carry
`msg_signature` over [token, timestamp, nonce, Encrypt], and the AppId inside the ciphertext must
be ours. In compatible mode only the encrypted part is read: the clear fields beside it are not
signed. The (timestamp, nonce) replay cache is the channel's (models/replay.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.channels.wechat.crypto import (
    MessageKey,
    SignatureError,
    check_signature,
    decrypt_any,
    signature,
)
from bot.channels.wechat.xmlmsg import BadXml, encrypted_reply, parse_xml
from bot.config import WeChatSettings
from bot.parsing import parse_number

MAX_BODY = 1024 * 1024
MAX_NONCE = 64  # WeChat's nonces are about 10 digits
REPLAY_WINDOW = 300  # seconds: a timestamp older (or newer) than 5 minutes is refused


class Refused(Exception):
    """Answer with `status` and nothing else; `reason` goes to the log only."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Envelope:
    """A verified message: its fields, and the key to encrypt the reply with (None: plain)."""

    fields: dict[str, str]
    key: MessageKey | None
    nonce: str
    timestamp: str = ""
    signed: str = ""  # the signature that vouched for the request


class CallbackVerifier:
    def __init__(self, settings: WeChatSettings, clock: Callable[[], float]) -> None:
        self.token = settings.token
        self.mode = settings.mode
        self.clock = clock
        self.keys = tuple(
            MessageKey.from_encoding_key(key, settings.app_id)
            for key in (settings.encoding_aes_key, settings.previous_encoding_aes_key)
            if key
        )

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The GET check when the URL is configured: echostr back, verbatim."""
        timestamp, nonce = self._fresh(query)
        self._check(query.get("signature", ""), self.token, timestamp, nonce)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes) -> Envelope:
        timestamp, nonce = self._fresh(query)
        if query.get("encrypt_type", "raw").lower() == "aes":
            return self._open_encrypted(query, body, timestamp, nonce)
        if self.mode != "plaintext":
            raise Refused(403, f"unencrypted request while in {self.mode} mode")
        given = query.get("signature", "")
        self._check(given, self.token, timestamp, nonce)
        return Envelope(_parse(body), None, nonce, timestamp, given)

    def _open_encrypted(
        self, query: Mapping[str, str], body: bytes, timestamp: str, nonce: str
    ) -> Envelope:
        if not self.keys:
            raise Refused(403, "encrypted request but no encoding_aes_key configured")
        encrypted = _parse(body).get("Encrypt", "")
        if not encrypted:
            raise Refused(400, "encrypted request without <Encrypt>")
        given = query.get("msg_signature", "")
        self._check(given, self.token, timestamp, nonce, encrypted)
        try:
            inner, key = decrypt_any(self.keys, encrypted)
        except SignatureError as exc:
            raise Refused(403, f"cannot decrypt: {exc}") from None
        return Envelope(_parse(inner.encode("utf-8")), key, nonce, timestamp, given)

    def seal(self, envelope: Envelope, xml: str) -> str:
        """The reply as sent: encrypted with the key the request came in, when it was."""
        if envelope.key is None:
            return xml
        encrypted = envelope.key.encrypt(xml)
        timestamp = int(self.clock())
        nonce = envelope.nonce or secrets.token_hex(5)
        sig = signature(self.token, str(timestamp), nonce, encrypted)
        return encrypted_reply(encrypt=encrypted, signature=sig, timestamp=timestamp, nonce=nonce)

    def _fresh(self, query: Mapping[str, str]) -> tuple[str, str]:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        seconds = parse_number(timestamp, digits=12)
        if seconds is None or not nonce or len(nonce) > MAX_NONCE:
            raise Refused(403, "missing timestamp or nonce")
        if abs(self.clock() - seconds) > REPLAY_WINDOW:
            raise Refused(403, f"timestamp {timestamp} is outside the 5-minute window")
        return timestamp, nonce

    def _check(self, given: str, *parts: str) -> None:
        try:
            check_signature(given, *parts)
        except SignatureError:
            raise Refused(403, "signature does not match") from None


def _parse(body: bytes) -> dict[str, str]:
    try:
        return parse_xml(body)
    except BadXml as exc:
        raise Refused(400, f"bad XML: {exc}") from None
