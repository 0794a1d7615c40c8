"""The yardstick for bench/pipeline.py: a bare python-telegram-bot 22 echo bot behind a webhook.

    python bench/echo_bot.py TOKEN BASE_URL PORT

The cheapest thing that answers a Telegram message in Python: PTB's Application with its default
(httpx) transport, one MessageHandler that echoes, and an aiohttp server that answers the webhook
POST once the echo was sent (as unionbot does).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text:
        await update.message.reply_text(update.message.text)


async def serve(token: str, base_url: str, port: int) -> None:
    application = (Application.builder().token(token).base_url(base_url)
                   .job_queue(None).updater(None).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: web.Request) -> web.Response:
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        return web.Response()

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/telegram", webhook)
    app.router.add_get("/healthz", health)
    runner = web.AppRunner(app)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await stop.wait()
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2], int(sys.argv[3])))
