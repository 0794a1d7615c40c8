"""How a plan, an audience and a broadcast's outcome read to staff, in their language:
audience names instead of codes, counts with thousands separators, times in minutes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from babel.numbers import format_decimal

from bot.delivery.plan import BroadcastPlan, ChannelPlan, Method
from bot.i18n import N_

Gettext = Callable[[str], str]

CHANNEL_NAMES = {"telegram": N_("Telegram"), "wechat": N_("WeChat"),
                 "terminal": N_("Terminal chat")}
LANGUAGE_AUDIENCES = {"zh_CN": N_("Chinese speakers"), "en": N_("English speakers")}
BROADCAST_STATUS = {
    "scheduled": N_("scheduled"), "running": N_("sending"), "done": N_("finished"),
    "partial": N_("finished, with failures"), "cancelled": N_("cancelled"),
    "missed": N_("missed"),
}
# What staff read for a failed or blocked recipient; matched on the platform's detail.
REASONS = (
    (("45015", "outside the 48-hour window", "45047"),
     N_("outside WeChat's 48-hour window")),
    (("45028", "mass_quota"), N_("no WeChat mass send left this month")),
    (("blocked", "43004", "43019", "not following", "unreachable", "deactivated",
      "chat not found", "40003"), N_("blocked the bot or stopped following")),
    (("429", "45011"), N_("the platform asked us to slow down")),
    (("network", "timed out", "-1:", "transient", "http 5"),
     N_("the platform could not be reached")),
    (("channel not connected",), N_("the bot is not connected to that channel")),
)
OTHER_REASON = N_("the platform refused the message")


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=language)


def audience_label(audience: str, _: Gettext) -> str:
    # imported here: handlers import this module, and the topic names live with /settings
    from handlers.subscriptions import TOPIC_LABELS

    kind, _sep, value = audience.partition(":")
    if kind == "topic" and value in TOPIC_LABELS:
        return _("Subscribers of {topic}").format(topic=_(TOPIC_LABELS[value]))
    if kind == "lang" and value in LANGUAGE_AUDIENCES:
        return _(LANGUAGE_AUDIENCES[value])
    if kind == "tag":
        return _("Members tagged {tag}").format(tag=value)
    return _("Everyone")


def duration(seconds: float, _: Gettext) -> str:
    total = max(1, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("about {hours} h {minutes} min").format(hours=hours, minutes=minutes)
    if minutes:
        return _("about {minutes} min {seconds} s").format(minutes=minutes, seconds=secs)
    return _("about {seconds} s").format(seconds=secs)


def describe_plan(plan: BroadcastPlan, _: Gettext, language: str) -> str:
    """E.g. "Telegram 4,210 at 30/s, about 2 min 20 s; WeChat 18,420: 1 mass send (群发) to
    the tag, 3 of this month's 4 left; 35 opted out; 12 unreachable"."""
    lines = [_("{audience}: {count} members will receive it.").format(
        audience=audience_label(plan.audience, _), count=number(plan.reached, language))]
    lines += [_channel_line(channel, _, language) for channel in plan.channels]
    lines.append(_("{opted_out} opted out of this topic; {unreachable} unreachable (blocked "
                   "the bot or stopped following).").format(
        opted_out=number(plan.opted_out, language),
        unreachable=number(plan.unreachable, language)))
    return "\n".join(lines)


def _channel_line(channel: ChannelPlan, _: Gettext, language: str) -> str:
    values = {"channel": _(CHANNEL_NAMES.get(channel.channel, channel.channel)),
              "count": number(channel.reached, language), "rate": channel.rate,
              "time": duration(channel.seconds, _), "left": channel.quota_left,
              "quota": channel.quota}
    if channel.method is Method.RATE:
        return _("{channel} {count} at {rate}/s, {time}").format(**values)
    if channel.method is Method.MASS and channel.reached:
        return _("{channel} {count}: 1 mass send (群发) to the tag, {left} of this month's "
                 "{quota} left").format(**values)
    if channel.method is Method.MASS:
        return _("{channel} 0: no mass send needed").format(**values)
    if channel.method is Method.NO_QUOTA:
        return _("{channel} {count}: this month's {quota} mass sends are used up; these "
                 "followers will not receive it").format(**values)
    return _("{channel} {count}: not connected; these members will not receive it").format(
        **values)


def reason(detail: str, _: Gettext) -> str:
    lowered = detail.lower()
    for needles, label in REASONS:
        if any(needle in lowered for needle in needles):
            return _(label)
    return _(OTHER_REASON)


def reasons(details: Mapping[str, int], _: Gettext, language: str) -> str:
    """"3 outside WeChat's 48-hour window, 2 blocked the bot": failures grouped by reason."""
    grouped: dict[str, int] = {}
    for detail, count in details.items():
        label = reason(detail, _)
        grouped[label] = grouped.get(label, 0) + count
    return _("; ").join(f"{number(n, language)} {label}"
                        for label, n in sorted(grouped.items(), key=lambda item: -item[1]))


def status_label(status: str, _: Gettext) -> str:
    return _(BROADCAST_STATUS[status]) if status in BROADCAST_STATUS else status
