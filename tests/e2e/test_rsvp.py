"""A member answers "Going" on the cohort schedule page and the count updates in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Rsvp
from tests.factories import DEFAULT_PASSWORD, MeetingFactory, RsvpFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def numbers(text: str) -> list[str]:
    # The count reads "0 going · 1 maybe" in English and in the member's language alike.
    return re.findall(r"\d+", text)


def test_member_rsvps_from_schedule_and_count_updates_without_reload(
    world, live_server, page: Page
):
    meeting = MeetingFactory(cohort=world.cohort, title="논문 리뷰")
    RsvpFactory(meeting=meeting, user=world.leader, answer="maybe")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "member@example.com")

    schedule_url = f"{live_server.url}/labs/deep-lab/5/schedule/"
    page.goto(schedule_url)
    count = page.get_by_test_id(f"rsvp-count-{meeting.pk}")
    going = page.get_by_test_id(f"rsvp-yes-{meeting.pk}")
    expect(going).to_have_attribute("aria-pressed", "false")
    assert numbers(count.inner_text()) == ["0", "1"]
    # A full page load would wipe this: it proves the answer came back through htmx.
    page.evaluate("() => { window.rsvpMarker = 'still-here'; }")

    going.click()

    expect(page.get_by_test_id(f"rsvp-yes-{meeting.pk}")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id(f"rsvp-count-{meeting.pk}")).to_have_text(
        re.compile(r"^\D*1\D+1\D*$")
    )
    assert page.evaluate("() => window.rsvpMarker") == "still-here"
    assert page.url == schedule_url
    answers = sorted(Rsvp.objects.filter(meeting=meeting).values_list("user_id", "answer"))
    assert answers == sorted([(world.leader.pk, "maybe"), (world.member.pk, "yes")])
    assert errors == []


def test_member_rsvp_works_without_javascript(world, live_server, browser):
    meeting = MeetingFactory(cohort=world.cohort)
    context = browser.new_context(locale="ko-KR", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "member@example.com")
    schedule_url = f"{live_server.url}/labs/deep-lab/5/schedule/"
    page.goto(schedule_url)

    page.get_by_test_id(f"rsvp-maybe-{meeting.pk}").click()

    expect(page).to_have_url(schedule_url)
    expect(page.get_by_test_id(f"rsvp-maybe-{meeting.pk}")).to_have_attribute(
        "aria-pressed", "true"
    )
    context.close()
    assert list(Rsvp.objects.values_list("user_id", "answer")) == [(world.member.pk, "maybe")]
