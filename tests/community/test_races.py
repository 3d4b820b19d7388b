"""Races on PostgreSQL: votes cast at the same instant are all counted, once per member; a
double-submitted application leaves one pending application; two leaders deciding at once
decide once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import Application, ApplicationStatus, TalkQuestion, TalkVote
from core.errors import ConflictError
from labs.models import CohortStatus, Membership, Role, Visibility
from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, LabFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def talk_question(members: int) -> tuple[TalkQuestion, list]:
    cohort = CohortFactory()
    leader = MembershipFactory(cohort=cohort, role=Role.LEADER).user
    voters = [MembershipFactory(cohort=cohort).user for _ in range(members)]
    talk = services.talk_create(
        actor=leader,
        cohort=cohort,
        title="race",
        speaker="s",
        starts_at=timezone.now() + timedelta(days=1),
    )
    question = services.talk_question_ask(actor=leader, talk=talk, text="q")
    return question, voters


def test_concurrent_votes_of_different_members_are_all_counted():
    question, voters = talk_question(12)

    results = run_concurrently(
        [
            lambda u=u: services.talk_question_vote(
                actor=u, question=TalkQuestion.objects.get(pk=question.pk)
            )
            for u in voters
        ]
    )

    question.refresh_from_db()
    assert [r for r in results if isinstance(r, Exception)] == []
    assert question.vote_count == 12
    assert TalkVote.objects.filter(question=question).count() == 12


def test_concurrent_votes_of_one_member_count_once():
    question, (voter,) = talk_question(1)

    results = run_concurrently(
        [
            lambda: services.talk_question_vote(
                actor=voter, question=TalkQuestion.objects.get(pk=question.pk)
            )
            for _ in range(8)
        ]
    )

    question.refresh_from_db()
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert (question.vote_count, len(losers)) == (1, 7)
    assert {e.code for e in losers} == {"already_voted"}
    assert TalkVote.objects.filter(question=question).count() == 1


def test_concurrent_unvotes_decrement_once():
    question, (voter,) = talk_question(1)
    services.talk_question_vote(actor=voter, question=question)

    run_concurrently(
        [
            lambda: services.talk_question_unvote(
                actor=voter, question=TalkQuestion.objects.get(pk=question.pk)
            )
            for _ in range(6)
        ]
    )

    question.refresh_from_db()
    assert question.vote_count == 0


def _recruitment():
    lab = LabFactory(visibility=Visibility.PUBLIC)
    cohort = CohortFactory(lab=lab, status=CohortStatus.PLANNED)
    leaders = [MembershipFactory(cohort=cohort, role=Role.LEADER).user for _ in range(2)]
    recruitment = services.recruitment_open(
        actor=leaders[0], cohort=cohort, closes_on=timezone.localdate() + timedelta(days=5)
    )
    return recruitment, leaders


def test_double_submitted_application_leaves_one_pending():
    recruitment, _leaders = _recruitment()
    applicant = UserFactory()

    results = run_concurrently(
        [
            lambda: services.application_submit(
                user=applicant, recruitment=recruitment, motivation="같이 해요"
            )
            for _ in range(6)
        ]
    )

    pending = Application.objects.filter(applicant=applicant, status=ApplicationStatus.PENDING)
    assert pending.count() == 1
    assert sum(isinstance(r, Application) for r in results) == 1
    assert {r.code for r in results if isinstance(r, ConflictError)} == {"application_pending"}


def test_two_leaders_accepting_at_once_add_one_membership():
    recruitment, leaders = _recruitment()
    application = services.application_submit(
        user=UserFactory(), recruitment=recruitment, motivation="m"
    )

    results = run_concurrently(
        [
            lambda leader=leader: services.application_accept(
                actor=leader, application=Application.objects.get(pk=application.pk)
            )
            for leader in leaders
        ]
    )

    assert sum(isinstance(r, Application) for r in results) == 1, results
    assert (
        Membership.objects.filter(user=application.applicant, cohort=recruitment.cohort).count()
        == 1
    )
