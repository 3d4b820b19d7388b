"""A member sends a question for a guest talk and upvotes another member's question; the vote
is counted once, and the button turns into "take my vote back" without a page load."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from community import services
from community.models import TalkQuestion
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_member_submits_and_upvotes_a_talk_question(world, live_server, page: Page):
    talk = services.talk_create(
        actor=world.leader,
        cohort=world.cohort,
        title="스케일링 법칙 마스터 클래스",
        speaker="김연구",
        starts_at=timezone.now() + timedelta(days=3),
        host=world.facilitator,
    )
    theirs = services.talk_question_ask(
        actor=world.leader, talk=talk, text="데이터가 부족할 때는 어떻게 하나요?"
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "member@example.com")

    page.goto(f"{live_server.url}/labs/deep-lab/")
    page.get_by_test_id("lab-talks-link").click()
    page.get_by_test_id("talk-link").click()
    expect(page.get_by_test_id("talk-title")).to_have_text("스케일링 법칙 마스터 클래스")

    page.get_by_test_id("talk-ask-form").locator("textarea[name=text]").fill(
        "작은 모델에서도 법칙이 성립하나요?"
    )
    page.get_by_test_id("talk-ask-submit").click()
    expect(page.get_by_test_id("talk-question")).to_have_count(2)

    row = page.locator(f"#question-{theirs.pk}")
    row.get_by_test_id("talk-vote").click()

    row = page.locator(f"#question-{theirs.pk}")
    expect(row.get_by_test_id("talk-unvote")).to_be_visible()
    expect(row.get_by_test_id("talk-question-votes")).to_have_text("1 vote")
    mine = TalkQuestion.objects.get(author=world.member)
    theirs.refresh_from_db()
    assert mine.text == "작은 모델에서도 법칙이 성립하나요?"
    assert theirs.vote_count == 1
    assert errors == []
