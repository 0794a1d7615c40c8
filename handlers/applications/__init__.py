"""Applications described as data (handlers/applications/*.toml): hardship aid, student grants,
joining the union, and mutual-aid claims listed beside them; /myapplications for members,
/applications for staff."""

from __future__ import annotations

from bot.i18n import N_
from bot.routing import Route
from handlers.applications import flow, member, review

ROUTES = (
    Route(flow.start_application, command="apply", private_only=True),
    Route(flow.list_applications, action="apply.menu", private_only=True),
    Route(flow.start_application, action="apply.start", private_only=True),
    Route(flow.answer_application_button, action="apply.answer", private_only=True),
    Route(flow.cancel_application, action="apply.cancel"),
    Route(flow.continue_application, flow=flow.FLOW, leave_label=N_("your application")),
    Route(member.show_my_applications, command="myapplications", private_only=True),
    Route(member.show_my_applications, action="apply.mine", private_only=True),
    Route(member.start_more_documents, action="apply.more", private_only=True),
    Route(review.list_pending_applications, command="applications", staff_only=True,
          private_only=True),
    Route(review.open_application, action="apply.open", staff_only=True, private_only=True),
    Route(review.approve_application, action="apply.approve", staff_only=True,
          private_only=True),
    Route(review.mark_application_paid, action="apply.paid", staff_only=True,
          private_only=True),
    Route(review.ask_application_detail, action="apply.amount", staff_only=True,
          private_only=True),
    Route(review.ask_application_detail, action="apply.reject", staff_only=True,
          private_only=True),
    Route(review.ask_application_detail, action="apply.docs", staff_only=True,
          private_only=True),
    Route(review.continue_application_review, flow=review.FLOW, staff_only=True,
          private_only=True, leave_label=N_("an application decision")),
)
