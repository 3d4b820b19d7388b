"""Interview study writes racing each other on PostgreSQL: two first practice marks, two
leaders adding the same topic."""

from __future__ import annotations

import pytest

from core.errors import ConflictError
from tests.concurrency import run_concurrently
from tests.factories import InterviewTopicFactory, QuestionFactory
from trackers.models import InterviewTopic, Practice
from trackers.services.interview import interview_topic_create, practice_mark

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_first_practice_marks_at_once_keep_one_row(world):
    question = QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort))

    results = run_concurrently(
        [lambda: practice_mark(actor=world.member, question=question) for _ in range(2)]
    )

    assert [type(result) for result in results] == [Practice, Practice]
    assert Practice.objects.filter(user=world.member, question=question).count() == 1


def test_two_leaders_adding_the_same_topic_at_once_one_wins(world):
    def add(actor):
        return lambda: interview_topic_create(
            actor=actor, cohort=world.cohort, week=1, title="경사하강법", announce=False
        )

    results = run_concurrently([add(world.leader), add(world.facilitator)])

    assert sorted(type(result).__name__ for result in results) == [
        ConflictError.__name__,
        InterviewTopic.__name__,
    ]
    assert InterviewTopic.objects.count() == 1
