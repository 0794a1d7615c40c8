"""Claim documents on disk: the type read from the bytes, the name from the content hash, the
bytes sealed with AES-GCM under a fresh data key that the master key wraps.

A member's file name is never used: the path is `<sha256[:2]>/<sha256>.<ext>` under
`data_dir/documents`. A file is MAGIC + wrapped data key + nonce + ciphertext; files are 0600
and folders 0700. Disk work happens in a thread so the event loop never blocks on it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.crypto import NONCE_BYTES, Keyring, SealError, active_keyring

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
EXTENSIONS = {mime: ext for _magic, mime, ext in SIGNATURES}
MAGIC = b"UBD1"
_WRAPPED = 8 + NONCE_BYTES + 32 + 16  # key id, nonce, data key, tag
_HEADER = len(MAGIC) + _WRAPPED
FILE_MODE, DIR_MODE = 0o600, 0o700


class DocumentUnreadable(SealError):
    """A stored document that must not be served: its tag fails, its key is unknown, or it
    was never encrypted."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    mime_type: str
    size: int
    path: str  # relative to the documents directory


def sniff(data: bytes) -> tuple[str, str] | None:
    """(mime type, extension) from the first bytes, or None if not JPEG, PNG or PDF."""
    for magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            return mime, ext
    return None


def documents_dir(data_dir: Path) -> Path:
    return data_dir / "documents"


async def store(data: bytes, data_dir: Path, keyring: Keyring | None = None) -> StoredFile:
    """Seal and write the bytes by content hash (once) and say where; ValueError for other
    types."""
    kind = sniff(data)
    if kind is None:
        raise ValueError("not a JPEG, PNG or PDF file")
    mime, ext = kind
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{digest[:2]}/{digest}.{ext}"
    path = documents_dir(data_dir) / relative
    if not path.exists():
        sealed = seal(data, keyring or active_keyring())
        await asyncio.to_thread(write_private, path, sealed, data_dir)
    return StoredFile(digest, mime, len(data), relative)


def seal(data: bytes, keyring: Keyring) -> bytes:
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + keyring.wrap(data_key) + nonce + AESGCM(data_key).encrypt(nonce, data, MAGIC)


def unseal(blob: bytes, keyring: Keyring) -> bytes:
    """The document's bytes; DocumentUnreadable when they cannot be trusted."""
    if not blob.startswith(MAGIC):
        raise DocumentUnreadable("stored unencrypted (run: unionbot keys rotate)")
    try:
        data_key = keyring.unwrap(blob[len(MAGIC):_HEADER])
        nonce, body = blob[_HEADER:_HEADER + NONCE_BYTES], blob[_HEADER + NONCE_BYTES:]
        return AESGCM(data_key).decrypt(nonce, body, MAGIC)
    except (SealError, InvalidTag, ValueError) as exc:
        raise DocumentUnreadable(f"does not verify: {exc or 'bad tag'}") from None


def rewrap(blob: bytes, keyring: Keyring) -> bytes | None:
    """The file under the current master key (only its data key re-wrapped; a plaintext file
    of an older install sealed whole), or None when it already is."""
    if not blob.startswith(MAGIC):
        return seal(blob, keyring)
    wrapped = blob[len(MAGIC):_HEADER]
    if wrapped[:8].decode("ascii", "replace") == keyring.current.id:
        return None
    return MAGIC + keyring.wrap(keyring.unwrap(wrapped)) + blob[_HEADER:]


def resolve(relative: str, data_dir: Path) -> Path:
    base = documents_dir(data_dir).resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"document path outside the store: {relative!r}")
    return path


async def load(relative: str, data_dir: Path, keyring: Keyring | None = None) -> bytes:
    """The document's plain bytes: OSError if gone, DocumentUnreadable if it fails to verify."""
    blob = await asyncio.to_thread(resolve(relative, data_dir).read_bytes)
    return unseal(blob, keyring or active_keyring())


def make_private_dirs(path: Path, top: Path) -> None:
    """Create `path` and the folders between it and `top` (`top` included), each 0700."""
    folders = [top]
    if path.is_relative_to(top):
        for part in path.relative_to(top).parts:
            folders.append(folders[-1] / part)
    else:
        folders.append(path)
    for folder in folders:
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(folder, DIR_MODE)


def write_private(path: Path, data: bytes, top: Path) -> None:
    """Write atomically as a 0600 file in 0700 folders (whatever the umask)."""
    make_private_dirs(path.parent, top)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, FILE_MODE)
    os.replace(temporary, path)


def remove_unused(data_dir: Path, in_use: set[str], *, older_than: datetime) -> int:
    """Delete stored files nothing points to any more (a claim flow abandoned or cancelled),
    sparing files written after `older_than`, which a flow may be about to record. Blocking:
    run it in a thread. Returns how many files were removed."""
    base = documents_dir(data_dir)
    removed = 0
    for path in base.glob("*/*.*") if base.is_dir() else ():
        relative = path.relative_to(base).as_posix()
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if relative not in in_use and modified < older_than:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
