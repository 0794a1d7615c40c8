"""The events and handoff migration creates the tables the models describe."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from models.migrate import upgrade


def test_migration_creates_events_registrations_and_tickets(tmp_path: Path) -> None:
    path = tmp_path / "migrated.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    with closing(sqlite3.connect(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        columns = {row[1] for row in db.execute("PRAGMA table_info(registrations)")}
    assert {"events", "registrations", "handoff_tickets", "handoff_messages"} <= tables
    assert {"status", "created_at", "reminded_24h_at", "reminded_1h_at"} <= columns
