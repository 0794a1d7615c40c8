"""Replies as WeChat text: numbered options, links, one message where it fits, 2048 bytes."""

from __future__ import annotations

import pytest

from bot.channels.wechat.render import option_number, render_replies
from bot.i18n import Catalogs
from bot.messages import Ask, Button, Reply

ZH = Catalogs().get("zh_CN")


def test_buttons_become_numbered_options_with_a_hint() -> None:
    reply = Reply(text="请选择：", buttons=(
        (Button("京卡优惠", "discounts.menu"), Button("互助保障", "faq.intent:mutual_aid")),
        (Button("工会官网", url="https://www.bjzgh.org"),),
    ))
    rendered = render_replies([reply], ZH)
    assert rendered.texts == (
        "请选择：\n1. 京卡优惠\n2. 互助保障\n工会官网: https://www.bjzgh.org\n请回复数字进行选择。",)
    assert rendered.options == ("discounts.menu", "faq.intent:mutual_aid")


def test_several_replies_go_as_one_message_and_only_the_last_buttons_count() -> None:
    notice = Reply(text="这个按钮已过期。", buttons=((Button("旧", "old.x"),),))
    menu = Reply(text="菜单", buttons=((Button("新", "menu.more"),),))
    rendered = render_replies([notice, menu], ZH)
    assert len(rendered.texts) == 1
    assert rendered.texts[0].startswith("这个按钮已过期。\n\n菜单\n1. 新")
    assert rendered.options == ("menu.more",)


def test_long_answers_are_cut_under_2048_bytes() -> None:
    rendered = render_replies([Reply(text="工会服务说明。" * 400)], ZH)
    assert len(rendered.texts) > 1
    assert all(len(text.encode("utf-8")) <= 2048 for text in rendered.texts)
    assert "".join(rendered.texts) == "工会服务说明。" * 400


def test_a_location_request_explains_how_to_share_it() -> None:
    rendered = render_replies([Reply(text="附近优惠", ask=Ask.LOCATION)], ZH)
    assert "位置" in rendered.texts[0].splitlines()[-1]


@pytest.mark.parametrize(("text", "number"), [
    ("2", 2), (" 3 ", 3), ("２", 2), ("1。", 1), ("0", None), ("12", None), ("二", None),
    (None, None),
])
def test_a_lone_digit_is_an_option_number(text: str | None, number: int | None) -> None:
    assert option_number(text) == number
