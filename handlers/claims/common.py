"""Labels and parsing shared by the claim flow, the member's claim list and staff review."""

from __future__ import annotations

import re
from datetime import date

from bot import natural
from bot.i18n import N_, Translator
from models.mutual_aid import AidPlan, Claim

INCIDENTS = {
    "hospitalisation": N_("Hospital stay"),
    "critical_illness": N_("Critical illness"),
    "accident": N_("Accidental injury"),
    "outpatient": N_("Major outpatient treatment"),
}
STATUSES = {
    "submitted": N_("Submitted, waiting for review"),
    "needs_documents": N_("More documents needed"),
    "approved": N_("Approved"),
    "rejected": N_("Not approved"),
    "cancelled": N_("Cancelled"),
    "paid": N_("Paid"),
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def parse_amount(text: str) -> int | None:
    """'1,234.5', '¥1234.50', '一万五', '3.5k' -> fen; None if not an amount."""
    return natural.parse_amount(text)


def parse_date(text: str) -> date | None:
    """'2026-11-20', '2026/11/20', '2026年11月20日' -> a date; None otherwise."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def incident_label(t: Translator, code: str) -> str:
    return t.gettext(INCIDENTS.get(code, code))


def status_label(t: Translator, code: str) -> str:
    return t.gettext(STATUSES.get(code, code))


def claim_summary(t: Translator, claim: Claim, plan: AidPlan) -> str:
    """Number, plan, incident, amounts and status, in the reader's language."""
    _ = t.gettext
    lines = [
        _("Claim {number}").format(number=claim.number),
        _("Plan: {plan}").format(plan=plan.name(t.language)),
        _("Incident: {incident} on {date}").format(
            incident=incident_label(t, claim.incident_type), date=claim.incident_date.isoformat()),
        _("Amount claimed: {amount}").format(amount=yuan(claim.amount_fen)),
        _("Status: {status}").format(status=status_label(t, claim.status)),
    ]
    if claim.decided_fen is not None and claim.status in ("approved", "paid"):
        lines.append(_("Amount approved: {amount}").format(amount=yuan(claim.decided_fen)))
    if claim.paid_on is not None:
        lines.append(_("Paid: {amount} on {date}").format(amount=yuan(claim.paid_fen or 0),
                                                          date=claim.paid_on.isoformat()))
    if claim.reason:
        lines.append(_("Note from the union: {reason}").format(reason=claim.reason))
    return "\n".join(lines)
