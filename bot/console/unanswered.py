"""Unanswered questions, as the answering engine records them: grouped by the intent the
engine guessed, each assigned an intent (or marked off-topic) in one click."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import aiohttp_jinja2
from aiohttp import web

from bot.answering.taxonomy import INTENT_IDS, UNKNOWN
from bot.answering.teach import TeachError, add_phrasing
from bot.console.auth import audit, staff_of
from bot.console.deps import ConsoleDeps, deps_of
from bot.console.views import field, int_arg
from models.unanswered import UnansweredQuestion, assign_unanswered, list_open_unanswered

ASSIGNABLE = tuple(intent for intent in INTENT_IDS if intent != UNKNOWN)

log = logging.getLogger(__name__)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/unanswered", show_list)
    router.add_post("/unanswered/{id}", assign)


@aiohttp_jinja2.template("unanswered.html")
async def show_list(request: web.Request) -> dict[str, object]:
    deps = deps_of(request)
    async with deps.sessions.begin() as db:
        questions = await list_open_unanswered(db, limit=300)
    groups: dict[str, list[UnansweredQuestion]] = defaultdict(list)
    for question in questions:
        groups[question.best_intent or UNKNOWN].append(question)
    return {"groups": sorted(groups.items(), key=lambda item: -len(item[1])),
            "intents": ASSIGNABLE}


async def assign(request: web.Request) -> web.StreamResponse:
    """The question gets the chosen intent; "off_topic" marks it as outside our services."""
    staff = staff_of(request)
    deps = deps_of(request)
    question_id = int_arg(request, "id")
    intent = field(await request.post(), "intent", 40)
    if intent not in (*ASSIGNABLE, "off_topic"):
        raise web.HTTPBadRequest(text="unknown intent")
    async with deps.sessions.begin() as db:
        done = await assign_unanswered(db, question_id, intent=None if intent == "off_topic"
                                       else intent, staff_id=staff.id, now=deps.clock())
        await audit(request, "console.unanswered.assign", f"unanswered:{question_id}",
                    detail=f"intent={intent} done={done is not None}", session=db)
    if done is not None and intent != "off_topic":
        await _teach(deps, intent, done.text)
    if request.headers.get("HX-Request"):
        return web.Response(text="")  # htmx swaps the row away
    raise web.HTTPSeeOther("/console/unanswered")


async def _teach(deps: ConsoleDeps, intent: str, text: str) -> None:
    """The phrasing joins the intent's knowledge file and the running bot reloads it, as with
    `unionbot kb review --assign`; a phrasing the file refuses is logged, the assignment
    stands."""
    kb_dir = deps.services.settings.bot.knowledge_dir
    if kb_dir is None:  # the packaged knowledge base is not edited in place
        log.info("console: no [bot] knowledge_dir set; the assignment is kept, no file changed")
        return
    try:
        await asyncio.to_thread(add_phrasing, kb_dir, intent, text)
    except (TeachError, OSError) as exc:
        log.warning("console: could not add the phrasing to %s: %s", intent, exc)
        return
    reload = getattr(deps.services.answerer, "reload", None)
    if reload is not None:
        await asyncio.to_thread(reload)
