"""A pinned clock, a scripted Sender and member factories for delivery tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.delivery.engine import DeliveryEngine
from bot.delivery.quiet import QuietHours
from bot.delivery.sender import MessageKind, Outcome, SendResult
from bot.messages import Reply
from models.db import Sessions
from models.member import Member
from tests.support.fakes.telegram_api import FakeTelegram  # noqa: F401  (re-exported for tests)

NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
SHANGHAI = QuietHours.parse("22:00-08:00", __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))


@dataclass
class FakeTime:
    """Wall clock and monotonic clock together; sleeping moves both, instantly."""

    now: datetime = NOON
    mono: float = 1000.0

    def clock(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@dataclass
class ScriptedSender:
    """Sends into a list; `script[chat_id]` lists outcomes to answer before succeeding."""

    channel: str = "telegram"
    sent: list[tuple[str, str]] = field(default_factory=list)
    script: dict[str, list[SendResult]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    replies: list[Reply] = field(default_factory=list)

    async def deliver(self, chat_id: str, reply: Reply, *, kind: MessageKind) -> SendResult:
        self.calls[chat_id] += 1
        pending = self.script.get(chat_id)
        if pending:
            return pending.pop(0)
        self.sent.append((chat_id, reply.text))
        self.replies.append(reply)
        return SendResult(Outcome.SENT)

    def copies(self, chat_id: str) -> int:
        return sum(1 for chat, _text in self.sent if chat == chat_id)


def engine_for(sessions: Sessions, sender: ScriptedSender, time: FakeTime, *, rate: int = 30,
               quiet: QuietHours = SHANGHAI, **kwargs: object) -> DeliveryEngine:
    return DeliveryEngine(sessions, {"telegram": sender}, rate=rate, quiet=quiet,
                          clock=time.clock, monotonic=time.monotonic, sleep=time.sleep,
                          **kwargs)  # type: ignore[arg-type]


async def add_members(sessions: Sessions, count: int, *, language: str = "zh_CN",
                      role: str = "member", start: int = 1) -> list[Member]:
    members = [
        Member(channel="telegram", external_id=str(start + i), chat_id=str(start + i),
               private_chat_id=str(start + i),
               display_name=f"m{start + i}", language=language, role=role, created_at=NOON,
               last_seen_at=NOON)
        for i in range(count)
    ]
    async with sessions.begin() as session:
        session.add_all(members)
    return members
