"""Alembic's migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and every one of them can be undone."""

from __future__ import annotations

import asyncio
import sys

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

import models
from models.migrate import alembic_config, upgrade_async


async def _drop_everything(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def _differences(url: str) -> list[object]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        found = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), models.Base.metadata)
        )
    await engine.dispose()
    return list(found)


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await engine.dispose()
    return set(names) - {"alembic_version"}


async def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    await _drop_everything(database_url)
    await upgrade_async(database_url)
    assert await _differences(database_url) == []
    assert set(models.Base.metadata.tables) <= await _tables(database_url)


async def test_every_migration_can_be_undone_and_redone(database_url: str) -> None:
    await _drop_everything(database_url)
    await upgrade_async(database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "base")
    assert await _tables(database_url) == set()
    await upgrade_async(database_url)
    await upgrade_async(database_url)  # a second upgrade is harmless
    assert await _differences(database_url) == []


async def test_replicas_upgrading_at_once_run_the_chain_once(pg_database: str) -> None:
    """Three `unionbot db upgrade` started together on an empty PostgreSQL database (replicas
    of one deployment starting): each ends well, and the schema is built once."""
    await _drop_everything(pg_database)
    script = "import sys; from models.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, pg_database,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = await asyncio.wait_for(
        asyncio.gather(*(process.communicate() for process in processes)), timeout=120)
    failures = [err.decode() for process, (_out, err) in zip(processes, outputs, strict=True)
                if process.returncode != 0]
    assert failures == []
    assert await _differences(pg_database) == []
    assert await _versions(pg_database) == [ScriptDirectory.from_config(
        alembic_config(pg_database)).get_current_head()]


async def _versions(url: str) -> list[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        versions = [str(row[0]) for row in rows]
    await engine.dispose()
    return versions
