"""The plan of a broadcast before it is sent: per channel, how many members the audience
reaches, by which means and in how long, and who it will not reach (opted out, unreachable).

Staff see it in the chat preview and from `unionbot broadcast plan`; the console can call
`plan_broadcast` too. It reads the database only: nothing is sent and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from models.audience import AudienceCount, count_audience
from models.broadcast import topic_of
from models.wechat_mass import mass_sends_in_month

CHANNELS = ("telegram", "wechat")  # channels a broadcast can go out on, in this order


class Method(StrEnum):
    RATE = "rate"  # one message per member at the configured rate (Telegram)
    MASS = "mass"  # one WeChat mass send (群发) to the audience's tag
    NO_QUOTA = "no_quota"  # WeChat: this month's mass sends are used up
    OFF = "off"  # the channel is not connected in this bot's settings


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    channel: str
    reached: int
    opted_out: int
    unreachable: int
    method: Method
    seconds: float = 0.0  # how long the sending takes, estimated
    rate: int = 0  # messages a second (RATE)
    mass_sends: int = 0  # platform calls that deliver it (MASS)
    quota_left: int = 0  # mass sends left this month, before this one
    quota: int = 0  # mass sends a month


@dataclass(frozen=True, slots=True)
class BroadcastPlan:
    audience: str
    topic: str
    channels: tuple[ChannelPlan, ...]

    @property
    def reached(self) -> int:
        return sum(c.reached for c in self.channels if c.method in (Method.RATE, Method.MASS))

    @property
    def opted_out(self) -> int:
        return sum(c.opted_out for c in self.channels)

    @property
    def unreachable(self) -> int:
        return sum(c.unreachable for c in self.channels)

    @property
    def matches_nobody(self) -> bool:
        """The audience names no member who wants it, on any channel: compose refuses it
        with the count 0."""
        return sum(c.reached for c in self.channels) == 0

    @property
    def seconds(self) -> float:
        return max((c.seconds for c in self.channels), default=0.0)


# The limiter holds a request's slot from its start until 1 s after it ended, so each window of
# `rate` messages lasts 1 s plus a round trip and the outbox's bookkeeping: 1.13 s measured
# with 5,000 recipients at 30/s (bench/broadcast_plan.py, the figure this was set from).
WINDOW_SECONDS = 1.1


def estimate_seconds(recipients: int, rate: int) -> float:
    """About how long `recipients` messages take at `rate` a second."""
    return recipients / rate * WINDOW_SECONDS if recipients else 0.0


def month_of(now: datetime, settings: Settings) -> str:
    """WeChat counts mass sends per calendar month, in Beijing time."""
    return now.astimezone(settings.zone).strftime("%Y-%m")


async def plan_broadcast(
    session: AsyncSession, *, audience: str, settings: Settings, now: datetime
) -> BroadcastPlan:
    topic = topic_of(audience)
    counts = await count_audience(session, topic=topic, audience=audience)
    plans = []
    for channel in (*CHANNELS, *sorted(set(counts) - set(CHANNELS))):
        count = counts.get(channel, AudienceCount())
        if channel not in counts and channel not in _connected(settings):
            continue
        plans.append(await _channel_plan(session, channel, count, settings, now))
    return BroadcastPlan(audience=audience, topic=topic, channels=tuple(plans))


def _connected(settings: Settings) -> set[str]:
    connected = {"telegram"} if settings.telegram.token else set()
    return connected | ({"wechat"} if settings.wechat.enabled else set())


async def _channel_plan(
    session: AsyncSession, channel: str, count: AudienceCount, settings: Settings,
    now: datetime,
) -> ChannelPlan:
    base = (channel, count.reached, count.opted_out, count.unreachable)
    if channel not in _connected(settings):
        return ChannelPlan(*base, Method.OFF)
    if channel == "wechat":
        quota = settings.wechat.mass_per_month
        left = max(0, quota - await mass_sends_in_month(session, month_of(now, settings)))
        method = Method.MASS if left else Method.NO_QUOTA
        return ChannelPlan(*base, method, mass_sends=1 if count.reached else 0,
                           quota_left=left, quota=quota)
    rate = settings.broadcast.rate_per_second
    return ChannelPlan(*base, Method.RATE, seconds=estimate_seconds(count.reached, rate),
                       rate=rate)
