"""What each member wants to hear about: topic subscriptions, reminders, and staff tags."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Exists,
    ForeignKey,
    Select,
    String,
    and_,
    exists,
    not_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.events import Registration, Status
from models.member import Member

TOPICS = ("announcements", "job_fairs", "lectures", "discounts", "mutual_aid")
REMINDERS = "reminders"  # not a broadcast topic: the automated reminders switch
DEFAULT_ON = frozenset({"announcements", REMINDERS})


class Subscription(Base):
    """A member's explicit choice for one topic; no row means the topic's default."""

    __tablename__ = "subscriptions"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(24), primary_key=True)
    subscribed: Mapped[bool]
    updated_at: Mapped[datetime]


class MemberTag(Base):
    """A label staff give members (a workplace, a district) to address a broadcast to them."""

    __tablename__ = "member_tags"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


async def set_subscription(
    session: AsyncSession, member_id: int, topic: str, *, subscribed: bool, now: datetime
) -> None:
    row = await session.get(Subscription, (member_id, topic))
    if row is None:
        session.add(Subscription(member_id=member_id, topic=topic, subscribed=subscribed,
                                 updated_at=now))
    else:
        row.subscribed, row.updated_at = subscribed, now


async def list_subscriptions(session: AsyncSession, member_id: int) -> dict[str, bool]:
    """Every topic (and the reminders switch) with the member's current choice."""
    rows = await session.scalars(select(Subscription).where(Subscription.member_id == member_id))
    chosen = {row.topic: row.subscribed for row in rows}
    return {topic: chosen.get(topic, topic in DEFAULT_ON) for topic in (*TOPICS, REMINDERS)}


async def wants(session: AsyncSession, member_id: int, topic: str) -> bool:
    row = await session.get(Subscription, (member_id, topic))
    return topic in DEFAULT_ON if row is None else row.subscribed


def _choice(topic: str, subscribed: bool) -> Exists:
    return exists().where(
        Subscription.member_id == Member.id, Subscription.topic == topic,
        Subscription.subscribed.is_(subscribed),
    )


def wanting(topic: str) -> ColumnElement[bool]:
    """The member wants `topic`: their choice, or the topic's default. An opt-out wins."""
    return not_(_choice(topic, False)) if topic in DEFAULT_ON else _choice(topic, True)


def select_audience(topic: str, audience: str) -> Select[int, str, str | None]:
    """Reachable members who want `topic` and match `audience` (all, topic:X, lang:xx, tag:T,
    event:ID for those registered or waiting): (member id, channel, private chat id). An
    opt-out always wins; a member who never wrote privately gets no broadcast in a group."""
    wanted = wanting(topic)
    query = select(Member.id, Member.channel, Member.private_chat_id.label("chat_id")).where(
        Member.unreachable.is_(False), Member.private_chat_id.is_not(None), wanted
    )
    return narrow_to(query, audience).order_by(Member.id)


_Ts = TypeVarTuple("_Ts")


def narrow_to(query: Select[*_Ts], audience: str) -> Select[*_Ts]:
    """The members `audience` names, whatever their choices: all, lang:xx, tag:T, event:ID.
    The plan's counts and the send share it, so a plan counts whom the send reaches."""
    kind, _, value = audience.partition(":")
    if kind == "lang":
        query = query.where(Member.language == value)
    elif kind == "event" and value.isdigit():
        query = query.where(exists().where(
            Registration.member_id == Member.id, Registration.event_id == int(value),
            Registration.status != Status.CANCELLED.value))
    elif kind == "tag":
        query = query.where(exists().where(
            and_(MemberTag.member_id == Member.id, MemberTag.tag == value)))
    return query
