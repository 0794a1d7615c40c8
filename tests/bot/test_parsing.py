"""The parsers of untrusted input never raise, whatever Unicode, size or shape they are given:
command lines, button arguments, account ids, WeChat's XML."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.wechat.inbound import to_incoming
from bot.channels.wechat.xmlmsg import BadXml, parse_xml, render_fields
from bot.messages import split_payload
from bot.parsing import parse_id, parse_number, split_command, valid_account_id

SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u1680\u0085\t\n\r\x0b\x0c "
any_text = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(SPACES))


@given(any_text)
def test_split_command_never_raises_and_keeps_the_words(text: str) -> None:
    parsed = split_command(text)
    if parsed is None:
        return
    command, args = parsed
    assert text.startswith("/") and command and not any(c.isspace() for c in command)
    assert [command, *args] == text[1:].split()


@pytest.mark.parametrize("space", list(SPACES))
def test_a_slash_with_only_spaces_is_not_a_command(space: str) -> None:
    assert split_command("/" + space) is None
    assert split_command("/" + space * 3) is None
    assert split_command("/" + space + "help") is None  # "/ help" is text, as Telegram shows it


@given(st.text())
def test_parse_id_accepts_only_plain_positive_numbers(text: str) -> None:
    value = parse_id(text)
    if value is not None:
        assert str(value) == text.lstrip("0") and 0 < value < 10**18


@pytest.mark.parametrize("text", ["²", "١٢", "-1", "0", "1e3", " 1", "9" * 40, "", "+5", "0x10"])
def test_parse_id_refuses_what_isdigit_let_through(text: str) -> None:
    assert parse_id(text) is None


def test_parse_number_keeps_zero_and_refuses_long() -> None:
    assert parse_number("0") == 0 and parse_number("12345", digits=4) is None


@given(st.text(max_size=200))
def test_button_payloads_split_without_raising(payload: str) -> None:
    action, arg = split_payload(payload)
    assert payload.startswith(action)
    if arg:
        parse_id(arg)


@pytest.mark.parametrize(("channel", "value", "ok"), [
    ("telegram", "123456789", True), ("telegram", "-1001", False), ("telegram", "²", False),
    ("wechat", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", True), ("wechat", "o-aB_cd-EfGh_1234", True),
    ("wechat", "o1;drop", False), ("wechat", "微信用户", False), ("matrix", "@a:b", False),
])
def test_account_ids_have_their_channels_shape(channel: str, value: str, ok: bool) -> None:
    assert valid_account_id(channel, value) is ok


@given(st.binary(max_size=2000))
def test_wechat_xml_parser_raises_only_badxml_on_bytes(body: bytes) -> None:
    try:
        parse_xml(body)
    except BadXml:
        pass


xml_fields = st.dictionaries(
    st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId",
                     "Event", "EventKey", "Location_X", "Location_Y", "MediaId", "Format",
                     "Recognition", "Title"]),
    any_text | st.integers(min_value=-(10**20), max_value=10**20), max_size=10,
)


@given(xml_fields)
def test_any_wechat_message_becomes_an_incoming_or_none(fields: dict[str, str | int]) -> None:
    try:
        parsed = parse_xml(render_fields(fields).encode("utf-8"))
    except BadXml:
        return  # control characters XML cannot carry
    to_incoming(parsed)
