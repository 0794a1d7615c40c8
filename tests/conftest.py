"""Shared fixtures: a database per test on SQLite and, when UNIONBOT_TEST_DATABASE_URL is set,
on PostgreSQL too; settings pointing at it; the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

import models
from bot.config import RedisSettings, Settings, load_settings
from bot.shared import SharedState
from models.crypto import Keyring, use_keyring
from models.db import Sessions, make_engine
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.fakes.wechat_api import FakeWeChat

PG_URL = os.environ.get("UNIONBOT_TEST_DATABASE_URL", "")
TEST_KEY = "dGVzdCBtYXN0ZXIga2V5IGZvciB1bmlvbmJvdCAzMmI="  # 32 bytes, tests only
REDIS_URL = os.environ.get("UNIONBOT_TEST_REDIS_URL", "")
# Scripted members answer faster than a person types; the flood tests set their own limit.
os.environ.setdefault("UNIONBOT_INBOUND__MEMBER_BURST", "1000")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, so parallel runs never collide."""
    if not PG_URL:
        pytest.skip("UNIONBOT_TEST_DATABASE_URL is not set")
    name = f"unionbot_test_{uuid.uuid4().hex[:10]}"
    admin = make_url(PG_URL)

    async def execute(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
        await engine.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    yield admin.set(database=name).render_as_string(hide_password=False)
    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(autouse=True)
def keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keyring]:
    """The master key sealed columns and documents use, as `unionbot` loads it at start (from
    the environment, so every test's settings carry it)."""
    monkeypatch.setenv("UNIONBOT_PRIVACY__MASTER_KEY", TEST_KEY)
    ring = Keyring.from_text(TEST_KEY)
    use_keyring(ring)
    yield ring
    use_keyring(None)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'unionbot.db'}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Empty tables, made from the models (migrations are tested on their own)."""
    engine = make_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.drop_all)
        await connection.run_sync(models.Base.metadata.create_all)
    yield Sessions(engine)
    await engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        None,
        database={"url": database_url},
        bot={"data_dir": str(tmp_path / "data")},
        # A scripted member answers faster than a person types; the flood tests set their own.
        inbound={"member_burst": 1000},
    )


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    server = FakeWeChat()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def redis_settings() -> RedisSettings:
    """Redis for the tests of several processes, under a key prefix of this test's own."""
    if not REDIS_URL:
        pytest.skip("UNIONBOT_TEST_REDIS_URL is not set")
    return RedisSettings(url=REDIS_URL, prefix=f"unionbot-test-{uuid.uuid4().hex[:10]}",
                         lease_seconds=1.0)


@pytest.fixture
async def shared_states(redis_settings: RedisSettings) -> AsyncIterator[list[SharedState]]:
    """Three connections to the shared Redis, as three processes would each have their own."""
    states = [SharedState.connect(redis_settings) for _ in range(3)]
    connected = [state for state in states if state is not None]
    yield connected
    for state in connected:
        await state.close()
