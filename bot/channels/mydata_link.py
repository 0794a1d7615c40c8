"""GET /mydata/<token>: the member's export behind a short-lived signed link (WeChat cannot
send files). Each download is an audit entry; an expired or forged link gets 404."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.privacy.export import export_member
from bot.privacy.links import PATH, read_token
from models.crypto import Keyring
from models.db import Sessions
from models.member import Member
from models.privacy import is_erased

log = logging.getLogger(__name__)


class MyDataLinks:
    def __init__(self, sessions: Sessions, keyring: Keyring, data_dir: Path,
                 clock: Callable[[], datetime]) -> None:
        self.sessions, self.keyring = sessions, keyring
        self.data_dir, self.clock = data_dir, clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH + "{token}", self.download)]

    async def download(self, request: web.Request) -> web.Response:
        now = self.clock()
        member_id = read_token(self.keyring, request.match_info["token"], now=now)
        if member_id is None:
            log.warning("mydata: expired or forged link from %s", request.remote)
            raise web.HTTPNotFound(text="This link has expired. Send /mydata again.")
        async with self.sessions.begin() as session:
            member = await session.get(Member, member_id)
            if member is None or is_erased(member):
                raise web.HTTPNotFound(text="Nothing is held for this link any more.")
            archive = await export_member(session, member, data_dir=self.data_dir, now=now,
                                          actor_id=member.id, via="link")
        return web.Response(body=archive.data, content_type=archive.mime_type, headers={
            "Content-Disposition": f'attachment; filename="{archive.name}"',
            "Cache-Control": "no-store"})
