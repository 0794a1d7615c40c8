"""Staff reading a member's document: the one way to do it, so each view is an audit entry
(who, whose, which, when), refused ones included. The chat review and any other staff screen
use it."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import documents
from models.audit import record_audit
from models.mutual_aid import ClaimDocument

log = logging.getLogger(__name__)


async def read_for_staff(session: AsyncSession, case: str, member_id: int, doc: ClaimDocument,
                         number: int, *, staff_id: int, now: datetime, data_dir: Path) -> bytes:
    """The document's bytes; DocumentUnreadable (tag fails: never served) or OSError/ValueError
    (missing) otherwise, after logging the attempt."""
    try:
        data = await documents.load(doc.path, data_dir)
    except documents.DocumentUnreadable as exc:
        log.error("%s: document %s is not served: %s", case, doc.id, exc)
        await _audit(session, case, member_id, number, staff_id=staff_id, now=now, allowed=False)
        raise
    except (OSError, ValueError):
        log.error("%s: document %s is missing from the store", case, doc.path)
        raise
    await _audit(session, case, member_id, number, staff_id=staff_id, now=now, allowed=True)
    return data


async def _audit(session: AsyncSession, case: str, member_id: int, number: int, *,
                 staff_id: int, now: datetime, allowed: bool) -> None:
    await record_audit(session, at=now, actor_id=staff_id, action="document.view",
                       target=f"member:{member_id}", allowed=allowed,
                       detail=f"claim {case} document {number}")
