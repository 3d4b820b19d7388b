"""Places in Chromium: a member records a home area, the leader adds a place and moves a meeting
to the fairest place with one click (htmx), on a phone-sized screen without console errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from members.models import Profile
from sessions.models import Location, Meeting
from tests.factories import DEFAULT_PASSWORD, LocationFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_member_records_a_home_area_that_only_they_see(world, live_server, page: Page):
    log_in(page, live_server.url, "member@example.com")
    page.goto(f"{live_server.url}/settings/")
    page.get_by_test_id("home-area-link").click()

    page.locator("input[name=area]").fill("성수동")
    page.locator("input[name=latitude]").fill("37.5446")
    page.locator("input[name=longitude]").fill("127.0557")
    page.get_by_test_id("home-area-save").click()

    expect(page.get_by_test_id("home-area-current")).to_contain_text("성수동")
    expect(page.get_by_test_id("home-area-current")).to_contain_text("37.54")
    profile = Profile.objects.get(user=world.member)
    assert (profile.home_latitude, profile.home_longitude) == (Decimal("37.54"), Decimal("127.06"))


def test_leader_adds_a_place_and_moves_the_meeting_to_the_fairest(
    world, live_server, browser: Browser
):
    homes = [("37.54", "127.06"), ("37.56", "126.94"), ("37.51", "127.10"), ("37.66", "126.77")]
    people = [
        world.leader,
        world.facilitator,
        world.member,
        MembershipFactory(cohort=world.cohort).user,
    ]
    for user, (lat, lng) in zip(people, homes, strict=True):
        Profile.objects.filter(user=user).update(
            home_area="동네", home_latitude=Decimal(lat), home_longitude=Decimal(lng)
        )
    LocationFactory(
        lab=world.lab,
        name="판교 스터디룸",
        latitude=Decimal("37.3947"),
        longitude=Decimal("127.1112"),
    )
    meeting = MeetingFactory(cohort=world.cohort)
    context = browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(phone, live_server.url, "leader@example.com")

    phone.goto(f"{live_server.url}/labs/deep-lab/")
    phone.get_by_test_id("lab-places-link").click()
    phone.get_by_test_id("place-create-link").click()
    phone.locator("input[name=name]").fill("시청 공유오피스")
    phone.locator("input[name=latitude]").fill("37.5663")
    phone.locator("input[name=longitude]").fill("126.9779")
    phone.get_by_test_id("place-save").click()
    expect(phone.get_by_test_id("place-row")).to_have_count(2)

    phone.goto(f"{live_server.url}/meetings/{meeting.pk}/place-suggestion/")
    rows = phone.get_by_test_id("place-ranking-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("시청 공유오피스")
    expect(phone.get_by_test_id("place-suggestion-reason")).to_contain_text("Longest trip")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    rows.first.get_by_test_id("place-ranking-choose").click()

    expect(phone.get_by_test_id("place-suggestion-notice")).to_contain_text("시청 공유오피스")
    expect(rows.first.get_by_test_id("place-ranking-current")).to_be_visible()
    context.close()
    assert Meeting.objects.get(pk=meeting.pk).location == Location.objects.get(
        name="시청 공유오피스"
    )
    assert overflow == 0
    assert errors == []
