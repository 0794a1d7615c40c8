"""Retention ([privacy] periods) kept by the hourly housekeeping on a fake clock: exactly what
is past its period goes, each deletion counted in the audit log."""

from __future__ import annotations

import os
from datetime import date, timedelta

from sqlalchemy import func, select

from bot import documents
from bot.config import PrivacySettings, Settings
from bot.housekeeping import Housekeeping
from models.audit import AuditEntry
from models.db import Sessions
from models.dedupe import HandledUpdate
from models.handoff import HandoffMessage, HandoffTicket
from models.member import Member
from models.mutual_aid import Claim, ClaimDocument
from models.privacy import is_erased
from models.roster import Binding
from models.unanswered import UnansweredQuestion
from tests.support.member_services import JPEG, NOW, PDF, PNG, load_demo_data

PERIODS = PrivacySettings(document_days=30, handoff_days=10, unanswered_days=5,
                          update_log_days=7, unbound_member_days=60)
DAY = timedelta(days=1)


async def _member(session, user_id: str, *, seen_days_ago: int, role: str = "member") -> Member:
    member = Member(channel="telegram", external_id=user_id, chat_id=user_id, language="en",
                    display_name=f"member {user_id}", role=role,
                    created_at=NOW - seen_days_ago * DAY, last_seen_at=NOW - seen_days_ago * DAY)
    session.add(member)
    await session.flush()
    return member


async def _claim(session, member: Member, status: str, *, decided_days_ago: int | None,
                 document: bytes, data_dir) -> Claim:
    decided = None if decided_days_ago is None else NOW - decided_days_ago * DAY
    claim = Claim(member_id=member.id, roster_id=1, plan_id=1, incident_type="accident",
                  incident_date=date(2026, 1, 5), amount_fen=100, status=status,
                  submitted_at=NOW - 90 * DAY, updated_at=decided or NOW, decided_at=decided)
    session.add(claim)
    await session.flush()
    stored = await documents.store(document, data_dir)
    written = (NOW - 90 * DAY).timestamp()  # the file is as old as the fake clock says
    os.utime(documents.documents_dir(data_dir) / stored.path, (written, written))
    session.add(ClaimDocument(claim_id=claim.id, member_id=member.id, sha256=stored.sha256,
                              mime_type=stored.mime_type, size=stored.size, path=stored.path,
                              added_at=NOW - 90 * DAY))
    return claim


async def test_exactly_what_is_past_its_period_is_deleted(settings: Settings,
                                                          sessions: Sessions) -> None:
    await load_demo_data(sessions)
    data_dir = settings.bot.data_dir
    async with sessions.begin() as session:
        bound = await _member(session, "1", seen_days_ago=100)
        session.add(Binding(member_id=bound.id, roster_id=1, bound_at=NOW - 100 * DAY))
        await _claim(session, bound, "approved", decided_days_ago=31, document=JPEG,
                     data_dir=data_dir)
        await _claim(session, bound, "rejected", decided_days_ago=29, document=PNG,
                     data_dir=data_dir)
        await _claim(session, bound, "submitted", decided_days_ago=None, document=PDF,
                     data_dir=data_dir)
        for closed in (11, 9, None):
            ticket = HandoffTicket(member_id=bound.id, opened_at=NOW - 40 * DAY,
                                   status="open" if closed is None else "closed",
                                   closed_at=None if closed is None else NOW - closed * DAY)
            session.add(ticket)
            await session.flush()
            session.add(HandoffMessage(ticket_id=ticket.id, author_id=bound.id,
                                       direction="to_staff", text="我的病情", at=NOW - 40 * DAY))
        for days in (8, 6):  # periods of 7 and 5 days
            session.add(HandledUpdate(channel="telegram", key=f"u{days}", at=NOW - days * DAY))
            session.add(UnansweredQuestion(created_at=NOW - (days - 2) * DAY, channel="telegram",
                                           language="zh_CN", text="职工小家能借用吗",
                                           reason="unknown"))
        await _member(session, "old-visitor", seen_days_ago=61)
        await _member(session, "recent-visitor", seen_days_ago=59)
        await _member(session, "old-staff", seen_days_ago=400, role="staff")

    housekeeping = Housekeeping(sessions, data_dir, PERIODS)
    assert await housekeeping.run(NOW) > 0
    async with sessions.begin() as session:
        kept_documents = await session.scalars(
            select(Claim.status).join(ClaimDocument, ClaimDocument.claim_id == Claim.id)
            .order_by(Claim.id))
        assert list(kept_documents) == ["rejected", "submitted"]
        tickets = await session.scalars(select(HandoffTicket.closed_at).order_by(
            HandoffTicket.id))
        assert list(tickets) == [NOW - 9 * DAY, None]
        assert await _count(session, HandoffMessage) == 2
        assert list(await session.scalars(select(HandledUpdate.key))) == ["u6"]
        assert await _count(session, UnansweredQuestion) == 1
        erased = {m.display_name or m.id: is_erased(m)
                  for m in await session.scalars(select(Member).order_by(Member.id))}
        assert list(erased.values()).count(True) == 1
        assert erased["member recent-visitor"] is False and erased["member old-staff"] is False
        counts = dict((await session.execute(select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.action.like("retention.%")))).all())
    assert counts == {"retention.documents": "1 deleted",
                      "retention.handoff_transcripts": "2 deleted",
                      "retention.unanswered_questions": "1 deleted",
                      "retention.update_ids": "1 deleted",
                      "retention.unbound_members": "1 deleted",
                      "retention.files": "1 deleted"}
    left = sorted(p.suffix for p in (data_dir / "documents").rglob("*.*"))
    assert left == [".pdf", ".png"]
    assert await housekeeping.run(NOW + timedelta(hours=1)) == 0  # nothing more is due


async def _count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)
