"""A visitor without an account finds a recruiting lab from the footer, reads its public page
and applies (signing up on the same form); the application waits for the leaders."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from community import services
from community.models import Application
from labs.models import CohortStatus, Visibility
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_opens_a_public_lab_page_and_applies(world, live_server, page: Page):
    world.lab.visibility = Visibility.PUBLIC
    world.lab.save(update_fields=["visibility"])
    next_cohort = CohortFactory(lab=world.lab, number=6, status=CohortStatus.PLANNED)
    services.showcase_update(
        actor=world.leader, lab=world.lab, story="격주 토요일에 **논문**을 읽습니다.", activities=""
    )
    services.showcase_member_set(actor=world.member, lab=world.lab, introduction="비전 담당")
    services.recruitment_open(
        actor=world.leader,
        cohort=next_cohort,
        closes_on=timezone.localdate() + timedelta(days=10),
        question="발표하고 싶은 논문은?",
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("recruiting-link").click()
    expect(page.get_by_test_id("recruiting-card")).to_have_count(1)
    page.get_by_test_id("recruiting-lab-link").click()

    expect(page).to_have_url(f"{live_server.url}/labs/deep-lab/showcase/")
    expect(page.get_by_test_id("showcase-title")).to_have_text("딥러닝 연구실")
    expect(page.get_by_test_id("showcase-story").locator("strong")).to_have_text("논문")
    expect(page.get_by_test_id("showcase-member")).to_have_count(1)
    page.get_by_test_id("apply-link").click()

    expect(page.get_by_test_id("apply-question")).to_have_text("발표하고 싶은 논문은?")
    form = page.get_by_test_id("apply-form")
    form.locator("input[name=email]").fill("visitor@example.com")
    form.locator("input[name=display_name]").fill("방문자")
    form.locator("input[name=password]").fill("a-long-enough-passphrase")
    form.locator("input[name=password2]").fill("a-long-enough-passphrase")
    form.locator("textarea[name=motivation]").fill("논문 리뷰를 꾸준히 하고 싶어요.")
    form.locator("textarea[name=answer]").fill("Attention Is All You Need")
    page.get_by_test_id("apply-submit").click()

    expect(page).to_have_url(re.compile(r"/applications/$"))
    expect(page.get_by_test_id("my-application")).to_have_count(1)
    application = Application.objects.get()
    assert (application.applicant.email, application.status, application.cohort_id) == (
        "visitor@example.com",
        "pending",
        next_cohort.pk,
    )
    assert application.answer == "Attention Is All You Need"
    assert errors == []
