"""RSVP and attendance services and selectors: who may answer, until when, all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus, Role
from sessions.models import Attendance, MeetingStatus, Rsvp
from sessions.selectors.attendance import (
    AttendanceRate,
    RsvpCounts,
    RsvpSummary,
    attendance_rates_for_cohort,
    attendance_sheet_for_meeting,
    members_without_rsvp,
    my_rsvps_for_meetings,
    rsvp_counts_for_meetings,
    rsvp_is_open,
    rsvp_is_open_for_row,
    rsvp_summaries_for_meetings,
)
from sessions.services.attendance import attendance_record, rsvp_set
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, RsvpFactory


def past_meeting(cohort, days: int = 1, **kwargs):
    return MeetingFactory(cohort=cohort, starts_at=timezone.now() - timedelta(days=days), **kwargs)


# --- rsvp_set --------------------------------------------------------------------------------


def test_rsvp_set_creates_then_replaces_the_members_answer(world):
    meeting = MeetingFactory(cohort=world.cohort)

    first = rsvp_set(actor=world.member, meeting=meeting, answer="yes", note=" 늦을 수도 ")
    second = rsvp_set(actor=world.member, meeting=meeting, answer="maybe")

    assert first.pk == second.pk
    assert list(Rsvp.objects.values_list("user_id", "answer", "note")) == [
        (world.member.pk, "maybe", "")
    ]


def test_rsvp_set_keeps_the_note_trimmed(world):
    meeting = MeetingFactory(cohort=world.cohort)

    rsvp = rsvp_set(actor=world.member, meeting=meeting, answer="no", note="  회사 야근  ")

    assert rsvp.note == "회사 야근"


def test_rsvp_set_member_of_another_cohort_is_refused(world):
    other_cohort = CohortFactory(lab=world.lab, number=4)
    meeting = MeetingFactory(cohort=other_cohort)

    with pytest.raises(PermissionDeniedError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="yes")

    assert exc.value.message == "Only active members of this cohort can answer."
    assert Rsvp.objects.count() == 0


def test_rsvp_set_member_who_left_is_refused(world):
    meeting = MeetingFactory(cohort=world.cohort)
    membership = world.member_membership
    membership.status, membership.left_on = MembershipStatus.LEFT, membership.joined_on
    membership.save()

    with pytest.raises(PermissionDeniedError):
        rsvp_set(actor=world.member, meeting=meeting, answer="yes")

    assert Rsvp.objects.count() == 0


def test_rsvp_set_after_deadline_is_refused_and_changes_nothing(world):
    meeting = MeetingFactory(
        cohort=world.cohort, rsvp_deadline=timezone.now() - timedelta(minutes=1)
    )
    RsvpFactory(meeting=meeting, user=world.member, answer="yes", note="before")

    with pytest.raises(ConflictError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="no", note="after")

    assert (exc.value.code, exc.value.status) == ("rsvp_closed", 409)
    assert exc.value.message == "The RSVP deadline has passed."
    assert list(Rsvp.objects.values_list("answer", "note")) == [("yes", "before")]


def test_rsvp_set_without_deadline_closes_when_the_meeting_starts(world):
    meeting = past_meeting(world.cohort)

    with pytest.raises(ConflictError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="yes")

    assert exc.value.message == "This meeting has already started; answers are closed."
    assert Rsvp.objects.count() == 0


def test_rsvp_set_deadline_in_the_future_still_takes_answers(world):
    meeting = MeetingFactory(cohort=world.cohort, rsvp_deadline=timezone.now() + timedelta(hours=1))

    rsvp = rsvp_set(actor=world.member, meeting=meeting, answer="yes")

    assert rsvp.answer == "yes"


def test_rsvp_set_cancelled_meeting_is_refused_and_changes_nothing(world):
    meeting = MeetingFactory(cohort=world.cohort, status=MeetingStatus.CANCELLED)
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")

    with pytest.raises(ConflictError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="no")

    assert exc.value.message == "This meeting was cancelled; answers are closed."
    assert list(Rsvp.objects.values_list("answer", flat=True)) == ["yes"]


def test_rsvp_set_unknown_answer_is_refused(world):
    meeting = MeetingFactory(cohort=world.cohort)

    with pytest.raises(ApplicationError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="perhaps")

    assert exc.value.fields == {"answer": ["Choose going, maybe or not going."]}
    assert Rsvp.objects.count() == 0


def test_rsvp_set_too_long_note_is_refused(world):
    meeting = MeetingFactory(cohort=world.cohort)

    with pytest.raises(ApplicationError) as exc:
        rsvp_set(actor=world.member, meeting=meeting, answer="yes", note="x" * 301)

    assert exc.value.fields == {"note": ["Keep the note under 300 characters."]}


# --- attendance_record -----------------------------------------------------------------------


def test_attendance_record_saves_every_status_at_once(world):
    meeting = past_meeting(world.cohort)
    statuses = {world.leader.pk: "present", world.facilitator.pk: "late", world.member.pk: "absent"}

    records = attendance_record(actor=world.leader, meeting=meeting, statuses=statuses)

    assert [(a.user_id, a.status) for a in records] == sorted(statuses.items())
    assert dict(Attendance.objects.values_list("user_id", "status")) == statuses
    assert set(Attendance.objects.values_list("recorded_by_id", flat=True)) == {world.leader.pk}


def test_attendance_record_replaces_earlier_records(world):
    meeting = past_meeting(world.cohort)
    attendance_record(actor=world.leader, meeting=meeting, statuses={world.member.pk: "absent"})

    attendance_record(
        actor=world.facilitator, meeting=meeting, statuses={world.member.pk: "excused"}
    )

    assert list(Attendance.objects.values_list("user_id", "status", "recorded_by_id")) == [
        (world.member.pk, "excused", world.facilitator.pk)
    ]


def test_attendance_record_is_all_or_nothing(world):
    meeting = past_meeting(world.cohort)
    attendance_record(actor=world.leader, meeting=meeting, statuses={world.member.pk: "absent"})

    with pytest.raises(ApplicationError) as exc:
        attendance_record(
            actor=world.leader,
            meeting=meeting,
            statuses={
                world.member.pk: "present",
                world.leader.pk: "present",
                world.facilitator.pk: "sleeping",
                world.outsider.pk: "present",
            },
        )

    assert exc.value.message == "Some entries are invalid; nothing was saved."
    assert exc.value.fields == {
        str(world.facilitator.pk): ["Choose present, late, absent or excused."],
        str(world.outsider.pk): ["Not an active member of this cohort."],
    }
    assert list(Attendance.objects.values_list("user_id", "status")) == [
        (world.member.pk, "absent")
    ]


def test_attendance_record_member_is_refused(world):
    meeting = past_meeting(world.cohort)

    with pytest.raises(PermissionDeniedError):
        attendance_record(
            actor=world.member, meeting=meeting, statuses={world.member.pk: "present"}
        )

    assert Attendance.objects.count() == 0


def test_attendance_record_before_the_meeting_is_refused(world):
    meeting = MeetingFactory(cohort=world.cohort)

    with pytest.raises(ConflictError) as exc:
        attendance_record(
            actor=world.leader, meeting=meeting, statuses={world.member.pk: "present"}
        )

    assert exc.value.code == "meeting_not_started"
    assert Attendance.objects.count() == 0


def test_attendance_record_cancelled_meeting_is_refused(world):
    meeting = past_meeting(world.cohort, status=MeetingStatus.CANCELLED)

    with pytest.raises(ConflictError) as exc:
        attendance_record(
            actor=world.leader, meeting=meeting, statuses={world.member.pk: "present"}
        )

    assert exc.value.code == "meeting_cancelled"


def test_attendance_record_member_who_left_is_refused(world):
    meeting = past_meeting(world.cohort)
    membership = world.member_membership
    membership.status, membership.left_on = MembershipStatus.LEFT, membership.joined_on
    membership.save()

    with pytest.raises(ApplicationError) as exc:
        attendance_record(
            actor=world.leader, meeting=meeting, statuses={world.member.pk: "present"}
        )

    assert exc.value.fields == {str(world.member.pk): ["Not an active member of this cohort."]}


# --- selectors -------------------------------------------------------------------------------


def test_rsvp_counts_for_meetings_one_query_for_many(world, django_assert_num_queries):
    first, second, empty = MeetingFactory.create_batch(3, cohort=world.cohort)
    RsvpFactory(meeting=first, user=world.leader, answer="yes")
    RsvpFactory(meeting=first, user=world.member, answer="yes")
    RsvpFactory(meeting=first, user=world.facilitator, answer="maybe")
    RsvpFactory(meeting=second, user=world.member, answer="no")

    with django_assert_num_queries(1):
        counts = rsvp_counts_for_meetings(meeting_ids=[first.pk, second.pk, empty.pk])

    assert counts == {
        first.pk: RsvpCounts(yes=2, maybe=1, no=0),
        second.pk: RsvpCounts(yes=0, maybe=0, no=1),
        empty.pk: RsvpCounts(),
    }


def test_rsvp_summaries_count_and_find_my_answer_in_one_query(world, django_assert_num_queries):
    first, second, empty = MeetingFactory.create_batch(3, cohort=world.cohort)
    RsvpFactory(meeting=first, user=world.leader, answer="yes", note="먼저 가요")
    RsvpFactory(meeting=first, user=world.member, answer="maybe", note="조금 늦어요")
    RsvpFactory(meeting=first, user=world.facilitator, answer="maybe")
    RsvpFactory(meeting=second, user=world.leader, answer="no")
    RsvpFactory(meeting=second, user=world.member, answer="no")

    with django_assert_num_queries(1):
        summaries = rsvp_summaries_for_meetings(
            meeting_ids=[first.pk, second.pk, empty.pk], user=world.member
        )

    assert summaries == {
        first.pk: RsvpSummary(RsvpCounts(yes=1, maybe=2), answer="maybe", note="조금 늦어요"),
        second.pk: RsvpSummary(RsvpCounts(no=2), answer="no", note=""),
        empty.pk: RsvpSummary(RsvpCounts(), answer=None, note=""),
    }


def test_members_without_rsvp_lists_active_members_who_did_not_answer(world):
    meeting = MeetingFactory(cohort=world.cohort)
    RsvpFactory(meeting=meeting, user=world.leader, answer="yes")
    gone = MembershipFactory(cohort=world.cohort, role=Role.MEMBER)
    gone.status, gone.left_on = MembershipStatus.LEFT, gone.joined_on
    gone.save()

    missing = members_without_rsvp(meeting=meeting)

    assert sorted(m.user_id for m in missing) == sorted([world.facilitator.pk, world.member.pk])


def test_my_rsvps_for_meetings_maps_meeting_to_my_answer(world, django_assert_num_queries):
    first, second = MeetingFactory.create_batch(2, cohort=world.cohort)
    mine = RsvpFactory(meeting=first, user=world.member, answer="maybe")
    RsvpFactory(meeting=second, user=world.leader, answer="yes")

    with django_assert_num_queries(1):
        result = my_rsvps_for_meetings(user=world.member, meeting_ids=[first.pk, second.pk])

    assert result == {first.pk: mine}


def test_attendance_rates_count_present_and_late_over_recorded_held_meetings(
    world, django_assert_num_queries
):
    held = [past_meeting(world.cohort, days=d) for d in (30, 20, 10, 5, 2)]
    statuses = ["present", "late", "absent", "excused", "present"]
    for meeting, status in zip(held, statuses, strict=True):
        Attendance.objects.create(meeting=meeting, user=world.member, status=status)
    Attendance.objects.create(meeting=held[0], user=world.leader, status="present")
    cancelled = past_meeting(world.cohort, days=3, status=MeetingStatus.CANCELLED)
    Attendance.objects.create(meeting=cancelled, user=world.member, status="absent")
    other = past_meeting(CohortFactory(lab=world.lab, number=4))
    Attendance.objects.create(meeting=other, user=world.member, status="absent")

    with django_assert_num_queries(1):
        rates = attendance_rates_for_cohort(cohort=world.cohort)

    assert rates == {
        world.member.pk: AttendanceRate(attended=3, recorded=5),
        world.leader.pk: AttendanceRate(attended=1, recorded=1),
    }
    assert (rates[world.member.pk].percent, rates[world.leader.pk].percent) == (60, 100)


def test_attendance_rate_percent_rounds(world):
    assert [AttendanceRate(2, 3).percent, AttendanceRate(0, 0).percent] == [67, 0]


def test_attendance_sheet_prefills_from_records_then_rsvps(world):
    meeting = past_meeting(world.cohort)
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")
    RsvpFactory(meeting=meeting, user=world.facilitator, answer="no")
    Attendance.objects.create(meeting=meeting, user=world.leader, status="late")

    rows = attendance_sheet_for_meeting(meeting=meeting)

    assert {row["user_id"]: row["selected"] for row in rows} == {
        world.leader.pk: "late",
        world.facilitator.pk: "",
        world.member.pk: "present",
    }


def test_rsvp_is_open_follows_deadline_start_and_status(world):
    now = timezone.now()
    open_meeting = MeetingFactory(cohort=world.cohort)
    late_deadline = MeetingFactory(cohort=world.cohort, rsvp_deadline=now - timedelta(seconds=1))
    started = past_meeting(world.cohort)
    cancelled = MeetingFactory(cohort=world.cohort, status=MeetingStatus.CANCELLED)

    result = [rsvp_is_open(meeting=m) for m in (open_meeting, late_deadline, started, cancelled)]

    assert result == [True, False, False, False]


def test_rsvp_is_open_for_row_agrees_with_rsvp_is_open(world):
    now = timezone.now()
    meetings = [
        MeetingFactory(cohort=world.cohort),
        MeetingFactory(cohort=world.cohort, rsvp_deadline=now - timedelta(seconds=1)),
        MeetingFactory(cohort=world.cohort, rsvp_deadline=now + timedelta(days=1)),
        past_meeting(world.cohort, rsvp_deadline=now + timedelta(days=1)),
        past_meeting(world.cohort),
        MeetingFactory(cohort=world.cohort, status=MeetingStatus.CANCELLED),
    ]

    rows = [
        rsvp_is_open_for_row(
            status=m.status, starts_at=m.starts_at, rsvp_deadline=m.rsvp_deadline, now=now
        )
        for m in meetings
    ]

    assert rows == [rsvp_is_open(meeting=m, now=now) for m in meetings]
    assert rows == [True, False, True, True, False, False]
