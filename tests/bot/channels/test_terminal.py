"""The terminal chat: numbered buttons, commands and questions, until end of input."""

from __future__ import annotations

import io

from bot.channels.base import Outbound
from bot.channels.terminal import TerminalChannel
from bot.config import Settings
from models.db import Sessions
from tests.support.dispatch import make_dispatcher


async def test_a_terminal_conversation(settings: Settings, sessions: Sessions) -> None:
    typed = io.StringIO("你好\n1\n/language en\n\n/quit\nnever read\n")
    screen = io.StringIO()
    outbound = Outbound()
    terminal = TerminalChannel(
        make_dispatcher(settings, sessions), outbound, language="zh_CN",
        stdin=typed, stdout=screen,
    )
    outbound.add(terminal)
    await terminal.run()
    shown = screen.getvalue()
    assert "您好！我是工会会员服务助手" in shown
    assert "[1] 京卡优惠" in shown
    assert "I will answer in English from now on." in shown
    assert "Please type your question" in shown  # the empty line
    assert "never read" not in shown


async def test_location_shortcut(settings: Settings, sessions: Sessions) -> None:
    terminal = TerminalChannel(make_dispatcher(settings, sessions), Outbound(), language="en")
    incoming = terminal.to_incoming("@39.91, 116.37")
    assert incoming.location is not None and incoming.location.latitude == 39.91
    assert terminal.to_incoming("7").text == "7"  # no button 7 on screen: plain text
