"""Several processes, one bot: one polls Telegram and one runs the scheduler, and when that
process dies another takes over; SQLite refuses a second process; metrics and readiness."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

import models
from bot.app import App
from bot.cli import main
from bot.config import RedisSettings, Settings, load_settings
from bot.process_lock import hold_sqlite_lock, release
from models.db import Sessions, make_engine
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.waiting import wait_until

WANG = 4001


def bot_settings(database_url: str, data_dir: Path, fake: FakeTelegram,
                 redis: RedisSettings | None = None) -> Settings:
    return load_settings(
        None, database={"url": database_url}, bot={"data_dir": str(data_dir)},
        telegram={"token": fake.token, "base_url": fake.base_url,
                  "base_file_url": fake.base_file_url},
        http={"port": 0, "always": True},
        **({"redis": redis.model_dump()} if redis is not None else {}),
    )


@pytest.fixture
async def pg_tables(pg_database: str) -> AsyncIterator[str]:
    engine = make_engine(pg_database)
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.drop_all)
        await connection.run_sync(models.Base.metadata.create_all)
    await engine.dispose()
    yield pg_database


async def test_two_processes_one_poller_and_one_scheduler_then_takeover(
    pg_tables: str, redis_settings: RedisSettings, fake_telegram: FakeTelegram, tmp_path: Path,
) -> None:
    first = App(bot_settings(pg_tables, tmp_path / "a", fake_telegram, redis_settings))
    second = App(bot_settings(pg_tables, tmp_path / "b", fake_telegram, redis_settings))
    await first.start()
    await second.start()
    try:
        assert first.telegram is not None and second.telegram is not None
        assert (first.telegram.polling, second.telegram.polling) == (True, False)
        assert (first.scheduler_lease.held, second.scheduler_lease.held) == (True, False)

        fake_telegram.push(fake_telegram.message(WANG, "/start"))
        await fake_telegram.wait_for(WANG, 1)

        # The first process is killed: its leases are neither renewed nor handed back.
        for lease in (first.poller_lease, first.scheduler_lease):
            assert lease is not None and lease._task is not None
            lease._task.cancel()
        await first.telegram.stop_polling()
        first.scheduler.stop()

        await wait_until(lambda: second.telegram is not None and second.telegram.polling, 8.0)
        await wait_until(lambda: second.scheduler_lease.held, 8.0)
        fake_telegram.push(fake_telegram.message(WANG, "京卡怎么办理"))
        answer = (await fake_telegram.wait_for(WANG, 2))[-1]
        assert "京卡" in answer.text
    finally:
        await second.stop()
        first.scheduler_lease.held = False
        if first.poller_lease is not None:
            first.poller_lease.held = False
        await first.stop()


def test_a_second_process_on_one_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "unionbot.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n', encoding="utf-8")
    running = hold_sqlite_lock(f"sqlite+aiosqlite:///{database}")
    try:
        assert main(["--config", str(config), "chat"]) == 2
    finally:
        release(running)
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1
    assert error[0].startswith("config error: database.url: another unionbot process")


async def test_metrics_count_answers_and_readiness_sees_the_database(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram, tmp_path: Path,
) -> None:
    app = App(bot_settings(settings.database.url, tmp_path / "data", fake_telegram))
    await app.start()
    try:
        fake_telegram.push(fake_telegram.message(WANG, "京卡怎么办理"))
        await fake_telegram.wait_for(WANG, 1)
        await app.metrics.refresh()
        base = f"http://127.0.0.1:{app.http_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as response:
                text = await response.text()
            async with http.get(f"{base}/readyz") as response:
                ready = (response.status, await response.json())
    finally:
        await app.stop()
    answered = re.search(
        r'unionbot_updates_total\{channel="telegram",outcome="answered"\} (\d+)', text)
    assert answered is not None and float(answered.group(1)) >= 1
    assert 'unionbot_intents_total{intent="jingka.card"}' in text
    assert 'unionbot_leader{role="scheduler"} 1.0' in text
    assert ready == (200, {"ok": True, "database": True, "telegram": True})


async def test_readiness_fails_when_redis_is_gone(
    settings: Settings, sessions: Sessions, fake_telegram: FakeTelegram, tmp_path: Path,
) -> None:
    dead = RedisSettings(url="redis://127.0.0.1:1/0", lease_seconds=1.0)
    app = App(bot_settings(settings.database.url, tmp_path / "data", fake_telegram, dead))
    await app.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{app.http_port}/readyz") as response:
                status, body = response.status, await response.json()
    finally:
        await app.stop()
    assert status == 503
    assert body["redis"] is False
