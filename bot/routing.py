"""Routes: how a message finds its handler. Each topic module ends with a ROUTES tuple."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.messages import Incoming, Reply

if TYPE_CHECKING:
    from bot.context import Context

HandlerResult = Reply | list[Reply] | None
Handler = Callable[[Incoming, "Context"], Awaitable[HandlerResult]]
Event = Literal["location", "attachment", "contact", "reply"]


@dataclass(frozen=True, slots=True)
class Route:
    """Exactly one of command, action, intent, flow or event says what the route answers;
    command together with flow is that command while the member is in that flow (a flow that
    must tidy up on /cancel, say)."""

    handler: Handler
    command: str | None = None  # "/start" -> "start"
    action: str | None = None  # button payload "discounts.show:42" -> "discounts.show"
    intent: str | None = None  # an id of shared/intents.md; "*" answers any intent
    flow: str | None = None  # messages while the member is in this flow
    # a shared location, a file, a contact card outside any flow; "reply": a message answering
    # one of the bot's messages (staff answering a relayed ticket), None from it passes it on
    event: Event | None = None
    staff_only: bool = False
    private_only: bool = False
    # a flow that keeps files: the member's file is downloaded before the transaction begins
    takes_files: bool = False
    # for a flow: what it is called when the member sends another command mid-way ("continue
    # your claim or leave it?") or says 算了 / never mind; None lets commands pass through
    leave_label: str | None = None

    def __post_init__(self) -> None:
        keys = [self.command, self.action, self.intent, self.flow, self.event]
        in_flow_command = self.command is not None and self.flow is not None
        if sum(key is not None for key in keys) != (2 if in_flow_command else 1):
            raise ValueError(f"route for {self.handler.__name__} needs exactly one key")
