"""Two members on the presenters board: A claims a slot, B sees it taken without reloading the
page (the board refreshes on focus), and B's claim from a stale board is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from sessions.models import SlotAssignment
from tests.factories import DEFAULT_PASSWORD, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_board_claim_is_seen_by_another_member_and_refused_to_them(
    world, live_server, browser: Browser
):
    world.member.profile.display_name = "에이"
    world.member.profile.save()
    # B is a plain member too (a leader would also see "Remove" buttons in the cells).
    MembershipFactory(cohort=world.cohort, user__email="bee@example.com")
    meeting = MeetingFactory(cohort=world.cohort)
    first = SlotFactory(meeting=meeting, title="1장")
    second = SlotFactory(meeting=meeting, title="2장")
    board_url = f"{live_server.url}/labs/deep-lab/5/board/"
    contexts = [browser.new_context(locale="en-US") for _ in range(2)]
    page_a, page_b = (context.new_page() for context in contexts)
    errors: list[str] = []
    for page in (page_a, page_b):
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page_a, live_server.url, "member@example.com")
    log_in(page_b, live_server.url, "bee@example.com")
    page_a.goto(board_url)
    page_b.goto(board_url)
    expect(page_b.get_by_test_id(f"slot-claim-{first.pk}")).to_be_visible()
    page_b.evaluate("() => { window.boardMarker = 'still-here'; }")

    page_a.get_by_test_id(f"slot-claim-{first.pk}").click()
    expect(page_a.get_by_test_id(f"slot-release-{first.pk}")).to_be_visible()
    # B's window gains focus: the board region refreshes itself through htmx.
    page_b.evaluate("() => window.dispatchEvent(new Event('focus'))")

    expect(page_b.get_by_test_id(f"slot-presenters-{first.pk}")).to_have_text("에이")
    expect(page_b.get_by_test_id(f"slot-claim-{first.pk}")).to_have_count(0)
    expect(page_b.get_by_test_id(f"slot-waitlist-join-{first.pk}")).to_be_visible()
    assert page_b.evaluate("() => window.boardMarker") == "still-here"

    # A takes the second slot while B still sees it open, then B clicks Claim.
    expect(page_b.get_by_test_id(f"slot-claim-{second.pk}")).to_be_visible()
    page_a.get_by_test_id(f"slot-claim-{second.pk}").click()
    expect(page_a.get_by_test_id(f"slot-release-{second.pk}")).to_be_visible()
    page_b.get_by_test_id(f"slot-claim-{second.pk}").click()

    expect(page_b.get_by_test_id(f"slot-error-{second.pk}")).to_have_text("Just taken by 에이")
    expect(page_b.get_by_test_id(f"slot-presenters-{second.pk}")).to_have_text("에이")
    assert page_b.evaluate("() => window.boardMarker") == "still-here"
    for context in contexts:
        context.close()
    assert sorted(SlotAssignment.objects.values_list("slot_id", "user_id")) == [
        (first.pk, world.member.pk),
        (second.pk, world.member.pk),
    ]
    assert errors == []


def test_board_claim_works_without_javascript(world, live_server, browser: Browser):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "member@example.com")
    board_url = f"{live_server.url}/labs/deep-lab/5/board/"
    page.goto(board_url)

    page.get_by_test_id(f"slot-claim-{slot.pk}").click()

    expect(page).to_have_url(board_url)
    expect(page.get_by_test_id(f"slot-release-{slot.pk}")).to_be_visible()
    context.close()
    assert list(SlotAssignment.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_board_fits_a_phone(world, live_server, browser: Browser):
    meeting = MeetingFactory(cohort=world.cohort)
    for kind in ("chapter", "paper", "implementation", "role"):
        SlotFactory(meeting=meeting, kind=kind, title="A fairly long slot title for a phone")
    context = browser.new_context(
        locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    log_in(phone, live_server.url, "leader@example.com")

    phone.goto(f"{live_server.url}/labs/deep-lab/5/board/")

    expect(phone.get_by_test_id("board")).to_be_visible()
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow == 0
