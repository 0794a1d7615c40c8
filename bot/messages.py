"""The two values that cross the channel boundary: `Incoming` in, `Reply` out.

Channel adapters build an `Incoming` from a platform update and render the `Reply` they get
back; nothing platform-specific crosses into handlers or models.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CALLBACK_DATA_LIMIT = 64  # Telegram's callback_data limit, in UTF-8 bytes


@dataclass(frozen=True, slots=True)
class Address:
    """Where a reply goes: a chat on one channel."""

    channel: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the member sent; `file_ref` lets the channel fetch its bytes later."""

    kind: AttachmentKind
    file_ref: str
    mime_type: str | None = None
    size: int | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number the member shared; `own` when it is the sender's own contact card."""

    phone: str
    own: bool


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button press from a member, in platform-neutral form."""

    channel: str
    chat_id: str
    user_id: str
    display_name: str = ""
    language_hint: str | None = None
    text: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    payload: str | None = None
    location: Location | None = None
    attachment: Attachment | None = None
    contact: Contact | None = None
    update_id: str = ""
    message_id: str | None = None
    reply_to_message_id: str | None = None
    reply_to_text: str | None = None
    is_private: bool = True

    @property
    def address(self) -> Address:
        return Address(self.channel, self.chat_id)


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a payload `action:arg` (<= 64 bytes) or a link."""

    label: str
    payload: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.payload is None) == (self.url is None):
            raise ValueError("a button has either a payload or a url")
        if self.payload is not None:
            size = len(self.payload.encode("utf-8"))
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                raise ValueError(f"button payload is {size} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    name: str
    data: bytes
    mime_type: str
    as_photo: bool = False


class Ask(StrEnum):
    """A one-tap answer the channel can offer where it supports it."""

    LOCATION = "location"
    CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says. A reply with `to` (another chat: the staff chat) or `to_member` (a
    member's private chat, by member id) is a notice: it goes through the durable outbox."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    file: OutgoingFile | None = None
    ask: Ask | None = None
    intent: str | None = None
    to: Address | None = None
    to_member: int | None = None


def button_rows(buttons: list[Button], per_row: int = 2) -> tuple[tuple[Button, ...], ...]:
    """Lay buttons out in rows for a phone screen."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def shorten(label: str, limit: int = 40) -> str:
    """A button label within `limit` characters, cut at a word boundary with '…' (Chinese,
    which has no spaces, is cut at a character)."""
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–(") + "…"


def split_payload(payload: str) -> tuple[str, str]:
    """`discounts.show:42` -> ("discounts.show", "42"); no colon -> (payload, "")."""
    action, _, arg = payload.partition(":")
    return action, arg
