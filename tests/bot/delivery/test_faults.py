"""When the database fails mid-delivery, nobody is skipped and nobody gets a second copy."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.delivery.sender import MessageKind, SendResult
from bot.messages import Reply
from models.db import Sessions
from tests.bot.delivery.test_engine import counts, start
from tests.support.delivery import FakeTime, ScriptedSender, add_members, engine_for
from tests.support.flaky import FlakySessions


class LastSendBreaksTheDatabase(ScriptedSender):
    """After the third member has the message, the next write to the database fails."""

    database: FlakySessions | None = None

    async def deliver(self, chat_id: str, reply: Reply, *, kind: MessageKind) -> SendResult:
        result = await super().deliver(chat_id, reply, kind=kind)
        if len(self.sent) == 3 and self.database is not None:
            self.database.fail_next = 1
        return result


async def test_results_that_could_not_be_written_are_kept_and_nothing_is_sent_twice(
    sessions: Sessions,
) -> None:
    time, sender = FakeTime(), LastSendBreaksTheDatabase()
    flaky = FlakySessions(sessions)
    sender.database = flaky
    await add_members(sessions, 3)
    broadcast_id = await start(sessions, time, urgent=True)
    engine = engine_for(flaky, sender, time)

    with pytest.raises(OperationalError):
        await engine.drain("telegram")
    await engine.flush()  # the database is back: the kept results are written
    await engine.drain("telegram")

    assert [sender.copies(str(n)) for n in (1, 2, 3)] == [1, 1, 1]
    assert (await counts(sessions, broadcast_id))["sent"] == 3
