"""Short-lived signed links to a member's export, for channels that cannot send files
(WeChat): `<base>/mydata/<member id>.<expiry>.<signature>`, signed with a key derived from
the master key; nothing is stored until the member downloads."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from models.crypto import Keyring

PATH = "/mydata/"


def _signature(keyring: Keyring, payload: str, index: int) -> str:
    key = keyring.keys[index].link_key
    return hmac.new(key, b"mydata link " + payload.encode("ascii"), "sha256").hexdigest()[:32]


def make_token(keyring: Keyring, member_id: int, *, now: datetime, lifetime: timedelta) -> str:
    payload = f"{member_id}.{int((now + lifetime).timestamp())}"
    return f"{payload}.{_signature(keyring, payload, 0)}"


def read_token(keyring: Keyring, token: str, *, now: datetime) -> int | None:
    """The member id when the link is genuine and not expired; None otherwise."""
    member, _sep, rest = token.partition(".")
    expiry, _sep, signature = rest.partition(".")
    if not (member.isdigit() and expiry.isdigit()):
        return None
    payload = f"{member}.{expiry}"
    genuine = any(hmac.compare_digest(signature, _signature(keyring, payload, index))
                  for index in range(len(keyring.keys)))
    return int(member) if genuine and int(expiry) >= now.timestamp() else None


def link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + PATH + token
