"""Encryption at rest: master keys, wrapped data keys, sealed columns and blind indexes.

A master key (32 bytes, from configuration, never stored with the data) wraps a fresh AES-GCM
data key per document, and derives (HKDF) the key of the sealed columns and the HMAC key of
the blind indexes. Every ciphertext names the master key it was made under by an 8-hex id, so
the previous keys given during a rotation still open what they sealed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect

KEY_BYTES = 32
NONCE_BYTES = 12
TEXT_PREFIX = "enc1:"
_WRAP_AAD = b"unionbot data key v1"


class SealError(Exception):
    """Sealed data that cannot be opened: an unknown key, or a tag that does not verify."""


class NoKeyring(SealError):
    """A sealed column was used before the master key was loaded."""


def parse_master_key(text: str) -> bytes:
    """base64 (standard or URL-safe) of 32 random bytes -> the bytes; ValueError otherwise."""
    try:
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 of 32 random bytes") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"must be base64 of 32 random bytes (got {len(raw)} bytes)")
    return raw


def new_master_key() -> str:
    """A fresh master key as configuration text."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"unionbot " + purpose).derive(secret)


@dataclass(frozen=True)
class MasterKey:
    secret: bytes = field(repr=False)

    @cached_property
    def id(self) -> str:
        """A public name for the key: safe to store beside the data."""
        return hashlib.sha256(b"unionbot key id" + self.secret).hexdigest()[:8]

    # Derived once per process: HKDF on every sealed value would cost more than the sealing.
    @cached_property
    def column_key(self) -> AESGCM:
        return AESGCM(_derive(self.secret, b"columns"))

    @cached_property
    def index_key(self) -> bytes:
        return _derive(self.secret, b"blind index")

    @cached_property
    def link_key(self) -> bytes:
        return _derive(self.secret, b"signed links")


@dataclass(frozen=True)
class Keyring:
    """The current master key (seals everything new) and previous ones (only open)."""

    current: MasterKey
    previous: tuple[MasterKey, ...] = ()

    @classmethod
    def from_text(cls, current: str, previous: tuple[str, ...] = ()) -> Keyring:
        return cls(MasterKey(parse_master_key(current)),
                   tuple(MasterKey(parse_master_key(text)) for text in previous))

    @property
    def keys(self) -> tuple[MasterKey, ...]:
        return (self.current, *self.previous)

    def find(self, key_id: str) -> MasterKey:
        for key in self.keys:
            if key.id == key_id:
                return key
        raise SealError(f"sealed under key {key_id}, which is not configured")

    # -- data keys (documents) --------------------------------------------------------------

    def wrap(self, data_key: bytes) -> bytes:
        """key id (8 ascii) + nonce + the data key sealed by the current master key."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.current.secret).encrypt(nonce, data_key, _WRAP_AAD)
        return self.current.id.encode("ascii") + nonce + sealed

    def unwrap(self, wrapped: bytes) -> bytes:
        key = self.find(wrapped[:8].decode("ascii", "replace"))
        nonce, sealed = wrapped[8:8 + NONCE_BYTES], wrapped[8 + NONCE_BYTES:]
        try:
            return AESGCM(key.secret).decrypt(nonce, sealed, _WRAP_AAD)
        except InvalidTag:
            raise SealError("a data key does not verify") from None

    # -- sealed text (columns) --------------------------------------------------------------

    def seal_text(self, plain: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.column_key.encrypt(nonce, plain.encode("utf-8"), None)
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{TEXT_PREFIX}{self.current.id}:{body}"

    def open_text(self, stored: str) -> str:
        if not stored.startswith(TEXT_PREFIX):
            return stored  # written before encryption; `unionbot keys rotate` seals it
        key_id, _sep, body = stored[len(TEXT_PREFIX):].partition(":")
        raw = base64.b64decode(body)
        try:
            plain = self.find(key_id).column_key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                          None)
        except InvalidTag:
            raise SealError("a sealed value does not verify") from None
        return plain.decode("utf-8")

    # -- blind indexes (lookups on sealed columns) ------------------------------------------

    def blind_index(self, value: str, key: MasterKey | None = None) -> str:
        """A keyed HMAC of the value: equal values match, nothing else can be learned."""
        digest = hmac.new((key or self.current).index_key, value.encode("utf-8"), "sha256")
        return digest.hexdigest()[:32]

    def blind_indexes(self, value: str) -> list[str]:
        """The value's index under every configured key (a rotation may be half done)."""
        return [self.blind_index(value, key) for key in self.keys]


def sealed_key_id(stored: str | None) -> str | None:
    """The id of the key a stored value was sealed under; None for plaintext or NULL."""
    if stored is None or not stored.startswith(TEXT_PREFIX):
        return None
    return stored[len(TEXT_PREFIX):].partition(":")[0]


class _Active:
    # A column type is built when the models are imported, before configuration is read, so
    # the loaded keyring is held here for the whole process (see `use_keyring`).
    keyring: Keyring | None = None


def use_keyring(keyring: Keyring | None) -> None:
    """Make `keyring` the one the sealed columns and documents use in this process."""
    _Active.keyring = keyring


def active_keyring() -> Keyring:
    if _Active.keyring is None:
        raise NoKeyring("no master key loaded: sealed data cannot be read or written")
    return _Active.keyring


class Sealed(TypeDecorator[str]):
    """Text stored AES-GCM sealed under the active keyring; plaintext only in memory."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keyring().seal_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_keyring().open_text(str(value))
