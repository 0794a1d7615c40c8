"""Benchmark: the plan's estimate against the measured send, for one announcement to 20,000
WeChat followers (last seen days ago, outside the 48-hour window) and 5,000 Telegram members.

    python bench/broadcast_plan.py                       # 5,000 Telegram at 30/s, 20,000 WeChat
    python bench/broadcast_plan.py --telegram 900 --wechat 2000 --rate 30   # a quick look

The fake Bot API runs in its own process and counts every 1-second window; the fake WeChat
API runs in the bot's process. Prints the plan as staff read it, then the measured figures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import TOKEN, FakeServer, seed
from telegram import Bot

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.telegram_sender import TelegramSender
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.broadcast import WeChatMassBroadcaster
from bot.channels.wechat.sender import WeChatSender
from bot.config import Settings, load_settings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.limiter import PerChatLimiter, SlidingWindowLimiter
from bot.delivery.plan import plan_broadcast
from bot.delivery.plan_text import describe_plan
from bot.delivery.quiet import QuietHours
from bot.i18n import Catalogs
from models.base import utcnow
from models.broadcast import count_deliveries, create_broadcast, get_broadcast
from models.db import Sessions, make_engine
from models.member import Member
from models.schedule import start_due_broadcasts
from tests.support.fakes.wechat_api import AES_KEY, APP_ID, APP_SECRET, FakeWeChat
from tests.support.fakes.wechat_api import TOKEN as WECHAT_TOKEN


async def add_wechat_followers(sessions: Sessions, count: int) -> None:
    seen = utcnow() - timedelta(days=5)
    async with sessions.begin() as session:
        session.add_all(
            Member(channel="wechat", external_id=f"oBench{i:07d}", chat_id=f"oBench{i:07d}",
                   language="zh_CN", created_at=seen, last_seen_at=seen)
            for i in range(count))


def settings_for(url: str, telegram_url: str, wechat: FakeWeChat, rate: int) -> Settings:
    return load_settings(
        None, database={"url": url},
        telegram={"token": TOKEN, "base_url": telegram_url},
        wechat={"enabled": True, "token": WECHAT_TOKEN, "app_id": APP_ID,
                "app_secret": APP_SECRET, "encoding_aes_key": AES_KEY,
                "api_base_url": wechat.base_url},
        broadcast={"quiet_hours": "", "rate_per_second": rate})


async def run(telegram: int, followers: int, rate: int, folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await seed(url, telegram)
    sessions = Sessions(make_engine(url))
    await add_wechat_followers(sessions, followers)
    server = FakeServer(rate, telegram)
    wechat = FakeWeChat()
    await wechat.start()
    settings = settings_for(url, server.base_url, wechat, rate)
    async with sessions.begin() as session:
        plan = await plan_broadcast(session, audience="all", settings=settings, now=utcnow())
        broadcast = await create_broadcast(session, created_by=None, text="工会通知：基准测试",
                                           audience="all", now=utcnow(), urgent=True)
    translator = Catalogs().get("zh_CN")
    print("plan, as staff read it:")
    print("  " + describe_plan(plan, translator.gettext, "zh_CN").replace("\n", "\n  "))

    bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest())
    await bot.initialize()
    api = WeChatApi(APP_ID, APP_SECRET, wechat.base_url)
    engine = DeliveryEngine(
        sessions,
        {"telegram": TelegramSender(bot, SlidingWindowLimiter(rate), PerChatLimiter(1.0)),
         "wechat": WeChatSender(api, sessions, settings.wechat)},
        bulk={"wechat": WeChatMassBroadcaster(api, sessions, per_month=4, zone=settings.zone)},
        rate=rate, quiet=QuietHours.parse("", settings.zone))
    async with sessions.begin() as session:
        await start_due_broadcasts(session, now=utcnow(), grace=timedelta(hours=1),
                                   next_time=lambda r, a: a)
    started = time.monotonic()
    await engine.start()
    wechat_done = await _wechat_finished(wechat, started)
    figures = await asyncio.to_thread(server.result, telegram / rate * 20 + 120)
    wall = figures["last"] - started  # one monotonic clock for both processes (Linux)
    await engine.stop()
    async with sessions.begin() as session:
        counts = await count_deliveries(session, broadcast.id)
        ended = await get_broadcast(session, broadcast.id)
    estimate = plan.channels[0].seconds
    span = figures["seconds"]
    print(f"measured ({telegram:,} Telegram at {rate}/s, {followers:,} WeChat followers):")
    print(f"  Telegram: plan estimate {estimate:.1f} s; measured engine start to last message "
          f"{wall:.1f} s ({100 * (wall - estimate) / estimate:+.1f}%), first to last at the "
          f"fake {span:.1f} s ({100 * (span - estimate) / estimate:+.1f}%)")
    print(f"  Telegram: {figures['sent']:,} messages, {figures['unique']:,} chats, "
          f"busiest 1-second window {figures['busiest']}, 429 answers {figures['too_many']}")
    print(f"  WeChat: {len(wechat.mass_jobs)} sendall call(s) to tag(s) "
          f"{[j['tag_id'] for j in wechat.mass_jobs]}, reaching "
          f"{sum(j['count'] for j in wechat.mass_jobs):,} followers; {wechat.tag_calls} "
          f"batchtagging calls; done {wechat_done:.1f} s after the engine started; "
          f"{wechat.mass_quota} of the month's 4 left")
    print(f"  outbox: {counts}; broadcast status: {ended.status if ended else '?'}")
    await bot.shutdown()
    await api.close()
    await wechat.stop()
    await sessions.dispose()


async def _wechat_finished(wechat: FakeWeChat, started: float) -> float:
    while not wechat.mass_jobs:  # noqa: ASYNC110  (a benchmark driver: polls on purpose)
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--telegram", type=int, default=5_000)
    parser.add_argument("--wechat", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.telegram, args.wechat, args.rate, Path(folder)))


if __name__ == "__main__":
    main()
