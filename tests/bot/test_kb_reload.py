"""Staff teach the running bot: a question it missed on Telegram is assigned with `unionbot kb
review --assign`, `unionbot kb reload` signals the bot, and the same question is then answered
right, without a restart. A broken knowledge file is refused and the bot keeps answering."""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
from pathlib import Path

from bot.answering.kb_files import PACKAGED_KB
from bot.app import App
from bot.cli_kb import kb_command, pid_file
from bot.config import Settings
from models.db import Sessions
from models.member import get_or_create_member
from models.unanswered import list_open_unanswered
from tests.support.dispatch import NOW
from tests.support.fakes.telegram_api import FakeTelegram

WANG = 4101
MISSED = "职工小家能借用吗"


def _settings(settings: Settings, fake: FakeTelegram, kb_dir: Path) -> Settings:
    telegram = settings.telegram.model_copy(
        update={"token": fake.token, "base_url": fake.base_url,
                "base_file_url": fake.base_file_url}
    )
    bot = settings.bot.model_copy(update={"knowledge_dir": kb_dir})
    return settings.model_copy(update={"telegram": telegram, "bot": bot})


def kb(action: str, *assign: str, staff_id: int | None = None) -> argparse.Namespace:
    return argparse.Namespace(action=action, assign=list(assign) or None, staff_id=staff_id,
                              limit=200)


async def _until(condition: object, seconds: float = 60.0) -> None:
    for _ in range(int(seconds * 10)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_staff_assign_a_missed_question_and_the_running_bot_answers_it(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(PACKAGED_KB, kb_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    app = App(_settings(settings, fake_telegram, kb_dir))
    serving = asyncio.create_task(app.serve())
    try:
        await _until(pid_file(app.settings).exists)
        fake_telegram.push(fake_telegram.message(WANG, MISSED))
        [first] = await fake_telegram.wait_for(WANG, 1)
        assert "不在工会服务范围" in first.text

        async with sessions.begin() as session:
            (question,) = await list_open_unanswered(session)
            staff, _ = await get_or_create_member(
                session, channel="telegram", external_id="9", chat_id="9",
                display_name="李老师", language="zh_CN", now=NOW,
            )
        assert await asyncio.to_thread(kb_command, kb("review"), app.settings) == 0
        assigned = kb("review", str(question.id), "reading_room", staff_id=staff.id)
        assert await asyncio.to_thread(kb_command, assigned, app.settings) == 0

        # What start-up built is kept out of the collector's walks while the bot serves,
        # and on SQLite the WAL is checkpointed beside the writers.
        assert gc.get_freeze_count() > 100_000
        sqlite = app.sessions.engine.dialect.name == "sqlite"
        assert (app.checkpoints is not None) is sqlite
        engine_before = app.answerer.current
        assert kb_command(kb("reload"), app.settings) == 0
        await _until(lambda: app.answerer.current is not engine_before)
        fake_telegram.push(fake_telegram.message(WANG, MISSED))
        second = (await fake_telegram.wait_for(WANG, 2))[-1]
        assert "职工书屋" in second.text

        (kb_dir / "job_fairs.toml").write_text('intent = "job_fairs\n', encoding="utf-8")
        assert kb_command(kb("reload"), app.settings) == 1  # refused before signalling
        assert app.answerer.classify("最近有招聘会吗", lang="zh_CN").intent == "job_fairs"
    finally:
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
    assert not pid_file(app.settings).exists()
    assert gc.get_freeze_count() == 0
