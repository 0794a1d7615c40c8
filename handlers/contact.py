"""/contact: the union's hotline, address, opening hours and map, so no answer is a dead end."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button, Incoming, Reply
from bot.routing import Route


def contact_text(ctx: Context) -> str:
    """The union's ways in, each on its own line; the hotline is always there."""
    union = ctx.settings.union
    lines = [ctx._("Union hotline: {phone}").format(phone=union.hotline)]
    if union.office_address:
        lines.append(ctx._("Office: {address}").format(address=union.office_address))
    if union.opening_hours:
        lines.append(ctx._("Opening hours: {hours}").format(hours=union.opening_hours))
    return "\n".join(lines)


def contact_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    if not ctx.settings.union.map_url:
        return ()
    return ((Button(ctx._("Map"), url=ctx.settings.union.map_url),),)


async def show_contact(msg: Incoming, ctx: Context) -> Reply:
    """How to reach the union by phone or in person."""
    return Reply(text=ctx._("You can reach the union here:") + "\n" + contact_text(ctx),
                 buttons=contact_buttons(ctx), intent="human_handoff")


ROUTES = (
    Route(show_contact, command="contact"),
    Route(show_contact, action="contact.show"),
)
