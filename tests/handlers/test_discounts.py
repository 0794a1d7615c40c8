"""Jingka discounts: categories, search, near me, paging, details; expired offers hidden."""

from __future__ import annotations

import re
from datetime import date

from bot.answering.types import Answer, Certainty, Classification
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from bot.messages import CALLBACK_DATA_LIMIT
from handlers import all_routes
from models.db import Sessions
from models.discounts import Merchant
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import Clock, load_demo_data


async def _add_expired(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        session.add(Merchant(
            name_zh="过期茶馆", name_en="Expired Tea House", category="food",
            offer_zh="已过期的优惠", offer_en="an old offer", address="西城区西单北大街1号",
            latitude=39.9300, longitude=116.3700, valid_from=date(2025, 1, 1),
            valid_to=date(2026, 11, 19)))


async def test_menu_lists_categories_with_counts(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()))
    assert "京卡会员专享优惠" in await member.presses("discounts.menu")
    labels = dict(member.buttons)
    assert "餐饮美食 (4)" in {label for label, _ in member.buttons}
    assert labels["附近优惠"] == "discounts.near"


async def test_main_menu_leads_to_discounts_and_plans(settings, sessions) -> None:
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    await member.command("/start")
    payloads = dict(member.buttons)
    assert payloads["Jingka discounts"] == "discounts.menu"
    assert payloads["Mutual aid"] == "plans.list"


async def test_category_pages_and_detail(settings, sessions) -> None:
    await load_demo_data(sessions)
    await _add_expired(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    first = await member.presses("discounts.page:c:food:0")
    assert "Food and drink: 4 offers" in first
    assert "Expired" not in first
    show = [p for _label, p in member.buttons if p.startswith("discounts.show:")]
    assert len(show) == 4
    detail = await member.presses(show[0])
    assert "Address: 西城区" in detail and "Valid 2026-10-21 to 2027-12-31" in detail
    assert "Phone: 010-" in detail


async def test_paging_through_the_nearest_offers(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    await member.shares_location(39.9385, 116.3870)
    assert ("Next »", "discounts.page:n:39.9385,116.3870:1") in member.buttons
    second = await member.presses("discounts.page:n:39.9385,116.3870:1")
    assert second.splitlines()[1].startswith("6. ")
    assert ("« Previous", "discounts.page:n:39.9385,116.3870:0") in member.buttons


async def test_near_me_lists_nearest_first_with_distance(settings, sessions) -> None:
    await load_demo_data(sessions)
    await _add_expired(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    assert "Share your location" in await member.presses("discounts.near")
    assert member.last[0].ask is not None
    answer = await member.shares_location(39.9385, 116.3870)
    lines = answer.splitlines()
    assert lines[0] == "Offers nearest you:"
    assert lines[1].startswith("1. Shichahai Tea House (demo) · 0 m")
    distances = [float(m[1]) * (1000 if m[2] == "km" else 1)
                 for m in re.finditer(r"· ([\d.]+) (k?m)", answer)]
    assert distances == sorted(distances) and len(distances) == 5
    assert "Expired" not in answer


async def test_keyword_search_by_typing_and_command(settings, sessions) -> None:
    await load_demo_data(sessions)
    await _add_expired(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()))
    await member.presses("discounts.search")
    found = await member.says("茶")
    assert "什刹海茶社" in found and "过期茶馆" not in found
    assert "没有找到" in await member.command("/discounts 比特币")


async def test_percent_and_underscore_are_searched_for_not_wildcards(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    assert "No current offer matches" in await member.command("/discounts _")
    by_percent = await member.command("/discounts %")
    assert "20% off" in by_percent and "Offers matching '%': 18" not in by_percent


async def test_every_button_payload_fits_telegram(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()))
    await member.command("/discounts 这是一个非常非常长的中文搜索关键词用来测试按钮")
    await member.command("/discounts 茶")
    for _label, payload in member.buttons:
        assert len(payload.encode()) <= CALLBACK_DATA_LIMIT


async def test_ended_offer_and_bad_page_answer_politely(settings, sessions) -> None:
    await load_demo_data(sessions)
    member = Member(make_dispatcher(settings, sessions, Clock()), language="en")
    assert "ended or no longer exists" in await member.presses("discounts.show:9999")
    assert "ended or no longer exists" in await member.presses("discounts.show:abc")
    assert "choose a category" in await member.presses("discounts.page:n:x,y:z")
    assert "choose a category" in await member.presses("discounts.page:c:nonsense:0")


class _Reads:
    """An answering engine that reads one intent from every message."""

    def __init__(self, intent: str) -> None:
        self.intent = intent

    def classify(self, text: str, *, lang: str, previous_intent: str | None = None
                 ) -> Classification:
        return Classification(self.intent, 0.9, Certainty.CONFIDENT)

    def answer(self, intent: str, *, lang: str) -> Answer:
        raise AssertionError("the knowledge base is not asked")

    def title(self, intent: str, *, lang: str) -> str:
        return intent


async def test_asking_where_the_card_gives_discounts_opens_the_menu(settings, sessions) -> None:
    await load_demo_data(sessions)
    services = Services(settings=settings, catalogs=Catalogs(),
                        answerer=_Reads("jingka.discounts"))
    member = Member(Dispatcher(all_routes(), services, sessions, clock=Clock()))
    assert "京卡会员专享优惠" in await member.says("京卡在哪些店能打折")
    assert member.intents == ["jingka.discounts"]
