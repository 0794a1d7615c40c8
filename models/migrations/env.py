"""Alembic environment: runs migrations on the async engine named in the config.

On PostgreSQL several processes may run `unionbot db upgrade` at once (each replica of a
deployment at its start): the migrations run inside a transaction that first takes an advisory
lock, on the very connection that migrates. The others wait on the lock, then read the version
the first one committed and have nothing left to do. Taking the lock on a connection of its own
would deadlock as soon as a migration waits for a table that connection has locked.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import models
from models.db import make_engine

target_metadata = models.Base.metadata

# Any fixed 64-bit number names the lock; this one spells "unionbot" in ASCII.
MIGRATION_LOCK = int.from_bytes(b"unionbot", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # A transaction-level lock: it begins the transaction the migrations then run in
        # (Alembic sees one under way and uses it) and it ends with the commit.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
