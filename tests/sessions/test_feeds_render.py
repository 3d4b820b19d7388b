"""sessions.feeds.feed_render on plain events: zones, VTIMEZONEs, alarms, links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from sessions.feeds import FeedCalendar, FeedEvent, feed_links, feed_render

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def _event(uid: str, starts_at: datetime, zone: str, *, cancelled: bool = False) -> FeedEvent:
    return FeedEvent(
        uid=f"{uid}@labmate",
        sequence=2,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        timezone=zone,
        summary="5기 1회",
        location="",
        url="https://labmate.example/meetings/1/",
        description="",
        cancelled=cancelled,
        last_modified=NOW,
    )


def _render(*events: FeedEvent) -> Calendar:
    calendar = FeedCalendar(name="Labmate · 테스트", uid="cal-1")
    return Calendar.from_ical(feed_render(calendar=calendar, events=events, now=NOW))


def test_feed_render_dst_zone_keeps_local_time_across_the_change():
    new_york = ZoneInfo("America/New_York")
    before = _event("a", datetime(2026, 10, 30, 19, 0, tzinfo=new_york), "America/New_York")
    after = _event("b", datetime(2026, 11, 6, 19, 0, tzinfo=new_york), "America/New_York")

    calendar = _render(before, after)
    starts = [event.start for event in calendar.events]

    assert [(s.hour, s.utcoffset()) for s in starts] == [
        (19, timedelta(hours=-4)),
        (19, timedelta(hours=-5)),
    ]
    timezone = calendar.timezones[0]
    assert timezone.tz_name == "America/New_York"
    assert sorted({c.name for c in timezone.subcomponents}) == ["DAYLIGHT", "STANDARD"]


def test_feed_render_converts_utc_input_to_the_events_zone():
    starts_at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 19:00 in Seoul

    event = _render(_event("a", starts_at, "Asia/Seoul")).events[0]

    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert (event.start.hour, event.start.minute) == (19, 0)
    assert event.start == starts_at


def test_feed_render_one_vtimezone_per_zone_used():
    seoul = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)

    calendar = _render(
        _event("a", seoul, "Asia/Seoul"),
        _event("b", seoul + timedelta(days=7), "Asia/Seoul"),
        _event("c", seoul, "Europe/Berlin"),
    )

    assert sorted(tz.tz_name for tz in calendar.timezones) == ["Asia/Seoul", "Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()


def test_feed_render_stamps_every_event_with_the_render_time():
    calendar = _render(_event("a", NOW + timedelta(days=1), "Asia/Seoul"))

    assert calendar.events[0]["DTSTAMP"].dt == NOW


def test_feed_render_cancelled_event_has_no_alarm():
    start = NOW + timedelta(days=1)

    calendar = _render(
        _event("a", start, "Asia/Seoul"), _event("b", start, "Asia/Seoul", cancelled=True)
    )

    assert [len(event.walk("VALARM")) for event in calendar.events] == [1, 0]
    assert [str(event["STATUS"]) for event in calendar.events] == ["CONFIRMED", "CANCELLED"]


def test_feed_render_empty_calendar_has_no_timezone():
    calendar = _render()

    assert calendar.events == []
    assert calendar.timezones == []
    assert str(calendar["X-WR-CALNAME"]) == "Labmate · 테스트"


def test_feed_links_use_site_url(settings):
    settings.SITE_URL = "https://labmate.example/"

    links = feed_links(kind="cohort", token="abc")

    assert links.https == "https://labmate.example/calendar/cohort/abc.ics"
    assert links.webcal == "webcal://labmate.example/calendar/cohort/abc.ics"
    assert links.google == (
        "https://calendar.google.com/calendar/render?cid="
        "webcal%3A%2F%2Flabmate.example%2Fcalendar%2Fcohort%2Fabc.ics"
    )
