"""One field of an application: its question with buttons, the member's answer checked, and the
answer shown back in a summary."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import Translator
from bot.messages import Button, Reply, button_rows
from bot.natural import normalize, parse_amount, parse_chinese_number, parse_date, parse_yes_no
from handlers.applications.spec import Field, Spec
from handlers.claims.common import yuan

TEXT_LIMIT = 500
Answer = str | int | bool | None


def ask(ctx: Context, field: Field, flow: str) -> Reply:
    """The field's question in the member's language, with buttons where there are choices."""
    text = field.question.get(ctx.language)
    if field.type == "choice":
        lines = [f"{n}. {o.label.get(ctx.language)}" for n, o in enumerate(field.options, 1)]
        buttons = [Button(o.label.get(ctx.language), f"{flow}.answer:{o.id}")
                   for o in field.options]
        return Reply(text="\n".join([text, *lines]), buttons=button_rows(buttons))
    if field.type == "yesno":
        return Reply(text=text, buttons=((Button(ctx._("Yes"), f"{flow}.answer:yes"),
                                          Button(ctx._("No"), f"{flow}.answer:no")),))
    if field.optional:
        return Reply(text=text, buttons=((Button(ctx._("Skip"), f"{flow}.answer:-"),),))
    return Reply(text=text)


def read(ctx: Context, field: Field, value: str) -> tuple[Answer, str]:
    """The answer as stored (ISO date, fen, option id...) and '' , or None and the problem."""
    if field.optional and value in ("", "-"):
        return None, ""
    if field.type == "choice":
        return _choice(ctx, field, value)
    if field.type == "yesno":
        answer = parse_yes_no(value)
        return (answer, "") if answer is not None else (None, ctx._("Please answer yes or no."))
    if field.type == "date":
        return _date(ctx, value)
    if field.type == "amount":
        return _amount(ctx, field, value)
    if field.type == "number":
        return _number(ctx, field, value)
    limit = field.maximum or TEXT_LIMIT
    if not 1 <= len(value) <= limit:
        return None, ctx._("Please type it in at most {limit} characters.").format(limit=limit)
    return value, ""


def _choice(ctx: Context, field: Field, value: str) -> tuple[Answer, str]:
    key = normalize(value)
    for number, option in enumerate(field.options, start=1):
        names = (option.id, str(number), option.label.zh, option.label.en)
        if key in (normalize(name) for name in names if name):
            return option.id, ""
    return None, ctx._("Please choose one of these.")


def _date(ctx: Context, value: str) -> tuple[Answer, str]:
    today = ctx.local_now.date()
    when = parse_date(value, today=today, language=ctx.language)
    if when is None:
        return None, ctx._("I could not read that date. Type it like {example}, 11月20日 or "
                           "上周五 (last Friday).").format(example=today.isoformat())
    if when > today:
        return None, ctx._("That date is in the future.")
    return when.isoformat(), ""


def _amount(ctx: Context, field: Field, value: str) -> tuple[Answer, str]:
    fen = parse_amount(value)
    if fen is None:
        return None, ctx._("I could not read that amount. Type it in yuan, e.g. 3500, "
                           "3500.50 or 一万五.")
    if field.maximum and fen > field.maximum:
        return None, ctx._("That is more than {cap}.").format(cap=yuan(field.maximum))
    return fen, ""


def _number(ctx: Context, field: Field, value: str) -> tuple[Answer, str]:
    number = parse_chinese_number(normalize(value).rstrip("人口个位 "))
    low, high = field.minimum, field.maximum or 10**6
    if number is None or number != int(number) or not low <= number <= high:
        return None, ctx._("Please type a whole number from {low} to {high}.").format(
            low=low, high=high)
    return int(number), ""


def show(t: Translator, field: Field, value: object) -> str:
    """A stored answer as the reader should see it."""
    if value is None:
        return "-"
    if field.type == "choice":
        return next((o.label.get(t.language) for o in field.options if o.id == value), "-")
    if field.type == "yesno":
        return t.gettext("Yes") if value else t.gettext("No")
    if field.type == "amount" and isinstance(value, int):
        return yuan(value)
    return str(value)


def summary(t: Translator, spec: Spec, answers: dict[str, object]) -> list[str]:
    """'Question: answer' for each field, in the reader's language."""
    return [f"{field.question.get(t.language).split('？')[0].split('?')[0]}: "
            f"{show(t, field, answers.get(field.id))}" for field in spec.fields]
