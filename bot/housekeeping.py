"""Hourly tidying: forget old update ids, and the documents of claim flows members abandoned.

Claim documents are sensitive personal information: a photo uploaded in a flow that was
cancelled or abandoned is deleted rather than kept.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

from bot import documents
from models.db import Sessions
from models.dedupe import forget_updates_before
from models.mutual_aid import document_paths_in_use, forget_abandoned_drafts
from models.unanswered import purge_unanswered

log = logging.getLogger(__name__)

UPDATE_MEMORY = timedelta(days=7)  # platforms retry within minutes; a week is ample
DRAFT_LIFETIME = timedelta(days=2)  # an unfinished claim flow keeps its uploads this long


class Housekeeping:
    def __init__(self, sessions: Sessions, data_dir: Path) -> None:
        self.sessions = sessions
        self.data_dir = data_dir

    async def run(self, now: datetime) -> int:
        """Returns how many rows and files were removed."""
        async with self.sessions.begin() as session:
            await forget_updates_before(session, now - UPDATE_MEMORY)
            dropped = await forget_abandoned_drafts(session, added_before=now - DRAFT_LIFETIME)
            in_use = await document_paths_in_use(session)
            purged = await purge_unanswered(session, now=now)  # questions kept 90 days
        removed = await asyncio.to_thread(
            documents.remove_unused, self.data_dir, in_use, older_than=now - DRAFT_LIFETIME
        )
        if dropped or removed or purged:
            log.info("housekeeping: %s abandoned documents, %s files, %s old unanswered "
                     "questions removed", dropped, removed, purged)
        return dropped + removed + purged
