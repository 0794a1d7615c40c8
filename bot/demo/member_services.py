"""Demo catalogue: Jingka discounts in Xicheng, mutual-aid plans and a demo roster.

In 2015 the district offered 158 member projects; this is a small made-up sample in the same
spirit, with real-looking addresses and coordinates. Every name says it is a demo.
Try binding in the terminal chat with the demo card: card 6200000000000001, name 王芳, phone
ending 0001.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.discounts import Merchant
from models.mutual_aid import AidPlan
from models.roster import RosterEntry

DEMO_CARD = "6200000000000001"
DEMO_NAME = "王芳"
DEMO_PHONE = "13800000001"

# (name zh, name en, category, offer zh, offer en, address, lat, lon, phone)
MERCHANTS = (
    ("西单老字号饺子馆", "Xidan Dumpling House", "food", "持京卡堂食九折", "10% off dine-in",
     "西城区西单北大街120号", 39.9108, 116.3740, "010-66010001"),
    ("什刹海茶社", "Shichahai Tea House", "food", "京卡会员茶水八八折", "12% off tea",
     "西城区前海西街18号", 39.9385, 116.3870, "010-66010002"),
    ("新街口书店", "Xinjiekou Bookshop", "culture", "图书九折，教辅八五折",
     "10% off books, 15% off study guides", "西城区新街口北大街55号", 39.9420, 116.3712,
     "010-66010003"),
    ("金融街健身中心", "Financial Street Fitness", "fitness", "京卡办年卡立减300元",
     "Annual membership 300 yuan off", "西城区金融大街7号", 39.9160, 116.3590, "010-66010004"),
    ("月坛社区医院药房", "Yuetan Community Pharmacy", "health", "非处方药九五折",
     "5% off over-the-counter medicine", "西城区月坛南街30号", 39.9150, 116.3480,
     "010-66010005"),
    ("德胜门眼镜店", "Deshengmen Opticians", "health", "配镜八折", "20% off glasses",
     "西城区德胜门外大街12号", 39.9485, 116.3790, "010-66010006"),
    ("西四包子铺", "Xisi Bun Shop", "food", "早餐套餐立减2元", "2 yuan off breakfast sets",
     "西城区西四北大街88号", 39.9265, 116.3735, "010-66010007"),
    ("阜成门超市", "Fuchengmen Supermarket", "shopping", "每周三京卡会员日九五折",
     "5% off every Wednesday", "西城区阜成门内大街200号", 39.9235, 116.3560, "010-66010008"),
    ("平安里洗衣店", "Ping'anli Laundry", "services", "干洗八折", "20% off dry cleaning",
     "西城区平安里西大街40号", 39.9330, 116.3650, "010-66010009"),
    ("护国寺小吃", "Huguosi Snacks", "food", "满50元减5元", "5 yuan off 50",
     "西城区护国寺街93号", 39.9360, 116.3745, "010-66010010"),
    ("展览路游泳馆", "Zhanlanlu Swimming Pool", "fitness", "单次票半价", "Half-price single entry",
     "西城区展览路15号", 39.9280, 116.3455, "010-66010011"),
    ("西直门职工技能培训学校", "Xizhimen Skills School", "education", "技能课程学费九折",
     "10% off course fees", "西城区西直门南大街6号", 39.9395, 116.3540, "010-66010012"),
    ("广安门内理发店", "Guang'anmennei Barber", "services", "理发立减5元", "5 yuan off a haircut",
     "西城区广安门内大街66号", 39.9112, 116.3602, "010-66010013"),
    ("西单商场职工专柜", "Xidan Store Staff Counter", "shopping", "指定商品八五折",
     "15% off selected goods", "西城区西单北大街132号", 39.9125, 116.3752, "010-66010014"),
    ("什刹海冰场", "Shichahai Ice Rink", "culture", "冬季门票八折", "20% off winter tickets",
     "西城区前海东沿", 39.9400, 116.3880, "010-66010015"),
    ("北京西城旅行社", "Xicheng Travel Agency", "travel", "京郊一日游九折",
     "10% off day trips around Beijing", "西城区车公庄大街9号", 39.9320, 116.3500,
     "010-66010016"),
    ("新街口牙科诊所", "Xinjiekou Dental Clinic", "health", "洁牙七折", "30% off cleaning",
     "西城区新街口外大街20号", 39.9450, 116.3690, "010-66010017"),
    ("西四电影院", "Xisi Cinema", "culture", "工作日观影立减10元", "10 yuan off weekday films",
     "西城区西四南大街40号", 39.9220, 116.3730, "010-66010018"),
)
PLANS = (
    ("在职职工医疗互助保障计划（演示）", "Medical mutual aid for working members (demo)",
     "住院医疗费用经医保报销后，个人负担部分按比例给予互助金。2015年该计划受益32767人。",
     "Helps with the part of hospital costs you pay yourself after medical insurance. "
     "In 2015, 32,767 members benefited.", 1_000_000, 180, ["hospitalisation", "outpatient"]),
    ("职工意外伤害互助保障（演示）", "Accidental injury mutual aid (demo)",
     "因意外伤害就医的职工，按实际费用给予互助金。", "For members treated after an accident.",
     500_000, 90, ["accident"]),
    ("重大疾病互助保障（演示）", "Critical illness mutual aid (demo)",
     "确诊合同约定的重大疾病，给予一次性互助金。",
     "A one-off payment when a covered critical illness is diagnosed.", 2_000_000, 180,
     ["critical_illness"]),
)
ROSTER = (
    (DEMO_CARD, DEMO_NAME, DEMO_PHONE, "西城区演示单位工会（演示）"),
    ("6200000000000002", "Li Ming", "13800000002", "Xicheng demo workplace union"),
)


async def _has_demo(session: AsyncSession, column: InstrumentedAttribute[bool]) -> bool:
    return bool(await session.scalar(select(func.count()).where(column.is_(True))))


async def load_merchants(session: AsyncSession, now: datetime) -> int:
    if await _has_demo(session, Merchant.demo):
        return 0
    start, end = now.date() - timedelta(days=30), date(now.year + 1, 12, 31)
    for name_zh, name_en, cat, offer_zh, offer_en, address, lat, lon, phone in MERCHANTS:
        session.add(Merchant(
            name_zh=f"{name_zh}（演示）", name_en=f"{name_en} (demo)", category=cat,
            offer_zh=offer_zh, offer_en=offer_en, address=address, district="西城区",
            latitude=lat, longitude=lon, phone=phone, valid_from=start, valid_to=end, demo=True,
        ))
    return len(MERCHANTS)


async def load_plans(session: AsyncSession, now: datetime) -> int:
    if await _has_demo(session, AidPlan.demo):
        return 0
    for name_zh, name_en, coverage_zh, coverage_en, cap, window, incidents in PLANS:
        session.add(AidPlan(
            name_zh=name_zh, name_en=name_en, coverage_zh=coverage_zh, coverage_en=coverage_en,
            cap_fen=cap, claim_window_days=window, incident_types=list(incidents), demo=True,
        ))
    return len(PLANS)


async def load_roster(session: AsyncSession, now: datetime) -> int:
    if await _has_demo(session, RosterEntry.demo):
        return 0
    for card, name, phone, union in ROSTER:
        session.add(RosterEntry(card_number=card, name=name, phone=phone,
                                workplace_union=union, demo=True))
    return len(ROSTER)
