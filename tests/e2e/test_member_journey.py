"""A member logs in, switches to English, and opens their cohort page — in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_logs_in_switches_language_and_opens_cohort(world, live_server, page: Page):
    world.member.profile.language = "ko"
    world.member.profile.save()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    page.locator("input[name=username]").fill("member@example.com")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("딥러닝 연구실").first).to_be_visible()

    page.get_by_test_id("lang-en").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My labs")).to_be_visible()

    page.goto(f"{live_server.url}/labs/deep-lab/5/")

    expect(page.get_by_test_id("cohort-title")).to_contain_text(re.compile(r"Cohort 5"))
    expect(page.get_by_test_id("member-row")).to_have_count(3)
    world.member.profile.refresh_from_db()
    assert world.member.profile.language == "en"


def test_cohort_page_fits_a_phone_without_console_errors(world, live_server, browser):
    context = browser.new_context(
        locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    errors: list[str] = []
    phone.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.locator("input[name=username]").fill("leader@example.com")
    phone.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    phone.locator("main form button[type=submit]").click()

    phone.goto(f"{live_server.url}/labs/deep-lab/5/")

    expect(phone.get_by_test_id("member-row")).to_have_count(3)
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow == 0
    assert errors == []
