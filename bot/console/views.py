"""Helpers every console page uses: the reader's translator, form values, Jinja filters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.console.deps import ConsoleDeps, deps_of
from bot.i18n import Translator
from handlers.claims.common import yuan


async def translator(request: web.Request) -> Translator:
    deps = deps_of(request)
    language = (await get_session(request)).get("lang")
    return deps.services.catalogs.get(str(language or deps.services.settings.bot.default_language))


async def flash(request: web.Request, message: str) -> None:
    """A one-time note shown on the next page (the result of a form)."""
    if message:
        (await get_session(request))["flash"] = message[:500]


def field(form: Mapping[str, object], name: str, limit: int = 4096) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def int_arg(request: web.Request, name: str) -> int:
    value = request.match_info.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise web.HTTPNotFound()
    return int(value)


def mask_phone(phone: str) -> str:
    """13800001234 -> 138****1234."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def mask_name(name: str) -> str:
    """王芳 -> 王*; Li Lei -> L*****."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def register_filters(env: jinja2.Environment, deps: ConsoleDeps) -> None:
    zone = deps.services.settings.zone

    def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else value.astimezone(zone).strftime(fmt)

    env.filters.update({"local": local, "yuan": yuan, "mask_phone": mask_phone,
                        "mask_name": mask_name})
