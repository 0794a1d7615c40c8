"""A member's own data from the chat: what we keep (/privacy), a copy (/mydata), unlinking,
consent withdrawal and erasure (/deleteme), including the awkward cases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import Settings
from bot.privacy.erase import settle
from models.audit import AuditEntry
from models.db import Sessions
from models.mutual_aid import Claim
from models.privacy import audit_entries
from tests.bot.privacy.test_at_rest import SCAN, STORY, file_claim_with
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import (
    DEMO_CARD,
    JPEG,
    Clock,
    FileMember,
    bound_member,
    claim_up_to_documents,
    load_demo_data,
    make_staff,
)
from tests.support.privacy import read_export, traces

IDENTIFYING = ("13800000001", DEMO_CARD, STORY, "王芳")


async def claim_and_staff(settings: Settings, sessions: Sessions
                          ) -> tuple[FileMember, FileMember]:
    """A member who filed a claim with a document, and an English-speaking staff member."""
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    await make_staff(sessions, "2002", language="en")
    staff = FileMember(make_dispatcher(settings, sessions, Clock()), user_id="2002", language="en",
                       name="Staff Li")
    return member, staff


async def test_privacy_says_what_we_keep_for_how_long(settings: Settings,
                                                      sessions: Sessions) -> None:
    member = FileMember(make_dispatcher(settings, sessions, Clock()), language="en")
    shown = await member.command("/privacy")
    assert "deleted 1095 days after the claim is decided" in shown
    assert "deleted 365 days after they close" in shown
    assert {payload for _label, payload in member.buttons} == {
        "privacy.export", "privacy.withdraw", "privacy.unbind", "privacy.erase"}
    await member.command("/claim")  # the consent text quotes the same configured period
    assert "1095 days" in await member.command("/privacy")


async def test_mydata_holds_everything_about_the_member(settings: Settings,
                                                        sessions: Sessions) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    await member.command("/mydata")
    [reply] = member.replies
    assert reply.file is not None and reply.file.name.endswith(".zip")
    body, files = read_export(reply.file.data)
    assert list(files.values()) == [SCAN]
    assert body["membership"][0]["phone"] == "13800000001"
    assert body["membership"][0]["card_number"] == DEMO_CARD
    assert body["claims"][0]["description"] == STORY
    assert body["consents"][0]["purpose"] == "claim_documents"
    assert body["chat_account"][0]["external_id"] == member.user_id
    assert any(e["action"] == "member.bind" for e in body["access_and_activity_log"])
    async with sessions.begin() as session:
        assert [e.action for e in await audit_entries(session, member_id=1)][-1] == \
            "member.export"


async def test_deleteme_during_an_open_claim_asks_then_leaves_nothing_identifying(
    settings: Settings, sessions: Sessions
) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    asked = await member.command("/deleteme")
    assert "open claim HZ" in asked and "will be withdrawn" in asked
    assert await member.presses("privacy.erase:no") == "Nothing was deleted."
    assert await traces(sessions, STORY)  # still there
    await member.command("/deleteme")
    done = await member.presses("privacy.erase:yes")
    assert "everything this chat held about you is deleted" in done and "Withdrawn" in done
    await settle()
    assert await traces(sessions, *IDENTIFYING, f"telegram:{member.user_id}") == []
    assert list((settings.bot.data_dir / "documents").rglob("*.*")) == []
    async with sessions.begin() as session:
        assert list(await session.scalars(select(Claim))) == []
    # the same button again, and /deleteme again: clear answers, nothing half done
    assert "No deletion is waiting" in await member.presses("privacy.erase:yes")
    assert "not linked to a membership" in await member.command("/deleteme")


async def test_a_paid_claim_keeps_only_what_accounting_needs(settings: Settings,
                                                             sessions: Sessions) -> None:
    member, staff = await claim_and_staff(settings, sessions)
    await staff.presses("claims.approve:1")
    assert "paid claim HZ" in await member.command("/deleteme")
    assert "Kept for the union's accounts" in await member.presses("privacy.erase:yes")
    await settle()
    async with sessions.begin() as session:
        claim = await session.scalar(select(Claim))
    assert claim is not None and claim.status == "approved" and claim.decided_fen == 350000
    assert claim.description == "" and claim.reason == ""
    assert await traces(sessions, *IDENTIFYING) == []


async def test_unbind_and_consent_withdrawal(settings: Settings, sessions: Sessions) -> None:
    member = await bound_member(settings, sessions)
    await file_claim_with(member, SCAN)
    withdrawn = await member.command("/withdrawconsent")
    assert "will not accept medical documents" in withdrawn
    assert "Claim HZ" in withdrawn and "consent again" in withdrawn
    assert "nothing to withdraw" in await member.command("/withdrawconsent")
    assert "no longer linked" in await member.command("/unbind")
    assert "not linked" in await member.command("/unbind")
    assert "first link this chat" in await member.command("/claim")


async def test_uploads_stop_when_consent_is_withdrawn_mid_claim(settings: Settings,
                                                                sessions: Sessions) -> None:
    member = await bound_member(settings, sessions)
    await claim_up_to_documents(member)
    await member.command("/withdrawconsent")
    assert "Do you agree?" in await member.sends_file(JPEG)
    assert list((settings.bot.data_dir / "documents").rglob("*.*")) == []


async def test_deleteme_from_an_unbound_chat(settings: Settings, sessions: Sessions) -> None:
    await load_demo_data(sessions)
    dispatcher = make_dispatcher(settings, sessions, Clock())
    visitor = FileMember(dispatcher, user_id="3003", language="en", name="Visitor Zhao")
    await visitor.command("/subscribe")
    assert "not linked to a membership" in await visitor.command("/deleteme")
    assert "deleted" in await visitor.says("yes")
    assert await traces(sessions, "Visitor Zhao", "3003") == []


async def test_staff_viewing_a_claim_and_its_documents_is_audited(
    settings: Settings, sessions: Sessions
) -> None:
    _member, staff = await claim_and_staff(settings, sessions)
    await staff.presses("claims.open:1")
    assert [r.file.data for r in staff.replies if r.file] == [SCAN]
    staff_id = 2
    async with sessions.begin() as session:
        views = list(await session.scalars(select(AuditEntry).where(
            AuditEntry.actor_id == staff_id).order_by(AuditEntry.id)))
        assert [(v.action, v.target) for v in views] == [
            ("claim.view", "member:1"), ("document.view", "member:1")]
        assert [e.action for e in await audit_entries(session, staff_id=staff_id)] == [
            "claim.view", "document.view"]


async def test_privacy_in_the_members_language(settings: Settings, sessions: Sessions) -> None:
    member = FileMember(make_dispatcher(settings, sessions, Clock()), language="zh-hans")
    shown = await member.command("/privacy")
    assert "材料在申请处理完毕 1095 天后删除" in shown
    assert ("删除我的数据", "privacy.erase") in member.buttons


async def test_unionbot_audit_lists_by_member_and_by_staff(
    settings: Settings, sessions: Sessions, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _member, staff = await claim_and_staff(settings, sessions)
    await staff.presses("claims.open:1")
    monkeypatch.setenv("UNIONBOT_DATABASE__URL", settings.database.url)
    assert await asyncio.to_thread(main, ["audit", "--staff", "telegram:2002"]) == 0
    by_staff = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in by_staff] == ["claim.view", "document.view"]
    assert await asyncio.to_thread(main, ["audit", "--member", "1"]) == 0
    about_member = capsys.readouterr().out
    assert "member.bind" in about_member and "document.view" in about_member
    assert "consent.given" in about_member
    assert await asyncio.to_thread(main, ["audit", "--member", "telegram:404"]) == 1
