"""The master keys from settings, checked at start-up: a missing or wrong key stops the bot
with one line naming the key, never a fallback to plaintext.

With no key configured and the default local SQLite database (a laptop trying the bot), a
development key is generated once into `data_dir/dev-master.key` (0600) and reused.
PostgreSQL (production) always needs `[privacy] master_key`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot import documents
from bot.config import ConfigError, DatabaseSettings, Settings
from bot.documents import write_private
from models.crypto import (
    TEXT_PREFIX,
    Keyring,
    SealError,
    new_master_key,
    sealed_key_id,
    use_keyring,
)
from models.mutual_aid import Claim
from models.roster import RosterEntry

log = logging.getLogger(__name__)

DEV_KEY_FILE = "dev-master.key"
KEY_NAME = "privacy.master_key"


def load_keyring(settings: Settings) -> Keyring:
    """The configured keys, or the development key; ConfigError when there is none."""
    privacy = settings.privacy
    current = privacy.master_key or _development_key(settings)
    return Keyring.from_text(current, privacy.previous_master_keys)


def activate(settings: Settings) -> Keyring:
    """Load the keys and make them the ones this process seals and opens data with."""
    keyring = load_keyring(settings)
    use_keyring(keyring)
    return keyring


def _development_key(settings: Settings) -> str:
    if settings.database.url != DatabaseSettings().url:
        raise ConfigError(f"config error: {KEY_NAME}: required (base64 of 32 random bytes; "
                          "set it or UNIONBOT_PRIVACY__MASTER_KEY)")
    path = settings.bot.data_dir / DEV_KEY_FILE
    if not path.is_file():
        write_private(path, (new_master_key() + "\n").encode("ascii"), settings.bot.data_dir)
        log.warning("privacy: generated a development master key in %s; production needs "
                    "[privacy] master_key", path)
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    text = path.read_text(encoding="ascii").strip()
    try:
        Keyring.from_text(text)
    except ValueError as exc:
        raise ConfigError(f"config error: {KEY_NAME}: {path}: {exc}") from None
    return text


async def check_keys(session: AsyncSession, keyring: Keyring) -> None:
    """ConfigError if sealed data in the database was made under a key we do not have, or
    does not open with it (a wrong key)."""
    for column in (RosterEntry.phone, Claim.description):
        raw = type_coerce(column, Text)  # the stored text, not opened
        stored = await session.scalar(select(raw).where(raw.like(TEXT_PREFIX + "%")).limit(1))
        key_id = sealed_key_id(stored)
        if key_id is None:
            continue
        try:
            keyring.open_text(str(stored))
        except SealError:
            raise ConfigError(
                f"config error: {KEY_NAME}: the database holds data sealed under key {key_id}, "
                "which this key does not open (give that key, or list it in "
                "privacy.previous_master_keys)") from None



def check_document_keys(data_dir: Path, keyring: Keyring) -> None:
    """ConfigError if a stored document's data key was wrapped by a key we do not have."""
    base = documents.documents_dir(data_dir)
    for path in base.glob("*/*.*") if base.is_dir() else ():
        with path.open("rb") as handle:
            header = handle.read(len(documents.MAGIC) + 8)
        if not header.startswith(documents.MAGIC):
            continue
        key_id = header[len(documents.MAGIC):].decode("ascii", "replace")
        try:
            keyring.find(key_id)
        except SealError:
            raise ConfigError(
                f"config error: {KEY_NAME}: documents in {base} are sealed under key {key_id}, "
                "which is not configured (give that key, or list it in "
                "privacy.previous_master_keys)") from None
        return
