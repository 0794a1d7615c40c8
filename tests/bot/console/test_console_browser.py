"""Staff work in Chromium against a running unionbot and the fake Bot API: sign in with the
link from the chat, decide a claim, watch an event fill up, send a broadcast, answer a ticket.
What the member's chat receives is checked in the fake's record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.async_api import Page, expect

from bot.app import App
from models.base import utcnow
from models.db import Sessions
from tests.support.console import MEMBER, STAFF, seed_claim, sign_in
from tests.support.fakes.telegram_api import FakeTelegram


async def test_staff_signs_in_with_a_link_and_approves_a_claim(
        app: App, page: Page, fake_telegram: FakeTelegram, sessions: Sessions,
        base_url: str, tmp_path: Path) -> None:
    claim_id = await seed_claim(sessions, tmp_path / "data", member_id=2)
    await sign_in(page, fake_telegram)
    await expect(page.locator("h1")).to_have_text("Dashboard")

    await page.click("text=Claims")
    await page.click(f"a[href='/console/claims/{claim_id}']")
    image = page.locator(".documents img")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.naturalWidth") == 120
    await page.fill("input[name=amount]", "3000")
    await page.click("#approve")

    await expect(page.locator("#claim-status")).to_have_text("Approved")
    told = await fake_telegram.wait_for(MEMBER, 1)
    assert "is approved" in told[-1].text and "¥3,000.00" in told[-1].text
    assert fake_telegram.to(STAFF)[-1].text.startswith("Your sign-in link")


async def test_a_lecture_made_in_the_console_shows_the_member_who_signed_up_in_the_chat(
        app: App, page: Page, fake_telegram: FakeTelegram, sessions: Sessions,
        base_url: str) -> None:
    await sign_in(page, fake_telegram)
    await page.goto(f"{base_url}/events/new")
    starts = (utcnow() + timedelta(days=7)).astimezone(app.settings.zone)
    await page.select_option("select[name=kind]", "lecture")
    await page.fill("input[name=topic]", "legal")
    await page.fill("input[name=title_zh]", "劳动合同法讲座")
    await page.fill("input[name=title_en]", "Labour contract law")
    await page.fill("input[name=starts_at]", f"{starts:%Y-%m-%d} 14:00")
    await page.fill("input[name=ends_at]", f"{starts:%Y-%m-%d} 16:00")
    await page.fill("input[name=capacity]", "30")
    assert await page.input_value("select[name=members_only]") == ""  # lectures: members only
    await page.select_option("select[name=members_only]", "no")  # this one is open to everyone
    await page.click("#create-event")
    await expect(page.locator("h1")).to_have_text("Labour contract law")
    await expect(page.locator("select[name=members_only]")).to_have_value("no")
    event_id = page.url.rsplit("/", 1)[1]

    fake_telegram.push(fake_telegram.callback(MEMBER, f"events.join:{event_id}", language="en"))
    joined = await fake_telegram.wait_for(MEMBER, 1)
    assert "signed up" in joined[-1].text

    await page.reload()
    await expect(page.locator("#taken")).to_have_text("1")
    await expect(page.locator("#registrations")).to_contain_text("王芳")


async def test_a_broadcast_sent_from_the_console_reports_until_done(
        app: App, page: Page, fake_telegram: FakeTelegram, base_url: str) -> None:
    await sign_in(page, fake_telegram)
    await page.goto(f"{base_url}/broadcasts")
    await page.fill("textarea[name=text]", "工会会员大会周五 19:00 召开")
    await expect(page.locator("#preview .telegram")).to_contain_text("周五 19:00")
    await page.click("#send-broadcast")

    await expect(page.locator("#broadcast-status")).to_have_attribute(
        "data-status", "done", timeout=30_000)
    await expect(page.locator("#count-sent")).to_have_text("2")
    assert fake_telegram.to(MEMBER)[-1].text == "工会会员大会周五 19:00 召开"


async def test_staff_reply_to_a_ticket_from_the_browser_reaches_the_member(
        app: App, page: Page, fake_telegram: FakeTelegram, base_url: str) -> None:
    for text, answers in (("/human", 1), ("My wages are two months late", 2)):
        fake_telegram.push(fake_telegram.message(MEMBER, text, language="en"))
        await fake_telegram.wait_for(MEMBER, answers)
    await sign_in(page, fake_telegram)
    await page.click("text=Conversations")
    await page.click("text=#T1")
    await expect(page.locator(".thread")).to_contain_text("two months late")
    await page.fill("textarea[name=text]", "We will call your employer today.")
    await page.click("#send-reply")

    told = await fake_telegram.wait_for(MEMBER, 3)
    assert told[-1].text == "Union staff (#T1): We will call your employer today."
    await expect(page.locator(".thread")).to_contain_text("call your employer")
