"""Download first, then write: a member's file is fetched before the message's database
transaction begins, so a slow download never holds the database's write lock (SQLite has one
writer: every other member would wait behind it)."""

from __future__ import annotations

import logging

from bot import documents
from bot.context import FileFetcher
from bot.messages import Attachment, AttachmentKind

log = logging.getLogger(__name__)

WANTED = (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT)


class Prefetched:
    """The one file of this message, already in memory; its fetch error, if it failed."""

    def __init__(self, attachment: Attachment, data: bytes | None,
                 error: Exception | None = None) -> None:
        self.attachment, self.data, self.error = attachment, data, error

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        if attachment != self.attachment:
            raise LookupError("only this message's own file was fetched")
        if self.error is not None:
            raise self.error
        assert self.data is not None
        if len(self.data) > max_bytes:
            raise ValueError("file too large")
        return self.data


def worth_fetching(attachment: Attachment | None) -> bool:
    """A photo or document within the size documents may have (when the size is known)."""
    if attachment is None or attachment.kind not in WANTED:
        return False
    return attachment.size is None or attachment.size <= documents.MAX_BYTES


async def prefetch(files: FileFetcher, attachment: Attachment) -> Prefetched:
    try:
        data = await files.fetch(attachment, max_bytes=documents.MAX_BYTES)
    except Exception as exc:  # handed to the handler, which answers as it would have
        log.info("file %s not fetched: %s", attachment.file_ref[:16], type(exc).__name__)
        return Prefetched(attachment, None, exc)
    return Prefetched(attachment, data)
