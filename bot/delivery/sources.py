"""The reminders members get on their own: before an event they have a seat for, and when a
claim has waited for documents. Each is a `ReminderSource` the scheduler sweeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import BroadcastSettings
from bot.delivery.reminders import DueReminder, ReminderSource
from bot.i18n import N_
from handlers.event_view import when
from models.events import mark_reminded, registrations_due_for_reminder
from models.mutual_aid import Claim, claims_awaiting_documents

EVENT_REMINDER = N_(
    "Reminder: {title} starts {when} (Beijing time) at {venue}. If you can't come, "
    "please cancel so someone on the waitlist can go."
)
DOCUMENTS_REMINDER = N_(
    "Your claim {number} is still waiting for documents. Please send them with /myclaims, "
    "or ask us with /human if something is unclear."
)
COLUMNS = {24: "24h", 1: "1h"}
DETAILS, CANCEL, SEND_DOCUMENTS = N_("Details"), N_("Cancel my registration"), N_("Send documents")


class EventReminders:
    """Members with a confirmed seat, `hours` before the lecture, fair or class starts."""

    def __init__(self, hours: int, zone: tzinfo) -> None:
        self.hours = hours
        self.column = COLUMNS[hours]
        self.zone = zone
        self.name = f"event-{self.column}"

    async def due(self, session: AsyncSession, *, now: datetime) -> Sequence[DueReminder]:
        rows = await registrations_due_for_reminder(
            session, now=now, lead=timedelta(hours=self.hours), column=self.column
        )
        return [
            DueReminder(
                key=f"registration:{row.registration_id}",
                member_id=row.member.id,
                message=EVENT_REMINDER,
                params={
                    "title": row.event.title(row.member.language),
                    "venue": row.event.venue(row.member.language),
                    "when": when(row.event, row.member.language, self.zone),
                },
                buttons=((DETAILS, f"events.show:{row.event.id}"),
                         (CANCEL, f"events.cancel:{row.event.id}")),
            )
            for row in rows
        ]

    async def mark_sent(
        self, session: AsyncSession, reminder: DueReminder, *, now: datetime
    ) -> None:
        registration_id = int(reminder.key.rpartition(":")[2])
        await mark_reminded(session, [registration_id], column=self.column, now=now)


class ClaimDocumentReminders:
    """A claim staff asked documents for, still waiting after `days` days: one reminder."""

    name = "claim-documents"

    def __init__(self, days: int) -> None:
        self.days = days

    async def due(self, session: AsyncSession, *, now: datetime) -> Sequence[DueReminder]:
        claims = await claims_awaiting_documents(
            session, requested_before=now - timedelta(days=self.days)
        )
        return [
            DueReminder(
                key=f"claim:{claim.id}:{claim.documents_requested_at:%Y%m%d%H%M%S}",
                member_id=claim.member_id,
                message=DOCUMENTS_REMINDER,
                params={"number": claim.number or str(claim.id)},
                buttons=((SEND_DOCUMENTS, f"claim.more:{claim.id}"),),
            )
            for claim in claims
        ]

    async def mark_sent(
        self, session: AsyncSession, reminder: DueReminder, *, now: datetime
    ) -> None:
        claim_id = int(reminder.key.split(":")[1])
        claim = await session.get(Claim, claim_id)
        if claim is not None:
            claim.documents_reminded_at = now


def default_sources(settings: BroadcastSettings, zone: tzinfo) -> tuple[ReminderSource, ...]:
    """The configured reminders: `reminder_hours` before events, `claim_reminder_days` for
    claims waiting for documents."""
    events = tuple(EventReminders(hours, zone) for hours in settings.reminder_hours)
    return (*events, ClaimDocumentReminders(settings.claim_reminder_days))
