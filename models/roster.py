"""The members roster from workplace unions, chat accounts bound to it, and bind attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, ForeignKey, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, validates

from models.base import Base
from models.crypto import Sealed, active_keyring

MAX_FAILURES = 5
LOCKOUT = timedelta(hours=1)
TAKEOVER_EXPIRES = timedelta(days=2)


class RequestStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # the account already linked said "that is me too"
    APPROVED = "approved"  # staff moved the membership to the new account
    REFUSED = "refused"


class RosterEntry(Base):
    """A union member on file: the Jingka card number identifies them."""

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)  # console search
    phone: Mapped[str] = mapped_column(Sealed())
    # A keyed HMAC of the phone's last 11 digits, so staff can find a member by phone
    # although the phone itself is sealed.
    phone_index: Mapped[str] = mapped_column(String(32), index=True, default="")
    workplace_union: Mapped[str] = mapped_column(String(120), default="")
    demo: Mapped[bool] = mapped_column(default=False)

    @validates("phone")
    def _index_phone(self, _key: str, phone: str) -> str:
        self.phone_index = phone_index(phone)
        return phone


def phone_index(phone: str, index: int = 0) -> str:
    """The blind index of a phone number under the current key (or keyring.keys[index])."""
    keyring = active_keyring()
    return keyring.blind_index(_phone_digits(phone), keyring.keys[index])


def _phone_digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())[-11:]


class Binding(Base):
    """A chat account linked to a roster entry (one per chat account)."""

    __tablename__ = "bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"), index=True)
    bound_at: Mapped[datetime]


class BindAttempt(Base):
    __tablename__ = "bind_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(default=False)
    # The card tried, so failures lock the card too, whichever accounts they come from
    card_number: Mapped[str | None] = mapped_column(String(24), default=None, index=True)


class BindRequest(Base):
    """A second chat account asking for a membership another account already holds."""

    __tablename__ = "bind_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("roster.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))  # who asks
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id"))  # who holds it now
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.PENDING.value)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)

    def open_at(self, now: datetime) -> bool:
        return self.status == RequestStatus.PENDING.value and \
            now - self.created_at < TAKEOVER_EXPIRES


async def find_binding(session: AsyncSession, member_id: int) -> RosterEntry | None:
    """The roster entry this chat account is bound to, if any."""
    return await session.scalar(
        select(RosterEntry).join(Binding, Binding.roster_id == RosterEntry.id)
        .where(Binding.member_id == member_id)
    )


async def find_roster_entry(session: AsyncSession, card_number: str) -> RosterEntry | None:
    return await session.scalar(select(RosterEntry).where(RosterEntry.card_number == card_number))


async def find_roster_by_phone(session: AsyncSession, phone: str) -> list[RosterEntry]:
    """Roster entries with this phone number (matched on the blind index, any key)."""
    indexes = active_keyring().blind_indexes(_phone_digits(phone))
    return list(await session.scalars(
        select(RosterEntry).where(RosterEntry.phone_index.in_(indexes)).order_by(RosterEntry.id)))


async def locked_until(
    session: AsyncSession, member_id: int, *, now: datetime, card: str | None = None
) -> datetime | None:
    """An hour after the fifth failed try within an hour, binding opens again; else None.
    Counted for the chat account and, given a card, for that card from any account."""
    ends = [await _locked(session, BindAttempt.member_id == member_id, now)]
    if card:
        ends.append(await _locked(session, BindAttempt.card_number == card, now))
    found = [end for end in ends if end is not None]
    return max(found) if found else None


async def _locked(session: AsyncSession, who: ColumnElement[bool], now: datetime
                  ) -> datetime | None:
    failures = list(await session.scalars(
        select(BindAttempt.at).where(
            who, BindAttempt.succeeded.is_(False), BindAttempt.at > now - 2 * LOCKOUT,
        ).order_by(BindAttempt.at)
    ))
    ends = [failures[i] + LOCKOUT for i in range(MAX_FAILURES - 1, len(failures))
            if failures[i] - failures[i - MAX_FAILURES + 1] < LOCKOUT]
    return max(ends) if ends and max(ends) > now else None


async def record_bind_attempt(
    session: AsyncSession, member_id: int, *, now: datetime, succeeded: bool,
    card: str | None = None,
) -> None:
    session.add(BindAttempt(member_id=member_id, at=now, succeeded=succeeded,
                            card_number=card[:24] if card else None))


async def bind_member(
    session: AsyncSession, member_id: int, entry: RosterEntry, *, now: datetime
) -> Binding:
    existing = await session.scalar(select(Binding).where(Binding.member_id == member_id))
    if existing is not None:
        existing.roster_id, existing.bound_at = entry.id, now
        return existing
    binding = Binding(member_id=member_id, roster_id=entry.id, bound_at=now)
    session.add(binding)
    return binding


async def find_holder(session: AsyncSession, roster_id: int, *, other_than: int
                      ) -> Binding | None:
    """Another chat account already linked to this roster entry, if any."""
    return await session.scalar(select(Binding).where(
        Binding.roster_id == roster_id, Binding.member_id != other_than).order_by(Binding.id))


async def unbind_member(session: AsyncSession, member_id: int) -> bool:
    """Unlinks the chat account; False when it was not linked."""
    result = await session.execute(delete(Binding).where(Binding.member_id == member_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def request_binding(
    session: AsyncSession, *, roster_id: int, member_id: int, holder_id: int, now: datetime
) -> tuple[BindRequest, bool]:
    """The open request of this account for this entry, or a new one; (request, created)."""
    existing = await session.scalar(select(BindRequest).where(
        BindRequest.roster_id == roster_id, BindRequest.member_id == member_id,
        BindRequest.status == RequestStatus.PENDING.value,
        BindRequest.created_at > now - TAKEOVER_EXPIRES))
    if existing is not None:
        return existing, False
    request = BindRequest(roster_id=roster_id, member_id=member_id, holder_id=holder_id,
                          created_at=now, status=RequestStatus.PENDING.value)
    session.add(request)
    await session.flush()
    return request, True


async def get_bind_request(session: AsyncSession, request_id: int) -> BindRequest | None:
    return await session.get(BindRequest, request_id)


async def count_roster(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(RosterEntry)) or 0
