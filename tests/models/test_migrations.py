"""Alembic's migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import models
from models.migrate import upgrade_async


async def _drop_everything(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def test_upgrade_to_head_matches_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    await _drop_everything(database_url)
    await upgrade_async(database_url)
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), models.Base.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_upgrade_twice_is_harmless(database_url: str) -> None:
    await _drop_everything(database_url)
    await upgrade_async(database_url)
    await upgrade_async(database_url)
