"""Signing in and out: a one-time link from the chat or a password; the session lives in an
encrypted, signed cookie; every form carries a CSRF token; idle sessions end."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.deps import ConsoleDeps, deps_of
from models.audit import record_audit
from models.console import failed_logins, find_login, redeem_link, staff_session_facts
from models.member import Member, Role

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5  # refused sign-ins per user name or address in the window
HASHER = PasswordHasher()
# Verifying against this keeps an unknown user name as slow as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in staff member, as pages see them."""

    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


STAFF = web.RequestKey("console_staff", Staff)


def staff_of(request: web.Request) -> Staff:
    staff = request.get(STAFF)
    if not isinstance(staff, Staff):
        raise web.HTTPFound("/console/login")
    return staff


def require_admin(request: web.Request) -> Staff:
    staff = staff_of(request)
    if not staff.is_admin:
        raise web.HTTPForbidden(text="admins only")
    return staff


async def audit(request: web.Request, action: str, target: str = "", *, allowed: bool = True,
                detail: str = "", session: AsyncSession | None = None) -> None:
    """One audit entry per console action, in the caller's transaction or a new one."""
    staff = request.get(STAFF)
    actor = staff.id if isinstance(staff, Staff) else None
    deps = deps_of(request)
    if session is not None:
        await record_audit(session, at=deps.clock(), actor_id=actor, action=action,
                           target=target, allowed=allowed, detail=detail)
        return
    async with deps.sessions.begin() as new:
        await record_audit(new, at=deps.clock(), actor_id=actor, action=action, target=target,
                           allowed=allowed, detail=detail)


def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def _csrf_ok(request: web.Request, session: Session) -> bool:
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent and request.content_type in ("application/x-www-form-urlencoded",
                                             "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf", "")
        sent = value if isinstance(value, str) else ""
    return isinstance(expected, str) and bool(sent) and hmac.compare_digest(expected, sent)


async def _signed_in(deps: ConsoleDeps, session: Session, now: datetime,
                     idle: timedelta) -> Staff | None:
    staff_id, started, seen = (session.get(key) for key in ("staff_id", "started", "seen"))
    if not (isinstance(staff_id, int) and isinstance(started, float)
            and isinstance(seen, float)):
        return None
    if now.timestamp() - seen > idle.total_seconds():
        return None
    async with deps.sessions.begin() as db:
        found = await staff_session_facts(db, staff_id)
    if found is None or found.role not in (Role.STAFF.value, Role.ADMIN.value):
        return None
    if found.signed_out_at is not None and found.signed_out_at.timestamp() >= started:
        return None
    return Staff(staff_id, found.name or f"#{staff_id}", found.role)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but sign-in needs a live staff session; every POST a valid CSRF token."""
    deps = deps_of(request)
    session = await get_session(request)
    public = request.match_info.route.name == "static" or \
        request.match_info.handler in PUBLIC
    now = deps.clock()
    idle = timedelta(minutes=deps.services.settings.console.idle_minutes)
    staff = await _signed_in(deps, session, now, idle)
    if staff is not None:
        request[STAFF] = staff
        session["seen"] = now.timestamp()
    elif not public:
        if "staff_id" in session:
            session.invalidate()
        if request.headers.get("HX-Request"):
            return web.Response(status=401, headers={"HX-Redirect": "/console/login"})
        raise web.HTTPFound("/console/login")
    if request.method == "POST" and not await _csrf_ok(request, session):
        await audit(request, "console.csrf", request.path, allowed=False,
                    detail="missing or wrong CSRF token")
        raise web.HTTPForbidden(text="The form has expired. Reload the page and try again.")
    return await handler(request)


async def start_session(request: web.Request, member: Member) -> web.Response:
    """A fresh session (a new cookie, a new CSRF token) for a staff member who signed in."""
    deps = deps_of(request)
    session = await new_session(request)
    now = deps.clock().timestamp()
    session.update({"staff_id": member.id, "started": now, "seen": now,
                    "lang": member.language, "csrf": secrets.token_urlsafe(32)})
    raise web.HTTPSeeOther("/console/")


def client_address(request: web.Request) -> str:
    return f"ip:{request.remote or '-'}"


@aiohttp_jinja2.template("login.html")
async def login_page(request: web.Request) -> dict[str, object]:
    return {"error": ""}


async def password_login(request: web.Request) -> web.StreamResponse:
    """User name and password; refused attempts are audited and throttle further tries."""
    deps = deps_of(request)
    form = await request.post()
    username = str(form.get("username", ""))[:64].strip()
    password = str(form.get("password", ""))[:256]
    now = deps.clock()
    keys = (f"user:{username}", client_address(request))
    async with deps.sessions.begin() as db:
        for key in keys:
            if await failed_logins(db, key, since=now - THROTTLE_WINDOW) >= THROTTLE_LIMIT:
                return _login_error(request, "Too many attempts. Wait 15 minutes and try again.",
                                    status=429)
        login = await find_login(db, username) if username else None
        member = await _check_password(db, login.member_id if login else None,
                                       login.password_hash if login else None, password)
        if member is None:
            for key in keys:
                await record_audit(db, at=now, actor_id=None, action="console.login",
                                   target=key, allowed=False, detail="wrong user name or password")
        else:
            await record_audit(db, at=now, actor_id=member.id, action="console.login",
                               target=f"user:{username}", detail="password")
    if member is None:
        return _login_error(request, "Wrong user name or password.", status=401)
    return await start_session(request, member)


async def _check_password(db: AsyncSession, member_id: int | None, stored: str | None,
                          password: str) -> Member | None:
    try:
        HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if member_id is None or stored is None:
        return None
    member = await db.get(Member, member_id)
    return member if member is not None and member.is_staff else None


def _login_error(request: web.Request, message: str, *, status: int) -> web.Response:
    response = aiohttp_jinja2.render_template("login.html", request, {"error": message})
    response.set_status(status)
    return response


@aiohttp_jinja2.template("link.html")
async def link_page(request: web.Request) -> dict[str, object]:
    """A link preview or a click shows a button: only the POST spends the link."""
    return {"token": request.match_info["token"]}


async def link_login(request: web.Request) -> web.StreamResponse:
    deps = deps_of(request)
    token = request.match_info["token"]
    now = deps.clock()
    async with deps.sessions.begin() as db:
        member = await redeem_link(db, token, now=now)
        allowed = member is not None and member.is_staff
        await record_audit(db, at=now, actor_id=member.id if member else None,
                           action="console.login", target=client_address(request),
                           allowed=allowed, detail="one-time link")
    if member is None or not allowed:
        return _login_error(request, "This sign-in link is used, expired or unknown. Send "
                            "/console to the bot for a new one.", status=403)
    return await start_session(request, member)


async def logout(request: web.Request) -> web.StreamResponse:
    await audit(request, "console.logout")
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/console/login")


async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Ends every session of this staff member, on every browser."""
    from models.console import staff_login

    staff = staff_of(request)
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        login = await staff_login(db, staff.id)
        login.signed_out_at = deps.clock()
        await audit(request, "console.logout_everywhere", session=db)
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/console/login")


async def choose_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    language = str(form.get("lang", ""))
    if language in ("zh_CN", "en"):
        (await get_session(request))["lang"] = language
    back = str(form.get("back", ""))
    raise web.HTTPSeeOther(back if back.startswith("/console/") and "//" not in back
                           and "\\" not in back else "/console/")


PUBLIC: frozenset[object] = frozenset({login_page, password_login, link_page, link_login})
