"""Announcements reach WeChat followers by one mass send (群发) to a tag, within the monthly
quota; service notices go by customer-service message in the 48-hour window, by template
outside it, or wait for the member to write. All through the running bot, over real HTTP to
the fake WeChat API and the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.delivery.plan import Method, plan_broadcast
from bot.delivery.plan_text import reasons
from bot.delivery.sender import MessageKind
from bot.i18n import Catalogs
from models.base import utcnow
from models.broadcast import OutboxMessage, create_broadcast, failure_details
from models.db import Sessions
from models.member import find_member
from models.outbox import enqueue_message
from models.subscription import set_subscription
from models.wechat_mass import WeChatMassJob
from tests.support.broadcasts import add_followers, eventually, running_bot, wait_until_ended
from tests.support.fakes.telegram_api import FakeTelegram
from tests.support.fakes.wechat_api import FakeWeChat, Follower

FOLLOWERS = 20_000
NOTICE = "您的互助金申请已审核通过。"


async def announce(sessions: Sessions, text: str = "周五19:00 工会会员大会", *,
                   audience: str = "all", photo: bytes | None = None) -> int:
    async with sessions.begin() as session:
        broadcast = await create_broadcast(session, created_by=None, text=text,
                                           audience=audience, now=utcnow(), photo=photo)
    return broadcast.id


async def test_20000_followers_get_one_mass_send_to_the_tag_and_the_quota_counts_it(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    openids = await add_followers(sessions, "wechat", FOLLOWERS, opted_out=35)
    await add_followers(sessions, "telegram", 3, seen_ago=timedelta(hours=1))
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat) as app:
        async with sessions.begin() as session:
            before = await plan_broadcast(session, audience="all", settings=app.settings,
                                          now=utcnow())
        wechat = before.channels[1]
        assert (wechat.method, wechat.reached, wechat.opted_out) == (
            Method.MASS, FOLLOWERS - 35, 35)
        assert (wechat.quota_left, wechat.quota) == (4, 4)

        broadcast, counts = await wait_until_ended(sessions, await announce(sessions), 60)

        assert len(fake_wechat.mass_jobs) == 1  # one sendall, to one tag
        job = fake_wechat.mass_jobs[0]
        assert fake_wechat.tags[job["tag_id"]] == "unionbot all"
        assert fake_wechat.tagged[job["tag_id"]] == set(openids[35:])  # opted out: not tagged
        assert job["count"] == FOLLOWERS - 35
        assert fake_wechat.tag_calls == (FOLLOWERS - 35 + 49) // 50
        assert fake_wechat.mass_quota == 3
        assert [s.kind for s in fake_wechat.sent if s.openid == openids[0]] == []
        assert broadcast.status == "done"
        assert (counts["mass"], counts["sent"], counts["failed"]) == (FOLLOWERS - 35, 3, 0)
        async with sessions.begin() as session:
            after = await plan_broadcast(session, audience="all", settings=app.settings,
                                         now=utcnow())
        assert after.channels[1].quota_left == 3


async def test_the_tag_follows_members_who_opt_out_between_two_broadcasts(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    openids = await add_followers(sessions, "wechat", 5)
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat) as app:
        await wait_until_ended(sessions, await announce(sessions))
        async with sessions.begin() as session:
            member = await find_member(session, channel="wechat", external_id=openids[0])
            assert member is not None
            await set_subscription(session, member.id, "announcements", subscribed=False,
                                   now=utcnow())
        _broadcast, counts = await wait_until_ended(sessions, await announce(sessions, "第二次"))
        assert app is not None
    second = fake_wechat.mass_jobs[1]
    assert fake_wechat.tagged[second["tag_id"]] == set(openids[1:]) and counts["mass"] == 4
    assert fake_wechat.mass_quota == 2


async def test_a_follower_who_unfollowed_unseen_does_not_stop_the_mass_send(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    openids = await add_followers(sessions, "wechat", 5)
    fake_wechat.gone.add(openids[2])  # WeChat knows; our unfollow event never came
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat):
        broadcast, counts = await wait_until_ended(sessions, await announce(sessions))
    (job,) = fake_wechat.mass_jobs
    assert fake_wechat.tagged[job["tag_id"]] == set(openids) - {openids[2]}
    assert broadcast.status == "partial" and (counts["mass"], counts["blocked"]) == (4, 1)


async def test_when_this_months_mass_sends_are_spent_the_broadcast_ends_saying_so(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    await add_followers(sessions, "wechat", 4)
    month = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    async with sessions.begin() as session:
        session.add_all(WeChatMassJob(month=month.strftime("%Y-%m"), msg_id=str(i), tag_id=1,
                                      recipients=4, created_at=utcnow()) for i in range(4))
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat) as app:
        async with sessions.begin() as session:
            plan = await plan_broadcast(session, audience="all", settings=app.settings,
                                        now=utcnow())
        assert plan.channels[1].method is Method.NO_QUOTA
        broadcast, counts = await wait_until_ended(sessions, await announce(sessions))
        async with sessions.begin() as session:
            details = await failure_details(session, broadcast.id)
    assert fake_wechat.mass_jobs == [] and fake_wechat.tag_calls == 0  # WeChat never asked
    assert broadcast.status == "partial" and counts["failed"] == 4
    assert reasons(details, Catalogs().get("zh_CN").gettext, "zh_CN") == "4 本月微信群发次数已用完"


async def test_wechats_own_no_quota_answer_fails_the_rows_with_the_same_reason(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    await add_followers(sessions, "wechat", 3)
    fake_wechat.mass_quota = 0  # spent from WeChat's own backend
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat):
        broadcast, counts = await wait_until_ended(sessions, await announce(sessions))
        async with sessions.begin() as session:
            details = await failure_details(session, broadcast.id)
    assert broadcast.status == "partial" and counts["failed"] == 3
    assert reasons(details, Catalogs().get("en").gettext, "en") == (
        "3 no WeChat mass send left this month")


async def test_wechats_report_of_the_mass_send_is_recorded(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    openids = await add_followers(sessions, "wechat", 3, seen_ago=timedelta(hours=1))
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat) as app:
        await wait_until_ended(sessions, await announce(sessions))
        msg_id = str(fake_wechat.mass_jobs[0]["msg_id"])
        follower = Follower(f"http://127.0.0.1:{app.http_port}/wechat", openids[0])
        answer = await follower.post(follower.fields(
            "event", Event="MASSSENDJOBFINISH", MsgID=msg_id, Status="send success",
            TotalCount=3, FilterCount=3, SentCount=3, ErrorCount=0))
        assert answer.body == "success"
        async with sessions.begin() as session:
            job = await session.scalar(select(WeChatMassJob))
    assert job is not None and job.msg_id == msg_id
    assert (job.status, job.total, job.filtered, job.sent, job.errors) == (
        "send success", 3, 3, 3, 0)


async def notify(sessions: Sessions, openid: str) -> int:
    async with sessions.begin() as session:
        member = await find_member(session, channel="wechat", external_id=openid)
        assert member is not None
        row = await enqueue_message(session, member, NOTICE, now=utcnow(),
                                    kind=MessageKind.SERVICE_NOTICE.value)
        await session.flush()
        return row.id


async def row_status(sessions: Sessions, row_id: int) -> str:
    async with sessions.begin() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        return row.status


async def test_service_notices_go_in_the_window_or_by_template(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    (recent,) = await add_followers(sessions, "wechat", 1, seen_ago=timedelta(hours=2))
    (quiet,) = await add_followers(sessions, "wechat", 1, start=2)
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat):
        await notify(sessions, recent)
        await notify(sessions, quiet)
        in_window = await fake_wechat.wait_for(recent, 1)
        by_template = await fake_wechat.wait_for(quiet, 1)
    assert [(s.kind, s.text) for s in in_window] == [("text", NOTICE)]
    assert [(s.kind, s.text) for s in by_template] == [("template", NOTICE)]


async def test_without_a_template_a_notice_waits_and_goes_the_moment_the_member_writes(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    (quiet,) = await add_followers(sessions, "wechat", 1)
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat,
                           template_id="") as app:
        row_id = await notify(sessions, quiet)
        await eventually(lambda: _is(sessions, row_id, "waiting"))
        assert fake_wechat.to(quiet) == []
        follower = Follower(f"http://127.0.0.1:{app.http_port}/wechat", quiet)
        await follower.says("你好")
        sent = await fake_wechat.wait_for(quiet, 1)
        await eventually(lambda: _is(sessions, row_id, "sent"))
    assert NOTICE in [s.text for s in sent if s.kind == "text"]


async def _is(sessions: Sessions, row_id: int, status: str) -> bool:
    return await row_status(sessions, row_id) == status


async def test_a_photo_is_uploaded_once_per_channel_and_sent_again_by_its_id(
    database_url: str, sessions: Sessions, tmp_path: Path, fake_telegram: FakeTelegram,
    fake_wechat: FakeWeChat,
) -> None:
    await add_followers(sessions, "wechat", 3)
    chats = await add_followers(sessions, "telegram", 4, seen_ago=timedelta(hours=1))
    photo = b"\xff\xd8\xff\xe0 a poster"
    async with running_bot(database_url, tmp_path, fake_telegram, fake_wechat):
        for text in ("劳模表彰大会", "劳模表彰大会（第二场）"):
            broadcast, counts = await wait_until_ended(
                sessions, await announce(sessions, text, photo=photo))
            assert broadcast.status == "done" and (counts["sent"], counts["mass"]) == (4, 3)
    photos = [s for s in fake_telegram.sent if s.method == "sendPhoto"]
    assert len(photos) == 8 and {s.chat_id for s in photos} == set(chats)
    assert fake_telegram.uploads == 1  # seven of eight named Telegram's file_id
    assert len(fake_wechat.images) == 1  # the second article reused the media_id
    assert [job["msgtype"] for job in fake_wechat.mass_jobs] == ["mpnews", "mpnews"]
    (article,) = fake_wechat.news["NEWS-1"]
    assert article["title"] == "劳模表彰大会" and article["thumb_media_id"] == "IMAGE-1"
