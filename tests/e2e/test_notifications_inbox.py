"""A reminder reaches the inbox: the bell counts it (loaded by htmx), the inbox shows it in the
member's words, "Mark read" swaps the row and the bell in place; then the member keeps email
out of their night from the settings page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from notifications.models import NotificationPreference
from tests.e2e.test_swap import log_in
from tests.factories import MeetingFactory, RsvpFactory
from tests.notifications.conftest import run_tick

pytestmark = pytest.mark.django_db(transaction=True)


def test_reminder_in_the_inbox_marked_read_and_quiet_hours_saved(
    world, live_server, browser: Browser
):
    meeting = MeetingFactory(
        cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=20), title="Attention"
    )
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")
    run_tick()
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "member@example.com")

    # The bell's count arrives after the page, from htmx.
    expect(page.get_by_test_id("bell-count")).to_have_text("1 unread")
    page.get_by_test_id("bell").click()
    entry = page.get_by_test_id("notification")
    expect(entry).to_contain_text(f"Meeting {meeting.number} is coming up")
    expect(entry).to_contain_text("“Attention”")

    entry.get_by_test_id("mark-read").click()
    expect(entry).to_contain_text("Read")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)

    page.goto(f"{live_server.url}/settings/#notifications")
    section = page.get_by_test_id("notification-settings")
    section.get_by_label("Quiet hours from").fill("22:00")
    section.get_by_label("Quiet hours until").fill("07:00")
    section.get_by_test_id("save-notifications").click()
    expect(page.get_by_test_id("notification-settings")).to_contain_text(
        "Your notification settings were saved."
    )
    pref = NotificationPreference.objects.get(user=world.member)
    assert (str(pref.quiet_start), str(pref.quiet_end)) == ("22:00:00", "07:00:00")
    assert errors == []
    context.close()
