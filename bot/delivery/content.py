"""What a broadcast looks like to members; the staff preview is built by the same function."""

from __future__ import annotations

from bot.messages import OutgoingFile, Reply


def broadcast_reply(text: str, photo: bytes | None) -> Reply:
    file = OutgoingFile("photo.jpg", photo, "image/jpeg", as_photo=True) if photo else None
    return Reply(text=text, file=file)
