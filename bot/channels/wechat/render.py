"""A `Reply` as WeChat text: buttons become numbered options the member answers with a digit,
link buttons become lines with their address, and long text is cut to WeChat's size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.base import split_text
from bot.i18n import N_, Translator
from bot.messages import Ask, Reply

# WeChat text messages carry at most 2048 bytes; 680 characters stay under it in Chinese.
TEXT_CHARS = 680
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
MAX_OPTIONS = 9  # one digit each

CHOOSE_HINT = N_("Reply with a number to choose.")
ASK_LOCATION = N_("To share your location, tap + below and choose Location.")
ASK_CONTACT = N_("Please type your mobile phone number.")
NO_FILES = N_("(A file was prepared for you; please ask staff to send it another way.)")
IMAGE_FOLLOWS = N_("(Photo {name} follows as an image message.)")
PDF_ELSEWHERE = N_("(PDF {name}: WeChat cannot show a PDF in this chat; open it from the staff "
                   "chat on Telegram or ask a colleague to forward it.)")


@dataclass(frozen=True, slots=True)
class Rendered:
    """The texts to send, in order, and the payloads the digits 1..n now stand for."""

    texts: tuple[str, ...]
    options: tuple[str, ...]


def render_replies(replies: Sequence[Reply], translator: Translator) -> Rendered:
    """All replies in one text where it fits (a passive reply is one message, and
    customer-service messages are rationed); only the last reply's buttons are numbered."""
    bodies: list[str] = []
    options: list[str] = []
    for index, reply in enumerate(replies):
        last = index == len(replies) - 1
        body, offered = _render_one(reply, translator, number_buttons=last)
        bodies.append(body)
        options = offered if last else options
    texts = split_text("\n\n".join(body for body in bodies if body.strip()), TEXT_CHARS)
    return Rendered(tuple(t for t in texts if t.strip()), tuple(options))


def _render_one(
    reply: Reply, translator: Translator, *, number_buttons: bool
) -> tuple[str, list[str]]:
    lines = [reply.text] if reply.text else []
    options: list[str] = []
    for row in reply.buttons:
        for button in row:
            if button.url is not None:
                lines.append(f"{button.label}: {button.url}")
            elif number_buttons and button.payload and len(options) < MAX_OPTIONS:
                options.append(button.payload)
                lines.append(f"{len(options)}. {button.label}")
    if options:
        lines.append(translator.gettext(CHOOSE_HINT))
    if reply.ask is Ask.LOCATION:
        lines.append(translator.gettext(ASK_LOCATION))
    elif reply.ask is Ask.CONTACT:
        lines.append(translator.gettext(ASK_CONTACT))
    if reply.file is not None:
        note = IMAGE_FOLLOWS if reply.file.mime_type.startswith("image/") else PDF_ELSEWHERE
        lines.append(translator.gettext(note).format(name=reply.file.name))
    return "\n".join(lines), options


def option_number(text: str | None) -> int | None:
    """1-9 when the member answered with a single digit (full-width digits too)."""
    if text is None:
        return None
    stripped = text.strip().translate(DIGITS).rstrip(".。")
    if len(stripped) == 1 and stripped in "123456789":
        return int(stripped)
    return None
