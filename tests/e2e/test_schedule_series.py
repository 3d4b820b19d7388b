"""The leader creates a meeting series from the schedule page and sees it — in Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from members.models import Profile
from sessions.models import Meeting
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_leader_creates_a_series_from_the_schedule_page(world, live_server, page: Page):
    Profile.objects.filter(user=world.leader).update(language="en")
    world.cohort.end_date = timezone.localdate() + timedelta(days=200)
    world.cohort.save()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill("leader@example.com")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/labs/deep-lab/5/")
    page.get_by_test_id("schedule-link").click()
    expect(page.get_by_test_id("no-upcoming")).to_be_visible()
    page.get_by_test_id("series-create-link").click()

    first = timezone.localdate() + timedelta(days=7)
    page.locator("#id_interval_weeks").fill("2")
    page.locator("#id_weekday").select_option(str(first.weekday()))
    page.locator("#id_start_time").fill("19:00")
    page.locator("#id_first_date").fill(first.isoformat())
    page.locator("#id_count").fill("3")
    page.locator("#id_until").fill("")
    page.get_by_test_id("series-submit").click()

    expect(page).to_have_url(f"{live_server.url}/labs/deep-lab/5/schedule/")
    expect(page.get_by_test_id("meeting-row")).to_have_count(3)
    expect(page.get_by_test_id("meeting-number")).to_have_text(
        ["Meeting 1", "Meeting 2", "Meeting 3"]
    )
    expect(page.get_by_test_id("meeting-when").first).to_contain_text(
        f"{first.isoformat()} ({first.strftime('%a')}) 19:00"
    )
    expect(page.locator("#messages")).to_contain_text("Series created: 3 meetings.")
    assert Meeting.objects.filter(cohort=world.cohort).count() == 3
    assert errors == [], "\n".join(errors)
