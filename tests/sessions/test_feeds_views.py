"""The calendar feeds, parsed back with icalendar: identity, times, status, caching, scope."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from labs.services import membership_remove
from members.models import Profile
from sessions.models import Meeting, MeetingSeries, MeetingStatus
from sessions.services.meetings import meeting_cancel, meeting_series_create, meeting_series_update
from tests.conftest import client_for
from tests.factories import CohortFactory, LocationFactory, MeetingFactory, MembershipFactory

SEOUL = ZoneInfo("Asia/Seoul")


def _member_url(user) -> str:
    token = Profile.objects.get(user=user).calendar_token
    return reverse("sessions:calendar_member", kwargs={"token": token})


def _cohort_url(cohort) -> str:
    cohort.refresh_from_db()
    return reverse("sessions:calendar_cohort", kwargs={"token": cohort.calendar_token})


def _seoul(days: int, hour: int = 19) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=SEOUL)


def _meeting(cohort, number: int, *, days: int = 7, **fields) -> Meeting:
    starts_at = _seoul(days)
    return MeetingFactory(
        cohort=cohort,
        number=number,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        **fields,
    )


def _fetch(url: str, client: Client | None = None, **headers: str):
    return (client or Client()).get(url, headers=headers)


def _events(response) -> dict[str, Event]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.events}


@pytest.fixture
def english(world):
    """The member reads English (feeds are worded in the owner's language; Korean is default)."""
    Profile.objects.filter(user=world.member).update(language="en")


def _uid(meeting: Meeting) -> str:
    return f"{meeting.uid}@labmate"


def _regenerate_in_place(meeting: Meeting, *, starts_at: datetime) -> None:
    """What the schedule service does to a future meeting on a cadence change."""
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + timedelta(hours=3)
    meeting.sequence += 1
    meeting.save(update_fields=["starts_at", "ends_at", "sequence", "updated_at"])


# --- the document ------------------------------------------------------------------------


def test_cohort_feed_calendar_properties(world):
    _meeting(world.cohort, 1)

    response = _fetch(_cohort_url(world.cohort))
    calendar = Calendar.from_ical(response.content)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Labmate//Labmate calendar feed//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Seoul"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Seoul"]
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content


def test_cohort_feed_name_is_worded_in_the_request_language(world):
    _meeting(world.cohort, 1)
    client = Client()
    client.cookies["django_language"] = "en"

    calendar = Calendar.from_ical(_fetch(_cohort_url(world.cohort), client).content)

    assert str(calendar["X-WR-CALNAME"]) == "Labmate · 딥러닝 연구실 Cohort 5"


def test_member_feed_event_properties(world, english):
    place = LocationFactory(lab=world.lab, name="강남 스터디룸", address="서울 강남구 테헤란로 1")
    meeting = _meeting(
        world.cohort,
        3,
        title="Attention, is all; you need",
        location=place,
        online_url="https://meet.example.com/abc",
        agenda="1. 논문 발표\n2. 토론",
    )

    response = _fetch(_member_url(world.member))
    event = _events(response)[_uid(meeting)]

    assert response.status_code == 200
    assert str(event["SUMMARY"]) == "Cohort 5 · Meeting 3 · Attention, is all; you need"
    assert str(event["LOCATION"]) == "강남 스터디룸, 서울 강남구 테헤란로 1"
    assert str(event["URL"]) == f"http://127.0.0.1:8000/meetings/{meeting.pk}/"
    assert str(event["DESCRIPTION"]) == (
        "딥러닝 연구실 · Cohort 5\nOnline: https://meet.example.com/abc\n"
        f"Meeting notes: http://127.0.0.1:8000/meetings/{meeting.pk}/notes/\n"
        "\n1. 논문 발표\n2. 토론"
    )
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert event["LAST-MODIFIED"].dt == meeting.updated_at.replace(microsecond=0)
    assert event["DTSTAMP"].dt.tzinfo is not None


def test_member_feed_escapes_text_per_rfc(world, english):
    meeting = _meeting(world.cohort, 1, title="a, b; c\\d")

    response = _fetch(_member_url(world.member))

    assert b"SUMMARY:Cohort 5 \xc2\xb7 Meeting 1 \xc2\xb7 a\\, b\\; c\\\\d" in response.content
    assert str(_events(response)[_uid(meeting)]["SUMMARY"]) == "Cohort 5 · Meeting 1 · a, b; c\\d"


def test_member_feed_is_worded_in_the_members_language(world):
    world.member.profile.language = "ko"
    world.member.profile.save()
    meeting = _meeting(world.cohort, 1)

    response = _fetch(_member_url(world.member))
    event = Calendar.from_ical(response.content).events[0]

    # The first line is worded in Korean (the notes link's label follows the catalogue).
    assert str(event["DESCRIPTION"]).split("\n")[0] == "딥러닝 연구실 · 5기"
    assert str(event["DESCRIPTION"]).endswith(f"/meetings/{meeting.pk}/notes/")


def test_member_feed_online_only_meeting_has_the_link_as_location(world):
    meeting = _meeting(world.cohort, 1, online_url="https://meet.example.com/x")

    event = _events(_fetch(_member_url(world.member)))[_uid(meeting)]

    assert str(event["LOCATION"]) == "https://meet.example.com/x"


def test_member_feed_event_has_a_display_alarm_one_hour_before(world):
    meeting = _meeting(world.cohort, 1)

    event = _events(_fetch(_member_url(world.member)))[_uid(meeting)]
    alarms = event.walk("VALARM")

    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0]["TRIGGER"].dt == timedelta(hours=-1)
    assert b"TRIGGER:-PT1H" in alarms[0].to_ical()


def test_member_feed_time_is_19_seoul_in_the_events_zone(world):
    meeting = _meeting(world.cohort, 1)

    response = _fetch(_member_url(world.member))
    event = _events(response)[_uid(meeting)]

    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert event["DTEND"].params["TZID"] == "Asia/Seoul"
    assert event.start == meeting.starts_at
    assert (event.start.hour, event.start.minute) == (19, 0)
    assert event.start.utcoffset() == timedelta(hours=9)
    assert f"DTSTART;TZID=Asia/Seoul:{_seoul(7):%Y%m%d}T190000".encode() in response.content


def test_member_feed_ignores_the_viewers_zone(world):
    """A member in New York, signed in, still gets 19:00 Asia/Seoul (the event's zone)."""
    Profile.objects.filter(user=world.member).update(timezone="America/New_York")
    meeting = _meeting(world.cohort, 1)

    response = _fetch(_member_url(world.member), client_for(world.member))
    event = _events(response)[_uid(meeting)]

    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert (event.start.hour, event.start.minute) == (19, 0)
    assert event.start == meeting.starts_at


def test_member_feed_uses_the_series_zone_with_its_vtimezone(world):
    series = MeetingSeries.objects.create(
        cohort=world.cohort,
        weekday=2,
        start_time=time(19, 0),
        first_date=timezone.localdate(),
        count=3,
        timezone="Europe/Berlin",
    )
    starts_at = datetime.combine(
        timezone.localdate() + timedelta(days=10), time(19, 0), tzinfo=ZoneInfo("Europe/Berlin")
    )
    meeting = MeetingFactory(
        cohort=world.cohort,
        series=series,
        number=1,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
    )
    _meeting(world.cohort, 2)

    calendar = Calendar.from_ical(_fetch(_member_url(world.member)).content)
    event = {str(e["UID"]): e for e in calendar.events}[_uid(meeting)]

    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (event.start.hour, event.start.minute) == (19, 0)
    assert sorted(tz.tz_name for tz in calendar.timezones) == ["Asia/Seoul", "Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()


def test_member_feed_orders_events_by_start_then_id(world):
    late = _meeting(world.cohort, 1, days=20)
    early = _meeting(world.cohort, 2, days=3)
    same_a = _meeting(world.cohort, 3, days=10)
    same_b = _meeting(world.cohort, 4, days=10)

    calendar = Calendar.from_ical(_fetch(_member_url(world.member)).content)

    assert [str(e["UID"]) for e in calendar.events] == [
        _uid(early),
        _uid(same_a),
        _uid(same_b),
        _uid(late),
    ]


def test_feed_cancelled_meeting_stays_with_status_cancelled(world):
    meeting = _meeting(world.cohort, 1)
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence = 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])

    event = _events(_fetch(_cohort_url(world.cohort)))[_uid(meeting)]

    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert event.walk("VALARM") == []


# --- identity across changes -------------------------------------------------------------


def test_feed_uid_stays_and_sequence_rises_when_a_meeting_changes(world, english):
    meeting = _meeting(world.cohort, 1)
    before = _events(_fetch(_member_url(world.member)))

    meeting.title = "바뀐 제목"
    meeting.sequence += 1
    meeting.save(update_fields=["title", "sequence", "updated_at"])
    after = _events(_fetch(_member_url(world.member)))

    assert list(before) == [_uid(meeting)]
    assert list(after) == [_uid(meeting)]
    assert (before[_uid(meeting)]["SEQUENCE"], after[_uid(meeting)]["SEQUENCE"]) == (0, 1)
    assert str(after[_uid(meeting)]["SUMMARY"]) == "Cohort 5 · Meeting 1 · 바뀐 제목"


def test_feed_uids_stable_when_meetings_are_regenerated_in_place(world):
    meetings = [_meeting(world.cohort, n, days=7 * n) for n in (1, 2, 3)]
    before = _events(_fetch(_cohort_url(world.cohort)))

    for meeting in meetings:
        _regenerate_in_place(meeting, starts_at=meeting.starts_at + timedelta(days=1, hours=1))
    after = _events(_fetch(_cohort_url(world.cohort)))

    assert sorted(after) == sorted(before) == sorted(_uid(m) for m in meetings)
    assert [after[_uid(m)]["SEQUENCE"] for m in meetings] == [1, 1, 1]
    assert [after[_uid(m)].start for m in meetings] == [m.starts_at for m in meetings]
    assert [after[_uid(m)].start.hour for m in meetings] == [20, 20, 20]


def test_feed_uids_stable_across_a_real_cadence_change(world):
    """Through the schedule service: 19:00 → 20:00 moves the same events (same UID, SEQUENCE 1)."""
    first_date = timezone.localdate() + timedelta(days=7)
    cadence = {
        "interval_weeks": 1,
        "weekday": first_date.weekday(),
        "duration_minutes": 120,
        "first_date": first_date,
        "count": 3,
    }
    series, meetings = meeting_series_create(
        actor=world.leader, cohort=world.cohort, start_time=time(19, 0), **cadence
    )
    url = _cohort_url(world.cohort)
    before = _events(_fetch(url))

    meeting_series_update(actor=world.leader, series=series, start_time=time(20, 0), **cadence)
    after = _events(_fetch(url))

    assert sorted(after) == sorted(before) == sorted(_uid(m) for m in meetings)
    assert [before[_uid(m)].start.hour for m in meetings] == [19, 19, 19]
    assert [after[_uid(m)].start.hour for m in meetings] == [20, 20, 20]
    assert [after[_uid(m)]["SEQUENCE"] for m in meetings] == [1, 1, 1]


def test_feed_shows_a_meeting_cancelled_through_the_service(world):
    meeting = _meeting(world.cohort, 1)

    meeting_cancel(actor=world.leader, meeting=meeting)
    event = _events(_fetch(_member_url(world.member)))[_uid(meeting)]

    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


# --- scope -------------------------------------------------------------------------------


def test_member_feed_holds_active_cohorts_from_90_days_back(world):
    recent = _meeting(world.cohort, 1, days=-80)
    old = _meeting(world.cohort, 2, days=-100)
    future = _meeting(world.cohort, 3, days=200)
    other_cohort = CohortFactory(lab=world.lab, number=6)
    _meeting(other_cohort, 1)

    events = _events(_fetch(_member_url(world.member)))

    assert sorted(events) == sorted([_uid(recent), _uid(future)])
    assert _uid(old) not in events


def test_member_feed_spans_every_cohort_i_am_active_in(world):
    other = CohortFactory(number=9)
    MembershipFactory(cohort=other, user=world.member)
    mine = _meeting(world.cohort, 1)
    elsewhere = _meeting(other, 1)

    events = _events(_fetch(_member_url(world.member)))

    assert sorted(events) == sorted([_uid(mine), _uid(elsewhere)])


def test_member_feed_drops_a_cohort_i_left(world):
    meeting = _meeting(world.cohort, 1)

    membership_remove(actor=world.member, membership=world.member_membership)
    events = _events(_fetch(_member_url(world.member)))

    assert _uid(meeting) not in events
    assert events == {}


def test_cohort_feed_holds_all_the_cohorts_meetings(world):
    old = _meeting(world.cohort, 1, days=-300)
    future = _meeting(world.cohort, 2)
    _meeting(CohortFactory(lab=world.lab, number=6), 1)

    events = _events(_fetch(_cohort_url(world.cohort)))

    assert sorted(events) == sorted([_uid(old), _uid(future)])


def test_member_feed_empty_is_still_a_valid_calendar(world):
    response = _fetch(_member_url(world.outsider))
    calendar = Calendar.from_ical(response.content)

    assert response.status_code == 200
    assert calendar.events == []
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_member_feed_unknown_token_is_404(db):
    response = _fetch(reverse("sessions:calendar_member", kwargs={"token": "no-such-token"}))

    assert response.status_code == 404


def test_cohort_feed_unknown_token_is_404(db):
    response = _fetch(reverse("sessions:calendar_cohort", kwargs={"token": "no-such-token"}))

    assert response.status_code == 404


def test_member_feed_of_a_deactivated_account_is_404(world):
    url = _member_url(world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])

    assert _fetch(url).status_code == 404


def test_feed_answers_head_without_body(world):
    _meeting(world.cohort, 1)

    response = Client().head(_member_url(world.member))

    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"].startswith('W/"')


def test_feed_refuses_post(world):
    response = Client().post(_member_url(world.member))

    assert response.status_code == 405


# --- caching -----------------------------------------------------------------------------


def test_member_feed_not_modified_path_is_304_without_body(world, django_assert_max_num_queries):
    _meeting(world.cohort, 1)
    url = _member_url(world.member)
    etag = _fetch(url)["ETag"]

    with django_assert_max_num_queries(3):
        response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, max-age=300"


def test_cohort_feed_not_modified_path_is_304_without_body(world, django_assert_max_num_queries):
    _meeting(world.cohort, 1)
    url = _cohort_url(world.cohort)
    etag = _fetch(url)["ETag"]

    with django_assert_max_num_queries(3):
        response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_feed_not_modified_since_last_modified(world):
    _meeting(world.cohort, 1)
    url = _cohort_url(world.cohort)
    last_modified = _fetch(url)["Last-Modified"]

    response = _fetch(url, **{"If-Modified-Since": last_modified})

    assert response.status_code == 304


def test_feed_other_etag_gets_the_full_feed(world):
    meeting = _meeting(world.cohort, 1)

    response = _fetch(_member_url(world.member), **{"If-None-Match": 'W/"something-else"'})

    assert response.status_code == 200
    assert list(_events(response)) == [_uid(meeting)]


def test_feed_etag_changes_when_a_meeting_changes(world):
    meeting = _meeting(world.cohort, 1)
    url = _member_url(world.member)
    etag = _fetch(url)["ETag"]

    _regenerate_in_place(meeting, starts_at=meeting.starts_at + timedelta(hours=1))
    response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_feed_etag_changes_when_a_place_is_renamed(world):
    place = LocationFactory(lab=world.lab, name="A")
    _meeting(world.cohort, 1, location=place)
    url = _cohort_url(world.cohort)
    etag = _fetch(url)["ETag"]

    place.name = "B"
    place.save(update_fields=["name", "updated_at"])
    response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_feed_etag_changes_when_a_meeting_is_deleted(world):
    _meeting(world.cohort, 1)
    newest = _meeting(world.cohort, 2)
    url = _cohort_url(world.cohort)
    etag = _fetch(url)["ETag"]

    Meeting.objects.exclude(pk=newest.pk).delete()
    response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_member_feed_etag_changes_when_a_membership_ends(world):
    _meeting(world.cohort, 1)
    url = _member_url(world.member)
    etag = _fetch(url)["ETag"]

    membership_remove(actor=world.member, membership=world.member_membership)
    response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert _events(response) == {}


def test_member_feed_etag_changes_when_i_join_a_cohort(world):
    other = CohortFactory(number=9)
    _meeting(other, 1)
    _meeting(world.cohort, 1)
    url = _member_url(world.member)
    etag = _fetch(url)["ETag"]

    MembershipFactory(cohort=other, user=world.member)
    response = _fetch(url, **{"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_feed_etag_is_the_same_when_nothing_changed(world):
    _meeting(world.cohort, 1)
    url = _member_url(world.member)

    assert _fetch(url)["ETag"] == _fetch(url)["ETag"]


@pytest.mark.parametrize("count", [1, 30])
def test_member_feed_query_count_is_constant(world, django_assert_num_queries, count):
    place = LocationFactory(lab=world.lab)
    for number in range(1, count + 1):
        _meeting(world.cohort, number, days=number, location=place)
    url = _member_url(world.member)

    with django_assert_num_queries(3):
        response = _fetch(url)

    assert len(_events(response)) == count


@pytest.mark.parametrize("count", [1, 30])
def test_cohort_feed_query_count_is_constant(world, django_assert_num_queries, count):
    for number in range(1, count + 1):
        _meeting(world.cohort, number, days=number)
    url = _cohort_url(world.cohort)

    with django_assert_num_queries(3):
        response = _fetch(url)

    assert len(_events(response)) == count
