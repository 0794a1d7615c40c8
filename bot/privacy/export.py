"""/mydata: one zip with everything held about the member (mydata.json) and their documents,
opened with the master key only to be handed to the member."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import documents
from bot.messages import OutgoingFile
from models.audit import record_audit
from models.member import Member
from models.privacy import MemberData, gather_member_data

log = logging.getLogger(__name__)


async def export_member(session: AsyncSession, member: Member, *, data_dir: Path,
                        now: datetime, actor_id: int, via: str) -> OutgoingFile:
    """The member's data as a zip; the export is an audit entry (who, whose, how)."""
    data = await gather_member_data(session, member)
    archive = await _archive(data, data_dir, now)
    await record_audit(session, at=now, actor_id=actor_id, action="member.export",
                       target=f"member:{member.id}",
                       detail=f"{via}; {len(data.documents)} documents")
    return OutgoingFile(name=f"mydata-{now:%Y%m%d}.zip", data=archive,
                        mime_type="application/zip")


async def _archive(data: MemberData, data_dir: Path, now: datetime) -> bytes:
    buffer = io.BytesIO()
    problems: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, doc in enumerate(data.documents, start=1):
            name = _document_name(data, doc.claim_id, number, doc.mime_type)
            try:
                archive.writestr(name, await documents.load(doc.path, data_dir))
            except (OSError, ValueError) as exc:
                log.error("export: document %s cannot be read: %s", doc.id, exc)
                problems.append(name)
        body = {"exported_at": now.isoformat(), **data.records,
                "documents_not_included": problems}
        archive.writestr("mydata.json", json.dumps(body, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _document_name(data: MemberData, claim_id: int | None, number: int, mime: str) -> str:
    claim = data.claim_numbers.get(claim_id or 0) or "draft"
    return f"documents/{claim}-{number}.{documents.EXTENSIONS.get(mime, 'bin')}"
