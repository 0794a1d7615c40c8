"""`unionbot import payouts FILE`: the bank's payout file marks approved claims and applications
paid, all or nothing, and queues a notice with the amount and the date for each member.

Columns: number (HZ.../KN.../ZX...), amount (yuan: 3500, 3,500.00, ¥3500), paid_on
(2026-11-20 or 2026/11/20). A row for a case already paid with the same amount is skipped, so
the same file can be imported twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.sender import MessageKind
from bot.i18n import N_, Catalogs
from bot.importing.checks import Cells, missing_columns
from bot.importing.tabular import ImportReport, Row
from bot.natural import parse_amount
from handlers.claims.common import yuan
from models.applications import Case, find_case, mark_paid
from models.member import Member
from models.mutual_aid import Claim, ClaimStatus
from models.outbox import enqueue_message

REQUIRED = ("number", "amount", "paid_on")
CLAIM_PAID = N_("Your claim {number}: {amount} was paid to your Jingka card on {date}.")
APPLICATION_PAID = N_("Your application {number}: {amount} was paid to your Jingka card on "
                      "{date}.")


@dataclass(frozen=True, slots=True)
class Payout:
    case: Case
    fen: int
    paid_on: date


async def _check_row(session: AsyncSession, row: Row, report: ImportReport) -> Payout | None:
    cells = Cells(row, report)
    number, paid_on = cells.text("number", limit=24), cells.day("paid_on")
    fen = parse_amount(cells.text("amount"))
    if row.values.get("amount") and fen is None:
        report.add(row.number, "amount", f"not an amount: {row.values['amount']!r}")
    case = await find_case(session, number) if number else None
    if number and case is None:
        report.add(row.number, "number", f"no claim or application {number!r}")
    if case is None or fen is None or paid_on is None:
        return None
    if case.status == ClaimStatus.PAID.value and case.paid_fen == fen:
        return None  # imported before
    if case.status != ClaimStatus.APPROVED.value:
        report.add(row.number, "number", f"{number} is {case.status}, not approved")
        return None
    if case.decided_fen is not None and fen != case.decided_fen:
        report.add(row.number, "amount",
                   f"{yuan(fen)} differs from the {yuan(case.decided_fen)} approved")
    return Payout(case, fen, paid_on)


async def import_payouts(session: AsyncSession, rows: list[Row], *, catalogs: Catalogs,
                         now: datetime) -> ImportReport:
    """Every row checked first; then each case paid and its member's notice queued."""
    report = ImportReport()
    if not rows:
        report.errors.append("the file has no data rows")
    if not rows or missing_columns(rows, REQUIRED, report):
        return report
    payouts = [p for row in rows if (p := await _check_row(session, row, report)) is not None]
    if not report.ok:
        return report
    for payout in payouts:
        await mark_paid(session, payout.case, amount_fen=payout.fen, paid_on=payout.paid_on,
                        actor_id=None, now=now)
        member = await session.get(Member, payout.case.member_id)
        if member is not None:
            message = CLAIM_PAID if isinstance(payout.case, Claim) else APPLICATION_PAID
            text = catalogs.get(member.language).gettext(message).format(
                number=payout.case.number, amount=yuan(payout.fen),
                date=payout.paid_on.isoformat())
            await enqueue_message(session, member, text, now=now,
                                  kind=MessageKind.SERVICE_NOTICE.value,
                                  dedupe_key=f"payout:{payout.case.number}")
    report.imported = len(payouts)
    return report
