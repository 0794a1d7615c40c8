"""Demo job fairs, training classes and women workers' lectures for the coming weeks.

Drawn from the 2015 review (large job fairs and negotiation fairs, targeted job training and
entrepreneurship classes, lectures on rights, mental health, wellness and legal knowledge);
titles say 演示 / Demo so nobody mistakes them for real dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.events import Event

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORGANISER = "西城区总工会 / Xicheng District Federation of Trade Unions (演示 demo)"
VENUE_ZH = "西城区职工服务中心（演示地点）"
VENUE_EN = "Xicheng Workers' Service Centre (demo venue)"


@dataclass(frozen=True, slots=True)
class DemoEvent:
    kind: str
    topic: str | None
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    days_ahead: int
    start: time
    hours: float
    capacity: int | None = None
    taken: int = 0
    employers: str = ""


DEMO_EVENTS = (
    DemoEvent("job_fair", None, "【演示】西城区职工大型招聘会", "[Demo] Xicheng job fair",
              "区总工会联合用人单位举办的大型招聘会，现场洽谈。2015年全年举办大型招聘会9场。",
              "A large job fair with employers from the district, interviews on site. "
              "In 2015 the district union held 9 large job fairs.",
              6, time(9, 0), 3, employers="餐饮、零售、物业服务、家政企业 / catering, retail, "
                                          "property and home services (演示 demo)"),
    DemoEvent("job_fair", None, "【演示】高校毕业生就业洽谈会",
              "[Demo] Graduate recruitment talks",
              "面向困难职工家庭高校毕业生的就业洽谈会。",
              "Recruitment talks for graduates from workers' families in hardship.",
              20, time(14, 0), 2.5, employers="区内企业 / district employers (演示 demo)"),
    DemoEvent("training", None, "【演示】定向岗位培训班", "[Demo] Targeted job training class",
              "按用人单位岗位需求开设的定向培训，结业后推荐就业。",
              "Training for jobs employers need to fill, with job referrals afterwards.",
              10, time(9, 30), 6, capacity=30),
    DemoEvent("training", None, "【演示】创业岗位技能培训", "[Demo] Entrepreneurship skills class",
              "为有意自主创业的职工和高校毕业生开设的创业技能培训。",
              "Skills for workers and graduates who want to start a business.",
              17, time(9, 30), 6, capacity=25),
    DemoEvent("lecture", "rights", "【演示】女职工维权讲座", "[Demo] Women workers' rights",
              "女职工特殊劳动保护、孕期产期哺乳期权益。",
              "Special labour protection for women; rights in pregnancy, maternity and nursing.",
              5, time(14, 0), 1.5, capacity=40),
    DemoEvent("lecture", "mental_health", "【演示】心理健康讲座：做一个幸福的职业女性",
              "[Demo] Mental health: a happy working woman",
              "缓解工作与家庭压力，学会自我调适。", "Coping with pressure at work and at home.",
              8, time(14, 0), 1.5, capacity=20, taken=18),
    DemoEvent("lecture", "wellness", "【演示】养生保健讲座：做一个健康的职业女性",
              "[Demo] Wellness: a healthy working woman",
              "日常保健、常见病预防与健康生活方式。",
              "Everyday health care, preventing common illness, a healthy way of life.",
              12, time(14, 0), 1.5, capacity=40),
    DemoEvent("lecture", "legal", "【演示】法律知识讲座：劳动合同与工资",
              "[Demo] Legal knowledge: labour contracts and wages",
              "劳动合同、工资支付与劳动争议处理。",
              "Labour contracts, payment of wages and settling labour disputes.",
              15, time(14, 0), 1.5, capacity=40),
)


async def load_demo_events(session: AsyncSession, now: datetime) -> int:
    """Adds the demo events unless demo events exist already; returns rows added."""
    if await session.scalar(select(func.count()).select_from(Event).where(Event.demo)):
        return 0
    today = now.astimezone(SHANGHAI).date()
    for demo in DEMO_EVENTS:
        starts = datetime.combine(today + timedelta(days=demo.days_ahead), demo.start, SHANGHAI)
        session.add(Event(
            kind=demo.kind, topic=demo.topic, title_zh=demo.title_zh, title_en=demo.title_en,
            description_zh=demo.description_zh, description_en=demo.description_en,
            starts_at=starts, ends_at=starts + timedelta(hours=demo.hours), venue_zh=VENUE_ZH,
            venue_en=VENUE_EN, organiser=ORGANISER, employers=demo.employers,
            capacity=demo.capacity, taken=demo.taken, demo=True,
        ))
    await session.flush()
    return len(DEMO_EVENTS)
