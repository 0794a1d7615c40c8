"""Fuzz run: random and malformed updates through the real channels, over real HTTP.

    python bench/fuzz.py                      # 10,000 Telegram updates, 2,000 WeChat bodies
    python bench/fuzz.py --telegram 2000 --wechat 500 --seed 7

Telegram: updates pushed into the fake Bot API and polled by the real TelegramChannel (random
Unicode with the dangerous spaces, "/" + space, huge and empty fields, unknown update types,
forged callback data, wrong JSON types). WeChat: bodies posted to the real callback endpoint
(signed with random content, forged signatures, garbage XML, entity tricks, bad timestamps,
unencrypted bodies in safe mode). Then a flood: 600 messages from one member, then another
member's /help, with the production token bucket. Prints unhandled exceptions (log records
carrying a traceback, 5xx answers), dead pollers and answers per update. Targets: 0 and 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import App
from bot.channels.wechat.crypto import signature
from bot.channels.wechat.xmlmsg import render_fields
from bot.config import Settings, load_settings
from models.migrate import upgrade_async
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.fakes.wechat_api import AES_KEY, APP_ID, APP_SECRET, TOKEN, Follower

SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u1680\u0085\u200b\ufeff\t\n "
ACTIONS = ["menu.main", "discounts.show", "discounts.page", "claim.withdraw", "claim.more",
           "claims.mine", "events.show", "events.register", "lang.set", "plans.list",
           "broadcast.cancel", "no.such.action"]
ARGS = ["", "1", "²", "١٢", "-1", "0", "9" * 40, "1:yes", "c:food:²", "k::", "n:91,181:0",
        "x" * 60, "\u3000", "en", "zh_CN", "🙂"]
COMMANDS = ["start", "help", "claim", "grant", "events", "cancel", "myclaims", "bind",
            "broadcasts", "lang", "nosuch", "start@other_bot", "help@unionbot_test_bot"]


class Counted(logging.Handler):
    """Counts log records that carry a traceback: each is an exception nobody expected."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.tracebacks: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and not isinstance(error, asyncio.CancelledError):  # not shutdown
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            self.tracebacks[f"{record.name}: {type(error).__name__} at {where}"] += 1


def text(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return "/" + rng.choice(SPACES) * rng.randrange(1, 4)
    if kind == 1:
        return "/" + rng.choice(COMMANDS) + "".join(
            rng.choice(SPACES) + rng.choice(ARGS) for _ in range(rng.randrange(4)))
    if kind == 2:
        return ""
    if kind == 3:
        piece = rng.choice(["京卡", "互助", "]]>", "<xml>", "%s%n", "\x00"])
        return piece * rng.randrange(1, 2000)
    alphabet = [chr(rng.choice([rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x2FFFF)]))
                for _ in range(40)] + list(SPACES)
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))


def wrong(rng: random.Random) -> Any:
    return rng.choice([None, 0, -1, 10**30, 1.5, "", "x", [], {}, [1, "a"], {"a": None}, True])


def telegram_update(fake: FakeTelegram, rng: random.Random, user: int) -> dict[str, Any]:
    kind = rng.randrange(10)
    if kind <= 3:
        return fake.message(user, text(rng), language=rng.choice(["zh-hans", "en", "fr", ""]))
    if kind == 4:
        data = rng.choice(ACTIONS) + ":" + rng.choice(ARGS)
        return fake.callback(user, data[: rng.choice([64, 200])])
    if kind == 5:
        update = fake.message(user, "hi")
        field = rng.choice(["text", "from", "chat", "date", "message_id"])
        update["message"][field] = wrong(rng)
        return update
    if kind == 6:
        update = fake.message(user, None)
        update["message"][rng.choice(["sticker", "photo", "document", "location", "contact",
                                      "voice", "poll", "dice"])] = wrong(rng)
        return update
    if kind == 7:
        return {rng.choice(["edited_message", "channel_post", "poll", "chat_join_request",
                            "message_reaction", "business_message", "x_unknown"]): wrong(rng)}
    if kind == 8:
        update = fake.callback(user, rng.choice(ACTIONS))
        update["callback_query"]["data"] = wrong(rng)
        return update
    return fake.message(user, text(rng), chat_type="group", chat_id=-(1000 + user))


async def settle(fake: FakeTelegram, quiet: float = 2.0, limit: float = 3600.0) -> None:
    """Until every update was fetched and nothing was sent for `quiet` seconds."""
    deadline = time.monotonic() + limit
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if fake.pending_updates() or len(fake.sent) != seen:
            seen, since = len(fake.sent), time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        await asyncio.sleep(0.2)


def base_settings(folder: Path, **sections: Any) -> Settings:
    return load_settings(None, database={"url": f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"},
                         bot={"data_dir": str(folder / "data")}, http={"port": 0}, **sections)


async def fuzz_telegram(count: int, seed: int, folder: Path, counted: Counted) -> None:
    rng = random.Random(seed)
    fake = FakeTelegram()
    await fake.start()
    app = App(base_settings(folder, inbound={"member_burst": 10**6}, telegram={
        "token": fake.token, "base_url": fake.base_url, "base_file_url": fake.base_file_url}))
    await app.start()
    assert app.telegram is not None
    started = time.monotonic()
    users = Counter[int]()
    for _ in range(count):
        user = 50_000 + rng.randrange(500)
        users[user] += 1
        fake.push(telegram_update(fake, rng, user))
    await settle(fake)
    alive = app.telegram.poller.health().alive
    seconds = time.monotonic() - started
    await app.stop()
    await fake.stop()
    print(f"telegram: {count} updates from {len(users)} members in {seconds:.1f} s")
    print(f"  answers: {len(fake.sent)} ({len(fake.sent) / count:.2f} per update); "
          f"chats answered: {len({s.chat_id for s in fake.sent})}")
    print(f"  dead pollers: {0 if alive else 1}; updates left unconfirmed: "
          f"{fake.pending_updates()}")


def wechat_body(follower: Follower, rng: random.Random) -> tuple[dict[str, str], bytes]:
    fields: dict[str, str | int] = follower.fields(
        rng.choice(["text", "event", "image", "voice", "location", "link", "file", "zz"]),
        Content=text(rng), MsgId=rng.randrange(1, 10**12),
        Event=rng.choice(["subscribe", "unsubscribe", "CLICK", "SCAN", "VIEW", "LOCATION", ""]),
        EventKey=rng.choice(ACTIONS) + ":" + rng.choice(ARGS),
        Location_X=rng.choice(["39.9", "x", "", "1e999", "nan"]), Location_Y="116.4",
        MediaId=rng.choice(["", "M" * 300, "media-1"]), Recognition=rng.choice(["", "京卡"]),
    )
    kind = rng.randrange(8)
    try:
        xml = render_fields(fields)
    except ValueError:
        xml = "<xml/>"
    if kind <= 2:
        return follower.seal(xml)  # signed and encrypted, random content
    query, body = follower.seal(xml)
    if kind == 3:
        query["msg_signature"] = signature(TOKEN, "1", "2")
    elif kind == 4:
        body = rng.choice([b"", b"<xml>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml>&a;</xml>",
                           bytes(rng.randrange(256) for _ in range(200)), b"<a/>" * 1000])
    elif kind == 5:
        query["timestamp"] = rng.choice(["²", "", "-1", "9" * 30, "1409735669", "1.5"])
    elif kind == 6:
        query.pop(rng.choice(list(query)))
    else:
        query = {"timestamp": query["timestamp"], "nonce": query["nonce"],
                 "signature": query["signature"]}  # unencrypted, as compatible mode once took
        body = xml.encode()
    return query, body


async def fuzz_wechat(count: int, seed: int, folder: Path) -> None:
    rng = random.Random(seed)
    settings = base_settings(folder, wechat={
        "enabled": True, "token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET,
        "encoding_aes_key": AES_KEY, "api_base_url": "http://127.0.0.1:9", "mode": "safe"})
    app = App(settings)
    await app.start()
    statuses: Counter[int] = Counter()
    answered = 0
    url = f"http://127.0.0.1:{app.http_port}/wechat"
    for n in range(count):
        follower = Follower(url, f"o{n % 300:06d}FuzzFollower-_abcdefgh")
        query, body = wechat_body(follower, rng)
        answer = await follower.post_raw(query, body)
        statuses[answer.status] += 1
        answered += answer.status == 200 and answer.body not in ("", "success")
    await app.stop()
    print(f"wechat: {count} bodies; statuses {dict(sorted(statuses.items()))}; "
          f"passive answers: {answered}; 5xx: {sum(v for k, v in statuses.items() if k >= 500)}")


async def flood(folder: Path) -> None:
    """600 messages from one member, then another member's /help: how late is the answer?"""
    fake = FakeTelegram()
    await fake.start()
    app = App(base_settings(folder, telegram={
        "token": fake.token, "base_url": fake.base_url, "base_file_url": fake.base_file_url}))
    await app.start()
    delays = []
    for flood_size in (0, 600):
        for n in range(flood_size):
            fake.push(fake.message(61_000 + len(delays), f"京卡怎么办理 {n}"))
        asked = time.monotonic()
        other = 62_000 + len(delays)
        fake.push(fake.message(other, "/help"))
        [answer] = await fake.wait_for(other, 1, within=120)
        delays.append(answer.at - asked)
        await settle(fake)
    await app.stop()
    await fake.stop()
    print(f"flood: another member's /help answered in {delays[0] * 1000:.0f} ms alone, "
          f"{delays[1] * 1000:.0f} ms behind a 600-message flood "
          f"(delay added: {(delays[1] - delays[0]) * 1000:.0f} ms; target < 1000 ms)")


async def run(args: argparse.Namespace) -> None:
    counted = Counted()
    logging.getLogger().addHandler(counted)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger().handlers[0].setLevel(logging.CRITICAL)  # keep the screen for figures
    for name, part in (("telegram", args.telegram), ("wechat", args.wechat)):
        with tempfile.TemporaryDirectory() as folder:
            await upgrade_async(f"sqlite+aiosqlite:///{Path(folder) / 'fuzz.db'}")
            if name == "telegram" and part:
                await fuzz_telegram(part, args.seed, Path(folder), counted)
            elif part:
                await fuzz_wechat(part, args.seed, Path(folder))
    if args.flood:
        with tempfile.TemporaryDirectory() as folder:
            await upgrade_async(f"sqlite+aiosqlite:///{Path(folder) / 'fuzz.db'}")
            await flood(Path(folder))
    total = sum(counted.tracebacks.values())
    print(f"unhandled exceptions (log records with a traceback): {total}")
    for where, times in counted.tracebacks.most_common(10):
        print(f"  {times} x {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--telegram", type=int, default=10_000)
    parser.add_argument("--wechat", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--no-flood", dest="flood", action="store_false")
    logging.basicConfig(level=logging.INFO)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
