"""Job fairs and training classes: browsing, details, sign-up, and being led there by words."""

from __future__ import annotations

from bot.answering.types import Answer, Certainty, Classification
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, add_event, event_settings

PHRASES = {"最近有招聘会吗": "job_fairs", "有创业培训吗": "job_training",
           "women's health lecture schedule": "lectures.women"}


class Words:
    """Classifies a few phrases the way the answering engine would."""

    def classify(self, text: str, *, lang: str,
                 previous_intent: str | None = None) -> Classification:
        intent = PHRASES.get(text)
        if intent is None:
            return Classification("unknown", 0.0, Certainty.UNKNOWN)
        return Classification(intent, 0.9, Certainty.CONFIDENT)

    def answer(self, intent: str, *, lang: str) -> Answer:
        return Answer(intent, intent, ())

    def title(self, intent: str, *, lang: str) -> str:
        return intent


async def test_member_finds_job_fairs_and_training_by_button(
    sessions: Sessions, database_url: str
) -> None:
    fair = await add_event(sessions, kind="job_fair", topic=None, title_zh="西城区大型招聘会",
                           capacity=None, employers="餐饮、物业、家政企业", days=3)
    await add_event(sessions, kind="training", topic=None, title_zh="定向岗位培训班",
                    capacity=30, taken=12, days=5)
    wang = Member(make_dispatcher(event_settings(database_url), sessions, NOW))

    await wang.command("/start")
    assert ("招聘会", "jobfairs.list") in wang.buttons
    fairs = await wang.presses("jobfairs.list")
    assert "西城区大型招聘会" in fairs and "餐饮、物业、家政企业" in fairs
    assert "12月5日周六 10:00–12:00" in fairs
    assert "定向岗位培训班" not in fairs

    training = await wang.presses("training.list")
    assert "定向岗位培训班" in training and "剩余名额：18/30" in training

    details = await wang.presses(f"events.show:{fair}")
    assert "招聘单位：餐饮、物业、家政企业" in details and "北京时间" in details
    assert "报名成功" in await wang.presses(f"events.join:{fair}")
    assert "西城区大型招聘会" in await wang.presses("events.mine")


async def test_words_lead_to_the_schedules(sessions: Sessions, database_url: str) -> None:
    await add_event(sessions, kind="job_fair", topic=None, title_zh="西城区大型招聘会",
                    capacity=None)
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW, answerer=Words())
    wang = Member(dispatcher)
    assert "西城区大型招聘会" in await wang.says("最近有招聘会吗")
    assert wang.intents == ["job_fairs"]
    assert "近期暂无培训班安排" in await wang.says("有创业培训吗")
    mary = Member(dispatcher, user_id="2", language="en")
    assert "No lectures are planned" in await mary.says("women's health lecture schedule")
    assert ("Legal knowledge", "lectures.topic:legal") in mary.buttons


async def test_nothing_planned_is_said_plainly(sessions: Sessions, database_url: str) -> None:
    await add_event(sessions, kind="job_fair", topic=None, days=-3, title_en="Old fair")
    mary = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    answer = await mary.command("/jobfairs")
    assert answer == "No job fairs are planned at the moment. Please check again soon."
    assert ("Job training", "training.list") in mary.buttons


async def test_the_calendar_file_holds_the_event_in_utc(
    sessions: Sessions, database_url: str
) -> None:
    fair = await add_event(sessions, kind="job_fair", topic=None, capacity=None, days=3,
                           title_en="Xicheng job fair")
    mary = Member(make_dispatcher(event_settings(database_url), sessions, NOW), language="en")
    await mary.presses(f"events.ics:{fair}")
    calendar = mary.last[0].file
    assert calendar is not None and calendar.mime_type == "text/calendar"
    assert b"SUMMARY:Xicheng job fair" in calendar.data
    assert b"DTSTART:20261205T020000Z" in calendar.data
