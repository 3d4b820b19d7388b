"""REST API for places (`locations/`): reads, writes, permissions, filters and query counts."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Visibility
from members.models import Profile
from sessions.models import Location, Meeting
from tests.conftest import bearer_client, client_for
from tests.factories import (
    CohortFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("api_cache")

SEOUL = ZoneInfo("Asia/Seoul")
LIST = "/api/v1/locations/"


def detail(location: Location) -> str:
    return f"/api/v1/locations/{location.pk}/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def patch(client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


def put(client, url: str, data: dict):
    return client.put(url, data, content_type="application/json")


def test_location_api_is_routed_under_v1():
    assert reverse("api:location-list") == LIST


def test_location_list_shows_my_labs_places_only(world, member_client):
    mine = LocationFactory(lab=world.lab)
    LocationFactory(lab=world.other_lab)

    assert ids(member_client.get(LIST)) == [mine.pk]


def test_location_list_hides_public_labs_places_from_outsiders(world, outsider_client):
    world.lab.visibility = Visibility.PUBLIC
    world.lab.save(update_fields=["visibility"])
    LocationFactory(lab=world.lab)
    theirs = LocationFactory(lab=world.other_lab)

    assert ids(outsider_client.get(LIST)) == [theirs.pk]


def test_location_list_filters_by_lab(world):
    both = UserFactory()
    MembershipFactory(user=both, cohort=world.cohort)
    MembershipFactory(user=both, cohort=CohortFactory(lab=world.other_lab, number=2))
    LocationFactory(lab=world.lab)
    theirs = LocationFactory(lab=world.other_lab)

    response = client_for(both).get(LIST, {"lab": "other-lab"})

    assert ids(response) == [theirs.pk]


def test_location_retrieve_shows_every_field(world, member_client):
    location = LocationFactory(
        lab=world.lab,
        name="강남역",
        address="서울 강남구 강남대로 396",
        latitude=Decimal("37.497900"),
        longitude=Decimal("127.027600"),
        capacity=20,
        online_url="https://meet.example.com/x",
        notes="3층",
        external_id="notion-1",
    )

    response = member_client.get(detail(location))

    assert response.status_code == 200
    assert response.json() == {
        "id": location.pk,
        "url": f"http://testserver{detail(location)}",
        "created_at": timezone.localtime(location.created_at, SEOUL).isoformat(),
        "updated_at": timezone.localtime(location.updated_at, SEOUL).isoformat(),
        "external_id": "notion-1",
        "lab": world.lab.pk,
        "lab_slug": "deep-lab",
        "name": "강남역",
        "address": "서울 강남구 강남대로 396",
        "latitude": "37.497900",
        "longitude": "127.027600",
        "capacity": 20,
        "online_url": "https://meet.example.com/x",
        "notes": "3층",
        "map_url": location.map_url,
    }


def test_location_retrieve_outsider_gets_404(world, outsider_client):
    location = LocationFactory(lab=world.lab)

    response = outsider_client.get(detail(location))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_location_create_by_leader(world, leader_client):
    response = post(
        leader_client,
        LIST,
        {"lab": world.lab.pk, "name": "성수", "latitude": "37.5446123", "longitude": 127.0557},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["latitude"], body["longitude"]) == (
        "성수",
        "37.544612",
        "127.055700",
    )
    assert Location.objects.get(pk=body["id"]).lab == world.lab


def test_location_create_with_a_write_token(world):
    client = bearer_client(world.facilitator, scope="write", lab_slug="deep-lab")

    response = post(client, LIST, {"lab": world.lab.pk, "name": "성수", "external_id": "n-1"})

    assert response.status_code == 201
    assert Location.objects.get(name="성수").external_id == "n-1"


def test_location_create_with_a_read_token_is_refused(world):
    client = bearer_client(world.leader, scope="read")

    response = post(client, LIST, {"lab": world.lab.pk, "name": "성수"})

    assert response.status_code == 403
    assert Location.objects.count() == 0


def test_location_create_by_member_gets_403(world, member_client):
    response = post(member_client, LIST, {"lab": world.lab.pk, "name": "성수"})

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Only the lab's leaders and facilitators can manage places.",
    }


def test_location_create_in_a_lab_i_cannot_see_is_unknown(world, outsider_client):
    response = post(outsider_client, LIST, {"lab": world.lab.pk, "name": "성수"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"lab": ["No such lab."]}
    assert Location.objects.count() == 0


def test_location_create_with_bad_coordinates_is_400(world, leader_client):
    response = post(leader_client, LIST, {"lab": world.lab.pk, "name": "성수", "latitude": 91})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"latitude": ["Must be between -90 and 90."]}


def test_location_create_taken_name_is_409(world, leader_client):
    LocationFactory(lab=world.lab, name="성수")

    response = post(leader_client, LIST, {"lab": world.lab.pk, "name": "성수"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "place_name_taken"


def test_location_partial_update_keeps_other_fields(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역", capacity=20)

    response = patch(leader_client, detail(location), {"capacity": 30})

    assert response.status_code == 200
    location.refresh_from_db()
    assert (location.name, location.capacity, location.latitude) == (
        "강남역",
        30,
        Decimal("37.498100"),
    )


def test_location_update_replaces_every_field(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역", capacity=20)

    response = put(leader_client, detail(location), {"name": "온라인"})

    assert response.status_code == 200
    location.refresh_from_db()
    assert (location.name, location.capacity, location.latitude, location.address) == (
        "온라인",
        None,
        None,
        "",
    )


def test_location_update_by_member_gets_403(world, member_client):
    location = LocationFactory(lab=world.lab, name="강남역")

    response = patch(member_client, detail(location), {"name": "바뀜"})

    assert response.status_code == 403
    location.refresh_from_db()
    assert location.name == "강남역"


def test_location_update_outsider_gets_404(world, outsider_client):
    location = LocationFactory(lab=world.lab)

    assert patch(outsider_client, detail(location), {"name": "x"}).status_code == 404


def test_location_delete_keeps_its_meetings(world, leader_client):
    location = LocationFactory(lab=world.lab)
    meeting = MeetingFactory(cohort=world.cohort, location=location)

    response = leader_client.delete(detail(location))

    assert response.status_code == 204
    assert Location.objects.count() == 0
    assert Meeting.objects.get(pk=meeting.pk).location_id is None


def test_location_delete_by_member_gets_403(world, member_client):
    location = LocationFactory(lab=world.lab)

    assert member_client.delete(detail(location)).status_code == 403
    assert Location.objects.filter(pk=location.pk).exists()


def test_location_delete_outsider_gets_404(world, outsider_client):
    location = LocationFactory(lab=world.lab)

    assert outsider_client.delete(detail(location)).status_code == 404
    assert Location.objects.filter(pk=location.pk).exists()


def test_location_lab_limited_token_sees_only_its_lab(world):
    both = UserFactory()
    MembershipFactory(user=both, cohort=world.cohort)
    MembershipFactory(user=both, cohort=CohortFactory(lab=world.other_lab, number=2))
    mine = LocationFactory(lab=world.lab)
    theirs = LocationFactory(lab=world.other_lab)
    client = bearer_client(both, lab_slug="deep-lab")

    assert ids(client.get(LIST)) == [mine.pk]
    assert client.get(detail(theirs)).status_code == 404


def test_no_api_answer_carries_a_home_area(world, member_client):
    Profile.objects.filter(user=world.leader).update(
        home_area="비밀의숲동", home_latitude=Decimal("37.61"), home_longitude=Decimal("126.93")
    )
    LocationFactory(lab=world.lab)

    for url in (LIST, "/api/v1/memberships/", "/api/v1/labs/", "/api/v1/me/tokens/"):
        content = member_client.get(url).content.decode()
        assert "home" not in content, url
        assert "비밀의숲동" not in content, url
    schema = member_client.get("/api/schema/").content.decode()
    assert "home_area" not in schema
    assert "home_latitude" not in schema


@pytest.mark.parametrize("count", [1, 3])
def test_location_list_query_count_is_constant(world, django_assert_num_queries, count):
    for _ in range(count):
        LocationFactory(lab=world.lab)
    client = client_for(world.member)

    # Session, user, profile (the middleware), the page of places with their labs.
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == count
