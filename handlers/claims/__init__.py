"""Mutual aid: plans, filing a claim, the member's claims, and staff review."""

from __future__ import annotations

from bot.i18n import N_
from bot.routing import Route
from handlers.claims import filing, member, review, uploads

ROUTES = (
    Route(member.show_plans, action="plans.list"),
    Route(member.show_plans, command="plans"),
    Route(filing.start_claim, command="claim", private_only=True),
    Route(filing.start_claim, action="claim.start", private_only=True),
    Route(filing.answer_claim_button, action="claim.answer", private_only=True),
    Route(filing.cancel_claim, action="claim.cancel"),
    Route(filing.continue_claim, flow=filing.FLOW, private_only=True, takes_files=True,
          leave_label=N_("your mutual-aid claim")),
    Route(uploads.start_more_documents, action="claim.more", private_only=True),
    Route(member.show_my_claims, command="myclaims", private_only=True),
    Route(member.show_my_claims, action="claims.mine", private_only=True),
    Route(member.show_my_claims, intent="mutual_aid.claim_status", private_only=True),
    Route(member.withdraw_claim, action="claim.withdraw", private_only=True),
    Route(review.list_pending, command="claims", staff_only=True, private_only=True),
    Route(review.open_claim, action="claims.open", staff_only=True,
          private_only=True),
    Route(review.approve_claim, action="claims.approve", staff_only=True,
          private_only=True),
    Route(review.mark_claim_paid, action="claims.paid", staff_only=True, private_only=True),
    Route(review.ask_decision_detail, action="claims.amount", staff_only=True,
          private_only=True),
    Route(review.ask_decision_detail, action="claims.reject", staff_only=True,
          private_only=True),
    Route(review.ask_decision_detail, action="claims.docs", staff_only=True,
          private_only=True),
    Route(review.continue_review, flow=review.FLOW, staff_only=True, private_only=True,
          leave_label=N_("a claim decision")),
)
