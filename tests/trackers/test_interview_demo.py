"""The interview demo: two Korean topics of 5기 with questions, answers and practice marks,
built through the services after seed_demo's people and cohorts — and a second run changes
nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from labs.models import Cohort
from members.models import User
from trackers.interview_demo import seed_interview_demo
from trackers.models import Answer, InterviewTopic, Practice, Question

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (InterviewTopic, Question, Answer, Practice))


def test_seed_interview_demo_is_idempotent_and_korean():
    call_command("seed_demo", stdout=io.StringIO())
    cohort = Cohort.objects.get(lab__slug="seoul-ai-lab", number=5)
    users = {user.email.split("@")[0]: user for user in User.objects.all()}

    seed_interview_demo(cohort=cohort, leader=users["jiwoo"], users=users)
    first = counts()
    stamps = list(Question.objects.order_by("pk").values_list("updated_at", flat=True))
    seed_interview_demo(cohort=cohort, leader=users["jiwoo"], users=users)

    assert first == counts() == (2, 6, 7, 6)
    assert list(Question.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert list(cohort.interview_topics.order_by("week").values_list("week", "title")) == [
        (1, "경사하강법"),
        (2, "과적합과 정규화"),
    ]
    # Every question has a model answer, and every author is an active member of 5기.
    assert Question.objects.filter(model_answer="").count() == 0
    assert not Question.objects.exclude(
        author__memberships__cohort=cohort, author__memberships__status="active"
    ).exists()
