"""Reading updates straight from the JSON gives what PTB's Update and `to_incoming` give: the
same Incoming, the same button to answer, the same chat for an apology; and whatever it is not
sure of is left to PTB. Replies' keyboards are the JSON PTB would send."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram import _markup, markup_json
from bot.channels.telegram_updates import Common, read_common, text_or, to_incoming
from bot.messages import Ask, Button, Reply

BOT = "unionbot_test_bot"
USER = {"id": 4101, "is_bot": False, "first_name": "芳", "last_name": "王",
        "language_code": "zh-hans"}
PRIVATE = {"id": 4101, "type": "private", "first_name": "芳"}
GROUP = {"id": -100200300, "type": "supergroup", "title": "工会小组"}
KEYBOARD = {"inline_keyboard": [[{"text": "理赔", "callback_data": "claim.start"}],
                                [{"text": "网站", "url": "https://example.org"}]]}


def message(text: object = "你好", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": 55, "date": 1700000000, "chat": PRIVATE,
                            "from": USER, "text": text}
    body.update(extra)
    return {"update_id": 9001, "message": {k: v for k, v in body.items() if v is not _GONE}}


def callback(data: object = "menu.main", **extra: Any) -> dict[str, Any]:
    on = {"message_id": 54, "date": 1700000000, "chat": PRIVATE, "text": "菜单",
          "from": {"id": 777000, "is_bot": True, "first_name": "Union"},
          "reply_markup": KEYBOARD}
    body: dict[str, Any] = {"id": "cb-1", "from": USER, "chat_instance": "42", "message": on,
                            "data": data}
    body.update(extra)
    return {"update_id": 9002,
            "callback_query": {k: v for k, v in body.items() if v is not _GONE}}


_GONE = object()  # a field left out

# Everything read from the JSON: a member's text, commands, button presses.
COMMON = [
    message(), message("/start"), message("/help@unionbot_test_bot"),
    message("/help@UnionBot_Test_Bot"), message("/claim 12 yes"), message("/"), message(""),
    message("/\u3000help"), message("/\u00a0"), message("/ start"), message("/@unionbot_test_bot"),
    message("/help@other_bot"), message("@unionbot_test_bot hi"), message("１２３"),
    message("hi", chat=GROUP), message("/menu@unionbot_test_bot", chat=GROUP),
    message("hi", entities=[{"type": "bold", "offset": 0, "length": 2}]),
    message("/start x", entities=[{"type": "bot_command", "offset": 0, "length": 6}]),
    message("hi", edit_date=1700000100, message_thread_id=3, is_topic_message=True),
    message("hi", **{"from": {**USER, "last_name": ""}}),
    message("hi", **{"from": {"id": 1, "is_bot": False, "first_name": ""}}),
    message("hi", **{"from": {"id": 1, "is_bot": False, "first_name": "", "last_name": "Li"}}),
    message("hi", **{"from": {**USER, "language_code": 7}}),
    message("hi", **{"from": {**USER, "username": "fang", "is_premium": True}}),
    message("hi", chat={"id": 5, "type": "group", "title": "t", "is_forum": False}),
    callback(), callback("claim.list:2"), callback(_GONE), callback(""),
    callback(message={"message_id": 54, "date": 1700000000, "chat": GROUP}),
]

# Left to PTB: attachments, replies, forwards, edits, membership, and anything unusual.
UNCOMMON = [
    {"update_id": 1, "edited_message": message()["message"]},
    {"update_id": 1, "channel_post": message()["message"]},
    {"update_id": 1, "my_chat_member": {
        "chat": PRIVATE, "from": USER, "date": 1700000000,
        "old_chat_member": {"user": USER, "status": "member"},
        "new_chat_member": {"user": USER, "status": "kicked", "until_date": 0}}},
    message(_GONE, photo=[{"file_id": "p1", "file_unique_id": "u", "width": 1, "height": 1}]),
    message(_GONE, caption="scan", document={"file_id": "d1", "file_unique_id": "u"}),
    message(_GONE, location={"latitude": 39.9, "longitude": 116.4}),
    message(_GONE, contact={"phone_number": "+8613800000000", "first_name": "芳",
                            "user_id": 4101}),
    message("hi", reply_to_message={"message_id": 7, "date": 1700000000, "chat": PRIVATE,
                                    "text": "earlier"}),
    message("hi", forward_origin={"type": "user", "date": 1700000000, "sender_user": USER}),
    message("hi", entities=[{"type": "text_mention", "offset": 0, "length": 2, "user": USER}]),
    message("hi", sender_chat=GROUP), message("hi", via_bot=USER),
    message("hi", **{"from": _GONE}), message("hi", date=_GONE), message("hi", chat=_GONE),
    message("hi", date=0), message("hi", date="1700000000"), message("hi", date=10**20),
    message("hi", message_id="55"), message("hi", message_id=True), message(5),
    message(None), message("hi", chat={"id": "5", "type": "private"}),
    message("hi", chat={"id": 5}), message("hi", **{"from": {**USER, "first_name": 5}}),
    message("hi", **{"from": {**USER, "last_name": None}}),
    message("hi", **{"from": {"id": 1, "first_name": "x"}}),
    message("hi", entities="bold"), message("hi", entities=[{"type": "bold"}]),
    message("hi", unknown_field=1),
    {**message(), "update_id": "9001"}, {**message(), "update_id": True},
    {**message(), "extra": 1}, {"update_id": 1}, {"update_id": 1, "message": {}},
    {"update_id": 1, "message": []}, [], "update", None,
    callback(5), callback(id=17), callback(message=_GONE), callback(chat_instance=_GONE),
    callback(inline_message_id="i1"), callback(game_short_name="g"),
    callback(message={"message_id": 54, "date": 0, "chat": PRIVATE}),
    callback(message={"message_id": 54, "date": 1700000000, "chat": PRIVATE,
                      "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1,
                                 "height": 1}]}),
    callback(message={"message_id": 54, "date": 1700000000, "chat": PRIVATE,
                      "reply_markup": {"inline_keyboard": [[{"text": "pay", "pay": True}]]}}),
    callback(**{"from": {**USER, "id": "4101"}}),
]


def by_ptb(raw: Any) -> tuple[str, Any]:
    """What PTB makes of an update: its Incoming, button and apology target, or unreadable."""
    try:
        update = Update.de_json(copy.deepcopy(raw), None)
    except Exception:
        return "unreadable", None
    query = update.callback_query
    chat, user = update.effective_chat, update.effective_user
    return "read", (
        to_incoming(update, BOT), query.id if query is not None else None,
        str(chat.id) if chat is not None else None,
        text_or(user.language_code, None) if user is not None else None,
    )


def by_json(common: Common) -> tuple[str, Any]:
    return "read", (common.to_incoming(BOT), common.callback_id, common.chat_id,
                    common.language)


@pytest.mark.parametrize("raw", COMMON)
def test_common_updates_are_read_from_the_json_as_ptb_reads_them(raw: Any) -> None:
    common = read_common(copy.deepcopy(raw))
    assert common is not None
    assert by_json(common) == by_ptb(raw)


@pytest.mark.parametrize("raw", UNCOMMON)
def test_uncommon_or_odd_updates_are_left_to_ptb(raw: Any) -> None:
    assert read_common(copy.deepcopy(raw)) is None


def test_commands_and_texts_come_out_as_the_handlers_expect() -> None:
    def read(raw: Any) -> Any:
        common = read_common(raw)
        assert common is not None
        return common.to_incoming(BOT)

    addressed = read(message("/claim@UNIONBOT_TEST_BOT 12  yes"))
    assert (addressed.command, addressed.args, addressed.text) == ("claim", ("12", "yes"), None)
    assert read(message("/help@other_bot")).text == "/help@other_bot"
    assert read(message("/\u3000start")).command is None
    grouped = read(message("hi", chat=GROUP))
    assert (grouped.chat_id, grouped.user_id, grouped.is_private) == ("-100200300", "4101", False)
    assert read(message()).display_name == "芳 王"
    pressed = read(callback(_GONE))
    assert (pressed.payload, pressed.message_id) == ("menu.main", None)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=3),
    max_leaves=6,
)
_FIELDS = st.sampled_from([
    (), ("update_id",), ("message",), ("message", "text"), ("message", "date"),
    ("message", "chat"), ("message", "chat", "id"), ("message", "chat", "type"),
    ("message", "from"), ("message", "from", "first_name"), ("message", "from", "last_name"),
    ("message", "from", "id"), ("message", "from", "language_code"), ("message", "entities"),
    ("message", "message_id"), ("message", "edit_date"), ("message", "reply_to_message"),
    ("callback_query", "data"), ("callback_query", "id"), ("callback_query", "message"),
    ("callback_query", "message", "reply_markup"), ("callback_query", "message", "date"),
    ("callback_query", "from"), ("callback_query", "from", "is_bot"),
])


@settings(max_examples=400, deadline=None)
@given(base=st.sampled_from(COMMON), path=_FIELDS, value=_JSON | st.just(_GONE))
def test_whatever_is_read_from_the_json_ptb_reads_the_same(
    base: Any, path: tuple[str, ...], value: Any,
) -> None:
    """Any field of a common update replaced by any JSON value (or left out): if the JSON
    reader accepts the result, PTB reads it to the same Incoming."""
    raw = copy.deepcopy(base)
    target = raw
    for key in path[:-1]:
        target = target.get(key) if isinstance(target, dict) else None
    if not path or not isinstance(target, dict):
        raw = value
    elif value is _GONE:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    common = read_common(copy.deepcopy(raw))
    if common is not None:
        assert by_json(common) == by_ptb(raw)


@pytest.mark.parametrize("reply", [
    Reply(text="hi"),
    Reply(text="hi", buttons=((Button("理赔", payload="claim.start"),),
                              (Button("网站", url="https://example.org"), Button("b", "x:1")))),
    Reply(text="where?", ask=Ask.LOCATION), Reply(text="phone?", ask=Ask.CONTACT),
])
def test_reply_keyboards_are_the_json_ptb_would_send(reply: Reply) -> None:
    markup = _markup(reply)
    assert markup_json(reply) == (markup.to_dict() if markup is not None else None)
