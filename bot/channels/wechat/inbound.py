"""WeChat message and event fields -> the core's `Incoming`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Attachment, AttachmentKind, Incoming, Location
from bot.parsing import split_command

CHANNEL = "wechat"
MEDIA_KINDS = {
    "image": (AttachmentKind.PHOTO, "image/jpeg"),
    "voice": (AttachmentKind.VOICE, None),
    "video": (AttachmentKind.VIDEO, "video/mp4"),
    "shortvideo": (AttachmentKind.VIDEO, "video/mp4"),
    "file": (AttachmentKind.DOCUMENT, None),
}
QR_PREFIX = "qrscene_"  # EventKey of a subscribe that came from a parametric QR code


def update_key(fields: Mapping[str, str]) -> str:
    """MsgId for messages; for events the docs say FromUserName + CreateTime, but two events
    from one member in the same second would collide, so Event and EventKey join the key."""
    if fields.get("MsgId"):
        return "msg:" + fields["MsgId"]
    return ":".join((
        "event", fields.get("FromUserName", ""), fields.get("CreateTime", ""),
        fields.get("Event", "").lower(), fields.get("EventKey", ""),
    ))


def is_unsubscribe(fields: Mapping[str, str]) -> bool:
    return fields.get("MsgType") == "event" and fields.get("Event", "").lower() == "unsubscribe"


def is_mass_send_report(fields: Mapping[str, str]) -> bool:
    """WeChat's MASSSENDJOBFINISH: the counts of a mass send, some minutes after it."""
    return fields.get("MsgType") == "event" and fields.get("Event", "") == "MASSSENDJOBFINISH"


def to_incoming(fields: Mapping[str, str]) -> Incoming | None:
    """The platform-neutral message, or None for what needs no answer (VIEW, reports)."""
    openid = fields.get("FromUserName", "")
    if not openid:
        return None
    content = _content(fields)
    if content is None:
        return None
    return Incoming(
        channel=CHANNEL, chat_id=openid, user_id=openid, update_id=update_key(fields),
        message_id=fields.get("MsgId") or None, **content,
    )


def _content(fields: Mapping[str, str]) -> dict[str, Any] | None:
    kind = fields.get("MsgType", "")
    if kind == "text":
        return _text(fields.get("Content", ""))
    if kind == "event":
        return _event(fields.get("Event", "").lower(), fields.get("EventKey", ""))
    if kind == "location":
        try:
            latitude = float(fields.get("Location_X", ""))
            longitude = float(fields.get("Location_Y", ""))
        except ValueError:
            return {"text": ""}
        return {"location": Location(latitude, longitude)}
    if kind == "link":
        parts = (fields.get("Title", ""), fields.get("Description", ""), fields.get("Url", ""))
        return {"text": "\n".join(part for part in parts if part)}
    if kind == "voice" and fields.get("Recognition"):
        return {"text": fields["Recognition"]}  # WeChat's speech recognition, when enabled
    if kind in MEDIA_KINDS:
        attachment_kind, mime = MEDIA_KINDS[kind]
        if kind == "voice" and fields.get("Format"):
            mime = "audio/" + fields["Format"].lower()
        name = fields.get("Title") or None
        attachment = Attachment(attachment_kind, fields.get("MediaId", ""), mime, None, name)
        return {"attachment": attachment}
    return {"attachment": Attachment(AttachmentKind.OTHER, fields.get("MediaId", ""))}


def _text(text: str) -> dict[str, Any]:
    parsed = split_command(text)
    if parsed is None:
        return {"text": text}
    command, args = parsed
    return {"command": command, "args": args}


def _event(event: str, key: str) -> dict[str, Any] | None:
    if event == "subscribe":
        scene = key.removeprefix(QR_PREFIX) if key.startswith(QR_PREFIX) else ""
        return {"command": "start", "args": (scene,) if scene else ()}
    if event == "scan":
        return {"command": "start", "args": (key,) if key else ()}
    if event == "click":
        return {"payload": key or "menu.main"}
    return None  # VIEW (a link was opened), LOCATION reports, job-finished notices
