"""/subscribe, /unsubscribe and /settings: which notices a member receives, as buttons."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import N_
from bot.messages import Button, Incoming, Reply, split_payload
from bot.routing import Route
from models.subscription import REMINDERS, TOPICS, list_subscriptions, set_subscription

TOPIC_LABELS = {
    "announcements": N_("Union announcements"),
    "job_fairs": N_("Job fairs"),
    "lectures": N_("Lectures and courses"),
    "discounts": N_("Jingka discounts"),
    "mutual_aid": N_("Mutual aid"),
    REMINDERS: N_("Reminders (lectures, job fairs, claims)"),
}


async def show_settings(msg: Incoming, ctx: Context) -> Reply:
    """Each topic with ✅ or ⬜, a button to switch it."""
    return await _settings(ctx, ctx._("Choose which notices you receive. Tap to switch."))


async def _settings(ctx: Context, text: str) -> Reply:
    choices = await list_subscriptions(ctx.session, ctx.member.id)
    rows = tuple(
        (Button(f"{'✅' if on else '⬜'} {ctx._(TOPIC_LABELS[topic])}",
                f"subs.{'off' if on else 'on'}:{topic}"),)
        for topic, on in choices.items()
    )
    return Reply(text=text, buttons=rows, intent="subscribe")


async def switch_topic(msg: Incoming, ctx: Context) -> Reply:
    """Turns one topic on or off and shows the settings again."""
    action, topic = split_payload(msg.payload or "")
    if topic not in TOPIC_LABELS:
        return await show_settings(msg, ctx)
    on = action == "subs.on"
    await set_subscription(ctx.session, ctx.member.id, topic, subscribed=on, now=ctx.now)
    label = ctx._(TOPIC_LABELS[topic])
    text = (ctx._("You will receive: {topic}.") if on
            else ctx._("You will no longer receive: {topic}.")).format(topic=label)
    return await _settings(ctx, text)


async def subscribe(msg: Incoming, ctx: Context) -> Reply:
    """`/subscribe job_fairs` switches a topic on; without a topic, the settings."""
    return await _by_command(msg, ctx, on=True)


async def unsubscribe(msg: Incoming, ctx: Context) -> Reply:
    """`/unsubscribe announcements` switches a topic off; without a topic, the settings."""
    return await _by_command(msg, ctx, on=False)


# what members type after /subscribe: 招聘会, job fairs, 讲座...
TOPIC_NAMES = {
    "公告": "announcements", "通知": "announcements", "工会公告": "announcements",
    "招聘会": "job_fairs", "招聘": "job_fairs", "jobfairs": "job_fairs", "jobfair": "job_fairs",
    "讲座": "lectures", "课程": "lectures", "女职工讲座": "lectures", "lecture": "lectures",
    "优惠": "discounts", "京卡优惠": "discounts", "折扣": "discounts",
    "互助": "mutual_aid", "互助保障": "mutual_aid", "mutualaid": "mutual_aid",
    "提醒": REMINDERS, "reminder": REMINDERS,
}


def topic_of(words: tuple[str, ...], ctx: Context) -> str:
    """A topic id from its id, its label in either language, or a common short name."""
    typed = "".join(words).casefold().replace(" ", "").replace("_", "")
    for topic, label in TOPIC_LABELS.items():
        names = (topic.replace("_", ""), label, ctx._(label))
        if typed in (name.casefold().replace(" ", "") for name in names):
            return topic
    return TOPIC_NAMES.get(typed, TOPIC_NAMES.get(typed.rstrip("s"), ""))


async def _by_command(msg: Incoming, ctx: Context, *, on: bool) -> Reply:
    topic = topic_of(msg.args, ctx)
    if topic not in (*TOPICS, REMINDERS):
        return await show_settings(msg, ctx)
    await set_subscription(ctx.session, ctx.member.id, topic, subscribed=on, now=ctx.now)
    label = ctx._(TOPIC_LABELS[topic])
    text = (ctx._("You will receive: {topic}.") if on
            else ctx._("You will no longer receive: {topic}.")).format(topic=label)
    return await _settings(ctx, text)


ROUTES = (
    Route(show_settings, command="settings"),
    Route(subscribe, command="subscribe"),
    Route(unsubscribe, command="unsubscribe"),
    Route(show_settings, action="subs.settings"),
    Route(switch_topic, action="subs.on"),
    Route(switch_topic, action="subs.off"),
    Route(show_settings, intent="subscribe"),
    Route(show_settings, intent="unsubscribe"),
)
