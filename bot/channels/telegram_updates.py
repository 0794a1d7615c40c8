"""Telegram updates into `Incoming`: the common kinds read straight from the JSON, the rest
through python-telegram-bot.

A member's text, a command and a button press are most of what arrives; building PTB's
Update, Message, User and Chat objects for them costs more CPU than answering. `read_common`
reads those kinds from the raw JSON when every field it meets is one it knows, of the type
Telegram documents, and gives up (None) otherwise: attachments, contacts, locations, replies,
forwards, edits, membership changes and anything unusual or malformed go through PTB's
Update.de_json and `to_incoming`, as before. Whatever `read_common` accepts, PTB would read
without error, and `Common.to_incoming` gives the `Incoming` that `to_incoming` would. Reading
only checks; the `Incoming` is built while the update is handled, where a fault is apologised
for like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Message, Update

from bot.messages import Attachment, AttachmentKind, Contact, Incoming, Location
from bot.parsing import split_command

CHANNEL = "telegram"
_T = TypeVar("_T")

# Fields of the objects read here whose values PTB keeps as they are (or only wraps): any other
# field sends the update through PTB.
_USER_FIELDS = frozenset({
    "id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium",
    "added_to_attachment_menu", "can_join_groups", "can_read_all_group_messages",
    "supports_inline_queries", "can_connect_to_business", "has_main_web_app",
})
_CHAT_FIELDS = frozenset({"id", "type", "title", "username", "first_name", "last_name",
                          "is_forum"})
_MESSAGE_FIELDS = frozenset({"message_id", "date", "chat", "from", "text", "entities",
                             "edit_date", "message_thread_id", "is_topic_message"})
_BOT_MESSAGE_FIELDS = _MESSAGE_FIELDS | {"reply_markup"}  # the message a pressed button is on
_ENTITY_FIELDS = frozenset({"type", "offset", "length", "url", "language", "custom_emoji_id"})
_BUTTON_FIELDS = frozenset({"text", "url", "callback_data"})
_CALLBACK_FIELDS = frozenset({"id", "from", "chat_instance", "message", "data"})
_LAST_DATE = 253402300799  # 9999-12-31: later dates are no datetime


@dataclass(frozen=True, slots=True)
class Common:
    """A text message, command or button press whose JSON was checked."""

    update_id: int
    user: dict[str, Any]
    chat: dict[str, Any]
    message_id: int | None = None  # of a message; None for a button press
    text: str = ""  # a message's text
    callback_id: str | None = None  # a button press, to be answered
    data: str = ""  # a button's callback_data

    @property
    def chat_id(self) -> str:
        return str(self.chat["id"])

    @property
    def language(self) -> str | None:
        return text_or(self.user.get("language_code"), None)

    def to_incoming(self, bot_username: str) -> Incoming:
        first, last = self.user["first_name"], self.user.get("last_name")
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "chat_id": self.chat_id,
            "user_id": str(self.user["id"]),
            "display_name": f"{first} {last}" if first and last else first,
            "language_hint": self.language,
            "update_id": str(self.update_id),
            "is_private": self.chat["type"] == "private",
        }
        if self.callback_id is not None:
            return Incoming(**base, payload=self.data or "menu.main")
        return Incoming(**base, message_id=str(self.message_id),
                        **_text_content(self.text, bot_username))


def read_common(raw: object) -> Common | None:
    """A text message, command or button press checked in the JSON; None: leave it to PTB."""
    if not isinstance(raw, dict) or len(raw) != 2:
        return None
    update_id = raw.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    if "message" in raw:
        return _read_message(update_id, raw["message"])
    if "callback_query" in raw:
        return _read_callback(update_id, raw["callback_query"])
    return None


def _read_message(update_id: int, message: Any) -> Common | None:
    if not _is_message(message, _MESSAGE_FIELDS):
        return None
    user, text = message.get("from"), message.get("text")
    if not _is_user(user) or not isinstance(text, str):
        return None
    return Common(update_id, user, message["chat"], message_id=message["message_id"], text=text)


def _read_callback(update_id: int, query: Any) -> Common | None:
    if not isinstance(query, dict) or not _CALLBACK_FIELDS.issuperset(query):
        return None
    query_id, user, data = query.get("id"), query.get("from"), query.get("data", "")
    message: dict[str, Any] = query.get("message") or {}
    if not (isinstance(query_id, str) and "chat_instance" in query and isinstance(data, str)
            and _is_user(user) and _is_message(message, _BOT_MESSAGE_FIELDS)):
        return None
    if "from" in message and not _is_user(message["from"]):
        return None
    return Common(update_id, query["from"], message["chat"], callback_id=query_id, data=data)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: object) -> bool:
    return _is_int(value) and 0 < value <= _LAST_DATE  # type: ignore[operator]


def _is_user(user: object) -> bool:
    return (isinstance(user, dict) and _USER_FIELDS.issuperset(user) and "is_bot" in user
            and _is_int(user.get("id")) and isinstance(user.get("first_name"), str)
            and isinstance(user.get("last_name", ""), str))


def _is_chat(chat: object) -> bool:
    return (isinstance(chat, dict) and _CHAT_FIELDS.issuperset(chat)
            and _is_int(chat.get("id")) and isinstance(chat.get("type"), str))


def _is_message(message: object, fields: frozenset[str]) -> bool:
    if not (isinstance(message, dict) and fields.issuperset(message)):
        return False
    if not (_is_int(message.get("message_id")) and _is_date(message.get("date"))
            and _is_chat(message.get("chat"))):
        return False
    if "edit_date" in message and not _is_date(message["edit_date"]):
        return False
    if "text" in message and not isinstance(message["text"], str):
        return False
    if "entities" in message and not _are_entities(message["entities"]):
        return False
    return "reply_markup" not in message or _is_inline_keyboard(message["reply_markup"])


def _are_entities(entities: object) -> bool:
    return isinstance(entities, list) and all(
        isinstance(e, dict) and _ENTITY_FIELDS.issuperset(e) and isinstance(e.get("type"), str)
        and _is_int(e.get("offset")) and _is_int(e.get("length"))
        and all(isinstance(e.get(k, ""), str) for k in ("url", "language", "custom_emoji_id"))
        for e in entities
    )


def _is_inline_keyboard(markup: object) -> bool:
    if not isinstance(markup, dict) or set(markup) != {"inline_keyboard"}:
        return False
    rows = markup["inline_keyboard"]
    return isinstance(rows, list) and bool(rows) and all(
        isinstance(row, list) and all(
            isinstance(b, dict) and _BUTTON_FIELDS.issuperset(b)
            and all(isinstance(value, str) for value in b.values()) and "text" in b
            for b in row)
        for row in rows
    )


def _text_content(text: str, bot_username: str) -> dict[str, Any]:
    parsed = split_command(text)
    if parsed is not None:
        head, args = parsed
        command, _, addressee = head.partition("@")
        if command and (not addressee or addressee.lower() == bot_username.lower()):
            return {"command": command, "args": args}
    return {"text": text}


def to_incoming(update: Update, bot_username: str = "") -> Incoming | None:
    """The platform-neutral form of an update, or None for updates that need no answer."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "display_name": text_or(user.full_name, ""),
        "language_hint": text_or(user.language_code, None),
        "update_id": str(update.update_id),
        "is_private": chat.type == "private",
    }
    if update.callback_query is not None:
        return Incoming(**base, payload=text_or(update.callback_query.data, "") or "menu.main")
    message = update.message
    if message is None:
        return None
    base["message_id"] = str(message.message_id)
    if message.reply_to_message is not None:
        base["reply_to_message_id"] = str(message.reply_to_message.message_id)
        base["reply_to_text"] = message.reply_to_message.text or message.reply_to_message.caption
    return Incoming(**base, **_content(message, user.id, bot_username))


def _content(message: Message, user_id: int, bot_username: str) -> dict[str, Any]:
    if message.text is not None:
        return _text_content(text_or(message.text, ""), bot_username)
    if message.location is not None:
        return {"location": Location(message.location.latitude, message.location.longitude)}
    if message.contact is not None:
        own = message.contact.user_id == user_id
        return {"contact": Contact(message.contact.phone_number, own)}
    attachment = _attachment(message)
    if attachment is not None:
        return {"attachment": attachment, "text": message.caption}
    return {"text": message.caption or ""}


def text_or(value: object, default: _T) -> str | _T:
    """PTB does not check the JSON types of an update: a number where text belongs is not
    text (a forged or broken update must not reach the parsers as something else)."""
    return value if isinstance(value, str) else default


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        largest = message.photo[-1]
        return Attachment(AttachmentKind.PHOTO, largest.file_id, "image/jpeg", largest.file_size)
    kinds = (
        (message.document, AttachmentKind.DOCUMENT),
        (message.voice, AttachmentKind.VOICE),
        (message.audio, AttachmentKind.AUDIO),
        (message.video, AttachmentKind.VIDEO),
        (message.sticker, AttachmentKind.STICKER),
    )
    for media, kind in kinds:
        if media is not None:
            return Attachment(
                kind, media.file_id, getattr(media, "mime_type", None), media.file_size,
                getattr(media, "file_name", None),
            )
    return None
