"""Interview study in the browser: a member posts a question with a model answer on the week's
topic page, and another member marks it practised there (htmx, no reload)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import DEFAULT_PASSWORD, InterviewTopicFactory
from trackers.models import Practice, Question

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_member_posts_a_question_and_another_marks_it_practised(
    world, live_server, page: Page, browser: Browser
):
    topic = InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")
    topic_url = f"{live_server.url}/interview/topics/{topic.pk}/"
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The member posts a question with a Markdown model answer and a reference link.
    log_in(page, live_server.url, "member@example.com")
    page.goto(f"{live_server.url}/labs/deep-lab/5/")
    page.get_by_test_id("interview-link").click()
    page.get_by_role("link", name="경사하강법").click()
    expect(page).to_have_url(topic_url)
    form = page.get_by_test_id("question-form")
    form.locator("textarea[name=text]").fill("학습률이 너무 크면 어떻게 되나요?")
    form.locator("textarea[name=model_answer]").fill("손실이 **발산**할 수 있습니다.")
    form.locator("textarea[name=reference_links]").fill("https://cs231n.github.io/")
    page.get_by_test_id("question-submit").click()

    # Posted: the question's own page, with the model answer rendered from Markdown.
    expect(page).to_have_url(re.compile(r"/interview/questions/\d+/$"))
    question = Question.objects.get()
    card = page.get_by_test_id(f"question-{question.pk}")
    expect(card.get_by_test_id(f"question-text-{question.pk}")).to_have_text(
        "학습률이 너무 크면 어떻게 되나요?"
    )
    expect(card.get_by_test_id(f"model-answer-{question.pk}").locator("strong")).to_have_text(
        "발산"
    )
    assert (question.author_id, question.reference_links) == (
        world.member.pk,
        ["https://cs231n.github.io/"],
    )

    # Another member marks it practised; the box updates in place.
    context = browser.new_context(locale="ko-KR", base_url=live_server.url)
    other = context.new_page()
    other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(other, live_server.url, "leader@example.com")
    other.goto(topic_url)
    other.evaluate("() => { window.practiceMarker = 'still-here'; }")
    expect(other.get_by_test_id(f"practice-count-{question.pk}")).to_have_text(
        re.compile(r"^\D*0\D*$")
    )

    other.get_by_test_id(f"practice-mark-{question.pk}").click()

    expect(other.get_by_test_id(f"practised-{question.pk}")).to_be_visible()
    expect(other.get_by_test_id(f"practice-count-{question.pk}")).to_have_text(
        re.compile(r"^\D*1\D*$")
    )
    assert other.evaluate("() => window.practiceMarker") == "still-here"
    context.close()
    assert list(Practice.objects.values_list("user_id", "question_id")) == [
        (world.leader.pk, question.pk)
    ]
    assert errors == []
