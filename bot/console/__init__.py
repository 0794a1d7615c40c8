"""The staff web console at /console: server-rendered pages (aiohttp-jinja2, autoescaped) with
a vendored htmx for live parts; no front-end build, nothing loaded from elsewhere."""

from __future__ import annotations

import base64
import warnings
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.console import (
    auth,
    broadcasts,
    claims,
    conversations,
    dashboard,
    events,
    members,
    unanswered,
)
from bot.console.deps import DEPS, ConsoleDeps
from bot.console.views import register_filters

HERE = Path(__file__).resolve().parent


def console_app(deps: ConsoleDeps) -> web.Application:
    """The sub-application mounted at /console."""
    # aiohttp-session and aiohttp-jinja2 key the request with plain strings: harmless, noisy.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning,
                            module="aiohttp_(session|jinja2)")
    settings = deps.services.settings.console
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[DEPS] = deps
    setup_sessions(app, EncryptedCookieStorage(
        base64.urlsafe_b64decode(settings.secret_key), cookie_name="unionbot_console",
        path="/console", httponly=True, samesite="Lax",
        secure=settings.public_url.startswith("https://")))
    app.middlewares.append(auth.guard)
    env = aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        context_processors=[_page_context], undefined=jinja2.StrictUndefined)
    register_filters(env, deps)
    app.router.add_static("/static", HERE / "static", name="static")
    _routes(app)
    return app


def _routes(app: web.Application) -> None:
    add = app.router
    add.add_get("/login", auth.login_page, name="login")
    add.add_post("/login", auth.password_login)
    add.add_get("/link/{token}", auth.link_page, name="link")
    add.add_post("/link/{token}", auth.link_login)
    add.add_post("/logout", auth.logout)
    add.add_post("/logout-everywhere", auth.logout_everywhere)
    add.add_post("/language", auth.choose_language)
    add.add_get("/", dashboard.show)
    claims.add_routes(add)
    events.add_routes(add)
    broadcasts.add_routes(add)
    conversations.add_routes(add)
    unanswered.add_routes(add)
    members.add_routes(add)


async def _page_context(request: web.Request) -> dict[str, object]:
    """What every template may use: the translator, the CSRF token, the staff member."""
    deps = request.config_dict[DEPS]
    session = await get_session(request)
    language = session.get("lang") if session.get("lang") in ("zh_CN", "en") else \
        deps.services.settings.bot.default_language
    translator = deps.services.catalogs.get(str(language))
    return {"_": translator.gettext, "lang": translator.language,
            "flash": session.pop("flash", ""), "path": request.path_qs,
            "csrf": auth.csrf_token(session), "staff": request.get(auth.STAFF)}
