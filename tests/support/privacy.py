"""Helpers for the privacy tests: the export's contents, and a search of every table for
what would identify a member."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import select

import models
from models.db import Sessions

# The union's own registers and catalogues, not data about a chat member.
REGISTERS = {"roster", "aid_plans", "merchants", "events", "broadcasts", "platform_tokens",
             "handled_updates", "alembic_version"}


def read_export(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """(mydata.json, {document name: bytes}) of a /mydata zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = json.loads(archive.read("mydata.json"))
        files = {name: archive.read(name) for name in archive.namelist()
                 if name != "mydata.json"}
    return body, files


async def traces(sessions: Sessions, *needles: str) -> list[str]:
    """Where any of the needles still appears, as "table.column" (read through the sealed
    columns, so encryption cannot hide a leftover)."""
    found = []
    async with sessions.begin() as session:
        for table in models.Base.metadata.sorted_tables:
            if table.name in REGISTERS:
                continue
            for row in await session.execute(select(table)):
                for column, value in row._mapping.items():
                    if any(needle in str(value) for needle in needles):
                        found.append(f"{table.name}.{column}")
    return found
