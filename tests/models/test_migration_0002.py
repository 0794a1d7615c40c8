"""Migration 0002 builds exactly the tables the models describe, and can be undone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import models
from models.migrate import alembic_config, upgrade


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        diff = compare_metadata(context, models.Base.metadata)
    engine.dispose()
    return list(diff)


async def test_upgrade_matches_the_models_and_downgrade_removes_them(tmp_path: Path) -> None:
    path = tmp_path / "migrated.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    assert _diff(f"sqlite:///{path}") == []
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0001")
    engine = create_engine(f"sqlite:///{path}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert "claims" not in tables and "members" in tables
