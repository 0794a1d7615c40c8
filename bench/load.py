"""Benchmark: several `unionbot run` processes on PostgreSQL and Redis behind one address.

The processes share one port (SO_REUSEPORT, `[http] reuse_port`) in webhook mode; the fake Bot
API runs in its own process and counts every message in every 1-second window. Scenarios:

- limits: 3 processes send a broadcast of 20,000 at a 1,000/s limit, then 600 at 30/s: the
  busiest 1-second window, 429 answers, each member once.
- kill: 3 processes, a broadcast and a burst of member messages; `kill -9` of one process,
  then of the scheduler leader; a broadcast scheduled after the second kill must fire once.
  The answers a killed process left unsent come from a survivor a minute later: waited for.
- throughput: member messages answered per second by 1 and by 2 processes (16 in flight),
  then the p99 answer time at 70% of the 2-process rate.

    python bench/load.py [limits|kill|throughput|all] [--scale 1.0] [--logs DIR]

Needs PostgreSQL (UNIONBOT_BENCH_DATABASE_URL, default the local `test` database: a database
of its own is created and dropped) and Redis (UNIONBOT_BENCH_REDIS_URL).
"""


from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from common import TOKEN, seed
from redis import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.pending import SWEEP_GRACE
from tests.support.fakes.telegram_api import FakeTelegram

UNIONBOT = str(Path(sys.executable).parent / "unionbot")
PG_URL = os.environ.get("UNIONBOT_BENCH_DATABASE_URL",
                        "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("UNIONBOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "load-bench-secret"
LEASE = 3  # seconds: how long a dead process holds its roles
BENCH_KEY = base64.b64encode(b"unionbot load benchmark key 32by").decode()


# -- the fake Bot API, in a process of its own ---------------------------------------------

def _fake_main(rate_limit: int, ports: Any, pipe: Any) -> None:
    async def run() -> None:
        fake = FakeTelegram(TOKEN)
        fake.rate_limit = rate_limit
        fake.per_chat_interval = 1.0
        await fake.start()
        ports.put(fake.port)
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command == "stop":
                break
            pipe.send({"sent": [(s.chat_id, s.text, s.at) for s in fake.sent],
                       "too_many": fake.too_many})
        await fake.stop()

    asyncio.run(run())


class Fake:
    def __init__(self, rate_limit: int) -> None:
        context = mp.get_context("spawn")
        ports = context.Queue()
        self._pipe, child = context.Pipe()
        self.process = context.Process(target=_fake_main, args=(rate_limit, ports, child))
        self.process.start()
        self.port = int(ports.get(timeout=30))

    def figures(self) -> dict[str, Any]:
        self._pipe.send("report")
        figures: dict[str, Any] = self._pipe.recv()
        return figures

    def count(self, text: str) -> int:
        return sum(1 for _chat, sent, _at in self.figures()["sent"] if sent == text)

    def stop(self) -> None:
        self._pipe.send("stop")
        self.process.join(10)


# -- the bot processes ----------------------------------------------------------------------

class Bots:
    """`unionbot run` processes sharing one port, one database and one Redis prefix."""

    def __init__(self, folder: Path, database: str, fake_port: int, rate: int) -> None:
        self.folder = folder
        self.port = _free_port()
        self.prefix = f"unionbot-load-{uuid.uuid4().hex[:8]}"
        (folder / "none.toml").write_text("", encoding="utf-8")
        self.env = {
            **os.environ,
            "UNIONBOT_CONFIG": str(folder / "none.toml"),
            "UNIONBOT_DATABASE__URL": database,
            "UNIONBOT_REDIS__URL": REDIS_URL,
            "UNIONBOT_REDIS__PREFIX": self.prefix,
            "UNIONBOT_REDIS__LEASE_SECONDS": str(LEASE),
            "UNIONBOT_TELEGRAM__TOKEN": TOKEN,
            "UNIONBOT_TELEGRAM__BASE_URL": f"http://127.0.0.1:{fake_port}/bot",
            "UNIONBOT_TELEGRAM__BASE_FILE_URL": f"http://127.0.0.1:{fake_port}/file/bot",
            "UNIONBOT_TELEGRAM__MODE": "webhook",
            "UNIONBOT_TELEGRAM__WEBHOOK_URL": "https://bot.example.org/telegram",
            "UNIONBOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
            "UNIONBOT_HTTP__PORT": str(self.port),
            "UNIONBOT_HTTP__REUSE_PORT": "true",
            "UNIONBOT_BROADCAST__QUIET_HOURS": "",
            "UNIONBOT_BROADCAST__RATE_PER_SECOND": str(rate),
            "UNIONBOT_BROADCAST__PAID": "true" if rate > 30 else "false",
            "UNIONBOT_BROADCAST__LEASE_SECONDS": "5",
            "UNIONBOT_BOT__DATA_DIR": str(folder),
            "UNIONBOT_LOG__LEVEL": "WARNING",
            # PostgreSQL needs a configured master key (documents and columns are sealed).
            "UNIONBOT_PRIVACY__MASTER_KEY": BENCH_KEY,
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        for index in range(count):
            log = (self.folder / f"bot-{len(self.processes)}.log").open("wb")
            self.processes.append(subprocess.Popen(
                [UNIONBOT, "run"], env=self.env,
                stdout=subprocess.DEVNULL, stderr=log))
            _wait_for_port(self.port, self.processes[-1], index)
        time.sleep(1.0)

    def cli(self, *args: str) -> str:
        return subprocess.run([UNIONBOT, *args], env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def leader_pid(self) -> int:
        holder = Redis.from_url(REDIS_URL).get(f"{self.prefix}:lease:scheduler")
        return int(holder.decode().split(":")[1]) if holder else 0

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            if process.pid == pid:
                process.wait()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis = Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(f"{self.prefix}:*"):
            redis.delete(key)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], index: int) -> None:
    """Wait until this process listens: with SO_REUSEPORT the port answers as soon as the
    first does, so also give each later process time to finish starting."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a bot process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if index == 0:
                    return
                break
        except OSError:
            time.sleep(0.2)
    time.sleep(4.0)


@contextmanager
def database() -> Iterator[str]:
    name = f"unionbot_load_{uuid.uuid4().hex[:8]}"
    admin = make_url(PG_URL)

    async def execute(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
        await engine.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- member messages through the webhook ----------------------------------------------------

class Members:
    """Posts updates as Telegram does: a new connection each, retried until answered 200."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/telegram"
        self.maker = FakeTelegram(TOKEN)
        self.latencies: list[float] = []
        self.retries = 0

    def update(self, user_id: int, text: str) -> dict[str, Any]:
        return self.maker.make_update(self.maker.message(user_id, text))

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        started = time.monotonic()
        while True:
            try:
                async with http.post(self.url, json=update, headers={
                        "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                    if response.status == 200:
                        self.latencies.append(time.monotonic() - started)
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            self.retries += 1
            await asyncio.sleep(0.5)

    async def closed_loop(self, updates: list[dict[str, Any]], in_flight: int) -> float:
        queue = list(reversed(updates))
        started = time.monotonic()
        async with _client() as http:
            async def worker() -> None:
                while queue:
                    await self.post(http, queue.pop())
            await asyncio.gather(*(worker() for _ in range(in_flight)))
        return time.monotonic() - started

    async def open_loop(self, updates: list[dict[str, Any]], rate: float) -> float:
        started = time.monotonic()
        async with _client() as http:
            tasks = []
            for index, update in enumerate(updates):
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self.post(http, update)))
            await asyncio.gather(*tasks)
        return time.monotonic() - started


def _client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True, limit=0),
        timeout=aiohttp.ClientTimeout(total=30))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def busiest_window(times: list[float]) -> int:
    times = sorted(times)
    busiest, low = 0, 0
    for high, at in enumerate(times):
        while at - times[low] >= 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return busiest


# -- the scenarios --------------------------------------------------------------------------

def wait_for_text(fake: Fake, text: str, expected: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while fake.count(text) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2.0)  # anything sent twice arrives too


def _questions(updates: list[dict[str, Any]]) -> Counter[str]:
    return Counter(str(u["message"]["chat"]["id"]) for u in updates)


def _unanswered(sent: list[tuple[str, str, float]], updates: list[dict[str, Any]]) -> int:
    answers = Counter(chat for chat, body, _at in sent
                      if body not in ("工会通知 kill", "定时通知"))
    return sum(max(0, n - answers.get(chat, 0)) for chat, n in _questions(updates).items())


def wait_for_answers(fake: Fake, updates: list[dict[str, Any]], until: float) -> None:
    while _unanswered(fake.figures()["sent"], updates) and time.time() < until:
        time.sleep(1.0)
    time.sleep(2.0)  # anything sent twice arrives too


def limits(scale: float, processes: int = 3) -> None:
    for recipients, rate in ((int(20_000 * scale), 1000), (int(600 * scale), 30)):
        with tempfile.TemporaryDirectory() as folder, database() as url:
            asyncio.run(seed(url, recipients))
            fake = Fake(rate)
            bots = Bots(Path(folder), url, fake.port, rate)
            try:
                bots.start(processes)
                text = f"工会通知 {rate}/s"
                bots.cli("broadcast", "send", "--text", text, "--urgent")
                wait_for_text(fake, text, recipients, recipients / rate * 3 + 60)
                figures = fake.figures()
            finally:
                bots.stop()
                fake.stop()
        sent = [(chat, at) for chat, body, at in figures["sent"] if body == text]
        copies = Counter(chat for chat, _at in sent)
        span = max(at for _c, at in sent) - min(at for _c, at in sent)
        print(f"limits: {processes} processes, {recipients} recipients at a limit of {rate}/s")
        print(f"  received {len(sent)} ({len(copies)} members, at most "
              f"{max(copies.values())} each); first to last {span:.1f} s, "
              f"{len(sent) / span:.0f}/s")
        print(f"  busiest 1-second window: {busiest_window([at for _c, at in sent])} "
              f"(limit {rate}); 429 answers: {figures['too_many']}")


def kill(scale: float, logs: Path | None = None) -> None:
    recipients, rate = int(6_000 * scale), 200
    chatters, per_chatter = int(300 * scale), 4
    with tempfile.TemporaryDirectory() as folder, database() as url:
        asyncio.run(seed(url, recipients))
        fake = Fake(rate)
        bots = Bots(Path(folder), url, fake.port, rate)
        members = Members(bots.port)
        try:
            bots.start(3)
            bots.cli("broadcast", "send", "--text", "工会通知 kill", "--urgent")
            at = time.time() + 25
            bots.cli("broadcast", "send", "--text", "定时通知", "--urgent", "--at",
                     time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(at)))
            updates = [members.update(900_000 + i % chatters, "京卡怎么办理")
                       for i in range(chatters * per_chatter)]
            killed: list[str] = []
            killed_at = time.time()

            async def burst_and_kills() -> None:
                async def kills() -> None:
                    await asyncio.sleep(6)
                    leader = bots.leader_pid()
                    victim = next(p.pid for p in bots.processes if p.pid != leader)
                    bots.kill(victim)
                    killed.append(f"pid {victim} (not leading) at 6 s")
                    await asyncio.sleep(8)
                    leader = bots.leader_pid()
                    bots.kill(leader)
                    nonlocal killed_at
                    killed_at = time.time()
                    killed.append(f"pid {leader} (scheduler leader) at 14 s")
                await asyncio.gather(members.open_loop(updates, len(updates) / 30), kills())

            asyncio.run(burst_and_kills())
            wait_for_text(fake, "工会通知 kill", recipients, recipients / rate * 3 + 90)
            wait_for_text(fake, "定时通知", recipients + chatters, max(0, at - time.time()) + 60)
            # A reply a killed process left unsent goes out once it is older than any live
            # process takes to send one (bot/pending.py, SWEEP_GRACE): wait for that too.
            wait_for_answers(fake, updates, killed_at + SWEEP_GRACE.total_seconds() + 30)
            figures = fake.figures()
            status = bots.cli("broadcast", "status", "2")
            if logs is not None:  # the processes' warnings, to read after the figures
                logs.mkdir(parents=True, exist_ok=True)
                for log in Path(folder).glob("bot-*.log"):
                    (logs / log.name).write_bytes(log.read_bytes())
        finally:
            bots.stop()
            fake.stop()
    sent = figures["sent"]
    bulk = Counter(chat for chat, body, _at in sent if body == "工会通知 kill")
    timed = Counter(chat for chat, body, _at in sent if body == "定时通知")
    answers = Counter(chat for chat, body, _at in sent
                      if body not in ("工会通知 kill", "定时通知"))
    asked = _questions(updates)
    unanswered = _unanswered(sent, updates)
    extra = sum(max(0, answers.get(chat, 0) - n) for chat, n in asked.items())
    print(f"kill: 3 processes, broadcast of {recipients} at {rate}/s, {len(updates)} member "
          f"messages at 30/s; killed {'; '.join(killed)}")
    print(f"  member messages unanswered: {unanswered}; answered twice: {extra}; "
          f"webhook retries (as Telegram retries): {members.retries}")
    print(f"  broadcast: missed {recipients - len(bulk)}, duplicates "
          f"{sum(n - 1 for n in bulk.values())}")
    print(f"  scheduled broadcast (fires 11 s after the leader's kill): reached {len(timed)}, "
          f"duplicates {sum(n - 1 for n in timed.values())}; status: {status}")
    for text in ("工会通知 kill", "定时通知"):  # when the copies went: a lease, a retry?
        times: dict[str, list[float]] = {}
        for chat, body, at in sent:
            if body == text:
                times.setdefault(chat, []).append(at)
        twice = [copies for copies in times.values() if len(copies) > 1]
        if twice:
            first = min(min(copies) for copies in times.values())
            print(f"  {text}: first copy at (s: n) "
                  f"{sorted(Counter(round(c[0] - first) for c in twice).items())}, "
                  f"second after {sorted(Counter(round(c[1] - c[0]) for c in twice).items())}")


def throughput(scale: float) -> None:
    count = int(2_000 * scale)
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder, database() as url:
        asyncio.run(seed(url, 0))
        fake = Fake(1_000_000)
        try:
            for processes in (1, 2):
                (Path(folder) / str(processes)).mkdir()
                # Flood limits off (1,000/s): this measures answering, not Telegram's 30/s.
                bots = Bots(Path(folder) / str(processes), url, fake.port, 1000)
                members = Members(bots.port)
                members.maker._next_update = processes * 10_000_000
                try:
                    bots.start(processes)
                    warm = [members.update(800_000 + i, "你好") for i in range(100)]
                    asyncio.run(members.closed_loop(warm, 16))
                    members.latencies.clear()
                    updates = [members.update(700_000 + processes * 1000 + i % 500,
                                              "京卡怎么办理") for i in range(count)]
                    seconds = asyncio.run(members.closed_loop(updates, 16))
                    rates[processes] = count / seconds
                    print(f"throughput: {processes} process(es), {count} member messages from "
                          f"500 members, 16 in flight: {rates[processes]:.0f}/s, p50 "
                          f"{percentile(members.latencies, 0.5) * 1000:.0f} ms, p99 "
                          f"{percentile(members.latencies, 0.99) * 1000:.0f} ms")
                    if processes == 2:
                        members.latencies.clear()
                        paced = 0.7 * rates[2]
                        more = [members.update(600_000 + i % 500, "京卡怎么办理")
                                for i in range(count)]
                        asyncio.run(members.open_loop(more, paced))
                        print(f"  at 70% of that ({paced:.0f}/s, open loop): p50 "
                              f"{percentile(members.latencies, 0.5) * 1000:.0f} ms, p99 "
                              f"{percentile(members.latencies, 0.99) * 1000:.0f} ms")
                finally:
                    bots.stop()
        finally:
            fake.stop()
    print(f"  2 processes / 1 process: {rates[2] / rates[1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default="all",
                        choices=("limits", "kill", "throughput", "all"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the counts (0.1 for a quick look)")
    parser.add_argument("--logs", type=Path, default=None,
                        help="kill: copy the processes' logs (warnings) into this folder")
    args = parser.parse_args()
    if args.scenario in ("limits", "all"):
        limits(args.scale)
    if args.scenario in ("kill", "all"):
        kill(args.scale, args.logs)
    if args.scenario in ("throughput", "all"):
        throughput(args.scale)


if __name__ == "__main__":
    main()
