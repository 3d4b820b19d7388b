"""Quiet hours, digest times and backoff: pure functions over aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from notifications.schedule import (
    Timing,
    backoff,
    first_attempt_at,
    in_quiet_hours,
    next_digest_at,
    quiet_hours_end,
)

SEOUL_NIGHT = Timing(timezone="Asia/Seoul", quiet_start=time(22), quiet_end=time(7))


@pytest.mark.parametrize(
    ("utc_hour", "expected"),
    [(12, False), (13, True), (21, True), (22, False), (23, False)],
)
def test_in_quiet_hours_spans_midnight_in_the_members_zone(utc_hour, expected):
    # Seoul is UTC+9: 13:00 UTC is 22:00 there, 22:00 UTC is 07:00 there.
    moment = datetime(2026, 11, 20, utc_hour, 0, tzinfo=UTC)

    assert in_quiet_hours(moment, SEOUL_NIGHT) is expected


def test_quiet_hours_end_is_the_next_local_morning():
    moment = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 00:30 in Seoul

    assert quiet_hours_end(moment, SEOUL_NIGHT) == datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


def test_quiet_hours_end_outside_quiet_hours_is_now():
    moment = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 12:00 in Seoul

    assert quiet_hours_end(moment, SEOUL_NIGHT) == moment


def test_quiet_hours_within_one_day():
    timing = Timing(timezone="Europe/Berlin", quiet_start=time(13), quiet_end=time(14))
    moment = datetime(2026, 7, 1, 11, 30, tzinfo=UTC)  # 13:30 in Berlin (UTC+2)

    assert quiet_hours_end(moment, timing) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_no_quiet_hours_never_holds():
    moment = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)

    assert in_quiet_hours(moment, Timing()) is False


def test_next_digest_is_the_members_digest_hour_tomorrow_once_passed():
    timing = Timing(timezone="Asia/Seoul", digest=True, digest_hour=8)
    moment = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 10:00 in Seoul, after 08:00

    assert next_digest_at(moment, timing) == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


def test_first_attempt_for_a_digest_member_waits_for_the_digest():
    timing = Timing(timezone="Asia/Seoul", digest=True, digest_hour=8)
    moment = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # 07:00 in Seoul

    assert first_attempt_at(moment, timing, digest=True) == datetime(
        2026, 11, 19, 23, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (5, 960), (6, 1800), (12, 1800)]
)
def test_backoff_doubles_and_is_capped(attempts, seconds):
    assert backoff(attempts, base=60, cap=1800) == timedelta(seconds=seconds)
