"""The paper-review demo: twenty papers, bids, a finished first round, an open second one, and
a second run that changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from labs.management.commands.seed_demo import PEOPLE, SEOUL
from labs.models import Cohort
from members.models import User
from sessions.models import Bid, Paper, ReviewAssignment, ReviewSettings
from sessions.review_demo import seed_reviews_demo

pytestmark = pytest.mark.django_db


def _seed() -> Cohort:
    cohort = Cohort.objects.get(lab__slug=SEOUL, number=5)
    users = {person.local: User.objects.get(email=person.email) for person in PEOPLE}
    seed_reviews_demo(cohort=cohort, leader=users["jiwoo"], users=users)
    return cohort


def _counts() -> tuple[int, ...]:
    counts = [model.objects.count() for model in (Paper, Bid, ReviewAssignment, ReviewSettings)]
    return (*counts, Paper.objects.filter(status="reviewed").count())


def test_seed_reviews_demo_builds_a_pool_with_a_finished_round_idempotently():
    call_command("seed_demo", stdout=io.StringIO())

    cohort = _seed()
    first = _counts()
    updated = list(Paper.objects.order_by("id").values_list("updated_at", flat=True))
    _seed()

    reviews = ReviewAssignment.objects.filter(paper__cohort=cohort)
    assert _counts() == first
    assert list(Paper.objects.order_by("id").values_list("updated_at", flat=True)) == updated
    assert Paper.objects.filter(cohort=cohort).count() == 20
    assert reviews.count() == 16
    assert set(reviews.values_list("status", flat=True)) == {"submitted"}
    assert Paper.objects.filter(cohort=cohort, status="reviewed").count() == 8
    assert Bid.objects.filter(paper__cohort=cohort, paper__status="proposed").exists()
    assert Paper.objects.filter(cohort=cohort, status="scheduled").count() == 3
