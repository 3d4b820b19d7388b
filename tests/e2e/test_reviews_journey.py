"""Paper review in the browser: a member bids in the grid (one click, htmx), the leader previews
and applies the assignment, the member sees the review and posts a write-up link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from sessions.models import Bid, ReviewAssignment
from tests.factories import DEFAULT_PASSWORD, PaperFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_member_bids_leader_assigns_member_posts_a_writeup(
    world, live_server, page: Page, browser: Browser
):
    wanted = PaperFactory(cohort=world.cohort, title="Attention Is All You Need", reviews_needed=1)
    PaperFactory(cohort=world.cohort, title="Deep Residual Learning", reviews_needed=1)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url

    # The member bids "very high" with one click; htmx swaps the row in place.
    log_in(page, base, "member@example.com")
    page.goto(f"{base}/labs/deep-lab/5/papers/bids/")
    page.evaluate("() => { window.bidMarker = 'still-here'; }")
    page.get_by_test_id(f"bid-{wanted.pk}-very_high").click()
    expect(page.get_by_test_id(f"bid-{wanted.pk}-very_high")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_test_id("bid-notice")).to_be_visible()
    assert page.evaluate("() => window.bidMarker") == "still-here"
    assert list(Bid.objects.values_list("user_id", "preference")) == [
        (world.member.pk, "very_high")
    ]

    # The leader previews, reads the reasons, and applies.
    leader_context = browser.new_context(locale="ko-KR", base_url=base)
    leader = leader_context.new_page()
    log_in(leader, base, "leader@example.com")
    leader.goto(f"{base}/labs/deep-lab/5/papers/assign/")
    expect(leader.get_by_test_id("assign-row")).to_have_count(2)
    wanted_row = leader.locator(f'[data-testid="assign-row"][data-paper="{wanted.pk}"]')
    expect(wanted_row.get_by_test_id("assign-reason")).to_have_text("bid very high; load 1 of 3")
    leader.get_by_test_id("assign-apply").click()
    expect(leader.get_by_test_id("assign-notice")).to_contain_text("Assigned 2 reviews")
    expect(leader.get_by_test_id("assign-nothing")).to_be_visible()
    leader_context.close()
    assert ReviewAssignment.objects.filter(paper=wanted, reviewer=world.member).exists()

    # The member sees the review, posts a write-up link and submits it.
    page.goto(f"{base}/labs/deep-lab/5/reviews/")
    card = page.get_by_test_id("review-card")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("review-paper")).to_have_text("Attention Is All You Need")
    expect(card.get_by_test_id("review-reason")).to_contain_text("bid very high")
    card.locator("input[name$=writeup_url]").fill("https://blog.example.com/attention-review")
    card.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("review-notice")).to_have_text("Submitted. Thank you!")
    expect(page.get_by_test_id("review-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("review-writeup-link")).to_have_attribute(
        "href", re.compile(r"attention-review$")
    )
    review = ReviewAssignment.objects.get(paper=wanted)
    assert (review.status, review.writeup_url) == (
        "submitted",
        "https://blog.example.com/attention-review",
    )
    assert errors == []


def test_member_bids_without_javascript(world, live_server, browser: Browser):
    paper = PaperFactory(cohort=world.cohort, title="Adam")
    context = browser.new_context(locale="ko-KR", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "member@example.com")
    page.goto(f"{live_server.url}/labs/deep-lab/5/papers/bids/")

    page.get_by_test_id(f"bid-{paper.pk}-conflict").click()

    expect(page.get_by_test_id(f"bid-{paper.pk}-conflict")).to_have_attribute(
        "aria-pressed", "true"
    )
    context.close()
    assert Bid.objects.get().preference == "conflict"
