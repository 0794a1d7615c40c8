"""The composition root: builds engine, catalogs, answerer, dispatcher and channels from
settings, and runs them on one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from aiohttp import web

from bot.answering import load_answerer
from bot.channels.base import Outbound
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_sender import TelegramSender, build_sender
from bot.channels.terminal import TerminalChannel
from bot.channels.wechat import WeChatApi, WeChatChannel, WeChatSender
from bot.channels.wechat.tokens import DbTokenStore
from bot.config import Settings
from bot.context import Services
from bot.delivery.engine import DeliveryEngine
from bot.delivery.quiet import QuietHours
from bot.delivery.reminders import ReminderSource
from bot.delivery.report import make_reporter
from bot.delivery.scheduler import Scheduler
from bot.delivery.sender import Sender
from bot.delivery.sources import default_sources
from bot.dispatcher import Dispatcher
from bot.housekeeping import Housekeeping
from bot.i18n import Catalogs
from bot.pending import resend_unsent
from handlers import all_routes
from models.base import utcnow
from models.db import Sessions, make_engine
from models.outbox import set_reachable

log = logging.getLogger(__name__)


class App:
    def __init__(
        self, settings: Settings, clock: Callable[[], datetime] = utcnow,
        reminder_sources: Sequence[ReminderSource] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = Sessions(make_engine(settings.database.url))
        self.catalogs = Catalogs(settings.bot.locales_dir)
        self.services = Services(
            settings=settings,
            catalogs=self.catalogs,
            answerer=load_answerer(settings.bot.knowledge_dir),
        )
        self.dispatcher = Dispatcher(all_routes(), self.services, self.sessions, clock)
        self.outbound = Outbound()
        self.telegram: TelegramChannel | None = None
        senders: dict[str, Sender] = {}
        self.telegram_sender: TelegramSender | None = None
        if settings.telegram.token:
            self.telegram_sender = build_sender(settings.telegram, settings.broadcast)
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
        rate = settings.broadcast.rate_per_second
        self.delivery = DeliveryEngine(
            self.sessions, senders, rate=rate, clock=clock,
            quiet=QuietHours.parse(settings.broadcast.quiet_hours, settings.zone),
            reporter=make_reporter(self.catalogs), max_attempts=settings.broadcast.max_attempts,
            lease=timedelta(seconds=settings.broadcast.lease_seconds),
        )
        if reminder_sources is None:
            reminder_sources = default_sources(settings.broadcast, settings.zone)
        self.scheduler = Scheduler(self.sessions, self.delivery, settings.broadcast,
                                   settings.zone, self.catalogs, reminder_sources, clock,
                                   chores=[Housekeeping(self.sessions, settings.bot.data_dir).run])
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None

    async def set_reachable(self, channel: str, user_id: str, reachable: bool) -> None:
        """The platform says a member blocked the bot (or came back)."""
        async with self.sessions.begin() as session:
            await set_reachable(session, channel=channel, external_id=user_id,
                                reachable=reachable)

    @property
    def serves_platforms(self) -> bool:
        return self.telegram is not None or self.wechat is not None

    def http_app(self) -> web.Application:
        """The aiohttp server for webhooks: Telegram's and WeChat's paths, and a health check."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/healthz", _health)
        if self.telegram is not None and self.settings.telegram.mode == "webhook":
            app.router.add_post(self.settings.http.telegram_path, self.telegram.handle_webhook)
        if self.wechat is not None:
            app.router.add_routes(self.wechat.routes())
        return app

    async def start(self) -> None:
        telegram_webhook = self.telegram is not None and self.settings.telegram.mode == "webhook"
        if telegram_webhook or self.wechat is not None:
            self._runner = web.AppRunner(self.http_app())
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.http.host, self.settings.http.port)
            await site.start()
            server = site._server  # the bound port, when the config asks for port 0
            sockets = getattr(server, "sockets", None) or []
            self.http_port = sockets[0].getsockname()[1] if sockets else self.settings.http.port
            log.info("http: listening on %s:%s", self.settings.http.host, self.http_port)
        if self.wechat is not None:
            log.info("wechat: callback at %s (%s mode)", self.settings.wechat.path,
                     self.settings.wechat.mode)
        if self.telegram is not None:
            await self.telegram.start()
        if self.telegram_sender is not None:
            await self.telegram_sender.start()
        await resend_unsent(self.sessions, self.outbound, now=self.dispatcher.clock())
        await self.delivery.start()
        self.scheduler.start()

    async def stop(self) -> None:
        self.scheduler.stop()
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
        await self.sessions.dispose()

    async def serve(self) -> None:
        """Run the configured channels until SIGINT or SIGTERM."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    async def chat(self) -> None:
        """The terminal chat, on this process's stdin and stdout."""
        terminal = TerminalChannel(
            self.dispatcher, self.outbound, language=self.settings.bot.default_language
        )
        self.outbound.add(terminal)
        try:
            await terminal.run()
        finally:
            await self.sessions.dispose()


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
