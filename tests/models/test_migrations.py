"""Alembic's migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and every one of them can be undone."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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
