"""The schedule and meeting pages: what they show, the forms with their conflict preview,
permissions (outsider 404, member 403) and query counts."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from members.models import Profile
from sessions.models import Meeting, MeetingSeries, MeetingStatus
from tests.conftest import client_for
from tests.factories import (
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    RsvpFactory,
)

SEOUL = ZoneInfo("Asia/Seoul")
SCHEDULE_URL = "/labs/deep-lab/5/schedule/"
SERIES_NEW_URL = "/labs/deep-lab/5/schedule/series/new/"
MEETING_NEW_URL = "/labs/deep-lab/5/schedule/meetings/new/"


@pytest.fixture(autouse=True)
def english(world):
    Profile.objects.update(language="en")
    world.cohort.start_date = timezone.localdate() - timedelta(days=60)
    world.cohort.end_date = timezone.localdate() + timedelta(days=365)
    world.cohort.save()


def upcoming_day(weekday: int = 2) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SEOUL)


def series_post(**changes) -> dict:
    data = {
        "interval_weeks": "2",
        "weekday": "2",
        "start_time": "19:00",
        "duration_minutes": "240",
        "first_date": upcoming_day().isoformat(),
        "count": "3",
        "until": "",
        "skip_dates": "",
        "timezone": "Asia/Seoul",
        "location": "",
        "online_url": "",
    }
    return data | changes


def meeting_post(start: datetime, end: datetime, **changes) -> dict:
    local = "%Y-%m-%dT%H:%M"
    data = {
        "title": "",
        "starts_at": start.astimezone(SEOUL).strftime(local),
        "ends_at": end.astimezone(SEOUL).strftime(local),
        "location": "",
        "online_url": "",
        "agenda": "",
        "rsvp_deadline": "",
    }
    return data | changes


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the schedule page ------------------------------------------------------------------------


def test_schedule_lists_upcoming_and_past_with_numbers(world, member_client):
    now = timezone.now()
    past = MeetingFactory(cohort=world.cohort, number=1, starts_at=now - timedelta(days=14))
    upcoming = MeetingFactory(cohort=world.cohort, number=2, starts_at=now + timedelta(days=1))

    response = member_client.get(SCHEDULE_URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.context["upcoming"]] == [str(upcoming.pk)]
    assert [row["id"] for row in response.context["past"]] == [str(past.pk)]
    assert re.findall(r'data-testid="meeting-number">([^<]+)<', response.content.decode()) == [
        "Meeting 2",
        "Meeting 1",
    ]


def test_schedule_shows_counts_and_my_rsvp(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    RsvpFactory(meeting=meeting, user=world.member, answer="maybe", note="조금 늦어요")
    RsvpFactory(meeting=meeting, user=world.leader, answer="yes")
    RsvpFactory(meeting=meeting, user=world.facilitator, answer="yes")

    response = member_client.get(SCHEDULE_URL)

    row = response.context["upcoming"][0]
    assert (row["counts"].yes, row["counts"].maybe, row["counts"].no) == (2, 1, 0)
    assert (row["answer"], row["rsvp"]["note"]) == ("maybe", "조금 늦어요")
    assert row["can_rsvp"] is True


def test_schedule_shows_times_in_the_viewers_zone(world, member_client):
    Profile.objects.filter(user=world.member).update(timezone="America/New_York")
    # 2026-07-01 19:00 in Seoul is 06:00 in New York (summer time).
    MeetingFactory(
        cohort=world.cohort,
        starts_at=datetime(2026, 7, 1, 19, tzinfo=SEOUL),
        ends_at=datetime(2026, 7, 1, 23, tzinfo=SEOUL),
    )

    response = member_client.get(SCHEDULE_URL)

    when = re.search(
        r'data-testid="meeting-when">\s*<time[^>]*>([^<]+)</time>', response.content.decode()
    )
    assert when is not None
    assert when.group(1) == "2026-07-01 (Wed) 06:00"


def test_schedule_place_map_and_online_links(world, member_client):
    place = LocationFactory(lab=world.lab, name="강남", latitude=37.5, longitude=127.0)
    MeetingFactory(cohort=world.cohort, location=place, online_url="https://meet.example.com/a")

    body = member_client.get(SCHEDULE_URL).content.decode()

    assert 'href="https://map.kakao.com/link/map/%EA%B0%95%EB%82%A8,37.500000,127.000000"' in body
    assert 'href="https://meet.example.com/a"' in body


def test_schedule_manager_links_only_for_managers(world, member_client, leader_client):
    assert b'data-testid="series-create-link"' not in member_client.get(SCHEDULE_URL).content
    assert b'data-testid="series-create-link"' in leader_client.get(SCHEDULE_URL).content


def test_cohort_page_links_to_schedule(world, member_client):
    response = member_client.get("/labs/deep-lab/5/")

    assert f'href="{SCHEDULE_URL}"'.encode() in response.content


@pytest.mark.parametrize(("members", "meetings"), [(3, 3), (40, 30)])
def test_schedule_query_count_is_constant(world, django_assert_num_queries, members, meetings):
    # The world has 3 members; add the rest, the meetings and everyone's RSVPs.
    extra = [
        MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user for _ in range(members - 3)
    ]
    people = [world.leader, world.facilitator, world.member, *extra]
    for index in range(meetings):
        meeting = MeetingFactory(
            cohort=world.cohort, starts_at=timezone.now() + timedelta(days=index - 10)
        )
        for person in people:
            RsvpFactory(meeting=meeting, user=person, answer="yes")
    client = client_for(world.member)
    client.get(SCHEDULE_URL)  # warm the session

    # session, user, profile; cohort; my access; meetings; their RSVP counts with my answers.
    with django_assert_num_queries(7):
        response = client.get(SCHEDULE_URL + "?past=all")

    assert response.content.count(b'data-testid="meeting-row"') == meetings


@pytest.mark.parametrize("count", [1, 3])
def test_schedule_query_count_at_one_and_three_meetings(world, django_assert_num_queries, count):
    for _ in range(count):
        MeetingFactory(cohort=world.cohort)
    client = client_for(world.leader)
    client.get(SCHEDULE_URL)

    # A manager's page also lists the series (one more query).
    with django_assert_num_queries(8):
        response = client.get(SCHEDULE_URL)

    assert response.content.count(b'data-testid="meeting-row"') == count


def test_schedule_shows_the_latest_five_past_meetings_unless_asked(world):
    for days in range(1, 9):
        MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(days=7 * days))
    MeetingFactory(cohort=world.cohort)  # upcoming
    client = client_for(world.member)

    default = client.get(SCHEDULE_URL).content.decode()
    everything = client.get(SCHEDULE_URL + "?past=all").content.decode()

    assert default.count('data-testid="meeting-row"') == 6
    assert 'data-testid="past-all">Show 3 earlier meetings</a>' in default
    assert everything.count('data-testid="meeting-row"') == 9
    assert 'data-testid="past-all"' not in everything


# --- the meeting page -------------------------------------------------------------------------


def test_meeting_detail_lists_answers_and_leader_sees_unanswered(
    world, leader_client, member_client
):
    meeting = MeetingFactory(cohort=world.cohort, agenda="1. 논문 리뷰")
    RsvpFactory(meeting=meeting, user=world.member, answer="yes", note="조금 늦어요")

    leader_page = leader_client.get(reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk}))
    member_page = member_client.get(reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk}))

    answers = leader_page.context["answers"]
    assert [r.user for r in answers.yes] == [world.member]
    assert {m.user for m in answers.unanswered} == {world.leader, world.facilitator}
    assert b'data-testid="rsvp-list-unanswered"' in leader_page.content
    assert b'data-testid="rsvp-list-unanswered"' not in member_page.content
    assert "1. 논문 리뷰" in member_page.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_meeting_detail_query_count_is_constant(world, django_assert_num_queries, count):
    meeting = MeetingFactory(cohort=world.cohort)
    for _ in range(count):
        RsvpFactory(meeting=meeting, user=MembershipFactory(cohort=world.cohort).user)
    client = client_for(world.leader)
    url = reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk})
    client.get(url)

    with django_assert_num_queries(7):
        response = client.get(url)

    assert len(response.context["answers"].yes) == count


def test_meeting_detail_cancel_with_htmx_redirects_the_client(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = leader_client.post(
        reverse("sessions:meeting_cancel", kwargs={"pk": meeting.pk}),
        headers={"HX-Request": "true"},
    )

    assert response.headers["HX-Redirect"] == f"/meetings/{meeting.pk}/"


def test_series_edit_form_opens_with_the_series_values(world, leader_client):
    leader_client.post(SERIES_NEW_URL, series_post(skip_dates="2030-01-01"), follow=True)
    series = MeetingSeries.objects.get()

    response = leader_client.get(reverse("sessions:series_edit", kwargs={"pk": series.pk}))

    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["count"], form.initial["skip_dates"], form.initial["timezone"]) == (
        3,
        "2030-01-01",
        "Asia/Seoul",
    )


def test_series_edit_member_gets_403(world, member_client, leader_client):
    leader_client.post(SERIES_NEW_URL, series_post(), follow=True)
    series = MeetingSeries.objects.get()

    response = member_client.get(reverse("sessions:series_edit", kwargs={"pk": series.pk}))

    assert response.status_code == 403


def test_meeting_detail_manager_links(world, leader_client, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    url = reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk})

    leader_body = leader_client.get(url).content.decode()
    member_body = member_client.get(url).content.decode()

    for testid in (
        "meeting-edit-link",
        "meeting-cancel-button",
        "attendance-link",
        "place-suggestion-link",
    ):
        assert f'data-testid="{testid}"' in leader_body
        assert f'data-testid="{testid}"' not in member_body
    assert f"/meetings/{meeting.pk}/place-suggestion/" in leader_body


# --- creating a series ------------------------------------------------------------------------


def test_series_create_saves_and_redirects_to_schedule(world, leader_client):
    response = leader_client.post(SERIES_NEW_URL, series_post())

    assert response.status_code == 302
    assert response["Location"] == SCHEDULE_URL
    assert list(Meeting.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert messages_of(leader_client.get(SCHEDULE_URL)) == ["Series created: 3 meetings."]


def test_series_create_shows_conflicts_before_saving_then_saves_anyway(world, leader_client):
    MeetingFactory(cohort=world.cohort, number=1, starts_at=at(upcoming_day(), 20))

    preview = leader_client.post(SERIES_NEW_URL, series_post())

    assert preview.status_code == 200
    assert [c.kind for c in preview.context["conflicts"]] == ["cohort_overlap"]
    assert b'data-testid="conflict-cohort_overlap"' in preview.content
    assert b'type="checkbox" name="save_anyway"' in preview.content
    assert MeetingSeries.objects.count() == 0

    saved = leader_client.post(SERIES_NEW_URL, series_post(save_anyway="on"))

    assert saved.status_code == 302
    assert Meeting.objects.count() == 4


def test_series_create_form_has_no_save_anyway_box_without_conflicts(world, leader_client):
    response = leader_client.get(SERIES_NEW_URL)

    assert b'type="checkbox" name="save_anyway"' not in response.content
    assert b'type="hidden" name="save_anyway"' in response.content


def test_series_create_unknown_timezone_is_an_error_not_a_warning(world, leader_client):
    response = leader_client.post(
        SERIES_NEW_URL, series_post(timezone="Seoul/Gangnam", save_anyway="on")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["timezone"] == [
        "Unknown time zone. Use an IANA name such as Asia/Seoul."
    ]
    assert MeetingSeries.objects.count() == 0


def test_series_create_needs_count_or_until(world, leader_client):
    response = leader_client.post(SERIES_NEW_URL, series_post(count=""))

    assert response.context["form"].errors["count"] == ["Give a number of meetings or a last date."]


def test_series_create_htmx_error_renders_the_form_partial(world, leader_client):
    response = leader_client.post(
        SERIES_NEW_URL, series_post(count=""), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<form")


def test_series_create_member_gets_403(world, member_client):
    assert member_client.get(SERIES_NEW_URL).status_code == 403
    assert member_client.post(SERIES_NEW_URL, series_post()).status_code == 403
    assert Meeting.objects.count() == 0


# --- single meetings --------------------------------------------------------------------------


def test_meeting_create_refuses_end_before_start(world, leader_client):
    start = at(upcoming_day(4), 19)

    response = leader_client.post(
        MEETING_NEW_URL, meeting_post(start, start - timedelta(hours=1), save_anyway="on")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == ["The meeting must end after it starts."]
    assert Meeting.objects.count() == 0


def test_meeting_create_interprets_times_in_the_viewers_zone(world, leader_client):
    Profile.objects.filter(user=world.leader).update(timezone="Europe/Berlin")
    data = meeting_post(at(upcoming_day(4), 19), at(upcoming_day(4), 21))
    data["starts_at"], data["ends_at"] = "2026-12-03T11:00", "2026-12-03T13:00"

    response = leader_client.post(MEETING_NEW_URL, data | {"save_anyway": "on"})

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.starts_at == datetime(2026, 12, 3, 19, tzinfo=SEOUL)


def test_meeting_edit_warns_about_place_booked_then_saves(world, leader_client):
    place = LocationFactory(lab=world.lab)
    start = at(upcoming_day(4), 19)
    MeetingFactory(
        cohort=MembershipFactory(cohort__lab=world.lab, cohort__number=6).cohort,
        location=place,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    meeting = MeetingFactory(cohort=world.cohort, starts_at=start + timedelta(days=1))
    url = reverse("sessions:meeting_edit", kwargs={"pk": meeting.pk})
    data = meeting_post(start, start + timedelta(hours=2), location=str(place.pk))

    preview = leader_client.post(url, data)
    saved = leader_client.post(url, data | {"save_anyway": "on"})

    assert [c.kind for c in preview.context["conflicts"]] == ["place_booked"]
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.location, meeting.edited, meeting.sequence) == (place, True, 1)


def test_meeting_cancel_by_leader(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = leader_client.post(reverse("sessions:meeting_cancel", kwargs={"pk": meeting.pk}))

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert meeting.status == MeetingStatus.CANCELLED


def test_meeting_cancel_member_gets_403(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.post(reverse("sessions:meeting_cancel", kwargs={"pk": meeting.pk}))

    meeting.refresh_from_db()
    assert response.status_code == 403
    assert meeting.status == MeetingStatus.SCHEDULED


def test_meeting_edit_member_gets_403(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    assert (
        member_client.get(reverse("sessions:meeting_edit", kwargs={"pk": meeting.pk})).status_code
        == 403
    )


# --- series edit ------------------------------------------------------------------------------


def test_series_edit_reports_what_changed(world, leader_client):
    leader_client.post(SERIES_NEW_URL, series_post(), follow=True)
    series = MeetingSeries.objects.get()

    response = leader_client.post(
        reverse("sessions:series_edit", kwargs={"pk": series.pk}),
        series_post(weekday="3", count="2", save_anyway="on"),
        follow=True,
    )

    assert messages_of(response) == [
        "Series saved. Moved: 1, 2. Cancelled: 3. Added: -. "
        "Left as they were (edited by hand or unchanged): -."
    ]


# --- outsiders --------------------------------------------------------------------------------


def test_every_page_is_404_for_outsiders(world, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)
    series = MeetingSeries.objects.create(
        cohort=world.cohort, weekday=2, start_time=time(19), first_date=upcoming_day(), count=1
    )
    gets = [
        SCHEDULE_URL,
        SERIES_NEW_URL,
        MEETING_NEW_URL,
        reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk}),
        reverse("sessions:meeting_edit", kwargs={"pk": meeting.pk}),
        reverse("sessions:series_edit", kwargs={"pk": series.pk}),
    ]
    posts = [*gets[1:3], *gets[4:], reverse("sessions:meeting_cancel", kwargs={"pk": meeting.pk})]

    assert [outsider_client.get(url).status_code for url in gets] == [404] * len(gets)
    assert [outsider_client.post(url, {}).status_code for url in posts] == [404] * len(posts)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_schedule_page_links_to_the_cohort_polls(world):
    response = client_for(world.member).get(
        reverse("sessions:cohort_schedule", args=["deep-lab", 5])
    )

    assert 'href="/labs/deep-lab/5/polls/" data-testid="polls-link"' in response.content.decode()
