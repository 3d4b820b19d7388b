"""The meetings API: list filters, reads, writes (single, series, update, cancel, attendance),
permissions and query counts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, Meeting, MeetingSeries, MeetingStatus
from tests.conftest import bearer_client, client_for
from tests.factories import (
    CohortFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.usefixtures("api_cache")

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def long_cohort(world):
    world.cohort.start_date = timezone.localdate() - timedelta(days=60)
    world.cohort.end_date = timezone.localdate() + timedelta(days=365)
    world.cohort.save()
    return world.cohort


def api(name: str, pk: int | None = None) -> str:
    return reverse(f"api:{name}") if pk is None else reverse(f"api:{name}", kwargs={"pk": pk})


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def iso(moment: datetime) -> str:
    return timezone.localtime(moment, SEOUL).isoformat()


def upcoming_day(weekday: int = 2) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SEOUL)


# --- reads ------------------------------------------------------------------------------------


def test_meeting_retrieve_shows_every_field(world, member_client):
    place = LocationFactory(lab=world.lab)
    meeting = MeetingFactory(cohort=world.cohort, number=3, title="3회", location=place)

    response = member_client.get(api("meeting-detail", meeting.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": meeting.pk,
        "url": f"http://testserver/api/v1/meetings/{meeting.pk}/",
        "created_at": iso(meeting.created_at),
        "updated_at": iso(meeting.updated_at),
        "external_id": None,
        "cohort": world.cohort.pk,
        "number": 3,
        "title": "3회",
        "starts_at": iso(meeting.starts_at),
        "ends_at": iso(meeting.ends_at),
        "location": place.pk,
        "online_url": "",
        "agenda": "",
        "status": "scheduled",
        "rsvp_deadline": None,
        "uid": str(meeting.uid),
        "sequence": 0,
        "series": None,
    }


def test_meeting_list_rows_equal_retrieve(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    listed = member_client.get(api("meeting-list")).json()["results"]
    single = member_client.get(api("meeting-detail", meeting.pk)).json()

    assert listed == [single]


def test_meeting_list_outsider_sees_nothing_and_gets_404(world, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)

    assert ids(outsider_client.get(api("meeting-list"))) == []
    assert outsider_client.get(api("meeting-detail", meeting.pk)).status_code == 404


def test_meeting_list_filters(world, member_client):
    now = timezone.now()
    early = MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=1))
    late = MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=20))
    sibling = CohortFactory(lab=world.lab, number=6)
    other = MeetingFactory(cohort=sibling, starts_at=now + timedelta(days=2))
    middle = (now + timedelta(days=10)).date().isoformat()

    url = api("meeting-list")
    assert ids(member_client.get(url, {"cohort": world.cohort.pk})) == [early.pk, late.pk]
    assert ids(member_client.get(url, {"lab": "deep-lab"})) == [early.pk, late.pk, other.pk]
    assert ids(member_client.get(url, {"lab": "other-lab"})) == []
    assert ids(member_client.get(url, {"from": middle})) == [late.pk]
    assert ids(member_client.get(url, {"to": middle})) == [early.pk, other.pk]
    assert ids(member_client.get(url, {"from": "garbage"})) == []
    Meeting.objects.filter(pk=late.pk).update(status=MeetingStatus.CANCELLED)
    assert ids(member_client.get(url, {"status": "cancelled"})) == [late.pk]


def test_meeting_list_lab_limited_token(world):
    MembershipFactory(user=world.member, cohort=CohortFactory(lab=world.other_lab, number=2))
    mine = MeetingFactory(cohort=world.cohort)
    MeetingFactory(cohort=CohortFactory(lab=world.other_lab, number=3))

    client = bearer_client(world.member, lab_slug="deep-lab")

    assert ids(client.get(api("meeting-list"))) == [mine.pk]


@pytest.mark.parametrize("count", [1, 3])
def test_meeting_list_query_count_is_constant(world, django_assert_num_queries, count):
    for _ in range(count):
        MeetingFactory(cohort=world.cohort)
    client = client_for(world.member)

    # The session, the user, the profile (language and zone), the page of meetings.
    with django_assert_num_queries(4):
        response = client.get(api("meeting-list"))

    assert len(response.json()["results"]) == count


# --- single meeting writes --------------------------------------------------------------------


def test_meeting_create_by_leader_with_conflict_warning(world, leader_client):
    start = at(upcoming_day(), 19)
    clash = MeetingFactory(cohort=world.cohort, number=1, starts_at=start)

    response = post(
        leader_client,
        api("meeting-list"),
        {
            "cohort": world.cohort.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "title": "번개",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["title"]) == (2, "번개")
    assert [(c["kind"], c["meeting"]) for c in body["conflicts"]] == [("cohort_overlap", clash.pk)]


def test_meeting_create_refuses_end_before_start(world, leader_client):
    start = at(upcoming_day(), 19)

    response = post(
        leader_client,
        api("meeting-list"),
        {
            "cohort": world.cohort.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start - timedelta(hours=1)).isoformat(),
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "ends_at": ["The meeting must end after it starts."]
    }
    assert Meeting.objects.count() == 0


def test_meeting_create_member_gets_403_outsider_400(world, member_client, outsider_client):
    start = at(upcoming_day(), 19)
    data = {
        "cohort": world.cohort.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }

    assert post(member_client, api("meeting-list"), data).status_code == 403
    outsider = post(outsider_client, api("meeting-list"), data)
    assert outsider.status_code == 400
    assert outsider.json()["error"]["fields"] == {"cohort": ["No such cohort."]}
    assert Meeting.objects.count() == 0


def test_meeting_create_refuses_an_invisible_place(world, leader_client):
    theirs = LocationFactory(lab=world.other_lab)
    start = at(upcoming_day(), 19)

    response = post(
        leader_client,
        api("meeting-list"),
        {
            "cohort": world.cohort.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "location": theirs.pk,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"location": ["No such place."]}


def test_meeting_patch_marks_edited(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = leader_client.patch(
        api("meeting-detail", meeting.pk), {"title": "장소 변경"}, content_type="application/json"
    )

    meeting.refresh_from_db()
    assert response.status_code == 200
    assert (meeting.title, meeting.edited, meeting.sequence) == ("장소 변경", True, 1)
    assert response.json()["sequence"] == 1


def test_meeting_put_replaces_every_field(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort, title="old", agenda="old")
    start = at(upcoming_day(), 10)

    response = leader_client.put(
        api("meeting-detail", meeting.pk),
        {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "title": "new",
            "location": None,
            "online_url": "https://meet.example.com/n",
            "agenda": "",
            "rsvp_deadline": None,
        },
        content_type="application/json",
    )

    meeting.refresh_from_db()
    assert response.status_code == 200
    assert (meeting.title, meeting.agenda, meeting.starts_at) == ("new", "", start)
    assert response.json()["conflicts"] == []


def test_meeting_patch_member_403_outsider_404(world, member_client, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)
    url = api("meeting-detail", meeting.pk)

    member = member_client.patch(url, {"title": "x"}, content_type="application/json")
    outsider = outsider_client.patch(url, {"title": "x"}, content_type="application/json")

    assert (member.status_code, outsider.status_code) == (403, 404)


def test_meeting_cancel(world, leader_client, member_client, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)
    url = reverse("api:meeting-cancel", kwargs={"pk": meeting.pk})

    assert post(outsider_client, url).status_code == 404
    assert post(member_client, url).status_code == 403
    response = post(leader_client, url)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["sequence"]) == ("cancelled", 1)


def test_read_token_cannot_write(world):
    meeting = MeetingFactory(cohort=world.cohort)
    client = bearer_client(world.leader, scope="read")

    response = post(client, reverse("api:meeting-cancel", kwargs={"pk": meeting.pk}))

    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


# --- series -----------------------------------------------------------------------------------


def series_body(world, **changes) -> dict:
    data = {
        "cohort": world.cohort.pk,
        "interval_weeks": 2,
        "weekday": 2,
        "start_time": "19:00",
        "duration_minutes": 240,
        "first_date": upcoming_day().isoformat(),
        "count": 3,
        "skip_dates": [],
    }
    return data | changes


def test_series_create_numbers_and_reports(world, leader_client):
    MeetingFactory(cohort=world.cohort, number=1, starts_at=at(upcoming_day(), 20))

    response = post(leader_client, reverse("api:meeting-series"), series_body(world))

    assert response.status_code == 201
    body = response.json()
    assert body["series"] == MeetingSeries.objects.get().pk
    assert [m["number"] for m in body["meetings"]] == [2, 3, 4]
    assert [m["starts_at"] for m in body["meetings"]] == [
        iso(at(upcoming_day() + timedelta(weeks=2 * i), 19)) for i in range(3)
    ]
    assert [c["kind"] for c in body["conflicts"]] == ["cohort_overlap"]


def test_series_create_unknown_timezone_is_400_and_saves_nothing(world, leader_client):
    response = post(
        leader_client, reverse("api:meeting-series"), series_body(world, timezone="KST")
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["timezone"]
    assert (MeetingSeries.objects.count(), Meeting.objects.count()) == (0, 0)


def test_series_create_member_403_outsider_400(world, member_client, outsider_client):
    url = reverse("api:meeting-series")

    assert post(member_client, url, series_body(world)).status_code == 403
    assert post(outsider_client, url, series_body(world)).status_code == 400
    assert Meeting.objects.count() == 0


# --- attendance -------------------------------------------------------------------------------


def test_attendance_records_for_everyone(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(hours=5))
    url = reverse("api:meeting-attendance", kwargs={"pk": meeting.pk})

    response = post(
        leader_client,
        url,
        {"statuses": {str(world.member.pk): "present", str(world.facilitator.pk): "late"}},
    )

    assert response.status_code == 200
    assert dict(Attendance.objects.values_list("user_id", "status")) == {
        world.member.pk: "present",
        world.facilitator.pk: "late",
    }


def test_attendance_member_403_outsider_404(world, member_client, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(hours=5))
    url = reverse("api:meeting-attendance", kwargs={"pk": meeting.pk})
    body = {"statuses": {str(world.member.pk): "present"}}

    assert post(outsider_client, url, body).status_code == 404
    assert post(member_client, url, body).status_code == 403
    assert Attendance.objects.count() == 0


def test_attendance_refuses_unknown_status(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(hours=5))
    url = reverse("api:meeting-attendance", kwargs={"pk": meeting.pk})

    response = post(leader_client, url, {"statuses": {str(world.member.pk): "asleep"}})

    assert response.status_code == 400
    assert Attendance.objects.count() == 0
