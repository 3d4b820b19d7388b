"""The coding-test arithmetic on plain data: Seoul week boundaries, completion and streaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from trackers.progress import (
    SEOUL,
    Standing,
    WeekSet,
    behind,
    best_streak,
    current_streak,
    default_due,
    local_week_start,
    standing,
    week_bounds,
    week_progress,
    week_starts_on,
)

# Monday 2026-10-05 .. Sunday 2026-10-11 is one Seoul week.
MONDAY = date(2026, 10, 5)


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def test_week_start_uses_seoul_time_not_utc():
    # Sunday 15:30 UTC is already Monday 00:30 in Seoul: the next week.
    sunday_afternoon_utc = datetime(2026, 10, 11, 15, 30, tzinfo=UTC)

    assert local_week_start(sunday_afternoon_utc) == date(2026, 10, 12)


def test_week_start_keeps_sunday_night_in_seoul_in_its_week():
    sunday_night = seoul(2026, 10, 11, 23, 59)

    assert local_week_start(sunday_night) == MONDAY


def test_week_bounds_run_monday_midnight_to_monday_midnight_in_seoul():
    start, end = week_bounds(date(2026, 10, 8))

    assert (start, end) == (seoul(2026, 10, 5), seoul(2026, 10, 12))
    assert start.astimezone(UTC) == datetime(2026, 10, 4, 15, 0, tzinfo=UTC)


def test_default_due_is_the_last_moment_of_the_seoul_week():
    due = default_due(date(2026, 10, 7))

    assert due == seoul(2026, 10, 11, 23, 59, 59, 999999)
    assert due + timedelta(microseconds=1) == seoul(2026, 10, 12)


def test_week_starts_on_counts_weeks_from_the_cohorts_first_monday():
    # A cohort that starts on a Wednesday: its week 1 is that Monday's week.
    assert week_starts_on(date(2026, 10, 7), 1) == MONDAY
    assert week_starts_on(date(2026, 10, 7), 3) == date(2026, 10, 19)


def _weeks(*problem_counts: int, first_due: datetime | None = None) -> list[WeekSet]:
    due = first_due or default_due(MONDAY)
    sets = []
    next_id = 1
    for index, count in enumerate(problem_counts):
        ids = frozenset(range(next_id, next_id + count))
        next_id += count
        sets.append(WeekSet(index + 1, due + timedelta(weeks=index), ids))
    return sets


def test_week_progress_counts_solved_problems_per_week():
    sets = _weeks(3, 2)
    solved = {1: seoul(2026, 10, 6, 20), 2: seoul(2026, 10, 7, 21)}

    result = week_progress(sets, solved, now=seoul(2026, 10, 8))

    assert [(w.week, w.solved, w.total, w.percent, w.complete) for w in result] == [
        (1, 2, 3, 67, False),
        (2, 0, 2, 0, False),
    ]


def test_week_progress_solved_at_sunday_2359_seoul_is_on_time():
    sets = _weeks(1)
    solved = {1: seoul(2026, 10, 11, 23, 59, 59)}

    (week,) = week_progress(sets, solved, now=seoul(2026, 10, 20))

    assert (week.complete, week.on_time) == (True, True)


def test_week_progress_solved_at_monday_0000_seoul_is_late():
    sets = _weeks(1)
    # Monday 00:00 in Seoul, still Sunday 15:00 in UTC.
    solved = {1: datetime(2026, 10, 11, 15, 0, tzinfo=UTC)}

    (week,) = week_progress(sets, solved, now=seoul(2026, 10, 20))

    assert (week.complete, week.on_time, week.missed) == (True, False, False)


def test_week_progress_unknown_solve_time_counts_as_on_time():
    (week,) = week_progress(_weeks(1), {1: None}, now=seoul(2026, 10, 20))

    assert week.on_time is True


def test_week_progress_open_week_is_not_missed():
    (week,) = week_progress(_weeks(2), {}, now=seoul(2026, 10, 9))

    assert (week.is_open, week.missed) == (True, False)


def test_streak_counts_consecutive_on_time_weeks_up_to_now():
    sets = _weeks(1, 1, 1, 1)
    # Week 1 missed, weeks 2-4 on time.
    solved = {2: seoul(2026, 10, 13), 3: seoul(2026, 10, 20), 4: seoul(2026, 10, 27)}

    result = week_progress(sets, solved, now=seoul(2026, 11, 5))

    assert (current_streak(result), best_streak(result)) == (3, 3)


def test_streak_breaks_on_a_missed_week():
    sets = _weeks(1, 1, 1)
    solved = {1: seoul(2026, 10, 6), 2: seoul(2026, 10, 13)}

    result = week_progress(sets, solved, now=seoul(2026, 11, 5))

    assert (current_streak(result), best_streak(result)) == (0, 2)


def test_streak_is_not_broken_by_the_open_week_and_grows_when_it_is_done():
    sets = _weeks(1, 2)
    now = seoul(2026, 10, 14)  # week 2 is open

    before = week_progress(sets, {1: seoul(2026, 10, 6), 2: now}, now=now)
    after = week_progress(sets, {1: seoul(2026, 10, 6), 2: now, 3: now}, now=now)

    assert (current_streak(before), current_streak(after)) == (1, 2)


def test_streak_skips_weeks_without_problems():
    sets = _weeks(1, 0, 1)
    solved = {1: seoul(2026, 10, 6), 2: seoul(2026, 10, 20)}

    result = week_progress(sets, solved, now=seoul(2026, 11, 5))

    assert current_streak(result) == 2


def test_streak_late_completion_does_not_count():
    sets = _weeks(1, 1)
    solved = {1: seoul(2026, 10, 6), 2: seoul(2026, 10, 25)}  # week 2 done a week late

    result = week_progress(sets, solved, now=seoul(2026, 11, 5))

    assert (current_streak(result), best_streak(result)) == (0, 1)
    assert [w.complete for w in result] == [True, True]


def test_streak_of_nothing_is_zero():
    assert (current_streak([]), best_streak([])) == (0, 0)


def test_standing_sums_missed_weeks_and_unsolved_problems():
    sets = _weeks(2, 3, 2)
    now = seoul(2026, 10, 20)  # weeks 1-2 over, week 3 open
    solved = {1: seoul(2026, 10, 6), 3: seoul(2026, 10, 12)}

    result = standing(7, week_progress(sets, solved, now=now))

    assert result == Standing(
        user_id=7,
        streak=0,
        best_streak=0,
        missed_weeks=2,
        unsolved_in_missed=3,
        open_unsolved=2,
    )
    assert result.is_behind is True


def test_behind_lists_the_most_behind_first_and_leaves_out_the_others():
    standings = [
        Standing(1, 0, 2, 1, 1, 0),
        Standing(2, 3, 3, 0, 0, 1),
        Standing(3, 0, 0, 2, 4, 0),
        Standing(4, 0, 1, 1, 3, 0),
    ]

    assert [s.user_id for s in behind(standings)] == [3, 4, 1]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (seoul(2026, 10, 5, 0, 0), MONDAY),
        (seoul(2026, 10, 4, 23, 59), date(2026, 9, 28)),
        (datetime(2026, 10, 4, 15, 0, tzinfo=UTC), MONDAY),
        (datetime(2026, 10, 4, 14, 59, tzinfo=UTC), date(2026, 9, 28)),
    ],
)
def test_week_start_boundary_is_monday_midnight_seoul(moment, expected):
    assert local_week_start(moment) == expected
