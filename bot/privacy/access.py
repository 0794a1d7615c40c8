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
from models.mutual_aid import Claim, ClaimDocument

log = logging.getLogger(__name__)


async def read_for_staff(session: AsyncSession, claim: Claim, doc: ClaimDocument, number: int,
                         *, staff_id: int, now: datetime, data_dir: Path) -> bytes:
    """The document's bytes; DocumentUnreadable (tag fails: never served) or OSError/ValueError
    (missing) otherwise, after logging the attempt."""
    try:
        data = await documents.load(doc.path, data_dir)
    except documents.DocumentUnreadable as exc:
        log.error("claim %s: document %s is not served: %s", claim.number, doc.id, exc)
        await _audit(session, claim, number, staff_id=staff_id, now=now, allowed=False)
        raise
    except (OSError, ValueError):
        log.error("claim %s: document %s is missing from the store", claim.number, doc.path)
        raise
    await _audit(session, claim, number, staff_id=staff_id, now=now, allowed=True)
    return data


async def _audit(session: AsyncSession, claim: Claim, number: int, *, staff_id: int,
                 now: datetime, allowed: bool) -> None:
    await record_audit(session, at=now, actor_id=staff_id, action="document.view",
                       target=f"member:{claim.member_id}", allowed=allowed,
                       detail=f"claim {claim.number} document {number}")
