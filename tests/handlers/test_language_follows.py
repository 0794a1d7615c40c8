"""A member who never chose a language is answered in the language they write in; one who
chose keeps it; labels are shortened at word boundaries."""

from __future__ import annotations

import pytest

from bot.messages import shorten
from bot.natural import language_of
from models.db import Sessions
from tests.support.dialogue import Member
from tests.support.dispatch import make_dispatcher
from tests.support.events import NOW, event_settings


@pytest.mark.parametrize(("text", "language"), [
    ("hello", "en"), ("How do I get a Jingka card?", "en"), ("京卡怎么办理", "zh_CN"),
    ("我的claim到哪了", "zh_CN"), ("3000", None), ("ok", None), ("👍", None), ("3.5k", None),
])
def test_the_language_of_a_message(text: str, language: str | None) -> None:
    assert language_of(text) == language


async def test_english_typed_without_a_chosen_language_gets_english(
        sessions: Sessions, database_url: str) -> None:
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    member = Member(dispatcher, language="")  # WeChat and the terminal send no language
    assert "Hello" in await member.says("hello")
    answer = await member.says("How do I get a Jingka card?")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in answer.replace("京卡", ""))
    answer = await member.says("你好")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer)


async def test_a_chosen_language_is_kept(sessions: Sessions, database_url: str) -> None:
    dispatcher = make_dispatcher(event_settings(database_url), sessions, NOW)
    member = Member(dispatcher, language="")
    await member.presses("lang.set:zh_CN")
    answer = await member.says("hello")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer)


@pytest.mark.parametrize(("label", "short"), [
    ("1. Women workers' rights and mental health lecture series",
     "1. Women workers' rights and mental…"),
    ("1. 【演示】心理健康讲座：做一个幸福的职业女性，学会调节压力和情绪管理的方法与技巧", None),
    ("Short label", "Short label"),
])
def test_labels_are_cut_at_word_boundaries(label: str, short: str | None) -> None:
    result = shorten(label)
    assert len(result) <= 40
    if short is not None:
        assert result == short
    else:
        assert result.endswith("…")
