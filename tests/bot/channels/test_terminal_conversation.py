"""The terminal as a member uses it: English typed with no language chosen, an application
in their own words, 算了 to leave, another command asking first, and the union's contacts."""

from __future__ import annotations

import io

from bot.channels.base import Outbound
from bot.channels.terminal import TerminalChannel
from bot.config import Settings
from models.db import Sessions
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import Clock, load_demo_data


async def _terminal(settings: Settings, sessions: Sessions, lines: list[str]) -> str:
    await load_demo_data(sessions)
    screen = io.StringIO()
    outbound = Outbound()
    dispatcher = make_dispatcher(settings, sessions, Clock())
    terminal = TerminalChannel(dispatcher, outbound, language="zh_CN",
                               stdin=io.StringIO("\n".join([*lines, "/quit"]) + "\n"),
                               stdout=screen)
    outbound.add(terminal)
    await terminal.run()
    return screen.getvalue()


async def test_english_member_applies_for_a_student_grant_and_leaves_with_never_mind(
        settings: Settings, sessions: Sessions) -> None:
    shown = await _terminal(settings, sessions, [
        "hello", "/bind", "6200000000000002", "li ming", "0002",
        "/apply student grant", "Wang Xiaoming", "Beijing Union University", "1",
        "last Friday", "/discounts", "1", "yes", "never mind", "/human"])
    assert "Hello" in shown and "Link" not in shown.split("Hello")[0]
    assert "Please have these ready to photograph" in shown
    assert "The date on the admission letter" in shown
    assert "Is this their first year" in shown
    assert "You are in the middle of: your application" in shown
    assert "Good, let's go on" in shown and "Before you send documents" in shown
    assert "Cancelled. Nothing was saved." in shown
    assert "Union hotline: 12351" in shown


async def test_chinese_member_claims_in_words(settings: Settings, sessions: Sessions) -> None:
    shown = await _terminal(settings, sessions, [
        "/bind", "6200000000000001", "王芳", "0001", "/claim", "1", "1", "上周五", "一万",
        "算了"])
    assert "最高支付" in shown and "请简要说明情况" in shown
    assert "已取消，未保存任何内容。" in shown
