"""Quotas: one member cannot fill the disk with claim drafts and documents, and members-only
events take only linked members."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import add_event
from tests.support.member_services import (
    JPEG,
    Clock,
    FileMember,
    bind,
    claim_up_to_documents,
    load_demo_data,
)


def _limited(settings: Settings, **limits: Any) -> Settings:
    return settings.model_copy(update={"limits": settings.limits.model_copy(update=limits)})


def _photo(n: int, size: int = 64) -> bytes:
    """A distinct JPEG-looking file of about `size` bytes."""
    return JPEG + n.to_bytes(4, "big") * (size // 4)


async def _bound(settings: Settings, sessions: Sessions) -> FileMember:
    await load_demo_data(sessions)
    member = FileMember(make_dispatcher(settings, sessions, Clock()), language="en")
    await bind(member)
    return member


async def test_unfinished_drafts_with_documents_are_limited(settings, sessions) -> None:
    member = await _bound(_limited(settings, drafts_per_member=2), sessions)
    for n in (1, 2):
        await claim_up_to_documents(member)
        assert "Received document 1" in await member.sends_file(_photo(n))
        await member.command("/cancel")
    await claim_up_to_documents(member)
    refused = await member.sends_file(_photo(3))
    assert "already have 2 unfinished claims with documents" in refused


async def test_documents_per_claim_are_limited(settings, sessions) -> None:
    member = await _bound(_limited(settings, documents_per_claim=2), sessions)
    await claim_up_to_documents(member)
    assert "Received document 1" in await member.sends_file(_photo(1))
    assert "Received document 2" in await member.sends_file(_photo(2))
    assert "the most documents one claim takes (2)" in await member.sends_file(_photo(3))


async def test_bytes_per_member_are_limited_with_and_without_an_announced_size(
    settings, sessions
) -> None:
    member = await _bound(_limited(settings, bytes_per_member=1024 * 1024), sessions)
    await claim_up_to_documents(member)
    assert "Received document 1" in await member.sends_file(_photo(1, 700_000))
    assert "reached the 1 MB" in await member.sends_file(_photo(2, 700_000))
    assert "reached the 1 MB" in await member.sends_file(_photo(3, 700_000), announce_size=False)


async def test_members_only_events_need_a_linked_membership(
    settings, sessions: Sessions
) -> None:
    lecture = await add_event(sessions, kind="lecture")
    training = await add_event(sessions, kind="training", title_zh="技能培训")
    open_lecture = await add_event(sessions, kind="lecture", members_only=False)
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    guest = Member(dispatcher, user_id="5005", language="en")
    assert "for union members" in await guest.presses(f"events.join:{lecture}")
    assert ("Link my membership", "bind.start") in guest.buttons
    assert "signed up" in await guest.presses(f"events.join:{training}")
    assert "signed up" in await guest.presses(f"events.join:{open_lecture}")
    member = FileMember(dispatcher, user_id="1001", language="en")
    await bind(member)
    assert "signed up" in await member.presses(f"events.join:{lecture}")
