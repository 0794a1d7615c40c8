"""Mass send (群发) to followers, within WeChat's quota of 4 a calendar month per follower:
`plan` says who can still be reached (shown to staff before they confirm), `send` sends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.wechat.api import WeChatApi, WeChatApiError
from bot.channels.wechat.inbound import CHANNEL
from bot.channels.wechat.sender import outcome_for
from bot.delivery.sender import Outcome, SendResult
from models.base import utcnow
from models.db import Sessions
from models.mass_sends import count_mass_sends, record_mass_send

MONTHLY_QUOTA = 4  # mass messages each follower may receive per calendar month
BATCH = 10000  # OpenIDs per call; WeChat wants at least 2
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class MassPlan:
    month: str
    reachable: tuple[str, ...]
    over_quota: tuple[str, ...]


class MassSender:
    def __init__(
        self, api: WeChatApi, sessions: Sessions, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.clock = clock

    async def plan(self, openids: Sequence[str]) -> MassPlan:
        month = self.clock().astimezone(BEIJING).strftime("%Y-%m")
        async with self.sessions.begin() as session:
            sent = await count_mass_sends(session, channel=CHANNEL, chat_ids=openids,
                                          month=month)
        unique = list(dict.fromkeys(openids))
        reachable = tuple(o for o in unique if sent.get(o, 0) < MONTHLY_QUOTA)
        over = tuple(o for o in unique if sent.get(o, 0) >= MONTHLY_QUOTA)
        return MassPlan(month, reachable, over)

    async def send(self, plan: MassPlan, text: str) -> SendResult:
        """Send to the plan's reachable followers and count it against their quota."""
        if len(plan.reachable) < 2:
            return SendResult(Outcome.FAILED, detail="mass send needs at least 2 followers")
        for start in range(0, len(plan.reachable), BATCH):
            batch = list(plan.reachable[start : start + BATCH])
            if len(batch) == 1:
                batch.insert(0, plan.reachable[0])  # WeChat refuses a list of one
            try:
                await self.api.mass_send_text(batch, text)
            except WeChatApiError as exc:
                return outcome_for(exc)
            async with self.sessions.begin() as session:
                await record_mass_send(session, channel=CHANNEL, chat_ids=sorted(set(batch)),
                                       month=plan.month)
        return SendResult(Outcome.SENT, detail=f"{len(plan.reachable)} followers")
