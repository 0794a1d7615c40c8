"""What a handler may use, passed in explicitly: session, member, language, clock, state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.answering.types import Answerer, Classification
from bot.config import Settings
from bot.i18n import Catalogs, Translator
from bot.messages import Address, Attachment
from models.conversation import clear_state, load_state, save_state
from models.member import Member


class FileFetcher(Protocol):
    """The channel's way to download a file a member sent."""

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes: ...


class NoFiles:
    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        raise LookupError("this channel cannot fetch files")


@dataclass(frozen=True, slots=True)
class Services:
    """Long-lived parts built once by the composition root."""

    settings: Settings
    catalogs: Catalogs
    answerer: Answerer


@dataclass(frozen=True, slots=True)
class Flow:
    """A member's place in a multi-step flow (a claim, a binding...)."""

    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    session: AsyncSession
    member: Member
    now: datetime
    services: Services
    translator: Translator
    files: FileFetcher = field(default_factory=NoFiles)
    flow: Flow | None = None
    classification: Classification | None = None

    @property
    def _(self) -> Callable[[str], str]:
        return self.translator.gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return self.translator.ngettext

    @property
    def language(self) -> str:
        return self.translator.language

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def staff_chat(self) -> Address | None:
        """Where staff hear what needs them ([handoff] staff_chat), if configured."""
        channel, _sep, chat_id = self.settings.handoff.staff_chat.partition(":")
        return Address(channel, chat_id) if chat_id else None

    @property
    def staff_translator(self) -> Translator:
        """Staff read the bot's notes in the union's default language."""
        return self.services.catalogs.get(self.settings.bot.default_language)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.settings.zone)

    def use_language(self, language: str) -> None:
        self.member.language = language
        self.translator = self.services.catalogs.get(language)

    async def start_flow(self, name: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.flow = Flow(name, step, dict(data or {}))
        await save_state(self.session, self.member.id, flow=name, step=step,
                         data=self.flow.data, now=self.now)

    async def end_flow(self) -> None:
        self.flow = None
        await clear_state(self.session, self.member.id)


async def load_flow(session: AsyncSession, member_id: int) -> Flow | None:
    state = await load_state(session, member_id)
    return None if state is None else Flow(state.flow, state.step, dict(state.data))
