"""Two members swap slots from the board: A asks B from the Swap link on A's slot; B, in a
second browser context, accepts in the board's swap panel; both see the exchanged presenters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from sessions.models import SlotAssignment, SlotChange
from sessions.services.slots import slot_claim
from tests.factories import DEFAULT_PASSWORD, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_swap_asked_on_the_board_and_accepted_by_the_other_member(
    world, live_server, browser: Browser
):
    world.member.profile.display_name = "에이"
    world.member.profile.save()
    bee = MembershipFactory(cohort=world.cohort, user__email="bee@example.com").user
    bee.profile.display_name = "비"
    bee.profile.save()
    first = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    second = SlotFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=14)),
        title="2장",
    )
    slot_claim(actor=world.member, slot=first)
    slot_claim(actor=bee, slot=second)
    board_url = f"{live_server.url}/labs/deep-lab/5/board/"
    contexts = [browser.new_context(locale="en-US") for _ in range(2)]
    page_a, page_b = (context.new_page() for context in contexts)
    errors: list[str] = []
    for page in (page_a, page_b):
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page_a, live_server.url, "member@example.com")
    log_in(page_b, live_server.url, "bee@example.com")

    # A opens the swap form from A's own slot and asks B for chapter 2.
    page_a.goto(board_url)
    page_a.get_by_test_id(f"slot-swap-{first.pk}").click()
    page_a.get_by_label("Swap with").select_option(f"{second.pk}:{bee.pk}")
    page_a.get_by_label("Message (optional)").fill("시험 주간이라 바꿔 주세요")
    page_a.get_by_test_id("swap-submit").click()
    expect(page_a).to_have_url(board_url)
    expect(page_a.get_by_test_id("swap-outgoing")).to_contain_text("비")

    # B sees the request in the board's panel and accepts it.
    page_b.goto(board_url)
    incoming = page_b.get_by_test_id("swap-incoming")
    expect(incoming).to_contain_text("시험 주간이라 바꿔 주세요")
    incoming.get_by_role("button", name="Accept").click()

    expect(page_b.get_by_test_id(f"slot-presenters-{first.pk}")).to_have_text("비")
    expect(page_b.get_by_test_id(f"slot-presenters-{second.pk}")).to_have_text("에이")
    # A's window gains focus: A's board refreshes itself and shows the exchange.
    page_a.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(page_a.get_by_test_id(f"slot-presenters-{first.pk}")).to_have_text("비")
    expect(page_a.get_by_test_id(f"slot-presenters-{second.pk}")).to_have_text("에이")
    for context in contexts:
        context.close()
    assert sorted(SlotAssignment.objects.values_list("slot_id", "user_id")) == [
        (first.pk, bee.pk),
        (second.pk, world.member.pk),
    ]
    assert SlotChange.objects.filter(action="swapped").count() == 2
    assert errors == []
