"""Jingka discount offers: merchants with a bilingual offer, a place and valid dates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Float, String, Text, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

EARTH_RADIUS_M = 6_371_000


class Merchant(Base):
    """One merchant and its member offer; `demo` rows come from the demo catalogue."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    category: Mapped[str] = mapped_column(String(24), index=True)
    offer_zh: Mapped[str] = mapped_column(Text)
    offer_en: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(40), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(32), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date] = mapped_column(index=True)
    demo: Mapped[bool] = mapped_column(default=False)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_zh

    def offer(self, language: str) -> str:
        return self.offer_en if language == "en" and self.offer_en else self.offer_zh


@dataclass(frozen=True, slots=True)
class Nearby:
    merchant: Merchant
    metres: float


def _current(today: date) -> list[ColumnElement[bool]]:
    return [Merchant.valid_from <= today, Merchant.valid_to >= today]


async def count_by_category(session: AsyncSession, *, today: date) -> dict[str, int]:
    """Offers valid today, counted per category."""
    rows = await session.execute(
        select(Merchant.category, func.count()).where(*_current(today)).group_by(Merchant.category)
    )
    return {category: count for category, count in rows}


async def find_offers(
    session: AsyncSession, *, today: date, category: str | None = None,
    keyword: str | None = None, offset: int = 0, limit: int = 5,
) -> tuple[list[Merchant], int]:
    """A page of offers valid today, by category or keyword; returns (page, total)."""
    where = _current(today)
    if category is not None:
        where.append(Merchant.category == category)
    if keyword:
        columns = (Merchant.name_zh, Merchant.name_en, Merchant.offer_zh, Merchant.offer_en,
                   Merchant.address)
        # autoescape: a member's % or _ is a character to find, not a wildcard
        where.append(or_(*(column.icontains(keyword, autoescape=True) for column in columns)))
    total = await session.scalar(
        select(func.count()).select_from(Merchant).where(*where)
    ) or 0
    page = await session.scalars(
        select(Merchant).where(*where).order_by(Merchant.name_zh, Merchant.id)
        .offset(offset).limit(limit)
    )
    return list(page), total


async def offers_near(
    session: AsyncSession, *, today: date, latitude: float, longitude: float,
) -> list[Nearby]:
    """Every offer valid today, nearest first (a district's catalogue is small enough)."""
    merchants = await session.scalars(select(Merchant).where(*_current(today)))
    nearby = [Nearby(m, distance_m(latitude, longitude, m.latitude, m.longitude))
              for m in merchants]
    return sorted(nearby, key=lambda n: (n.metres, n.merchant.id))


async def get_offer(session: AsyncSession, merchant_id: int, *, today: date) -> Merchant | None:
    merchant = await session.get(Merchant, merchant_id)
    if merchant is None or not merchant.valid_from <= today <= merchant.valid_to:
        return None
    return merchant


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
