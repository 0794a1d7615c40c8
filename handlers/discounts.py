"""Jingka discounts: browse by category, search by keyword, nearest first from a location."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.context import Context
from bot.i18n import N_
from bot.messages import Ask, Button, Incoming, Reply, button_rows, shorten, split_payload
from bot.parsing import parse_id, parse_number
from bot.routing import Route
from models.discounts import Merchant, count_by_category, find_offers, get_offer, offers_near

PAGE = 5
SEARCH_FLOW = "discounts_search"
KEYWORD_CHARS = 12  # a Chinese character is 3 bytes: keeps `discounts.page:k:...` under 64
CATEGORIES = {
    "food": N_("Food and drink"),
    "shopping": N_("Shopping"),
    "health": N_("Health and medical"),
    "fitness": N_("Sports and fitness"),
    "culture": N_("Culture and leisure"),
    "services": N_("Everyday services"),
    "education": N_("Education and training"),
    "travel": N_("Travel"),
}


def _today(ctx: Context) -> date:
    return ctx.local_now.date()


async def show_discounts(msg: Incoming, ctx: Context) -> Reply:
    """The discount menu: categories with counts, near me, search. `/discounts 火锅` searches."""
    if msg.args:
        return await _keyword_page(ctx, " ".join(msg.args), 0)
    counts = await count_by_category(ctx.session, today=_today(ctx))
    buttons = [Button(f"{ctx._(label)} ({counts[code]})", f"discounts.page:c:{code}:0")
               for code, label in CATEGORIES.items() if counts.get(code)]
    buttons += [Button(ctx._("Near me"), "discounts.near"),
                Button(ctx._("Search"), "discounts.search")]
    text = ctx._("Jingka member discounts: choose a category, find offers near you, "
                 "or search by name.") if counts else ctx._(
        "There are no Jingka discounts on offer right now. Please check again later.")
    return Reply(text=text, buttons=button_rows(buttons), intent="jingka.discounts")


async def ask_location(msg: Incoming, ctx: Context) -> Reply:
    """Asks the member to share a location (Telegram shows a button for it)."""
    return _location_prompt(ctx)


def _location_prompt(ctx: Context) -> Reply:
    return Reply(text=ctx._("Share your location and I will list the nearest offers. "
                            "(In the terminal chat, type @39.93,116.37.)"), ask=Ask.LOCATION)


async def ask_keyword(msg: Incoming, ctx: Context) -> Reply:
    """Asks for a word to search for."""
    await ctx.start_flow(SEARCH_FLOW, "keyword")
    return Reply(text=ctx._("Type a word to search for, e.g. a shop's name or 'coffee'."))


async def search_keyword(msg: Incoming, ctx: Context) -> Reply:
    """Offers whose name, offer or address contains the typed word."""
    await ctx.end_flow()
    return await _keyword_page(ctx, (msg.text or "").strip(), 0)


async def near_location(msg: Incoming, ctx: Context) -> Reply:
    """Offers nearest a shared location, with the distance."""
    assert msg.location is not None
    return await _near_page(ctx, msg.location.latitude, msg.location.longitude, 0)


async def turn_page(msg: Incoming, ctx: Context) -> Reply:
    """Another page of a category, a search or the nearest offers."""
    _action, arg = split_payload(msg.payload or "")
    kind, _, rest = arg.partition(":")
    value, _, page_text = rest.rpartition(":")
    page = parse_number(page_text, digits=4) or 0
    if kind == "c" and value in CATEGORIES:
        return await _category_page(ctx, value, page)
    if kind == "k" and value:
        return await _keyword_page(ctx, value, page)
    if kind == "n":
        try:
            latitude, longitude = (float(part) for part in value.split(","))
        except ValueError:
            return await show_discounts(msg, ctx)
        return await _near_page(ctx, latitude, longitude, page)
    return await show_discounts(msg, ctx)


async def show_offer(msg: Incoming, ctx: Context) -> Reply:
    """One offer: merchant, offer, address, phone, valid dates."""
    _action, arg = split_payload(msg.payload or "")
    offer_id = parse_id(arg)
    merchant = None if offer_id is None else await get_offer(ctx.session, offer_id,
                                                              today=_today(ctx))
    if merchant is None:
        return Reply(text=ctx._("That offer has ended or no longer exists."),
                     buttons=((Button(ctx._("Discounts"), "discounts.menu"),),))
    lang = ctx.language
    text = ctx._("{name}\nOffer: {offer}\nAddress: {address}\nPhone: {phone}\n"
                 "Valid {start} to {end}\nShow your Jingka card when you pay.").format(
        name=merchant.name(lang), offer=merchant.offer(lang), address=merchant.address,
        phone=merchant.phone or "-", start=merchant.valid_from.isoformat(),
        end=merchant.valid_to.isoformat())
    return Reply(text=text, buttons=((Button(ctx._("Discounts"), "discounts.menu"),),),
                 intent="jingka.discounts")


async def _category_page(ctx: Context, code: str, page: int) -> Reply:
    found, total = await find_offers(ctx.session, today=_today(ctx), category=code,
                                     offset=page * PAGE, limit=PAGE)
    title = ctx._("{category}: {total} offers").format(category=ctx._(CATEGORIES[code]),
                                                       total=total)
    return _listing(ctx, title, [(m, None) for m in found], total, page, f"c:{code}")


async def _keyword_page(ctx: Context, keyword: str, page: int) -> Reply:
    keyword = keyword.replace(":", " ").strip()[:KEYWORD_CHARS]
    if not keyword:
        return Reply(text=ctx._("Please type a word to search for."),
                     buttons=((Button(ctx._("Discounts"), "discounts.menu"),),))
    found, total = await find_offers(ctx.session, today=_today(ctx), keyword=keyword,
                                     offset=page * PAGE, limit=PAGE)
    if not total:
        return Reply(text=ctx._("No current offer matches '{keyword}'.").format(keyword=keyword),
                     buttons=((Button(ctx._("Discounts"), "discounts.menu"),),),
                     intent="jingka.discounts")
    title = ctx._("Offers matching '{keyword}': {total}").format(keyword=keyword, total=total)
    return _listing(ctx, title, [(m, None) for m in found], total, page, f"k:{keyword}")


async def _near_page(ctx: Context, latitude: float, longitude: float, page: int) -> Reply:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return _location_prompt(ctx)
    nearby = await offers_near(ctx.session, today=_today(ctx), latitude=latitude,
                               longitude=longitude)
    shown = [(n.merchant, n.metres) for n in nearby[page * PAGE:(page + 1) * PAGE]]
    title = ctx._("Offers nearest you:") if nearby else ctx._("No current offers found.")
    return _listing(ctx, title, shown, len(nearby), page, f"n:{latitude:.4f},{longitude:.4f}")


def _listing(ctx: Context, title: str, shown: Sequence[tuple[Merchant, float | None]], total: int,
             page: int, key: str) -> Reply:
    lines, buttons = [title], []
    for number, (merchant, metres) in enumerate(shown, start=page * PAGE + 1):
        where = f" · {_distance(ctx, metres)}" if metres is not None else ""
        lines.append(f"{number}. {merchant.name(ctx.language)}{where}\n   "
                     f"{merchant.offer(ctx.language)}")
        buttons.append([Button(shorten(f"{number}. {merchant.name(ctx.language)}"),
                               f"discounts.show:{merchant.id}")])
    nav = []
    if page > 0:
        nav.append(Button(ctx._("« Previous"), f"discounts.page:{key}:{page - 1}"))
    if (page + 1) * PAGE < total:
        nav.append(Button(ctx._("Next »"), f"discounts.page:{key}:{page + 1}"))
    nav.append(Button(ctx._("Discounts"), "discounts.menu"))
    rows = (*(tuple(row) for row in buttons), tuple(nav))
    return Reply(text="\n".join(lines), buttons=rows, intent="jingka.discounts")


def _distance(ctx: Context, metres: float) -> str:
    if metres < 1000:
        return ctx._("{metres} m").format(metres=round(metres / 10) * 10)
    return ctx._("{km} km").format(km=f"{metres / 1000:.1f}")


ROUTES = (
    Route(show_discounts, command="discounts"),
    Route(show_discounts, action="discounts.menu"),
    Route(show_discounts, intent="jingka.discounts"),
    Route(ask_location, action="discounts.near"),
    Route(ask_keyword, action="discounts.search"),
    Route(search_keyword, flow=SEARCH_FLOW),
    Route(turn_page, action="discounts.page"),
    Route(show_offer, action="discounts.show"),
    Route(near_location, event="location"),
)
