"""Helpers for the member-services tests: a clock a test moves, demo data, staff, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Settings
from bot.demo import load_demo
from bot.messages import Attachment, AttachmentKind, Reply
from models.db import Sessions
from models.member import Member as MemberRow
from models.member import Role, get_or_create_member
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, Friday 20 November 2026
DEMO_CARD = "6200000000000001"


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def load_demo_data(sessions: Sessions, now: datetime = NOW) -> None:
    async with sessions.begin() as session:
        await load_demo(session, now)


async def make_staff(sessions: Sessions, user_id: str, *, language: str = "zh_CN") -> MemberRow:
    async with sessions.begin() as session:
        member, _created = await get_or_create_member(
            session, channel="telegram", external_id=user_id, chat_id=user_id,
            display_name="Staff", language=language, now=NOW)
        member.role = Role.STAFF.value
        return member


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


class Files:
    """Files members sent, by reference, as the channel would fetch them."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def fetch(self, attachment: Attachment, *, max_bytes: int) -> bytes:
        data = self.data[attachment.file_ref]
        if len(data) > max_bytes:
            raise ValueError("file too large")
        return data


@dataclass
class FileMember(Member):
    """A dialogue member who can also send photos and files."""

    files: Files = field(default_factory=Files)  # type: ignore[assignment]

    async def sends_file(self, data: bytes, *, kind: AttachmentKind = AttachmentKind.PHOTO,
                         name: str | None = None, size: int | None = None,
                         announce_size: bool = True) -> str:
        ref = f"f{len(self.files.data) + 1}"
        self.files.data[ref] = data
        announced = (len(data) if size is None else size) if announce_size else None
        attachment = Attachment(kind, ref, None, announced, name)
        return "\n".join(r.text for r in await self.send(attachment=attachment))

    @property
    def replies(self) -> list[Reply]:
        return self.last


async def bind(member: Member, card: str = DEMO_CARD, name: str = "王芳",
               phone: str = "0001") -> None:
    await member.command("/bind")
    await member.says(card)
    await member.says(name)
    await member.says(phone)


async def bound_member(settings: Settings, sessions: Sessions) -> FileMember:
    """An English-speaking member of the demo roster, bound to their chat account."""
    await load_demo_data(sessions)
    member = FileMember(make_dispatcher(settings, sessions, Clock()), language="en")
    await bind(member)
    return member


async def claim_up_to_documents(member: FileMember, *, amount: str = "100") -> None:
    """/claim through plan, incident, date, amount and description, agreeing to consent if
    asked: the next step is sending documents."""
    await member.command("/claim")
    for answer in ("claim.answer:p1", "claim.answer:hospitalisation", "claim.answer:2026-11-19"):
        await member.presses(answer)
    await member.says(amount)
    await member.says("-")
    if any(payload == "claim.answer:agree" for _label, payload in member.buttons):
        await member.presses("claim.answer:agree")


async def file_claim(member: FileMember, *, amount: str = "3500",
                     date: str = "2026-11-18") -> str:
    """A whole claim with one photo, pressing buttons; returns the bot's last answer."""
    await member.command("/claim")
    await member.presses("claim.answer:p1")
    await member.presses("claim.answer:hospitalisation")
    await member.says(date)
    await member.says(amount)
    await member.says("北大人民医院住院5天")
    if any(payload == "claim.answer:agree" for _label, payload in member.buttons):
        await member.presses("claim.answer:agree")
    await member.sends_file(JPEG, name="../../etc/passwd.jpg")
    await member.presses("claim.answer:done")
    return await member.presses("claim.answer:submit")
