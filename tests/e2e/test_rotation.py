"""The leader previews the presenter rotation, reads the reasons, applies it, and sees the
presenters on the page; without JavaScript the same forms work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sessions.models import SlotAssignment
from tests.factories import DEFAULT_PASSWORD, MeetingFactory, SlotFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def upcoming_slots(world, meetings: int) -> list:
    return [
        SlotFactory(
            meeting=MeetingFactory(
                cohort=world.cohort, starts_at=timezone.now() + timedelta(weeks=2 * n + 1)
            ),
            title=f"{n + 1}장",
        )
        for n in range(meetings)
    ]


def test_leader_previews_and_applies_the_rotation(world, live_server, page: Page):
    upcoming_slots(world, 3)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "leader@example.com")
    url = f"{live_server.url}/labs/deep-lab/5/rotation/"

    page.goto(url)
    page.get_by_test_id("rotation-ahead").select_option("2")
    page.get_by_test_id("rotation-preview-button").click()

    expect(page.get_by_test_id("rotation-row")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/rotation/\?ahead=2$"))
    reasons = page.get_by_test_id("rotation-reason")
    expect(reasons.first).to_contain_text("presentations this cohort")
    expect(reasons.first).to_contain_text("never presented")
    proposed = [name.strip() for name in page.get_by_test_id("rotation-proposed").all_inner_texts()]
    # A full page load would wipe this: it proves the preview came back through htmx.
    page.evaluate("() => { window.rotationMarker = 'still-here'; }")

    page.get_by_test_id("rotation-apply").click()

    expect(page.get_by_test_id("rotation-notice")).to_be_visible()
    expect(page.get_by_test_id("rotation-nothing")).to_be_visible()
    presenters = page.get_by_test_id("rotation-presenters")
    assert [text.strip() for text in presenters.all_inner_texts()] == proposed
    assert page.evaluate("() => window.rotationMarker") == "still-here"
    assert SlotAssignment.objects.filter(source="rotation").count() == 2
    assert errors == []


def test_leader_applies_the_rotation_without_javascript(world, live_server, browser):
    upcoming_slots(world, 1)
    context = browser.new_context(locale="ko-KR", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "leader@example.com")
    url = f"{live_server.url}/labs/deep-lab/5/rotation/"
    page.goto(url)
    expect(page.get_by_test_id("rotation-row")).to_have_count(1)

    page.get_by_test_id("rotation-apply").click()

    expect(page).to_have_url(f"{url}?ahead=4")
    expect(page.get_by_test_id("rotation-nothing")).to_be_visible()
    context.close()
    assert SlotAssignment.objects.filter(source="rotation").count() == 1
