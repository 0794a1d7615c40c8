"""Benchmark: a broadcast through the real engine and TelegramSender against the fake Bot API.

    python bench/broadcast_rate.py                 # 20,000 recipients at 1,000/s (paid)
    python bench/broadcast_rate.py --recipients 600 --rate 30   # the default free limit
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from common import TOKEN, FakeServer, report, seed
from telegram import Bot

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_sender import TelegramSender
from bot.delivery.engine import DeliveryEngine
from bot.delivery.limiter import PerChatLimiter, SlidingWindowLimiter
from bot.delivery.quiet import QuietHours
from models.base import utcnow
from models.broadcast import create_broadcast
from models.db import Sessions, make_engine
from models.schedule import start_due_broadcasts


async def run(recipients: int, rate: int, folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await seed(url, recipients)
    server = FakeServer(rate, recipients)
    sessions = Sessions(make_engine(url))
    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=None, text="工会通知：基准测试",
                                           audience="all", now=utcnow(), urgent=True)
        await start_due_broadcasts(session, now=utcnow(), grace=__import__("datetime")
                                   .timedelta(hours=1), next_time=lambda r, a: a)
    bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest())
    await bot.initialize()
    sender = TelegramSender(bot, SlidingWindowLimiter(rate), PerChatLimiter(1.0), paid=rate > 30)
    engine = DeliveryEngine(sessions, {"telegram": sender}, rate=rate,
                            quiet=QuietHours.parse("", ZoneInfo("Asia/Shanghai")))
    started = time.monotonic()
    await engine.start()
    figures = await asyncio.to_thread(server.result, recipients / rate * 20 + 120)
    print(f"  wall time in the bot (engine start to last answer + 1 s): "
          f"{time.monotonic() - started:.2f} s; broadcast #{broadcast.id}")
    await engine.stop()
    await bot.shutdown()
    await sessions.dispose()
    report("broadcast", figures, rate, recipients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.recipients, args.rate, Path(folder)))


if __name__ == "__main__":
    main()
