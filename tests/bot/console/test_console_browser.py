"""Staff work in Chromium against a running unionbot and the fake Bot API: sign in with the
link from the chat, decide a claim, watch an event fill up, send a broadcast, answer a ticket.
What the member's chat receives is checked in the fake's record."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from bot.app import App
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
