"""/start, /help, the main menu, the language switch and /cancel."""

from __future__ import annotations

from bot.config import LANGUAGES
from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Incoming, Reply, button_rows, split_payload
from bot.routing import Route
from models.member import Role

MAIN_MENU = (
    (N_("Jingka discounts"), "discounts.menu"),
    (N_("Mutual aid"), "plans.list"),
    (N_("Job fairs"), "jobfairs.list"),
    (N_("Women's lectures"), "lectures.list"),
    (N_("More services"), "menu.more"),
    (N_("Talk to a person"), "human.start"),
)
MORE_MENU = (
    (N_("Jingka card"), "faq.intent:jingka.card"),
    (N_("Job training"), "training.list"),
    (N_("Hardship aid"), "faq.intent:hardship_aid"),
    (N_("Student aid"), "faq.intent:student_aid"),
    (N_("Legal aid"), "faq.intent:legal_aid"),
    (N_("Summer cooling"), "faq.intent:summer_cooling"),
    (N_("Join the union"), "faq.intent:union_membership"),
    (N_("Language / 语言"), "lang.menu"),
    (N_("Main menu"), "menu.main"),
)
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def main_menu(ctx: Context, text: str, intent: str = "help") -> Reply:
    buttons = [Button(ctx._(label), payload) for label, payload in MAIN_MENU]
    return Reply(text=text, buttons=button_rows(buttons), intent=intent)


async def start(msg: Incoming, ctx: Context) -> Reply:
    """Greets the member by name and shows the main menu."""
    await ctx.end_flow()
    name = ctx.member.display_name or ctx._("member")
    text = ctx._("Hello, {name}! I am the union's member-service assistant. "
                 "Ask me a question in your own words, or choose below.").format(name=name)
    return main_menu(ctx, text, intent="greeting")


MEMBER_COMMANDS = N_(
    "/menu the main menu\n"
    "/discounts Jingka discounts · /jobfairs job fairs · /lectures lectures\n"
    "/apply apply for hardship aid, a student grant or membership · /claim a mutual-aid claim\n"
    "/myapplications your claims and applications · /bind link your membership\n"
    "/myevents your sign-ups · /settings which notices you receive\n"
    "/human talk to a person · /contact hotline and office\n"
    "/language 中文/English · /id your account id · /cancel stop what you are doing")
STAFF_COMMANDS = N_(
    "For union staff:\n"
    "/claims claims to review · /applications applications to review\n"
    "/tickets open conversations with members\n"
    "/announce write an announcement · /broadcasts sent and scheduled announcements")
ADMIN_COMMANDS = N_("/grant CHANNEL USER-ID member|staff|admin give a role")


async def show_help(msg: Incoming, ctx: Context) -> Reply:
    """What the bot can do, and the commands this person may use (member, staff or admin)."""
    parts = [ctx._(
        "You can ask me about the Jingka member card and its discounts, mutual-aid plans and "
        "claims, job fairs and training, lectures for women workers, hardship and student aid, "
        "legal aid and joining the union."), ctx._(MEMBER_COMMANDS)]
    if ctx.member.is_staff:
        parts.append(ctx._(STAFF_COMMANDS))
    if ctx.member.role == Role.ADMIN.value:
        parts.append(ctx._(ADMIN_COMMANDS))
    return main_menu(ctx, "\n\n".join(parts))


async def show_id(msg: Incoming, ctx: Context) -> Reply:
    """The account's channel and id, as an admin needs them to make it staff."""
    return Reply(text=ctx._("Your account: {channel} {user_id}\nTo make this account staff, an "
                            "admin runs: unionbot staff add --channel {channel} --user-id "
                            "{user_id}").format(channel=msg.channel, user_id=msg.user_id))


async def show_menu(msg: Incoming, ctx: Context) -> Reply:
    """The main menu as buttons."""
    return main_menu(ctx, ctx._("What can I help you with?"))


async def show_more(msg: Incoming, ctx: Context) -> Reply:
    """The union's other services as buttons."""
    buttons = [Button(ctx._(label), payload) for label, payload in MORE_MENU]
    return Reply(text=ctx._("More of the union's services:"), buttons=button_rows(buttons),
                 intent="help")


async def choose_language(msg: Incoming, ctx: Context) -> Reply:
    """Offers 中文 and English; `/language en` switches at once."""
    if msg.args:
        wanted = msg.args[0].lower()
        for code in LANGUAGES:
            if wanted in (code.lower(), code.split("_")[0]):
                return _switch(ctx, code)
    buttons = [Button(LANGUAGE_NAMES[code], f"lang.set:{code}") for code in LANGUAGES]
    return Reply(text=ctx._("Choose your language:"), buttons=(tuple(buttons),))


async def set_language(msg: Incoming, ctx: Context) -> Reply:
    """Switches the member's language from a button."""
    _action, code = split_payload(msg.payload or "")
    if code not in LANGUAGES:
        return await choose_language(msg, ctx)
    return _switch(ctx, code)


def _switch(ctx: Context, code: str) -> Reply:
    ctx.use_language(code)
    ctx.member.language_chosen = True
    return main_menu(ctx, ctx._("I will answer in English from now on."))


async def cancel(msg: Incoming, ctx: Context) -> Reply:
    """Leaves whatever step-by-step flow the member is in."""
    if ctx.flow is None:
        return main_menu(ctx, ctx._("There is nothing to cancel."))
    await ctx.end_flow()
    return main_menu(ctx, ctx._("Cancelled. Nothing was saved."))


ROUTES = (
    Route(start, command="start"),
    Route(show_help, command="help"),
    Route(show_id, command="id"),
    Route(show_menu, command="menu"),
    Route(choose_language, command="language"),
    Route(cancel, command="cancel"),
    Route(show_menu, action="menu.main"),
    Route(show_more, action="menu.more"),
    Route(choose_language, action="lang.menu"),
    Route(set_language, action="lang.set"),
)
