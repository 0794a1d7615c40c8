"""WeChat callback signatures and message encryption (WXBizMsgCrypt's scheme).

key = base64(EncodingAESKey + "="), AES-256-CBC with IV = key[:16], PKCS#7 padded to 32 bytes;
plaintext = 16 random bytes + 4-byte big-endian length + message + AppId. Checked against
Tencent's published sample vector in the tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class SignatureError(Exception):
    """The request is not from WeChat: bad signature, stale timestamp or foreign AppId."""


def signature(*parts: str) -> str:
    """SHA1 of the sorted, concatenated parts (token, timestamp, nonce[, Encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_signature(given: str, *parts: str) -> None:
    if not hmac.compare_digest(given.lower().encode(), signature(*parts).encode()):
        raise SignatureError("signature does not match")


@dataclass(frozen=True, slots=True)
class MessageKey:
    """One EncodingAESKey of one Official Account."""

    key: bytes
    app_id: str

    @classmethod
    def from_encoding_key(cls, encoding_aes_key: str, app_id: str) -> MessageKey:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey is not base64") from exc
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        return cls(key, app_id)

    def encrypt(self, message: str, *, random: bytes | None = None) -> str:
        body = message.encode("utf-8")
        plain = (random or os.urandom(16)) + struct.pack(">I", len(body)) + body
        plain += self.app_id.encode("ascii")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted`; SignatureError if it is not ours."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error as exc:
            raise SignatureError("Encrypt is not base64") from exc
        if not data or len(data) % 16:
            raise SignatureError("Encrypt has a wrong length")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise SignatureError("bad padding")
        plain = plain[16:-pad]
        if len(plain) < 4:
            raise SignatureError("too short")
        (size,) = struct.unpack(">I", plain[:4])
        body, app_id = plain[4 : 4 + size], plain[4 + size :]
        if len(body) != size or not hmac.compare_digest(app_id, self.app_id.encode("ascii")):
            raise SignatureError("the AppId inside the message is not ours")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SignatureError("message is not UTF-8") from exc


def decrypt_any(keys: Sequence[MessageKey], encrypted: str) -> tuple[str, MessageKey]:
    """Try the current key, then the previous one (while staff rotate the EncodingAESKey)."""
    error = SignatureError("no EncodingAESKey configured")
    for key in keys:
        try:
            return key.decrypt(encrypted), key
        except SignatureError as exc:
            error = exc
    raise error
