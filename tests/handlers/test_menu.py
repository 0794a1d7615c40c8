"""A member meets the bot: greeting, menu, help, language switch, cancel."""

from __future__ import annotations

from bot.config import Settings
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher


async def test_start_greets_by_name_and_shows_the_main_menu(
    settings: Settings, sessions: Sessions
) -> None:
    wang = Member(make_dispatcher(settings, sessions), name="王芳")
    answer = await wang.command("/start")
    assert "王芳，您好" in answer
    labels = [label for label, _ in wang.buttons]
    assert labels[:4] == ["京卡优惠", "互助保障", "招聘会", "女职工讲座"]
    assert all(len(payload.encode()) <= 64 for _, payload in wang.buttons)


async def test_english_client_gets_english_and_language_can_be_switched(
    settings: Settings, sessions: Sessions
) -> None:
    tom = Member(make_dispatcher(settings, sessions), language="en-GB", name="Tom")
    assert "Hello, Tom!" in await tom.command("/start")
    assert "中文" in [label for label, _ in (await _buttons(tom, "/language"))]
    assert "以后我用中文回答" in await tom.presses("lang.set:zh_CN")
    assert "请问有什么可以帮您" in await tom.command("/menu")
    assert "English from now on" in await tom.command("/language en")


async def test_help_lists_what_the_bot_does(settings: Settings, sessions: Sessions) -> None:
    tom = Member(make_dispatcher(settings, sessions), language="en")
    answer = await tom.command("/help")
    assert "mutual-aid" in answer and "/language" in answer


async def test_more_services_menu_reaches_every_other_topic(
    settings: Settings, sessions: Sessions
) -> None:
    wang = Member(make_dispatcher(settings, sessions))
    await wang.presses("menu.more")
    payloads = [payload for _, payload in wang.buttons]
    assert "faq.intent:hardship_aid" in payloads and "lang.menu" in payloads


async def test_cancel_with_nothing_to_cancel_says_so(
    settings: Settings, sessions: Sessions
) -> None:
    wang = Member(make_dispatcher(settings, sessions))
    assert "没有可以取消的操作" in await wang.command("/cancel")


async def _buttons(member: Member, command: str) -> list[tuple[str, str]]:
    await member.command(command)
    return member.buttons
