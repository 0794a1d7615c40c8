"""WeChat XML: hostile documents are refused, member text survives the passive reply."""

from __future__ import annotations

import pytest

from bot.channels.wechat.xmlmsg import BadXml, parse_xml, text_reply

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Content>&lol2;</Content></xml>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><Content>&xxe;</Content></xml>"
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL, "<xml><Content>", "", "{}",
                                  "<html><body/></html>"])
def test_hostile_or_broken_xml_is_refused(body: str) -> None:
    with pytest.raises(BadXml):
        parse_xml(body.encode())


def test_member_text_with_cdata_terminator_survives_the_reply() -> None:
    text = "echo ]]><evil/> 完"
    reply = text_reply(to_user="member", from_user="gh_account", text=text, now=1)
    fields = parse_xml(reply.encode())
    assert fields["Content"] == text
    assert (fields["ToUserName"], fields["FromUserName"]) == ("member", "gh_account")
    assert fields["CreateTime"] == "1"
