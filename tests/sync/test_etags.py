"""ETag on object reads, 304 on If-None-Match, and 412 on a stale If-Match for PATCH, PUT and
DELETE: a two-way sync never overwrites a newer edit."""

from __future__ import annotations

import pytest

from core.sync_api import if_match_passes, if_none_match_hits
from sessions.models import Slot
from sessions.services.slots import slot_claim
from tests.conftest import bearer_client, client_for
from tests.factories import LocationFactory, MeetingFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

JSON = "application/json"


@pytest.fixture
def slot(world) -> Slot:
    return SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")


def slot_url(slot: Slot) -> str:
    return f"/api/v1/slots/{slot.pk}/"


def test_etag_is_sent_with_an_object_and_is_stable(world, slot, member_client):
    first = member_client.get(slot_url(slot))
    second = member_client.get(slot_url(slot))

    assert first.status_code == 200
    assert first["ETag"] == second["ETag"]
    assert first["ETag"].startswith('"')
    assert len(first["ETag"]) == 34


def test_etag_if_none_match_answers_304_without_a_body(world, slot, member_client):
    etag = member_client.get(slot_url(slot))["ETag"]

    response = member_client.get(slot_url(slot), headers={"If-None-Match": etag})

    assert (response.status_code, response.content, response["ETag"]) == (304, b"", etag)


def test_etag_changes_when_a_presenter_claims_the_slot(world, slot, member_client):
    before = member_client.get(slot_url(slot))["ETag"]

    slot_claim(actor=world.member, slot=slot)

    assert member_client.get(slot_url(slot))["ETag"] != before


def test_etag_patch_with_the_current_etag_succeeds_and_returns_the_new_etag(
    world, slot, leader_client
):
    etag = leader_client.get(slot_url(slot))["ETag"]

    response = leader_client.patch(
        slot_url(slot), {"title": "2장"}, content_type=JSON, headers={"If-Match": etag}
    )

    assert response.status_code == 200
    assert response.json()["title"] == "2장"
    assert response["ETag"] == leader_client.get(slot_url(slot))["ETag"]
    assert response["ETag"] != etag


def test_etag_patch_with_a_stale_etag_is_refused_with_412(world, slot, leader_client):
    stale = leader_client.get(slot_url(slot))["ETag"]
    Slot.objects.filter(pk=slot.pk).update(title="누군가 고침")
    current = leader_client.get(slot_url(slot))["ETag"]

    response = leader_client.patch(
        slot_url(slot), {"title": "2장"}, content_type=JSON, headers={"If-Match": stale}
    )

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    assert response["ETag"] == current
    slot.refresh_from_db()
    assert slot.title == "누군가 고침"


def test_etag_put_with_a_stale_etag_is_refused_with_412(world, slot, leader_client):
    stale = leader_client.get(slot_url(slot))["ETag"]
    slot_claim(actor=world.member, slot=slot)
    body = {"kind": "chapter", "title": "2장", "capacity": 2}

    response = leader_client.put(
        slot_url(slot), body, content_type=JSON, headers={"If-Match": stale}
    )

    assert response.status_code == 412
    slot.refresh_from_db()
    assert (slot.title, slot.capacity) == ("1장", 1)


def test_etag_delete_with_a_stale_etag_is_refused_with_412(world, slot, leader_client):
    stale = leader_client.get(slot_url(slot))["ETag"]
    Slot.objects.filter(pk=slot.pk).update(title="누군가 고침")

    response = leader_client.delete(slot_url(slot), headers={"If-Match": stale})

    assert response.status_code == 412
    assert Slot.objects.filter(pk=slot.pk).exists()


def test_etag_if_match_star_matches_any_version(world, slot, leader_client):
    response = leader_client.patch(
        slot_url(slot), {"title": "2장"}, content_type=JSON, headers={"If-Match": "*"}
    )

    assert response.status_code == 200


def test_etag_if_match_on_an_invisible_object_is_a_404_not_a_412(world, slot, outsider_client):
    response = outsider_client.patch(
        slot_url(slot), {"title": "x"}, content_type=JSON, headers={"If-Match": '"stale"'}
    )

    assert response.status_code == 404


def test_etag_read_token_with_if_match_still_cannot_write(world, slot):
    client = bearer_client(world.leader, scope="read")
    etag = client.get(slot_url(slot))["ETag"]

    response = client.patch(
        slot_url(slot), {"title": "2장"}, content_type=JSON, headers={"If-Match": etag}
    )

    assert response.status_code == 403


def test_etag_list_responses_carry_none(world, slot, member_client):
    response = member_client.get("/api/v1/slots/")

    assert response.status_code == 200
    assert "ETag" not in response


def _patch_targets(world):
    meeting = MeetingFactory(cohort=world.cohort)
    place = LocationFactory(lab=world.lab)
    slot = SlotFactory(meeting=meeting)
    return {
        "labs": (f"/api/v1/labs/{world.lab.pk}/", {"topic": "NLP"}),
        "cohorts": (f"/api/v1/cohorts/{world.cohort.pk}/", {"name": "봄"}),
        "locations": (f"/api/v1/locations/{place.pk}/", {"notes": "2층"}),
        "meetings": (f"/api/v1/meetings/{meeting.pk}/", {"title": "특강"}),
        "slots": (f"/api/v1/slots/{slot.pk}/", {"title": "3장"}),
    }


@pytest.mark.parametrize("target", ["labs", "cohorts", "locations", "meetings", "slots"])
def test_etag_of_a_write_response_matches_the_next_read(world, leader_client, target):
    url, change = _patch_targets(world)[target]
    etag = leader_client.get(url)["ETag"]

    response = leader_client.patch(url, change, content_type=JSON, headers={"If-Match": etag})

    assert response.status_code == 200, response.content
    assert response["ETag"] == leader_client.get(url)["ETag"]


@pytest.mark.parametrize(
    ("header", "current", "expected"),
    [
        ('"a"', '"a"', True),
        ('"b", "a"', '"a"', True),
        ("*", '"a"', True),
        ('W/"a"', '"a"', False),
        ('"b"', '"a"', False),
        ("*", None, False),
    ],
)
def test_etag_if_match_uses_strong_comparison(header, current, expected):
    assert if_match_passes(header, current) is expected


@pytest.mark.parametrize(
    ("header", "expected"), [('W/"a"', True), ('"a"', True), ("*", True), ('"b"', False)]
)
def test_etag_if_none_match_uses_weak_comparison(header, expected):
    assert if_none_match_hits(header, '"a"') is expected


def test_etag_outsider_gets_404_for_the_object(world, slot):
    response = client_for(world.outsider).get(slot_url(slot))

    assert response.status_code == 404
