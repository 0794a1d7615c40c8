"""`unionbot import merchants FILE`: Jingka offers from a staff spreadsheet, all or nothing.

Columns: name_zh, name_en, category, offer_zh, offer_en, address, district, latitude,
longitude, phone, valid_from, valid_to. A row naming a merchant already on file at the same
address updates it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importing.checks import Cells, missing_columns
from bot.importing.tabular import ImportReport, Row
from models.discounts import Merchant

CATEGORIES = ("food", "shopping", "health", "fitness", "culture", "services", "education",
              "travel")
# the names staff see in the chat's category menu, and the short ones they write
CATEGORY_NAMES = {
    "餐饮美食": "food", "餐饮": "food", "美食": "food", "购物": "shopping",
    "医疗健康": "health", "医疗": "health", "健康": "health", "运动健身": "fitness",
    "健身": "fitness", "运动": "fitness", "文化休闲": "culture", "文化": "culture",
    "休闲": "culture", "生活服务": "services", "服务": "services", "教育培训": "education",
    "教育": "education", "培训": "education", "旅游出行": "travel", "旅游": "travel",
    "出行": "travel",
}
COLUMNS = ("name_zh", "name_en", "category", "offer_zh", "offer_en", "address", "district",
           "latitude", "longitude", "phone", "valid_from", "valid_to")
REQUIRED = ("name_zh", "category", "offer_zh", "address", "latitude", "longitude",
            "valid_from", "valid_to")


def check_merchants(rows: list[Row], report: ImportReport) -> list[Merchant]:
    """Every row checked; the merchants to import (only meaningful when the report is ok)."""
    if not rows:
        report.errors.append("the file has no data rows")
    if not rows or missing_columns(rows, REQUIRED, report):
        return []
    merchants: list[Merchant] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        cells = Cells(row, report)
        key = (row.values.get("name_zh", ""), row.values.get("address", ""))
        if key in seen:
            report.add(row.number, "name_zh", f"duplicate of row {seen[key]}")
        seen.setdefault(key, row.number)
        start, end = cells.day("valid_from"), cells.day("valid_to")
        if start and end and end < start:
            report.add(row.number, "valid_to", "before valid_from")
        latitude = cells.number("latitude", -90, 90)
        longitude = cells.number("longitude", -180, 180)
        merchant = Merchant(
            name_zh=cells.text("name_zh", limit=120),
            name_en=cells.text("name_en", required=False, limit=160),
            category=cells.choice("category", CATEGORIES, CATEGORY_NAMES),
            offer_zh=cells.text("offer_zh", limit=1000),
            offer_en=cells.text("offer_en", required=False, limit=1000),
            address=cells.text("address"),
            district=cells.text("district", required=False, limit=40),
            phone=cells.phone("phone", required=False), demo=False,
        )
        if None in (start, end, latitude, longitude):
            continue  # the problem is in the report already
        merchant.valid_from, merchant.valid_to = start, end  # type: ignore[assignment]
        merchant.latitude, merchant.longitude = latitude, longitude  # type: ignore[assignment]
        merchants.append(merchant)
    return merchants


async def import_merchants(session: AsyncSession, rows: list[Row]) -> ImportReport:
    report = ImportReport()
    merchants = check_merchants(rows, report)
    if not report.ok:
        return report
    for merchant in merchants:
        existing = await session.scalar(select(Merchant).where(
            Merchant.name_zh == merchant.name_zh, Merchant.address == merchant.address))
        if existing is None:
            session.add(merchant)
            continue
        for column in COLUMNS:
            setattr(existing, column, getattr(merchant, column))
    report.imported = len(merchants)
    return report
