"""WeChat mass sends (群发) by tag: the jobs sent (the account's monthly quota is counted from
them, and WeChat's MASSSENDJOBFINISH counts are kept on them), our tags and who carries them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WeChatMassJob(Base):
    """One `sendall` to a tag; its counts arrive later in WeChat's MASSSENDJOBFINISH event."""

    __tablename__ = "wechat_mass_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), default=None)
    month: Mapped[str] = mapped_column(String(7), index=True)  # "2026-12", Beijing time
    msg_id: Mapped[str] = mapped_column(String(32), default="", index=True)
    tag_id: Mapped[int]
    recipients: Mapped[int]  # followers we tagged for it
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24), default="")  # WeChat's, e.g. "send success"
    total: Mapped[int | None] = mapped_column(default=None)
    filtered: Mapped[int | None] = mapped_column(default=None)
    sent: Mapped[int | None] = mapped_column(default=None)
    errors: Mapped[int | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class WeChatTag(Base):
    """The WeChat tag that stands for one of our audiences (e.g. `topic:lectures`)."""

    __tablename__ = "wechat_tags"

    audience: Mapped[str] = mapped_column(String(80), primary_key=True)
    tag_id: Mapped[int] = mapped_column(unique=True)


class WeChatTagMember(Base):
    """A follower we put under one of our tags, so the tag can be kept in step."""

    __tablename__ = "wechat_tag_members"

    tag_id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(128), primary_key=True)


async def mass_sends_in_month(session: AsyncSession, month: str) -> int:
    count = await session.scalar(
        select(func.count()).select_from(WeChatMassJob).where(WeChatMassJob.month == month))
    return int(count or 0)


async def record_mass_job(session: AsyncSession, job: WeChatMassJob) -> None:
    session.add(job)


async def finish_mass_job(
    session: AsyncSession, *, msg_id: str, status: str, total: int, filtered: int, sent: int,
    errors: int, now: datetime,
) -> WeChatMassJob | None:
    """WeChat's report of a job; None if the job is not ours."""
    job = await session.scalar(select(WeChatMassJob).where(WeChatMassJob.msg_id == msg_id))
    if job is None:
        return None
    job.status, job.total, job.filtered = status[:24], total, filtered
    job.sent, job.errors, job.finished_at = sent, errors, now
    return job


async def mass_jobs_of(session: AsyncSession, broadcast_id: int) -> list[WeChatMassJob]:
    rows = await session.scalars(select(WeChatMassJob).where(
        WeChatMassJob.broadcast_id == broadcast_id).order_by(WeChatMassJob.id))
    return list(rows)


async def find_tag(session: AsyncSession, audience: str) -> int | None:
    return await session.scalar(select(WeChatTag.tag_id).where(WeChatTag.audience == audience))


async def save_tag(session: AsyncSession, audience: str, tag_id: int) -> None:
    session.add(WeChatTag(audience=audience, tag_id=tag_id))


async def tagged_openids(session: AsyncSession, tag_id: int) -> set[str]:
    rows = await session.scalars(select(WeChatTagMember.openid).where(
        WeChatTagMember.tag_id == tag_id))
    return set(rows)


async def note_tagging(
    session: AsyncSession, tag_id: int, *, added: Sequence[str], removed: Sequence[str]
) -> None:
    if removed:
        await session.execute(delete(WeChatTagMember).where(
            WeChatTagMember.tag_id == tag_id, WeChatTagMember.openid.in_(list(removed))))
    session.add_all(WeChatTagMember(tag_id=tag_id, openid=openid) for openid in added)
