"""Benchmark: `kill -9` a real `unionbot run` half way through a broadcast, start it again,
and count what each member received.

    python bench/kill_restart.py [--recipients 600]
"""
# ruff: noqa: ASYNC110, ASYNC220, ASYNC221  (a benchmark driver: polling and blocking on purpose)

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import TOKEN, seed

from tests.support.fakes.telegram_api import FakeTelegram

UNIONBOT = str(Path(sys.executable).parent / "unionbot")
BENCH_KEY = base64.b64encode(b"unionbot kill-restart bench key!").decode()


def environment(folder: Path, port: int, rate: int) -> dict[str, str]:
    return {
        **os.environ,
        "UNIONBOT_DATABASE__URL": f"sqlite+aiosqlite:///{folder / 'bot.db'}",
        "UNIONBOT_TELEGRAM__TOKEN": TOKEN,
        "UNIONBOT_TELEGRAM__BASE_URL": f"http://127.0.0.1:{port}/bot",
        "UNIONBOT_TELEGRAM__BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        "UNIONBOT_BROADCAST__QUIET_HOURS": "",
        "UNIONBOT_BROADCAST__RATE_PER_SECOND": str(rate),
        "UNIONBOT_BROADCAST__PAID": "true" if rate > 30 else "false",
        "UNIONBOT_BROADCAST__LEASE_SECONDS": "5",
        "UNIONBOT_BOT__DATA_DIR": str(folder),
        "UNIONBOT_CONFIG": str(folder / "none.toml"),
        "UNIONBOT_PRIVACY__MASTER_KEY": BENCH_KEY,  # `broadcast send` opens sealed data
    }


def recorded(env: dict[str, str]) -> dict[str, int]:
    out = subprocess.run([UNIONBOT, "broadcast", "status", "1", "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


async def run(recipients: int, rate: int, folder: Path) -> None:
    fake = FakeTelegram(TOKEN)
    fake.rate_limit = rate
    fake.per_chat_interval = 1.0
    await fake.start()
    (folder / "none.toml").write_text("", encoding="utf-8")
    env = environment(folder, fake.port, rate)
    await seed(env["UNIONBOT_DATABASE__URL"], recipients)
    subprocess.run([UNIONBOT, "broadcast", "send", "--text", "工会通知", "--urgent"], env=env,
                   check=True, capture_output=True)
    bot = subprocess.Popen([UNIONBOT, "run"], env=env, stderr=subprocess.DEVNULL)
    while len(fake.sent) < recipients // 2:
        await asyncio.sleep(0.01)
    at_kill = len(fake.sent)
    bot.send_signal(signal.SIGKILL)
    bot.wait()
    await asyncio.sleep(0.5)
    after_kill = len(fake.sent)
    unrecorded = after_kill - recorded(env)["sent"]
    started = time.monotonic()
    bot = subprocess.Popen([UNIONBOT, "run"], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + recipients / rate * 2 + 60
    while len({s.chat_id for s in fake.sent}) < recipients and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    bot.send_signal(signal.SIGTERM)
    bot.wait(10)
    copies = Counter(s.chat_id for s in fake.sent)
    status = subprocess.run([UNIONBOT, "broadcast", "status", "1"], env=env,
                            capture_output=True, text=True).stdout.strip()
    print(f"kill -9 at half way: {recipients} recipients at {rate}/s")
    print(f"  messages when killed: {at_kill}; arrived after the kill signal: "
          f"{after_kill - at_kill}")
    print(f"  restart to last message: {time.monotonic() - started - 2:.1f} s "
          f"(includes the {env['UNIONBOT_BROADCAST__LEASE_SECONDS']} s lease of the dead process)")
    print(f"  delivered but not yet recorded as sent at the kill (in flight): {unrecorded}")
    print(f"  recipients missed: {recipients - len(copies)}")
    print(f"  duplicates: {sum(n - 1 for n in copies.values())}")
    print(f"  429 answers: {fake.too_many}")
    print(f"  unionbot broadcast status 1: {status}")
    await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=600)
    parser.add_argument("--rate", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args.recipients, args.rate, Path(folder)))


if __name__ == "__main__":
    main()
