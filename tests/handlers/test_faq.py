"""A member's question the bot missed reaches staff (numbers masked); staff assign it and the
running bot answers it right without a restart. A member can say an answer missed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.answering.kb_files import PACKAGED_KB
from bot.answering.live import ReloadableAnswerer
from bot.answering.teach import Question, review_groups
from bot.cli_kb import assign_question
from bot.config import Settings
from bot.context import Services
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogs
from handlers import all_routes
from models.db import Sessions
from models.member import get_or_create_member
from models.unanswered import UnansweredQuestion, list_open_unanswered
from tests.support.dialogue import Member
from tests.support.dispatch import NOW

MISSED = "职工小家能借用吗 我是13812345678"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(PACKAGED_KB, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def chat(settings: Settings, sessions: Sessions, answerer: ReloadableAnswerer) -> Member:
    services = Services(settings=settings, catalogs=Catalogs(), answerer=answerer)
    return Member(Dispatcher(all_routes(), services, sessions, lambda: NOW))


async def open_questions(sessions: Sessions) -> list[UnansweredQuestion]:
    async with sessions.begin() as session:
        return await list_open_unanswered(session)


async def test_a_missed_question_assigned_by_staff_is_answered_by_the_running_bot(
    settings: Settings, sessions: Sessions, kb_dir: Path
) -> None:
    answerer = ReloadableAnswerer(kb_dir)
    wang = chat(settings, sessions, answerer)
    await wang.says(MISSED)
    assert wang.intents == ["unknown"]
    (question,) = await open_questions(sessions)
    assert question.reason == "unknown" and "13812345678" not in question.text
    assert "[phone]" in question.text
    groups = review_groups(answerer, [Question(question.id, question.text, question.language)])
    assert groups[0].questions[0].id == question.id

    async with sessions.begin() as session:
        staff, _ = await get_or_create_member(
            session, channel="telegram", external_id="9", chat_id="9", display_name="李老师",
            language="zh_CN", now=NOW,
        )
        await session.flush()
        line = await assign_question(session, kb_dir, question.id, intent="reading_room",
                                     staff_id=staff.id)
    assert "reading_room" in line
    assert "职工小家能借用吗" in (kb_dir / "reading_room.toml").read_text(encoding="utf-8")
    assert await open_questions(sessions) == []

    assert answerer.reload() == []
    await wang.says("职工小家能借用吗")
    assert wang.intents == ["reading_room"]


async def test_a_broken_knowledge_file_is_refused_and_the_old_one_keeps_answering(
    kb_dir: Path,
) -> None:
    answerer = ReloadableAnswerer(kb_dir)
    path = kb_dir / "job_fairs.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title = {', 'title = {{', 1), encoding="utf-8")
    errors = answerer.reload()
    assert errors and "job_fairs.toml" in errors[0] and "line" in errors[0]
    assert answerer.classify("最近有招聘会吗", lang="zh_CN").intent == "job_fairs"


async def test_not_what_i_asked_offers_the_next_candidates_and_keeps_the_miss(
    settings: Settings, sessions: Sessions, kb_dir: Path
) -> None:
    wang = chat(settings, sessions, ReloadableAnswerer(kb_dir))
    await wang.says("互助保障怎么交费")
    assert ("👎", "faq.miss") in wang.buttons
    answer = await wang.says("不是这个")
    assert "您想问的是下面哪一个" in answer
    payloads = [payload for _, payload in wang.buttons]
    assert "human.start" in payloads and any(p.startswith("faq.intent:") for p in payloads)
    (question,) = await open_questions(sessions)
    assert question.reason == "member_said_miss" and question.text == "互助保障怎么交费"


async def test_thumbs_down_without_a_question_asks_again(
    settings: Settings, sessions: Sessions, kb_dir: Path
) -> None:
    tom = chat(settings, sessions, ReloadableAnswerer(kb_dir))
    tom.language = "en"
    assert "ask again in other words" in await tom.presses("faq.miss")
    async with sessions.begin() as session:
        assert list(await session.scalars(select(UnansweredQuestion))) == []
