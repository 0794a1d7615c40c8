"""WeChat's XML: parsed with a hardened parser (no DTDs, no entities), replies rendered with
CDATA that survives member text containing `]]>`."""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_FIELDS = 64  # a WeChat message has about a dozen; more is not WeChat


class BadXml(Exception):
    """The body is not a WeChat XML message (malformed, a DTD, entities, too many fields)."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The top-level fields of `<xml>...</xml>`, as text."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(str(exc)) from None
    if root.tag != "xml" or len(root) > MAX_FIELDS:
        raise BadXml(f"unexpected root <{root.tag}> with {len(root)} fields")
    fields: dict[str, str] = {}
    for child in root:
        if len(child) == 0:
            fields[child.tag] = (child.text or "").strip()
    return fields


def cdata(text: str) -> str:
    """`]]>` cannot appear inside CDATA: end the section and start a new one around `>`."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_fields(fields: Mapping[str, str | int]) -> str:
    """`<xml>` with numbers bare and strings in CDATA (field names are ours, never input)."""
    parts = ["<xml>"]
    for name, value in fields.items():
        body = str(value) if isinstance(value, int) else cdata(value)
        parts.append(f"<{name}>{body}</{name}>")
    parts.append("</xml>")
    return "".join(parts)


def text_reply(*, to_user: str, from_user: str, text: str, now: int) -> str:
    """A passive text reply: ToUserName is the member, FromUserName the account."""
    return render_fields({
        "ToUserName": to_user, "FromUserName": from_user, "CreateTime": now,
        "MsgType": "text", "Content": text,
    })


def encrypted_reply(*, encrypt: str, signature: str, timestamp: int, nonce: str) -> str:
    return render_fields({
        "Encrypt": encrypt, "MsgSignature": signature, "TimeStamp": timestamp, "Nonce": nonce,
    })
