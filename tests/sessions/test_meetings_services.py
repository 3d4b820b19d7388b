"""sessions.services.meetings: series, cadence changes, single meetings, conflicts, permissions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from sessions.models import Meeting, MeetingSeries, MeetingStatus
from sessions.services.meetings import (
    meeting_cancel,
    meeting_conflicts,
    meeting_create,
    meeting_series_create,
    meeting_series_preview,
    meeting_series_update,
    meeting_update,
)
from tests.factories import CohortFactory, LabFactory, LocationFactory, MeetingFactory

SEOUL = ZoneInfo("Asia/Seoul")


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def cadence(**changes):
    base = {
        "interval_weeks": 2,
        "weekday": 2,
        "start_time": time(19, 0),
        "duration_minutes": 240,
        "first_date": next_weekday(2),
        "count": 4,
    }
    return base | changes


@pytest.fixture
def long_cohort(world):
    world.cohort.start_date = timezone.localdate() - timedelta(days=60)
    world.cohort.end_date = timezone.localdate() + timedelta(days=365)
    world.cohort.save()
    return world.cohort


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SEOUL)


# --- series creation --------------------------------------------------------------------------


def test_series_create_numbers_meetings_in_seoul_time(world, long_cohort):
    first = next_weekday(2)

    series, meetings = meeting_series_create(actor=world.leader, cohort=long_cohort, **cadence())

    assert [m.number for m in meetings] == [1, 2, 3, 4]
    assert [m.starts_at for m in Meeting.objects.filter(series=series).order_by("number")] == [
        at(first + timedelta(weeks=2 * i), 19) for i in range(4)
    ]
    assert series.timezone == "Asia/Seoul"
    assert series.created_by == world.leader


def test_series_create_continues_numbers_after_existing_meetings(world, long_cohort):
    MeetingFactory(cohort=long_cohort, number=7)

    _series, meetings = meeting_series_create(
        actor=world.leader, cohort=long_cohort, **cadence(count=2)
    )

    assert [m.number for m in meetings] == [8, 9]


def test_series_create_stores_skip_dates_and_skips_them(world, long_cohort):
    first = next_weekday(2)

    series, meetings = meeting_series_create(
        actor=world.leader,
        cohort=long_cohort,
        **cadence(count=3, skip_dates=[first + timedelta(weeks=2)]),
    )

    assert [m.starts_at.astimezone(SEOUL).date() for m in meetings] == [
        first,
        first + timedelta(weeks=4),
        first + timedelta(weeks=6),
    ]
    assert series.skip_dates == [(first + timedelta(weeks=2)).isoformat()]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone_name": "Asia/Pyongyang-ish"}, "timezone"),
        ({"count": None}, "count"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"skip_dates": ["not a date"]}, "skip_dates"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_series_create_refuses_impossible_input_and_saves_nothing(
    world, long_cohort, changes, field
):
    with pytest.raises(ApplicationError) as caught:
        meeting_series_create(actor=world.leader, cohort=long_cohort, **cadence(**changes))

    assert list(caught.value.fields) == [field]
    assert (MeetingSeries.objects.count(), Meeting.objects.count()) == (0, 0)


def test_series_create_unknown_timezone_message_is_clear(world, long_cohort):
    with pytest.raises(ApplicationError) as caught:
        meeting_series_create(
            actor=world.leader, cohort=long_cohort, **cadence(timezone_name="Seoul")
        )

    assert caught.value.message == "Unknown time zone. Use an IANA name such as Asia/Seoul."


def test_series_create_refuses_another_labs_place(world, long_cohort):
    elsewhere = LocationFactory(lab=world.other_lab)

    with pytest.raises(ApplicationError) as caught:
        meeting_series_create(
            actor=world.leader, cohort=long_cohort, location=elsewhere, **cadence()
        )

    assert caught.value.fields == {"location": ["Choose one of this lab's places."]}


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_series_create_refuses_non_managers(world, long_cohort, who):
    with pytest.raises(PermissionDeniedError):
        meeting_series_create(actor=getattr(world, who), cohort=long_cohort, **cadence())

    assert Meeting.objects.count() == 0


def test_series_create_facilitator_may_schedule(world, long_cohort):
    _series, meetings = meeting_series_create(
        actor=world.facilitator, cohort=long_cohort, **cadence()
    )

    assert len(meetings) == 4


# --- cadence changes --------------------------------------------------------------------------


def history_first() -> date:
    """Tomorrow two weeks ago: a weekly series from there has two past meetings, and its
    third is tomorrow (never today, whose 19:00 may be past or future)."""
    return timezone.localdate() + timedelta(days=1) - timedelta(weeks=2)


def history_weekday() -> int:
    return history_first().weekday()


@pytest.fixture
def series_with_history(world, long_cohort):
    """A weekly series of 6: two meetings already past, meeting 4 moved a day by hand."""
    first = history_first()
    series, meetings = meeting_series_create(
        actor=world.leader,
        cohort=long_cohort,
        **cadence(interval_weeks=1, weekday=history_weekday(), first_date=first, count=6),
    )
    edited = meetings[3]
    meeting_update(
        actor=world.leader,
        meeting=edited,
        starts_at=edited.starts_at + timedelta(days=1),
        ends_at=edited.ends_at + timedelta(days=1),
        title="특별 세션",
        location=None,
        online_url="",
        agenda="",
        rsvp_deadline=None,
    )
    return series, first


def test_series_update_moves_only_future_unedited_meetings_in_place(world, series_with_history):
    series, first = series_with_history
    before = {m.number: (m.uid, m.sequence, m.starts_at) for m in Meeting.objects.all()}

    change = meeting_series_update(
        actor=world.leader,
        series=series,
        **cadence(interval_weeks=1, weekday=(history_weekday() + 1) % 7, first_date=first, count=6),
    )

    after = {m.number: m for m in Meeting.objects.all()}
    assert sorted(m.number for m in change.updated) == [3, 5, 6]
    assert [m.number for m in change.kept] == [4]
    assert change.cancelled == []
    # The past meetings and the edited one did not move.
    assert [(after[n].uid, after[n].sequence, after[n].starts_at) for n in (1, 2, 4)] == [
        before[n] for n in (1, 2, 4)
    ]
    # Moved ones keep their uid and number, with a higher sequence, now a day later at 19:00.
    for n in (3, 5, 6):
        assert after[n].uid == before[n][0]
        assert after[n].sequence == before[n][1] + 1
        assert after[n].starts_at.astimezone(SEOUL).weekday() == (history_weekday() + 1) % 7
        assert after[n].starts_at.astimezone(SEOUL).time() == time(19)
    series.refresh_from_db()
    assert series.weekday == (history_weekday() + 1) % 7


def test_series_update_cancels_removed_occurrences_and_creates_new_ones(world, series_with_history):
    series, first = series_with_history

    shorter = meeting_series_update(
        actor=world.leader,
        series=series,
        **cadence(interval_weeks=1, weekday=history_weekday(), first_date=first, count=4),
    )

    assert [m.number for m in shorter.cancelled] == [5, 6]
    assert Meeting.objects.get(number=5).status == MeetingStatus.CANCELLED
    assert Meeting.objects.get(number=5).sequence == 1

    longer = meeting_series_update(
        actor=world.leader,
        series=series,
        **cadence(interval_weeks=1, weekday=history_weekday(), first_date=first, count=7),
    )

    # The cancelled meetings come back in place (same uid), and one more is added.
    assert [m.number for m in longer.updated] == [5, 6]
    assert [m.number for m in longer.created] == [7]
    assert Meeting.objects.get(number=5).sequence == 2
    assert Meeting.objects.filter(series=series, status=MeetingStatus.SCHEDULED).count() == 7


def test_series_update_does_not_double_book_the_edited_meetings_date(world, series_with_history):
    series, first = series_with_history
    # Meeting 4 was moved by hand to the next day, where the new cadence falls:
    # it stands in for its place, so no second meeting is made that day.
    meeting_series_update(
        actor=world.leader,
        series=series,
        **cadence(interval_weeks=1, weekday=(history_weekday() + 1) % 7, first_date=first, count=6),
    )

    dates = [
        m.starts_at.astimezone(SEOUL).date()
        for m in Meeting.objects.filter(status=MeetingStatus.SCHEDULED)
    ]
    assert len(dates) == len(set(dates))


def test_series_update_unchanged_cadence_changes_nothing(world, series_with_history):
    series, first = series_with_history

    change = meeting_series_update(
        actor=world.leader,
        series=series,
        **cadence(interval_weeks=1, weekday=history_weekday(), first_date=first, count=6),
    )

    assert (change.updated, change.cancelled, change.created) == ([], [], [])
    assert sorted(m.number for m in change.kept) == [3, 4, 5, 6]


def test_series_update_refuses_member(world, series_with_history):
    series, first = series_with_history

    with pytest.raises(PermissionDeniedError):
        meeting_series_update(actor=world.member, series=series, **cadence(first_date=first))


# --- single meetings --------------------------------------------------------------------------


def test_meeting_create_refuses_end_before_start_and_saves_nothing(world, long_cohort):
    start = at(next_weekday(4), 19)

    with pytest.raises(ApplicationError) as caught:
        meeting_create(actor=world.leader, cohort=long_cohort, starts_at=start, ends_at=start)

    assert caught.value.fields == {"ends_at": ["The meeting must end after it starts."]}
    assert Meeting.objects.count() == 0


def test_meeting_create_refuses_naive_times(world, long_cohort):
    with pytest.raises(ApplicationError) as caught:
        meeting_create(
            actor=world.leader,
            cohort=long_cohort,
            starts_at=datetime(2026, 5, 1, 19),
            ends_at=datetime(2026, 5, 1, 23),
        )

    assert caught.value.code == "naive_datetime"


def test_meeting_create_numbers_after_the_last(world, long_cohort):
    MeetingFactory(cohort=long_cohort, number=3)
    start = at(next_weekday(4), 19)

    meeting = meeting_create(
        actor=world.leader, cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=2)
    )

    assert meeting.number == 4


def test_meeting_update_marks_edited_and_bumps_sequence(world, long_cohort):
    meeting = MeetingFactory(cohort=long_cohort)

    meeting_update(
        actor=world.leader,
        meeting=meeting,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        title="3장 발표",
        location=None,
        online_url="https://meet.example.com/x",
        agenda="1. 발표",
        rsvp_deadline=None,
    )

    meeting.refresh_from_db()
    assert (meeting.edited, meeting.sequence, meeting.title) == (True, 1, "3장 발표")


def test_meeting_update_refuses_member(world, long_cohort):
    meeting = MeetingFactory(cohort=long_cohort)

    with pytest.raises(PermissionDeniedError):
        meeting_update(
            actor=world.member,
            meeting=meeting,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            title="",
            location=None,
            online_url="",
            agenda="",
            rsvp_deadline=None,
        )


def test_meeting_cancel_sets_status_and_sequence_once(world, long_cohort):
    meeting = MeetingFactory(cohort=long_cohort)

    meeting_cancel(actor=world.leader, meeting=meeting)
    meeting_cancel(actor=world.leader, meeting=meeting)

    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence, meeting.edited) == (MeetingStatus.CANCELLED, 1, True)


def test_meeting_cancel_refuses_member(world, long_cohort):
    with pytest.raises(PermissionDeniedError):
        meeting_cancel(actor=world.member, meeting=MeetingFactory(cohort=long_cohort))


# --- conflicts --------------------------------------------------------------------------------


def test_conflicts_cohort_overlap(world, long_cohort):
    start = at(next_weekday(4), 19)
    other = MeetingFactory(cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=4))

    conflicts = meeting_conflicts(
        cohort=long_cohort, starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=2)
    )

    assert [(c.kind, c.meeting) for c in conflicts] == [("cohort_overlap", other)]


def test_conflicts_touching_meetings_do_not_overlap(world, long_cohort):
    start = at(next_weekday(4), 19)
    MeetingFactory(cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=2))

    conflicts = meeting_conflicts(
        cohort=long_cohort, starts_at=start + timedelta(hours=2), ends_at=start + timedelta(hours=3)
    )

    assert conflicts == []


def test_conflicts_exclude_the_meeting_itself_and_cancelled_ones(world, long_cohort):
    start = at(next_weekday(4), 19)
    itself = MeetingFactory(cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=2))
    MeetingFactory(
        cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=2), status="cancelled"
    )

    conflicts = meeting_conflicts(
        cohort=long_cohort,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        exclude_pk=itself.pk,
    )

    assert conflicts == []


def test_conflicts_place_booked_by_another_cohort_of_the_lab(world, long_cohort):
    place = LocationFactory(lab=world.lab, name="강남 스터디룸")
    sibling = CohortFactory(lab=world.lab, number=6)
    start = at(next_weekday(4), 19)
    other = MeetingFactory(
        cohort=sibling, location=place, starts_at=start, ends_at=start + timedelta(hours=4)
    )

    conflicts = meeting_conflicts(
        cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=1), location=place
    )

    assert [(c.kind, c.meeting) for c in conflicts] == [("place_booked", other)]
    assert (
        conflicts[0].message
        == f"강남 스터디룸 is booked by {sibling.label}, meeting {other.number}."
    )


def test_conflicts_place_booked_by_another_lab_reveals_nothing_private(world, long_cohort):
    place = LocationFactory(lab=world.lab, name="공유 라운지", address="서울 마포구 양화로 1")
    theirs = LocationFactory(lab=world.other_lab, name="비밀 장소", address="서울 마포구 양화로 1")
    other_cohort = CohortFactory(lab=world.other_lab, number=9, name="비밀 기수")
    start = at(next_weekday(4), 19)
    MeetingFactory(
        cohort=other_cohort, location=theirs, starts_at=start, ends_at=start + timedelta(hours=4)
    )

    conflicts = meeting_conflicts(
        cohort=long_cohort, starts_at=start, ends_at=start + timedelta(hours=1), location=place
    )

    assert [(c.kind, c.meeting, c.message) for c in conflicts] == [
        ("place_booked", None, "공유 라운지 is booked by another group at that time.")
    ]


def test_conflicts_outside_cohort_dates(world):
    cohort = world.cohort
    start = at(cohort.end_date + timedelta(days=1), 19)

    conflicts = meeting_conflicts(
        cohort=cohort, starts_at=start, ends_at=start + timedelta(hours=2)
    )

    assert [c.kind for c in conflicts] == ["outside_cohort"]


def test_conflicts_refuse_impossible_times(world):
    start = at(world.cohort.start_date, 19)

    with pytest.raises(ApplicationError):
        meeting_conflicts(cohort=world.cohort, starts_at=start, ends_at=start - timedelta(hours=1))


def test_series_preview_lists_conflicts_per_occurrence_and_saves_nothing(world, long_cohort):
    first = next_weekday(2)
    clash = MeetingFactory(cohort=long_cohort, starts_at=at(first + timedelta(weeks=2), 20))

    slots, conflicts = meeting_series_preview(cohort=long_cohort, **cadence())

    assert len(slots) == 4
    assert [(c.kind, c.meeting, c.starts_at) for c in conflicts] == [
        ("cohort_overlap", clash, at(first + timedelta(weeks=2), 19))
    ]
    assert MeetingSeries.objects.count() == 0


def test_series_preview_outside_cohort(world):
    lab = LabFactory()
    cohort = CohortFactory(
        lab=lab, start_date=next_weekday(2), end_date=next_weekday(2) + timedelta(days=20)
    )

    _slots, conflicts = meeting_series_preview(cohort=cohort, **cadence())

    assert [c.kind for c in conflicts] == ["outside_cohort", "outside_cohort"]
