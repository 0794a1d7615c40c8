"""Benchmark: members' messages through a real `unionbot run` in webhook mode, side by side with
a bare python-telegram-bot echo bot (bench/echo_bot.py), both answering the project's fake Bot
API on 127.0.0.1 with flood limits off.

    python bench/pipeline.py                       # SQLite, and PostgreSQL if reachable
    python bench/pipeline.py --updates 2000 --members 500 --in-flight 1 16 --rounds 2

Each database gets one unionbot process and one echo process; the two are alternated at each
in-flight level, so both see the same share of a CPU the machine's other users also take. A
message's latency is its webhook POST, which returns once the answer was sent. CPU per update
is the bot process's own user + system time over the run (/proc). Every update must be
answered: each chat must receive at least as many messages as it sent.
"""


from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-token"
UNIONBOT = str(Path(sys.executable).parent / "unionbot")
ECHO = str(Path(__file__).resolve().parent / "echo_bot.py")
SECRET = "pipeline-bench-secret"
SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
BENCH_KEY = base64.b64encode(b"unionbot pipeline bench key 32by").decode()
PG_ADMIN = os.environ.get("UNIONBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TICK = os.sysconf("SC_CLK_TCK")

# What members write after a broadcast, in their words (not the knowledge base's phrasings).
TEXTS = (
    "1", "你好", "/start", "/help", "京卡丢了怎么办", "住院了能报销多少钱", "互助保障怎么参加",
    "我想报名技能比赛", "有没有法律援助", "夏天高温补贴什么时候发", "孩子考上大学有补助吗",
    "读书室几点开门", "找工作有招聘会吗", "我要找人工客服", "怎么入会", "京卡在哪些店打折",
    "How do I claim hospital costs?", "where can I use the union card", "hello",
    "我的申请审核到哪一步了", "劳动合同到期不续签有补偿吗", "女职工讲座在哪里", "谢谢",
    "这个月还有什么活动",
)


@dataclass
class Figures:
    updates: int
    seconds: float
    latencies: list[float]
    cpu: float
    unanswered: int

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Bot:
    """One bot process (unionbot or the echo bot) listening for webhooks on `port`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.port = name, port
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(argv, env=env, stderr=self.log,
                                        stdout=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def ready(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n"
                                   f"{self.log.read()[-2000:]}")
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/healthz") as res:
                    if res.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> float:
        rss = peak_rss_mb(self.process.pid)
        self.process.terminate()
        self.process.wait(15)
        return rss


def unionbot(fake: FakeTelegram, url: str, folder: Path) -> Bot:
    port = free_port()
    (folder / "none.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "UNIONBOT_DATABASE__URL": url,
        "UNIONBOT_TELEGRAM__TOKEN": TOKEN,
        "UNIONBOT_TELEGRAM__MODE": "webhook",
        "UNIONBOT_TELEGRAM__WEBHOOK_URL": "https://bot.example.org/telegram",
        "UNIONBOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
        "UNIONBOT_TELEGRAM__BASE_URL": fake.base_url,
        "UNIONBOT_TELEGRAM__BASE_FILE_URL": fake.base_file_url,
        "UNIONBOT_HTTP__PORT": str(port),
        # Flood limits off: replies share the bot-wide send limit (30/s by default).
        "UNIONBOT_BROADCAST__RATE_PER_SECOND": "1000",
        "UNIONBOT_BROADCAST__PAID": "true",
        "UNIONBOT_INBOUND__MEMBER_RATE": "1000",  # a benchmark member writes faster than a person
        "UNIONBOT_INBOUND__MEMBER_BURST": "1000",
        "UNIONBOT_PRIVACY__MASTER_KEY": BENCH_KEY,  # PostgreSQL needs a configured key
        "UNIONBOT_BOT__DATA_DIR": str(folder),
        "UNIONBOT_BOT__DEMO_DATA": "false",
        "UNIONBOT_CONFIG": str(folder / "none.toml"),
    }
    subprocess.run([UNIONBOT, "db", "upgrade"], env=env, check=True, capture_output=True)
    return Bot("unionbot", [UNIONBOT, "run"], env, port)


def echo_bot(fake: FakeTelegram) -> Bot:
    port = free_port()
    return Bot("PTB echo", [sys.executable, ECHO, TOKEN, fake.base_url, str(port)],
               dict(os.environ), port)


async def drive(http: aiohttp.ClientSession, bot: Bot, fake: FakeTelegram, updates: int,
                members: int, in_flight: int, ids: count[int]) -> Figures:
    """Post `updates` messages from `members` members, `in_flight` at a time."""
    bodies = []
    for n in range(updates):
        update = fake.message(20_000 + n % members, TEXTS[(n * 7 + n // members) % len(TEXTS)])
        bodies.append({"update_id": next(ids), **update})
    sent_before = Counter(s.chat_id for s in fake.sent)
    queue = iter(bodies)
    latencies: list[float] = []

    async def worker() -> None:
        for body in queue:
            started = time.perf_counter()
            async with http.post(bot.url, json=body, headers=SECRET_HEADER) as res:
                await res.read()
                if res.status != 200:
                    raise RuntimeError(f"{bot.name}: webhook answered {res.status}")
            latencies.append(time.perf_counter() - started)

    cpu, started = cpu_seconds(bot.process.pid), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    seconds = time.perf_counter() - started
    cpu = cpu_seconds(bot.process.pid) - cpu
    await asyncio.sleep(0.2)
    received = Counter(s.chat_id for s in fake.sent) - sent_before
    wanted = Counter(str(b["message"]["chat"]["id"]) for b in bodies)
    unanswered = sum(max(0, n - received[chat]) for chat, n in wanted.items())
    return Figures(updates, seconds, latencies, cpu, unanswered)


async def warm_up(http: aiohttp.ClientSession, bot: Bot, fake: FakeTelegram,
                  ids: count[int]) -> None:
    await drive(http, bot, fake, 100, 50, 4, ids)


def line(name: str, f: Figures, echo: Figures | None) -> str:
    ratio = f"{f.rate / echo.rate:.2f}x echo" if echo is not None else ""
    return (f"    {name:9} {f.rate:6.0f} updates/s {ratio:>10}  p50 {f.pct(0.5):6.1f} ms  "
            f"p99 {f.pct(0.99):7.1f} ms  CPU {1000 * f.cpu / f.updates:5.2f} ms/update  "
            f"unanswered {f.unanswered}")


async def bench_database(label: str, url: str, folder: Path, args: argparse.Namespace) -> None:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    ids = count(1)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:
        ours = unionbot(fake, url, folder)  # migrates first: that blocks this event loop
        bots = [echo_bot(fake), ours]
        for bot in bots:
            await bot.ready(http)
            await warm_up(http, bot, fake, ids)
        print(f"{label}: {args.updates} updates from {args.members} members, webhook")
        for in_flight in args.in_flight:
            runs: dict[str, list[Figures]] = {bot.name: [] for bot in bots}
            for _ in range(args.rounds):
                for bot in bots:
                    runs[bot.name].append(await drive(http, bot, fake, args.updates,
                                                      args.members, in_flight, ids))
            echo = _merge(runs["PTB echo"])
            print(f"  {in_flight} in flight ({args.rounds} alternated rounds):")
            print(line("PTB echo", echo, None))
            print(line("unionbot", _merge(runs["unionbot"]), echo))
        rss = [bot.stop() for bot in bots]
        print(f"  peak RSS: PTB echo {rss[0]:.0f} MB, unionbot {rss[1]:.0f} MB")
    await fake.stop()


def _merge(runs: list[Figures]) -> Figures:
    return Figures(sum(r.updates for r in runs), sum(r.seconds for r in runs),
                   [x for r in runs for x in r.latencies], sum(r.cpu for r in runs),
                   sum(r.unanswered for r in runs))


async def postgres_database() -> tuple[str, str] | None:
    """A throwaway database on the local PostgreSQL, or None when there is none."""
    try:
        import asyncpg
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    except Exception:  # no server, no driver, no rights: the run skips PostgreSQL
        return None
    name = f"unionbot_bench_{os.getpid()}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def drop_postgres(name: str) -> None:
    import asyncpg
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def run(args: argparse.Namespace) -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in args.databases:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await bench_database("SQLite", url, Path(folder), args)
        pg = await postgres_database() if "postgresql" in args.databases else None
        if pg is not None:
            try:
                await bench_database("PostgreSQL", pg[1], Path(folder), args)
            finally:
                await drop_postgres(pg[0])
        elif "postgresql" in args.databases:
            print(f"PostgreSQL: not reachable at {PG_ADMIN}; skipped")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
