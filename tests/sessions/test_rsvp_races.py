"""Races on PostgreSQL: parallel answers from one member leave one RSVP, parallel recordings
of attendance never leave a half-saved sheet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from labs.models import Role
from sessions.models import Attendance, Rsvp
from sessions.services.attendance import attendance_record, rsvp_set
from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_rsvp_set_parallel_answers_of_one_member_leave_one_row():
    cohort = CohortFactory()
    user = MembershipFactory(cohort=cohort).user
    meeting = MeetingFactory(cohort=cohort)
    answers = ["yes", "maybe", "no"] * 4

    results = run_concurrently(
        [lambda a=a: rsvp_set(actor=user, meeting=meeting, answer=a) for a in answers]
    )

    assert [r for r in results if not isinstance(r, Rsvp)] == []
    rows = list(Rsvp.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    assert rows == [user.pk]


def test_attendance_record_parallel_sheets_never_mix():
    cohort = CohortFactory()
    leader = MembershipFactory(cohort=cohort, role=Role.LEADER).user
    members = [MembershipFactory(cohort=cohort).user for _ in range(5)]
    meeting = MeetingFactory(cohort=cohort, starts_at=timezone.now() - timedelta(hours=1))
    sheets = [{m.pk: status for m in members} for status in ("present", "absent") * 3]

    results = run_concurrently(
        [lambda s=s: attendance_record(actor=leader, meeting=meeting, statuses=s) for s in sheets]
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ApplicationError) for r in failures)
    statuses = set(Attendance.objects.filter(meeting=meeting).values_list("status", flat=True))
    assert Attendance.objects.filter(meeting=meeting).count() == len(members)
    assert len(statuses) == 1
