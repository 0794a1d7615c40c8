"""The composition root: builds engine, catalogs, answerer, dispatcher and channels from
settings, and runs them on one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from bot.answering.live import ReloadableAnswerer
from bot.channels.base import Outbound
from bot.channels.mydata_link import MyDataLinks
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_sender import TelegramSender, build_sender
from bot.channels.terminal import TerminalChannel
from bot.channels.wechat import WeChatApi, WeChatChannel, WeChatSender
from bot.channels.wechat.broadcast import WeChatMassBroadcaster
from bot.channels.wechat.tokens import DbTokenStore
from bot.cli_kb import PID_FILE
from bot.config import Settings
from bot.context import Services
from bot.delivery.engine import DeliveryEngine
from bot.delivery.quiet import QuietHours
from bot.delivery.reminders import ReminderSource
from bot.delivery.report import make_reporter
from bot.delivery.scheduler import Scheduler
from bot.delivery.sender import BulkSender, Sender
from bot.delivery.sources import default_sources
from bot.dispatcher import Dispatcher
from bot.heap import freeze, refreeze, thaw
from bot.housekeeping import Housekeeping
from bot.i18n import Catalogs
from bot.leases import Lease
from bot.logsafe import PathOnlyAccessLogger, install_redaction
from bot.metrics import LEADER, MetricsRefresher, exposition
from bot.pending import UnsentSweeper, resend_unsent
from bot.privacy.keys import activate, check_document_keys, check_keys
from bot.process_lock import hold_sqlite_lock, release
from bot.shared import SharedState
from handlers import all_routes
from models.base import utcnow
from models.checkpoints import Checkpoints
from models.db import Sessions, make_engine
from models.outbox import set_reachable
from models.stats import count_claims_by_status, count_queued_by_channel

log = logging.getLogger(__name__)


class App:
    def __init__(
        self, settings: Settings, clock: Callable[[], datetime] = utcnow,
        reminder_sources: Sequence[ReminderSource] | None = None,
    ) -> None:
        self.settings = settings
        install_redaction(_secrets(settings))
        self.keyring = activate(settings)
        self.clock = clock
        self.sessions = Sessions(make_engine(settings.database.url, checkpoint_apart=True))
        self.checkpoints = _checkpoints(self.sessions)
        self.catalogs = Catalogs(settings.bot.locales_dir)
        self.answerer = ReloadableAnswerer(settings.bot.knowledge_dir,
                                           settings.bot.data_dir / "cache")
        self.services = Services(settings=settings, catalogs=self.catalogs,
                                 answerer=self.answerer)
        self.dispatcher = Dispatcher(all_routes(), self.services, self.sessions, clock)
        self.outbound = Outbound()
        self.shared = SharedState.connect(settings.redis)
        self.telegram: TelegramChannel | None = None
        senders: dict[str, Sender] = {}
        bulk: dict[str, BulkSender] = {}
        self.telegram_sender: TelegramSender | None = None
        if settings.telegram.token:
            self.telegram_sender = build_sender(settings.telegram, settings.broadcast,
                                                self.shared)
            senders["telegram"] = self.telegram_sender
            self.telegram = TelegramChannel(settings.telegram, self.dispatcher, self.outbound,
                                            reachability=self.set_reachable,
                                            limiter=self.telegram_sender.limiter)
            self.outbound.add(self.telegram)
        self.wechat: WeChatChannel | None = None
        if settings.wechat.enabled:
            wechat = settings.wechat
            api = WeChatApi(wechat.app_id, wechat.app_secret, wechat.api_base_url,
                            store=DbTokenStore(self.sessions, wechat.app_id))
            self.wechat = WeChatChannel(wechat, self.dispatcher, self.outbound, api)
            self.outbound.add(self.wechat)
            senders["wechat"] = WeChatSender(api, self.sessions, wechat, catalogs=self.catalogs,
                                             clock=clock)
            bulk["wechat"] = WeChatMassBroadcaster(api, self.sessions, clock=clock,
                                                   per_month=wechat.mass_per_month,
                                                   zone=settings.zone)
        rate = settings.broadcast.rate_per_second
        self.delivery = DeliveryEngine(
            self.sessions, senders, rate=rate, clock=clock,
            quiet=QuietHours.parse(settings.broadcast.quiet_hours, settings.zone),
            reporter=make_reporter(self.catalogs), max_attempts=settings.broadcast.max_attempts,
            lease=timedelta(seconds=settings.broadcast.lease_seconds), bulk=bulk,
        )
        self.dispatcher.on_notices = self.delivery.wake
        if reminder_sources is None:
            reminder_sources = default_sources(settings.broadcast, settings.zone)
        self.scheduler = Scheduler(self.sessions, self.delivery, settings.broadcast,
                                   settings.zone, self.catalogs, reminder_sources, clock,
                                   chores=[Housekeeping(self.sessions, settings.bot.data_dir,
                                                       settings.privacy).run],
                                   unsent=UnsentSweeper(self.sessions, self.outbound, clock=clock)
                                   if self.shared is not None else None)
        ttl = settings.redis.lease_seconds
        self.scheduler_lease = Lease(self.shared, "scheduler", ttl=ttl,
                                     on_gain=self._lead_scheduler, on_loss=self._stop_scheduler)
        self.poller_lease: Lease | None = None
        if self.telegram is not None and settings.telegram.mode == "polling":
            telegram = self.telegram
            self.poller_lease = Lease(self.shared, "telegram-poller", ttl=ttl,
                                      on_gain=lambda: _led(telegram.start_polling, "poller", 1),
                                      on_loss=lambda: _led(telegram.stop_polling, "poller", 0))
        self.metrics = MetricsRefresher(self._snapshot, settings.metrics.refresh_seconds)
        self._runner: web.AppRunner | None = None
        self._lock: IO[str] | None = None
        self.http_port: int | None = None

    async def _lead_scheduler(self) -> None:
        self.scheduler.start()
        LEADER.labels("scheduler").set(1)

    async def _stop_scheduler(self) -> None:
        self.scheduler.stop()
        LEADER.labels("scheduler").set(0)

    async def _snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        async with self.sessions.begin() as session:
            return (await count_queued_by_channel(session),
                    await count_claims_by_status(session))

    async def set_reachable(self, channel: str, user_id: str, reachable: bool) -> None:
        """The platform says a member blocked the bot (or came back)."""
        async with self.sessions.begin() as session:
            await set_reachable(session, channel=channel, external_id=user_id,
                                reachable=reachable)

    @property
    def serves_platforms(self) -> bool:
        return self.telegram is not None or self.wechat is not None \
            or self.settings.console.enabled

    def http_app(self) -> web.Application:
        """The aiohttp server for webhooks: Telegram's and WeChat's paths, and a health check."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/healthz", self.health)
        app.router.add_routes(MyDataLinks(self.sessions, self.keyring, self.settings.bot.data_dir,
                                          lambda: self.dispatcher.clock()).routes())
        app.router.add_get("/readyz", self.ready)
        if self.settings.metrics.enabled:
            app.router.add_get(self.settings.metrics.path, _metrics)
        if self.settings.console.enabled:
            app.add_subapp("/console", self._console())
            app.router.add_get("/console", _to_console)
        if self.telegram is not None and self.settings.telegram.mode == "webhook":
            app.router.add_post(self.settings.http.telegram_path, self.telegram.handle_webhook)
        if self.wechat is not None:
            app.router.add_routes(self.wechat.routes())
        return app

    def http_runner(self) -> web.AppRunner:
        """The server; its access log writes the path without the query string (openid,
        signature, msg_signature)."""
        return web.AppRunner(self.http_app(), access_log_class=PathOnlyAccessLogger)

    async def check_keys(self) -> None:
        """ConfigError when the data on file was sealed under a key we were not given."""
        await asyncio.to_thread(check_document_keys, self.settings.bot.data_dir, self.keyring)
        try:
            async with self.sessions.begin() as session:
                await check_keys(session, self.keyring)
        except DBAPIError:
            log.warning("privacy: the database has no tables yet (run: unionbot db upgrade)")

    async def ready(self, _request: web.Request) -> web.Response:
        """Ready to serve: the database answers, Redis answers (when configured), and this
        process's Telegram poller runs when it holds the poller lease."""
        checks: dict[str, bool] = {"database": await self.sessions.ping()}
        if self.shared is not None:
            checks["redis"] = await self.shared.ping()
        if self.poller_lease is not None and self.telegram is not None:
            checks["telegram"] = not self.poller_lease.held or self.telegram.polling
        ok = all(checks.values())
        return web.json_response({"ok": ok, **checks}, status=200 if ok else 503)

    def _console(self) -> web.Application:
        from bot.console import console_app
        from bot.console.deps import ConsoleDeps

        return console_app(ConsoleDeps(self.sessions, self.services, self.delivery.wake,
                                       self.clock))

    async def start(self) -> None:
        self._lock = hold_sqlite_lock(self.settings.database.url)
        await self.check_keys()
        if (self.serves_platforms or self.settings.http.always
                or self.settings.console.enabled):  # webhooks, /healthz, /metrics, /console
            self._runner = self.http_runner()
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.http.host, self.settings.http.port,
                               reuse_port=self.settings.http.reuse_port or None)
            await site.start()
            server = site._server  # the bound port, when the config asks for port 0
            sockets = getattr(server, "sockets", None) or []
            self.http_port = sockets[0].getsockname()[1] if sockets else self.settings.http.port
            log.info("http: listening on %s:%s", self.settings.http.host, self.http_port)
        if self.wechat is not None:
            log.info("wechat: callback at %s (%s mode)", self.settings.wechat.path,
                     self.settings.wechat.mode)
        if self.telegram is not None:
            await self.telegram.start(poll=False)
        if self.poller_lease is not None:
            await self.poller_lease.start()
        if self.telegram_sender is not None:
            await self.telegram_sender.start()
        self.dispatcher.confirmations.start()
        if self.checkpoints is not None:
            self.checkpoints.start()
        if self.shared is None:  # alone; with others, the scheduler leader sends them
            await resend_unsent(self.sessions, self.outbound, now=self.dispatcher.clock())
        await self.delivery.start()
        await self.scheduler_lease.start()
        if self.settings.metrics.enabled:
            self.metrics.start()

    async def stop(self) -> None:
        await self.metrics.stop()
        await self.scheduler_lease.stop()
        if self.poller_lease is not None:
            await self.poller_lease.stop()
        await self.delivery.stop()
        if self.telegram_sender is not None:
            await self.telegram_sender.stop()
        if self.telegram is not None:
            await self.telegram.stop()
        if self.wechat is not None:
            await self.wechat.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.dispatcher.confirmations.close()
        if self.checkpoints is not None:
            await self.checkpoints.stop()
        await self.sessions.dispose()
        if self.shared is not None:
            await self.shared.close()
        release(self._lock)
        self._lock = None

    async def reload_knowledge(self) -> list[str]:
        """Train on the knowledge files again (off the event loop); [] when the new knowledge
        base answers, else its errors and the previous one keeps answering."""
        errors = await asyncio.to_thread(self.answerer.reload)
        if not errors:
            refreeze()
        return errors

    async def serve(self) -> None:
        """Run the configured channels until SIGINT or SIGTERM; SIGHUP reloads the knowledge
        base (`unionbot kb reload` sends it to the pid in data_dir/unionbot.pid)."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        reloads: set[asyncio.Task[list[str]]] = set()

        def on_hangup() -> None:
            task = loop.create_task(self.reload_knowledge())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        loop.add_signal_handler(signal.SIGHUP, on_hangup)
        pid_path = self.settings.bot.data_dir / PID_FILE
        await self.start()
        freeze()
        try:
            pid_path.parent.mkdir(parents=True, exist_ok=True)
            pid_path.write_text(f"{os.getpid()}\n")
            await stop.wait()
        finally:
            pid_path.unlink(missing_ok=True)
            await self.stop()
            thaw()

    async def chat(self) -> None:
        """The terminal chat, on this process's stdin and stdout."""
        terminal = TerminalChannel(
            self.dispatcher, self.outbound, language=self.settings.bot.default_language,
            save_dir=self.settings.bot.data_dir / "exports",
        )
        self.outbound.add(terminal)
        self._lock = hold_sqlite_lock(self.settings.database.url)
        if self.checkpoints is not None:
            self.checkpoints.start()
        try:
            await self.check_keys()
            await terminal.run()
        finally:
            if self.checkpoints is not None:
                await self.checkpoints.stop()
            await self.sessions.dispose()
            release(self._lock)


    async def health(self, _request: web.Request) -> web.Response:
        """Each channel's real state; 503 when one is down (a dead or stuck poller)."""
        channels: dict[str, dict[str, object]] = {}
        if self.telegram is not None:
            channels["telegram"] = self.telegram.health()
        if self.wechat is not None:
            channels["wechat"] = {"mode": "webhook", "ok": True}
        ok = all(state["ok"] for state in channels.values())
        return web.json_response({"ok": ok, "channels": channels}, status=200 if ok else 503)


def _checkpoints(sessions: Sessions) -> Checkpoints | None:
    """The WAL's checkpoints for a SQLite file (models/checkpoints.py), else None."""
    url = sessions.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Checkpoints(sessions, Path(url.database))


def _secrets(settings: Settings) -> list[str]:
    """Values that must never reach a log line."""
    telegram, wechat = settings.telegram, settings.wechat
    return [telegram.token, telegram.token.partition(":")[2], telegram.webhook_secret,
            wechat.app_secret, wechat.token, wechat.encoding_aes_key,
            wechat.previous_encoding_aes_key]


async def _metrics(_request: web.Request) -> web.Response:
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _led(step: Callable[[], Awaitable[None]], role: str, value: int) -> None:
    await step()
    LEADER.labels(role).set(value)


async def _to_console(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/")
