"""The terminal chat: /mydata saves the export (0600) where the screen says, /deleteme with
its numbered confirmation erases."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from bot.channels.base import Outbound
from bot.channels.terminal import TerminalChannel
from bot.config import Settings
from bot.privacy.erase import settle
from models.db import Sessions
from tests.support.dispatch import make_dispatcher
from tests.support.member_services import DEMO_CARD, Clock, load_demo_data
from tests.support.privacy import read_export, traces


async def test_mydata_is_saved_and_deleteme_erases(settings: Settings, sessions: Sessions,
                                                  tmp_path: Path) -> None:
    await load_demo_data(sessions)
    typed = io.StringIO(f"/bind\n{DEMO_CARD}\n王芳\n0001\n/mydata\n/deleteme\n1\n")
    screen = io.StringIO()
    outbound = Outbound()
    dispatcher = make_dispatcher(settings, sessions, Clock())
    terminal = TerminalChannel(dispatcher, outbound, language="en",
                               stdin=typed, stdout=screen, save_dir=tmp_path / "exports")
    outbound.add(terminal)
    await terminal.run()
    await settle()
    shown = screen.getvalue()
    [saved] = (tmp_path / "exports").glob("mydata-*.zip")
    assert f"(file: {saved}," in shown
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    body, _files = read_export(saved.read_bytes())
    assert body["membership"][0]["card_number"] == DEMO_CARD
    assert "[1] Yes, delete everything" in shown and "is deleted" in shown
    assert await traces(sessions, DEMO_CARD, "13800000001", "王芳") == []
