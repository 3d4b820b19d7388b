"""The row helpers of the schedule and the presenters board: links from one reversed pattern,
dates printed exactly as Django's date_format prints them, words and ids escaped once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import conditional_escape

from sessions.views.rendering import IdUrl, LocalTimes, escaped, safe_id


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("zone", ["Asia/Seoul", "America/New_York", "UTC"])
def test_local_times_print_what_date_format_prints(language, zone):
    # Two weeks of moments 7 h 13 min apart: every weekday, both sides of midnight and of
    # New York's change to summer time (2026-03-08).
    first = dt.datetime(2026, 3, 1, 23, 50, tzinfo=dt.UTC)
    moments = [first + dt.timedelta(minutes=433 * step) for step in range(47)]

    with translation.override(language), timezone.override(ZoneInfo(zone)):
        times = LocalTimes()
        printed = [(times.day_and_time(m), times.time(m)) for m in moments]
        expected = [
            (
                date_format(timezone.localtime(m), "Y-m-d (D) H:i"),
                date_format(timezone.localtime(m), "H:i"),
            )
            for m in moments
        ]

    assert printed == expected


def test_id_url_fills_in_the_last_argument_only():
    # A lab slug of "0" must not be taken for the id.
    history = IdUrl.of("sessions:member_history", "0")
    claim = IdUrl.of("sessions:slot_claim")

    assert (history(42), claim(7)) == (
        reverse("sessions:member_history", args=["0", 42]),
        reverse("sessions:slot_claim", args=[7]),
    )


def test_safe_ids_and_escaped_words_are_not_escaped_twice():
    words = escaped({"title": 'Q&A "night"'})

    assert conditional_escape(safe_id(12)) == "12"
    assert conditional_escape(words["title"]) == "Q&amp;A &quot;night&quot;"
