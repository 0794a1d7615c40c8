"""Benchmark: memory and the roster import at the scale of a district federation.

    python bench/memory.py [--roster 100000] [--active 2000] [--databases sqlite postgresql]
    python bench/memory.py --active 0        # the imports only

On SQLite in a temporary folder and, when reachable, on a throwaway PostgreSQL database
(created and dropped as in bench/pipeline.py):

1. `unionbot import roster` of a generated CSV with 100,000 members: wall time, rows/s, CPU
   time and the command's peak RSS (from wait4), with the load average at its start.
2. A second import of the same file (every card already on file: the update path).
3. `unionbot run` (webhook) on that database, then one message from each of 2,000 members
   through the fake Bot API: RSS before the first message and peak RSS at the end (VmHWM).
"""


from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

import aiohttp
from pipeline import (
    BENCH_KEY,
    PG_ADMIN,
    TOKEN,
    UNIONBOT,
    drive,
    drop_postgres,
    peak_rss_mb,
    postgres_database,
    unionbot,
)

from tests.support.fakes.telegram_api import FakeTelegram

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "芳明伟娜敏静丽强磊军洋勇艳杰娟涛超秀霞平刚桂英"
UNIONS = ("西城区某街道工会", "西城区教育工会", "西城区卫生工会", "西城区商贸工会", "")


def write_roster(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write("card_number,name,phone,workplace_union\n")
        for n in range(rows):
            name = SURNAMES[n % 20] + GIVEN[(n // 20) % len(GIVEN)] + GIVEN[n % len(GIVEN)]
            file.write(f"62{n:016d},{name},13{n % 10}{n:08d},{UNIONS[n % 5]}\n")


def import_roster(env: dict[str, str], path: Path) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak RSS in MB, last line printed) of one import."""
    started = time.perf_counter()
    process = subprocess.Popen([UNIONBOT, "import", "roster", str(path)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read().strip() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import failed: {out}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def bench_database(label: str, url: str, roster: Path, folder: Path,
                         args: argparse.Namespace) -> None:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    try:
        bot = unionbot(fake, url, folder)  # migrates the database, then starts the bot
        bot.process.terminate()
        bot.process.wait(15)
        env = {**os.environ, "UNIONBOT_DATABASE__URL": url,
               "UNIONBOT_PRIVACY__MASTER_KEY": BENCH_KEY, "UNIONBOT_BOT__DATA_DIR": str(folder),
               "UNIONBOT_CONFIG": str(folder / "none.toml")}
        load = os.getloadavg()[0]
        seconds, cpu, peak, out = import_roster(env, roster)
        print(f"{label}: roster import, {args.roster:,} new members: {seconds:.1f} s "
              f"({args.roster / seconds:,.0f} rows/s; CPU {cpu:.1f} s), peak RSS {peak:.0f} MB, "
              f"load average {load:.1f}  [{out}]")
        load = os.getloadavg()[0]
        seconds, cpu, peak, out = import_roster(env, roster)
        print(f"{label}: roster import again, {args.roster:,} cards on file: {seconds:.1f} s "
              f"({args.roster / seconds:,.0f} rows/s; CPU {cpu:.1f} s), peak RSS {peak:.0f} MB, "
              f"load average {load:.1f}")
        if args.active:
            await bench_bot(label, url, folder, fake, args)
    finally:
        await fake.stop()


async def bench_bot(label: str, url: str, folder: Path, fake: FakeTelegram,
                    args: argparse.Namespace) -> None:
    bot = unionbot(fake, url, folder)
    async with aiohttp.ClientSession() as http:
        await bot.ready(http)
        idle = rss_mb(bot.process.pid)
        figures = await drive(http, bot, fake, args.active, args.active, 16, count(1))
        busy = rss_mb(bot.process.pid)
    peak = peak_rss_mb(bot.process.pid)
    bot.stop()
    print(f"{label}: unionbot run with {args.roster:,} roster members: RSS {idle:.0f} MB before "
          f"the first message, {busy:.0f} MB after {args.active:,} members wrote "
          f"({figures.unanswered} unanswered); peak RSS {peak:.0f} MB")


async def run(args: argparse.Namespace, folder: Path) -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    roster = folder / "roster.csv"
    write_roster(roster, args.roster)
    if "sqlite" in args.databases:
        url = f"sqlite+aiosqlite:///{folder / 'memory.db'}"
        await bench_database("SQLite", url, roster, folder, args)
    pg = await postgres_database() if "postgresql" in args.databases else None
    if pg is not None:
        try:
            await bench_database("PostgreSQL", pg[1], roster, folder, args)
        finally:
            await drop_postgres(pg[0])
    elif "postgresql" in args.databases:
        print(f"PostgreSQL: not reachable at {PG_ADMIN}; skipped")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roster", type=int, default=100_000)
    parser.add_argument("--active", type=int, default=2000,
                        help="members writing to the bot after the imports (0: imports only)")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args, Path(folder)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
