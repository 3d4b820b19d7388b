"""The cadence algorithm (sessions/series.py): examples and hypothesis properties."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.series import (
    MAX_MEETINGS,
    Cadence,
    CadenceError,
    local_start,
    meeting_dates,
    occurrences,
    parse_skip_dates,
)

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def cadence(**changes) -> Cadence:
    base = {
        "interval_weeks": 2,
        "weekday": 2,  # Wednesday
        "start_time": time(19, 0),
        "duration_minutes": 240,
        "first_date": date(2026, 3, 2),  # a Monday
        "count": 4,
    }
    return Cadence(**(base | changes))


# --- examples ---------------------------------------------------------------------------------


def test_occurrences_biweekly_in_seoul():
    result = occurrences(cadence())

    assert result == [
        (datetime(2026, 3, 4, 19, tzinfo=SEOUL), datetime(2026, 3, 4, 23, tzinfo=SEOUL)),
        (datetime(2026, 3, 18, 19, tzinfo=SEOUL), datetime(2026, 3, 18, 23, tzinfo=SEOUL)),
        (datetime(2026, 4, 1, 19, tzinfo=SEOUL), datetime(2026, 4, 1, 23, tzinfo=SEOUL)),
        (datetime(2026, 4, 15, 19, tzinfo=SEOUL), datetime(2026, 4, 15, 23, tzinfo=SEOUL)),
    ]


def test_occurrences_seoul_meeting_seen_from_new_york_moves_with_dst():
    # US daylight saving starts on 2026-03-08: Seoul 19:00 is 05:00, then 06:00 in New York.
    result = occurrences(cadence(interval_weeks=1, weekday=0, count=2))

    assert [start.astimezone(NEW_YORK).time() for start, _end in result] == [time(5), time(6)]
    assert [start.astimezone(SEOUL).time() for start, _end in result] == [time(19), time(19)]


def test_occurrences_skipped_date_pushes_the_series_later():
    result = meeting_dates(cadence(skip_dates=frozenset({date(2026, 3, 18)})))

    assert result == [date(2026, 3, 4), date(2026, 4, 1), date(2026, 4, 15), date(2026, 4, 29)]


def test_occurrences_until_is_inclusive_and_not_extended_by_skips():
    result = meeting_dates(
        cadence(count=None, until=date(2026, 4, 1), skip_dates=frozenset({date(2026, 3, 18)}))
    )

    assert result == [date(2026, 3, 4), date(2026, 4, 1)]


def test_occurrences_berlin_keeps_local_time_across_dst_and_lasts_four_hours():
    # Europe/Berlin switches to summer time on 2026-03-29.
    result = occurrences(
        cadence(
            interval_weeks=1,
            weekday=6,
            first_date=date(2026, 3, 22),
            count=2,
            timezone_name="Europe/Berlin",
        )
    )

    assert [start.astimezone(BERLIN).time() for start, _end in result] == [time(19), time(19)]
    assert [start.utcoffset() for start, _end in result] == [timedelta(hours=1), timedelta(hours=2)]
    assert [end - start for start, end in result] == [timedelta(hours=4)] * 2


def test_local_start_in_a_dst_gap_moves_forward_by_the_gap():
    result = local_start(date(2026, 3, 29), time(2, 30), BERLIN)

    assert result.astimezone(BERLIN).time() == time(3, 30)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"timezone_name": "Mars/Olympus"}, "unknown_timezone", "timezone"),
        ({"timezone_name": "../etc/passwd"}, "unknown_timezone", "timezone"),
        ({"timezone_name": ""}, "unknown_timezone", "timezone"),
        ({"interval_weeks": 0}, "interval_out_of_range", "interval_weeks"),
        ({"weekday": 7}, "weekday_out_of_range", "weekday"),
        ({"duration_minutes": 0}, "duration_out_of_range", "duration_minutes"),
        ({"count": None}, "count_xor_until", "count"),
        ({"until": date(2026, 5, 1)}, "count_xor_until", "count"),
        ({"count": 0}, "count_out_of_range", "count"),
        ({"count": None, "until": date(2026, 3, 1)}, "until_before_first_date", "until"),
        (
            {"count": None, "until": date(2036, 3, 1), "interval_weeks": 1},
            "too_many_meetings",
            "until",
        ),
    ],
)
def test_occurrences_refuse_impossible_input(changes, code, field):
    with pytest.raises(CadenceError) as caught:
        occurrences(cadence(**changes))

    assert (caught.value.code, caught.value.field) == (code, field)


def test_parse_skip_dates_accepts_iso_and_refuses_garbage():
    assert parse_skip_dates(["2026-05-05", date(2026, 6, 6)]) == {
        date(2026, 5, 5),
        date(2026, 6, 6),
    }
    with pytest.raises(CadenceError):
        parse_skip_dates(["5월 5일"])


# --- properties -------------------------------------------------------------------------------

ZONES = ["Asia/Seoul", "Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]

cadences = st.builds(
    Cadence,
    interval_weeks=st.integers(1, 12),
    weekday=st.integers(0, 6),
    start_time=st.times().map(lambda t: t.replace(microsecond=0, second=0)),
    duration_minutes=st.integers(1, 24 * 60),
    first_date=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    count=st.integers(1, 40),
    until=st.none(),
    skip_dates=st.frozensets(st.dates(date(2024, 1, 1), date(2032, 12, 31)), max_size=10),
    timezone_name=st.sampled_from(ZONES),
)


def _with_until(c: Cadence, days: int) -> Cadence:
    return Cadence(
        interval_weeks=c.interval_weeks,
        weekday=c.weekday,
        start_time=c.start_time,
        duration_minutes=c.duration_minutes,
        first_date=c.first_date,
        count=None,
        until=c.first_date + timedelta(days=days),
        skip_dates=c.skip_dates,
        timezone_name=c.timezone_name,
    )


def _exists(day: date, at: time, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time exists on that day (not in a DST gap)."""
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


@settings(max_examples=200, deadline=None)
@given(cadences)
def test_occurrences_properties_with_count(c: Cadence):
    zone = ZoneInfo(c.timezone_name)

    result = occurrences(c)

    starts = [start for start, _end in result]
    local_dates = [start.astimezone(zone).date() for start in starts]
    assert len(result) == c.count
    assert all(start.tzinfo is not None for start in starts)
    assert all(d.weekday() == c.weekday for d in local_dates)
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert all(
        (b - a).days % (7 * c.interval_weeks) == 0 for a, b in itertools.pairwise(local_dates)
    )
    assert not set(local_dates) & c.skip_dates
    assert local_dates[0] >= c.first_date
    # Elapsed time (in UTC): same-zone subtraction would give the wall-clock difference.
    assert all(
        end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=c.duration_minutes)
        for start, end in result
    )
    assert all(
        start.astimezone(zone).time() == c.start_time
        for start, day in zip(starts, local_dates, strict=True)
        if _exists(day, c.start_time, zone)
    )


@settings(max_examples=200, deadline=None)
@given(cadences, st.integers(0, 400))
def test_occurrences_properties_with_until(c: Cadence, days: int):
    c = _with_until(c, days)
    zone = ZoneInfo(c.timezone_name)

    result = occurrences(c)

    local_dates = [start.astimezone(zone).date() for start, _end in result]
    assert len(result) <= MAX_MEETINGS
    assert all(c.first_date <= d <= c.until for d in local_dates)
    assert not set(local_dates) & c.skip_dates
    # Nothing on the grid before `until` is missing, other than skipped dates.
    grid_start = c.first_date + timedelta(days=(c.weekday - c.first_date.weekday()) % 7)
    grid = []
    day = grid_start
    while day <= c.until:
        grid.append(day)
        day += timedelta(weeks=c.interval_weeks)
    assert local_dates == [d for d in grid if d not in c.skip_dates]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(0, 6),
    st.times(time(5), time(23)).map(lambda t: t.replace(microsecond=0, second=0)),
    st.dates(date(2025, 1, 1), date(2028, 12, 31)),
)
def test_occurrences_berlin_local_start_is_constant_across_dst(interval, weekday, at, first):
    c = Cadence(
        interval_weeks=interval,
        weekday=weekday,
        start_time=at,
        duration_minutes=120,
        first_date=first,
        count=40,
        timezone_name="Europe/Berlin",
    )

    result = occurrences(c)

    assert {start.astimezone(BERLIN).time() for start, _end in result} == {at}
    # Summer time lasts about 31 weeks: 40 meetings cross a change: the UTC offsets differ.
    assert len({start.utcoffset() for start, _end in result}) == 2
