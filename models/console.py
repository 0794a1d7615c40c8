"""Staff sign-in to the web console: one-time links, passwords, and sign-out everywhere."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditEntry
from models.base import Base
from models.member import Member


class ConsoleLink(Base):
    """A sign-in link sent in a private chat; only its hash is stored."""

    __tablename__ = "console_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class StaffLogin(Base):
    """A staff member's password (argon2 hash) and the moment their sessions last ended."""

    __tablename__ = "staff_logins"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    signed_out_at: Mapped[datetime | None] = mapped_column(default=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_link(session: AsyncSession, *, member_id: int, now: datetime,
                     valid: timedelta) -> str:
    """A fresh single-use token for this staff member; the caller puts it in a URL."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleLink(token_hash=_digest(token), member_id=member_id, created_at=now,
                            expires_at=now + valid))
    await session.flush()
    return token


async def redeem_link(session: AsyncSession, token: str, *, now: datetime) -> Member | None:
    """The staff member the link was made for, once: a used or expired link gives None."""
    if not 20 <= len(token) <= 64:
        return None
    digest = _digest(token)
    result = await session.execute(
        update(ConsoleLink).where(ConsoleLink.token_hash == digest, ConsoleLink.used_at.is_(None),
                                  ConsoleLink.expires_at > now).values(used_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    link = await session.scalar(select(ConsoleLink).where(ConsoleLink.token_hash == digest))
    return None if link is None else await session.get(Member, link.member_id)


async def staff_login(session: AsyncSession, member_id: int) -> StaffLogin:
    login = await session.get(StaffLogin, member_id)
    if login is None:
        login = StaffLogin(member_id=member_id)
        session.add(login)
        await session.flush()
    return login


async def find_login(session: AsyncSession, username: str) -> StaffLogin | None:
    return await session.scalar(select(StaffLogin).where(StaffLogin.username == username))


@dataclass(frozen=True, slots=True)
class SessionFacts:
    role: str
    name: str
    signed_out_at: datetime | None  # sessions that began before it are over


async def staff_session_facts(session: AsyncSession, member_id: int) -> SessionFacts | None:
    """What a console request checks, in one query: the role now and the last sign-out."""
    row = (await session.execute(
        select(Member.role, Member.display_name, StaffLogin.signed_out_at)
        .outerjoin(StaffLogin, StaffLogin.member_id == Member.id)
        .where(Member.id == member_id))).first()
    return None if row is None else SessionFacts(row[0], row[1], row[2])


async def failed_logins(session: AsyncSession, key: str, *, since: datetime) -> int:
    """Refused sign-ins for one user name or address since a moment (for throttling)."""
    count = await session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "console.login", AuditEntry.allowed.is_(False),
        AuditEntry.target == key[:128], AuditEntry.at >= since))
    return int(count or 0)
