"""Claim documents on disk: the type read from the bytes, the name from the content hash.

A member's file name is never used: the path is `<sha256[:2]>/<sha256>.<ext>` under
`data_dir/documents`. Writing happens in a thread so the event loop never blocks on disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
EXTENSIONS = {mime: ext for _magic, mime, ext in SIGNATURES}


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


async def store(data: bytes, data_dir: Path) -> StoredFile:
    """Write the bytes by content hash (once) and say where; ValueError for other types."""
    kind = sniff(data)
    if kind is None:
        raise ValueError("not a JPEG, PNG or PDF file")
    mime, ext = kind
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{digest[:2]}/{digest}.{ext}"
    await asyncio.to_thread(_write, documents_dir(data_dir) / relative, data)
    return StoredFile(digest, mime, len(data), relative)


async def load(relative: str, data_dir: Path) -> bytes:
    base = documents_dir(data_dir).resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"document path outside the store: {relative!r}")
    return await asyncio.to_thread(path.read_bytes)


def _write(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.part")
    temporary.write_bytes(data)
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
