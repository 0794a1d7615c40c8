"""Picks the handler for an `Incoming` (command, button, flow, event or intent) and runs it.

One short transaction per message: committed when the handler returns, rolled back if it
raises. It holds one INSERT claiming the update (a retry finds it taken), one SELECT of the
sender and their flow, the handler's database work, one UPDATE of the member row and one
keeping the replies until they were sent (bot/pending.py), which also marks the replies of
earlier updates sent. Whatever happens, the member gets an answer or the failure is logged
with the update id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.answering.types import Certainty
from bot.context import Context, FileFetcher, Flow, NoFiles, Services
from bot.i18n import N_, normalize_language
from bot.masking import mask_personal
from bot.messages import Button, Incoming, Reply, split_payload
from bot.metrics import observe_update
from bot.natural import is_exit, language_of
from bot.notices import queue_notices, split_notices
from bot.pending import Confirmations, replies_to_json
from bot.prefetch import prefetch, worth_fetching
from bot.routing import Event, HandlerResult, Route
from models.audit import record_audit
from models.base import utcnow
from models.conversation import ConversationState, find_flow
from models.db import Sessions
from models.dedupe import keep_replies, mark_sent
from models.inbound import (
    claim_and_look_up,
    defer_write,
    hot_values,
    look_up_sender,
    save_member,
    touch_member,
    upsert_member,
)
from models.member import Member

log = logging.getLogger(__name__)

BUSY_ATTEMPTS = 3  # runs of one message whose transaction lost a lock race
CONTEXT_WINDOW = timedelta(minutes=10)  # how long a topic colours short follow-up questions
CLASSIFY_LIMIT = 1000  # characters read of one message; a 10,000-character paste is truncated

SORRY = N_("Sorry, something went wrong on our side. Please try again in a moment.")
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see what I can do.")
STALE_BUTTON = N_("That button is from an older message and no longer works. Here is the menu.")
STAFF_ONLY = N_("Sorry, that is only for union staff.")
PRIVATE_ONLY = N_("Please write to me privately for this: it concerns you alone, so I do not "
                  "answer it in a group.")
EMPTY_TEXT = N_("Please type your question, or choose from the menu.")
NOT_TEXT = N_("I can only read text messages for now. Please type your question.")
LEAVE_OR_STAY = N_("You are in the middle of: {flow}. Continue it, or leave it (nothing is "
                   "saved) and go to /{command}?")
STAY = N_("Continue")
LEAVE = N_("Leave it")
STAYING = N_("Good, let's go on. Please answer the last question above.")

UNSENT_LIMIT = 10_000  # updates awaiting their channel's "sent"; a channel that never says leaks


class _HandledElsewhere(Exception):
    """Another process or task recorded the same update first: roll this handling back."""


# Commands that answer in the middle of a flow and leave it where it was: asking for help or
# contacts, and a member's privacy rights (withdrawing consent must never wait for a claim).
RUN_MID_FLOW = frozenset({"cancel", "help", "contact", "id", "privacy", "withdrawconsent"})

class Dispatcher:
    def __init__(
        self,
        routes: Sequence[Route],
        services: Services,
        sessions: Sessions,
        clock: Callable[[], datetime] = utcnow,
        on_notices: Callable[[], None] = lambda: None,
    ) -> None:
        self.services = services
        self.sessions = sessions
        self.clock = clock
        self.on_notices = on_notices  # notices were queued: the delivery engine may look now
        self.commands = {r.command: r for r in routes if r.command and not r.flow}
        self.flow_commands = {(r.flow, r.command): r for r in routes if r.command and r.flow}
        self.actions = {r.action: r for r in routes if r.action}
        self.intents = {r.intent: r for r in routes if r.intent}
        self.flows = {r.flow: r for r in routes if r.flow and not r.command}
        self.file_flows = {name for name, r in self.flows.items() if r.takes_files}
        self.events = {r.event: r for r in routes if r.event}
        self.confirmations = Confirmations(sessions)
        self._unsent: dict[tuple[str, str], int] = {}

    @property
    def known_actions(self) -> frozenset[str]:
        return frozenset(self.actions)

    async def handle(self, msg: Incoming, files: FileFetcher | None = None) -> list[Reply]:
        """Answer one message; never raises. A platform's retry of a handled update gets no
        second answer: the update id is claimed in the same transaction as the handling."""
        started = time.perf_counter()
        replies, outcome = await self._handle_safely(msg, files)
        observe_update(msg.channel, outcome, time.perf_counter() - started,
                       [reply.intent for reply in replies if reply.intent and reply.to is None])
        return replies

    async def _handle_safely(
        self, msg: Incoming, files: FileFetcher | None
    ) -> tuple[list[Reply], str]:
        language = normalize_language(
            msg.language_hint, self.services.settings.bot.default_language
        )
        if files is not None and msg.is_private and worth_fetching(msg.attachment):
            files = await self._prefetch(msg, files)
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                replies = await self._handle_once(msg, files, language)
                return ([], "duplicate") if replies is None else (replies, "answered")
            except DBAPIError as exc:
                if attempt < BUSY_ATTEMPTS and _lost_lock_race(exc):
                    log.warning("update %s: database busy (%s); running it again",
                                msg.update_id, exc.orig)
                    continue
                log.exception("update %s from %s:%s failed", msg.update_id, msg.channel,
                              msg.user_id)
            except Exception:
                log.exception("update %s from %s:%s failed", msg.update_id, msg.channel,
                              msg.user_id)
            break
        return [Reply(text=self.services.catalogs.get(language).gettext(SORRY))], "failed"

    async def _prefetch(self, msg: Incoming, files: FileFetcher) -> FileFetcher:
        """Download first, then write: the file of a member in a flow that keeps files is
        fetched before the transaction, which then finds it in memory."""
        assert msg.attachment is not None
        try:
            async with self.sessions.begin() as session:
                flow = await find_flow(session, channel=msg.channel, external_id=msg.user_id)
        except Exception:
            log.exception("update %s: flow not read before the download", msg.update_id)
            return files
        if flow not in self.file_flows:
            return files
        return await prefetch(files, msg.attachment)

    def delivered(self, msg: Incoming) -> None:
        """The channel sent the replies to `msg`: they need not be sent again after a crash."""
        row_id = self._unsent.pop((msg.channel, msg.update_id), None)
        if row_id is not None:
            self.confirmations.add(row_id)

    async def _handle_once(
        self, msg: Incoming, files: FileFetcher | None, language: str
    ) -> list[Reply] | None:
        """The replies, or None when the update was handled already."""
        confirmed = self.confirmations.take()
        try:
            async with self.sessions.begin() as session:
                replies, queued = await self._handle_in(session, msg, files, language,
                                                        self.clock(), confirmed)
        except _HandledElsewhere:
            self.confirmations.give_back(confirmed)
            log.info("update %s:%s was handled already", msg.channel, msg.update_id)
            return None
        except BaseException:
            self.confirmations.give_back(confirmed)
            raise
        if queued:
            self.on_notices()
        return replies

    async def _handle_in(
        self, session: AsyncSession, msg: Incoming, files: FileFetcher | None, language: str,
        now: datetime, sent: Collection[int],
    ) -> tuple[list[Reply], int]:
        """(the direct replies, how many notices were queued). `sent`: earlier updates whose
        replies the channels sent, recorded in the statement keeping this update's replies."""
        # The claim comes first: a platform's retry reaching another process waits for this
        # transaction on the row lock (PostgreSQL) and is then skipped, never run twice.
        if msg.update_id:
            row_id, sender = await claim_and_look_up(
                session, channel=msg.channel, key=msg.update_id, external_id=msg.user_id,
                now=now)
            if row_id is None:
                raise _HandledElsewhere
        else:
            row_id = None
            sender = await look_up_sender(session, channel=msg.channel,
                                          external_id=msg.user_id)
        if msg.text and log.isEnabledFor(logging.DEBUG):  # text only at DEBUG, masked
            log.debug("update %s text: %s", msg.update_id, mask_personal(msg.text[:200]))
        member = sender.member
        if member is None:
            member = await upsert_member(
                session, channel=msg.channel, external_id=msg.user_id, chat_id=msg.chat_id,
                display_name=msg.display_name, language=language, now=now,
                private=msg.is_private,
            )
        # Before the handler: it sees where the member writes from, and an erasure it makes
        # is not undone. The changes still go out in the member row's one UPDATE at commit.
        read = hot_values(member)
        touch_member(member, chat_id=msg.chat_id, display_name=msg.display_name, now=now,
                     private=msg.is_private)
        ctx = Context(
            session=session, member=member, now=now, services=self.services,
            translator=self.services.catalogs.get(member.language),
            files=files or NoFiles(), flow=_flow_of(sender.state),
        )
        _follow_language(msg, ctx)
        replies, notices = split_notices(msg.address, _as_list(await self._route(msg, ctx)))
        _remember_topic(member, replies, now)
        await save_member(session, member, read)
        queued = await queue_notices(session, notices, now=now)
        if row_id is not None and replies:
            await keep_replies(session, row_id, replies_to_json(msg.address, replies),
                               sent=sent)
            sent = ()
            if len(self._unsent) < UNSENT_LIMIT:
                self._unsent[(msg.channel, msg.update_id)] = row_id
        await mark_sent(session, sent)
        return replies, queued

    async def _route(self, msg: Incoming, ctx: Context) -> HandlerResult:
        _ = ctx._
        if msg.command is not None:
            command = msg.command.lower()
            route = self.commands.get(command)
            if ctx.flow is not None:
                route = self.flow_commands.get((ctx.flow.name, command), route)
            if route is None:
                return Reply(text=_(UNKNOWN_COMMAND), intent="help")
            if command not in RUN_MID_FLOW and route is self.commands.get(command):
                guard = self._ask_leave(ctx, command)
                if guard is not None:
                    return guard
            return await self._run(route, msg, ctx)
        if msg.payload is not None:
            action, arg = split_payload(msg.payload)
            if action in ("flow.stay", "flow.leave"):
                return await self._stay_or_leave(msg, ctx, action, arg)
            route = self.actions.get(action)
            if route is None:
                return await self._run(self.actions["menu.main"], msg, ctx, notice=STALE_BUTTON)
            return await self._run(route, msg, ctx)
        if msg.reply_to_text is not None and "reply" in self.events:
            result = await self._run(self.events["reply"], msg, ctx)
            if result is not None:
                return result
        if ctx.flow is not None and ctx.flow.name in self.flows:
            flow = self.flows[ctx.flow.name]
            if flow.leave_label and msg.attachment is None and is_exit(msg.text or ""):
                cancel = self.flow_commands.get((ctx.flow.name, "cancel"))
                return await self._run(cancel or self.commands["cancel"], msg, ctx)
            return await self._run(flow, msg, ctx)
        event = _event_of(msg)
        if event is not None:
            route = self.events.get(event)
            return Reply(text=_(NOT_TEXT)) if route is None else await self._run(route, msg, ctx)
        return await self._answer_text(msg, ctx)

    def _ask_leave(self, ctx: Context, command: str) -> Reply | None:
        """Another command in the middle of a flow that should not be dropped silently."""
        flow = self.flows.get(ctx.flow.name) if ctx.flow is not None else None
        if flow is None or flow.leave_label is None or len(command) > 40:
            return None
        return Reply(text=ctx._(LEAVE_OR_STAY).format(flow=ctx._(flow.leave_label),
                                                      command=command),
                     buttons=((Button(ctx._(STAY), "flow.stay"),
                               Button(ctx._(LEAVE), f"flow.leave:{command}")),))

    async def _stay_or_leave(self, msg: Incoming, ctx: Context, action: str, command: str
                             ) -> HandlerResult:
        if action == "flow.stay":
            if ctx.flow is None:
                return await self._run(self.actions["menu.main"], msg, ctx)
            return Reply(text=ctx._(STAYING))
        await ctx.end_flow()
        route = self.commands.get(command) or self.commands["menu"]
        return await self._run(route, replace(msg, payload=None, command=command), ctx)

    async def _answer_text(self, msg: Incoming, ctx: Context) -> HandlerResult:
        text = (msg.text or "").strip()
        if not text:
            return Reply(text=ctx._(EMPTY_TEXT), intent="help")
        previous = _recent_topic(ctx.member, ctx.now)
        classification = self.services.answerer.classify(
            text[:CLASSIFY_LIMIT], lang=ctx.language, previous_intent=previous
        )
        ctx.classification = classification
        route = None
        if classification.certainty is Certainty.CONFIDENT:
            route = self.intents.get(classification.intent)
        return await self._run(route or self.intents["*"], msg, ctx)

    async def _run(
        self, route: Route, msg: Incoming, ctx: Context, notice: str | None = None
    ) -> HandlerResult:
        if route.staff_only and not ctx.member.is_staff:
            await record_audit(
                ctx.session, at=ctx.now, actor_id=ctx.member.id, allowed=False,
                action=route.command or route.action or route.handler.__name__,
                detail=f"refused: role {ctx.member.role}",
            )
            log.warning("refused staff-only %s to member %s", route.handler.__name__,
                        ctx.member.id)
            return Reply(text=ctx._(STAFF_ONLY))
        if route.private_only and not msg.is_private:
            return Reply(text=ctx._(PRIVATE_ONLY))
        result = await route.handler(msg, ctx)
        if notice is None:
            return result
        return [Reply(text=ctx._(notice)), *_as_list(result)]


def _follow_language(msg: Incoming, ctx: Context) -> None:
    """A member who never chose a language is answered in the one they write in; not in the
    middle of a flow, where '3.5k' or 'ok' says nothing about it, nor in a reply to a message
    (staff answering a member write in the member's language, not their own)."""
    if ctx.member.language_chosen or ctx.flow is not None or not msg.text \
            or msg.reply_to_text is not None:
        return
    written = language_of(msg.text)
    if written is not None and written != ctx.member.language:
        # ctx.use_language without the ORM noticing: the member row's one UPDATE writes it
        defer_write(ctx.member, language=written)
        ctx.translator = ctx.services.catalogs.get(written)


def _lost_lock_race(exc: DBAPIError) -> bool:
    """SQLite busy past its timeout, a PostgreSQL deadlock or serialization failure: the
    transaction was rolled back whole and is safe to run again."""
    text = str(exc.orig).lower()
    return any(sign in text for sign in ("database is locked", "deadlock detected",
                                         "could not serialize access"))


def _as_list(result: HandlerResult) -> list[Reply]:
    if result is None:
        return []
    return [result] if isinstance(result, Reply) else list(result)


def _recent_topic(member: Member, now: datetime) -> str | None:
    if member.last_intent and member.last_intent_at:
        if now - member.last_intent_at < CONTEXT_WINDOW:
            return member.last_intent
    return None


def _flow_of(state: ConversationState | None) -> Flow | None:
    return None if state is None else Flow(state.flow, state.step, dict(state.data))


def _event_of(msg: Incoming) -> Event | None:
    if msg.location is not None:
        return "location"
    if msg.contact is not None:
        return "contact"
    if msg.attachment is not None:
        return "attachment"
    return None


def _remember_topic(member: Member, replies: list[Reply], now: datetime) -> None:
    for reply in replies:
        if reply.intent and reply.intent not in ("unknown", "greeting"):
            defer_write(member, last_intent=reply.intent, last_intent_at=now)

