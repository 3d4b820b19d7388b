"""PUT <list>/external/<external_id>/: create, then update in place, idempotently; scoped per
meeting / cohort / lab; the usual refusals; two clients racing on one id (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from core.models import Change
from labs.models import Cohort, Lab
from sessions.models import Location, Meeting, Slot
from tests.concurrency import run_concurrently
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, MeetingFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

JSON = "application/json"


@pytest.fixture
def meeting(world) -> Meeting:
    return MeetingFactory(cohort=world.cohort)


def put_slot(client, meeting: Meeting, external_id: str = "notion-row-1", **fields):
    body = {"meeting": meeting.pk, "kind": "chapter", "title": "1장", **fields}
    return client.put(f"/api/v1/slots/external/{external_id}/", body, content_type=JSON)


def test_upsert_creates_the_object_with_its_external_id(world, meeting, leader_client):
    response = put_slot(leader_client, meeting)

    assert response.status_code == 201
    body = response.json()
    assert (body["external_id"], body["title"], body["meeting"]) == (
        "notion-row-1",
        "1장",
        meeting.pk,
    )
    assert Slot.objects.get(pk=body["id"]).external_id == "notion-row-1"


def test_upsert_repeated_changes_nothing(world, meeting, leader_client):
    first = put_slot(leader_client, meeting).json()
    changes_before = Change.objects.count()

    again = put_slot(leader_client, meeting)

    assert again.status_code == 200
    assert again.json() == first
    assert Change.objects.count() == changes_before
    assert Slot.objects.filter(external_id="notion-row-1").count() == 1


def test_upsert_updates_the_object_with_that_external_id(world, meeting, leader_client):
    created = put_slot(leader_client, meeting).json()

    response = put_slot(leader_client, meeting, title="2장", capacity=2)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["capacity"]) == (created["id"], "2장", 2)


def test_upsert_external_ids_are_scoped_per_meeting(world, meeting, leader_client):
    other = MeetingFactory(cohort=world.cohort)

    first = put_slot(leader_client, meeting)
    second = put_slot(leader_client, other)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_upsert_needs_the_scope_field(world, meeting, leader_client):
    response = leader_client.put(
        "/api/v1/slots/external/x/", {"kind": "chapter", "title": "1장"}, content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"meeting": ["A valid id is required."]}


def test_upsert_refuses_a_body_that_is_not_an_object(world, leader_client):
    response = leader_client.put("/api/v1/labs/external/x/", [None, None], content_type=JSON)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["non_field_errors"]


def test_upsert_options_describes_the_route_without_an_error(world, leader_client):
    response = leader_client.options("/api/v1/slots/external/x/")

    assert response.status_code == 200
    assert response.json()["name"] == "External"


def test_upsert_refuses_an_external_id_that_is_too_long(world, meeting, leader_client):
    response = put_slot(leader_client, meeting, external_id="x" * 121)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["external_id"]


def test_upsert_into_another_labs_meeting_is_a_404(world, meeting, outsider_client):
    response = put_slot(outsider_client, meeting)

    assert response.status_code == 404
    assert not Slot.objects.exists()


def test_upsert_by_a_member_who_may_not_create_is_a_403(world, meeting, member_client):
    response = put_slot(member_client, meeting)

    assert response.status_code == 403


def test_upsert_with_a_read_token_is_a_403(world, meeting):
    response = put_slot(bearer_client(world.leader, scope="read"), meeting)

    assert response.status_code == 403
    assert not Slot.objects.exists()


def test_upsert_with_a_write_token_limited_to_another_lab_is_a_404(world, meeting):
    CohortFactory(lab=world.other_lab)
    from tests.factories import MembershipFactory

    MembershipFactory(cohort=CohortFactory(lab=world.other_lab), user=world.leader)
    client = bearer_client(world.leader, scope="write", lab_slug="other-lab")

    response = put_slot(client, meeting)

    assert response.status_code == 404


def test_upsert_if_none_match_star_only_creates(world, meeting, leader_client):
    put_slot(leader_client, meeting)

    response = leader_client.put(
        "/api/v1/slots/external/notion-row-1/",
        {"meeting": meeting.pk, "kind": "chapter", "title": "9장"},
        content_type=JSON,
        headers={"If-None-Match": "*"},
    )

    assert response.status_code == 412
    assert Slot.objects.get(external_id="notion-row-1").title == "1장"


def test_upsert_if_match_with_a_stale_etag_is_a_412(world, meeting, leader_client):
    created = put_slot(leader_client, meeting)
    Slot.objects.filter(pk=created.json()["id"]).update(title="누군가 고침")

    response = leader_client.put(
        "/api/v1/slots/external/notion-row-1/",
        {"meeting": meeting.pk, "kind": "chapter", "title": "9장"},
        content_type=JSON,
        headers={"If-Match": created["ETag"]},
    )

    assert response.status_code == 412


def test_upsert_if_match_for_an_object_that_does_not_exist_is_a_412(world, meeting, leader_client):
    response = leader_client.put(
        "/api/v1/slots/external/nothing-yet/",
        {"meeting": meeting.pk, "kind": "chapter", "title": "1장"},
        content_type=JSON,
        headers={"If-Match": '"abc"'},
    )

    assert response.status_code == 412


def test_upsert_meetings_by_external_id(world, leader_client):
    body = {
        "cohort": world.cohort.pk,
        "starts_at": "2026-12-05T14:00:00+09:00",
        "ends_at": "2026-12-05T18:00:00+09:00",
        "title": "12월 모임",
    }

    created = leader_client.put("/api/v1/meetings/external/row-7/", body, content_type=JSON)
    again = leader_client.put("/api/v1/meetings/external/row-7/", body, content_type=JSON)

    assert (created.status_code, again.status_code) == (201, 200)
    meeting = Meeting.objects.get(external_id="row-7")
    assert (created.json()["id"], again.json()["id"]) == (meeting.pk, meeting.pk)
    assert meeting.sequence == 0


def test_upsert_locations_by_external_id(world, leader_client):
    body = {"lab": world.lab.pk, "name": "강남 스터디룸"}

    created = leader_client.put("/api/v1/locations/external/p1/", body, content_type=JSON)
    moved = leader_client.put(
        "/api/v1/locations/external/p1/", {**body, "address": "서울 강남구"}, content_type=JSON
    )

    assert (created.status_code, moved.status_code) == (201, 200)
    assert Location.objects.get(external_id="p1").address == "서울 강남구"


def test_upsert_cohorts_by_external_id(world, leader_client):
    body = {
        "lab": world.lab.pk,
        "start_date": "2027-01-01",
        "end_date": "2027-06-30",
        "status": "planned",
    }

    created = leader_client.put("/api/v1/cohorts/external/c6/", body, content_type=JSON)
    again = leader_client.put("/api/v1/cohorts/external/c6/", body, content_type=JSON)

    assert (created.status_code, again.status_code) == (201, 200)
    assert Cohort.objects.filter(lab=world.lab, external_id="c6").count() == 1


def test_upsert_labs_by_external_id(world, leader_client):
    body = {"name": "새 연구실", "start_date": "2027-01-01", "end_date": "2027-06-30"}

    created = leader_client.put("/api/v1/labs/external/lab-x/", body, content_type=JSON)
    renamed = leader_client.put(
        "/api/v1/labs/external/lab-x/", {**body, "name": "새 이름"}, content_type=JSON
    )

    assert (created.status_code, renamed.status_code) == (201, 200)
    assert Lab.objects.get(external_id="lab-x").name == "새 이름"


def test_upsert_an_external_id_taken_where_you_cannot_see_is_a_409(world, leader_client):
    world.other_lab.external_id = "lab-x"
    world.other_lab.save()
    body = {"name": "새 연구실", "start_date": "2027-01-01", "end_date": "2027-06-30"}

    response = leader_client.put("/api/v1/labs/external/lab-x/", body, content_type=JSON)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "external_id_taken"
    assert Lab.objects.filter(name="새 연구실").count() == 0


def test_upsert_keeps_other_slots_of_the_meeting_alone(world, meeting, leader_client):
    other = SlotFactory(meeting=meeting, title="다른 자리")

    put_slot(leader_client, meeting)

    other.refresh_from_db()
    assert (other.title, other.external_id) == ("다른 자리", None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_upsert_two_clients_racing_on_one_external_id_make_one_object(world, meeting):
    clients = [client_for(world.leader), client_for(world.facilitator)]

    def call(client):
        def put():
            try:
                return put_slot(client, meeting).status_code
            finally:
                connection.close()

        return put

    statuses = run_concurrently([call(client) for client in clients])

    assert sorted(statuses) == [200, 201]
    assert Slot.objects.filter(external_id="notion-row-1").count() == 1
