"""swap-requests/ API: list mine with ?status, create, accept / decline / cancel with their
409s, 403 for requests that are not mine, 404 for outsiders, constant queries per list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import SlotAssignment, SwapRequest
from sessions.services.slots import slot_claim, slot_release
from sessions.services.swaps import swap_request_create
from tests.conftest import bearer_client, client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

LIST = "/api/v1/swap-requests/"


@pytest.fixture
def pair(world):
    bee = MembershipFactory(cohort=world.cohort, user__email="bee@example.com").user
    bee.profile.display_name = "비"
    bee.profile.save()
    world.member.profile.display_name = "멤버"
    world.member.profile.save()
    first = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    second = SlotFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=14)),
        title="2장",
    )
    slot_claim(actor=world.member, slot=first)
    slot_claim(actor=bee, slot=second)
    return world.member, bee, first, second


def holders() -> list[tuple[int, int]]:
    return sorted(SlotAssignment.objects.values_list("slot_id", "user_id"))


def test_swap_api_url_names_are_in_the_api_namespace(db):
    assert reverse("api:swap-request-list") == LIST
    assert reverse("api:swap-request-accept", kwargs={"pk": 7}) == f"{LIST}7/accept/"


def test_swap_api_create_returns_201_with_the_request(world, pair, member_client):
    me, bee, first, second = pair

    response = member_client.post(
        LIST,
        {"requester_slot": first.pk, "target_slot": second.pk, "message": "부탁해요"},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    swap = SwapRequest.objects.get()
    assert {k: body[k] for k in ("id", "requester", "target", "status", "message")} == {
        "id": swap.pk,
        "requester": me.pk,
        "target": bee.pk,
        "status": "pending",
        "message": "부탁해요",
    }
    assert (body["requester_name"], body["target_name"], body["cohort"], body["lab_slug"]) == (
        "멤버",
        "비",
        world.cohort.pk,
        "deep-lab",
    )
    assert body["url"] == f"http://testserver{LIST}{swap.pk}/"


def test_swap_api_create_duplicate_is_409_swap_pending(world, pair, member_client):
    _me, _bee, first, second = pair
    payload = {"requester_slot": first.pk, "target_slot": second.pk}
    member_client.post(LIST, payload, content_type="application/json")

    response = member_client.post(LIST, payload, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "swap_pending"


def test_swap_api_accept_exchanges_the_slots(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = client_for(bee).post(f"{LIST}{swap.pk}/accept/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (swap.pk, "accepted")
    assert holders() == [(first.pk, bee.pk), (second.pk, me.pk)]


def test_swap_api_accept_stale_is_409_and_nothing_changes(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    slot_release(actor=me, slot=first)

    response = client_for(bee).post(f"{LIST}{swap.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "swap_stale"
    assert holders() == [(second.pk, bee.pk)]
    assert SwapRequest.objects.get().status == "cancelled"


def test_swap_api_answers_by_the_wrong_member_are_403(world, pair, member_client):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    leader = client_for(world.leader)

    assert member_client.post(f"{LIST}{swap.pk}/accept/").status_code == 403
    assert member_client.post(f"{LIST}{swap.pk}/decline/").status_code == 403
    assert client_for(bee).post(f"{LIST}{swap.pk}/cancel/").status_code == 403
    assert leader.post(f"{LIST}{swap.pk}/accept/").status_code == 403
    assert SwapRequest.objects.get().status == "pending"


def test_swap_api_decline_and_cancel(world, pair, member_client):
    me, bee, first, second = pair
    declined = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    decline = client_for(bee).post(f"{LIST}{declined.pk}/decline/")
    withdrawn = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    cancel = member_client.post(f"{LIST}{withdrawn.pk}/cancel/")
    again = member_client.post(f"{LIST}{withdrawn.pk}/cancel/")

    assert (decline.status_code, decline.json()["status"]) == (200, "declined")
    assert (cancel.status_code, cancel.json()["status"]) == (200, "cancelled")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "swap_not_pending")


def test_swap_api_outsider_gets_404_everywhere(world, pair, outsider_client):
    me, _bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    assert outsider_client.get(f"{LIST}{swap.pk}/").status_code == 404
    for verb in ("accept", "decline", "cancel"):
        assert outsider_client.post(f"{LIST}{swap.pk}/{verb}/").status_code == 404
    create = outsider_client.post(
        LIST,
        {"requester_slot": first.pk, "target_slot": second.pk},
        content_type="application/json",
    )
    assert create.status_code == 404
    assert outsider_client.get(LIST).json()["results"] == []


def test_swap_api_create_by_member_of_another_cohort_is_403(world, pair):
    _me, _bee, first, second = pair
    stranger = MembershipFactory(cohort__lab=world.lab, cohort__number=6).user

    response = client_for(stranger).post(
        LIST,
        {"requester_slot": first.pk, "target_slot": second.pk},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_swap_api_list_is_mine_made_or_received_filtered_by_status(world, pair):
    me, bee, first, second = pair
    pending = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    cee = MembershipFactory(cohort=world.cohort).user
    third = SlotFactory(meeting=second.meeting, title="3장")
    slot_claim(actor=cee, slot=third)
    theirs = swap_request_create(actor=cee, requester_slot=third, target_slot=second)
    theirs.status = "declined"
    theirs.save()

    mine = client_for(me).get(LIST).json()["results"]
    bees = client_for(bee).get(f"{LIST}?status=declined").json()["results"]

    assert [item["id"] for item in mine] == [pending.pk]
    assert [item["id"] for item in bees] == [theirs.pk]


def test_swap_api_read_token_cannot_accept(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = bearer_client(bee, scope="read").post(f"{LIST}{swap.pk}/accept/")

    assert response.status_code == 403
    assert SwapRequest.objects.get().status == "pending"


@pytest.mark.parametrize("count", [1, 3])
def test_swap_api_list_query_count_is_constant(world, django_assert_num_queries, count):
    meeting = MeetingFactory(cohort=world.cohort)
    mine = SlotFactory(meeting=meeting)
    slot_claim(actor=world.member, slot=mine)
    for _ in range(count):
        other = MembershipFactory(cohort=world.cohort).user
        slot = SlotFactory(meeting=meeting)
        slot_claim(actor=other, slot=slot)
        swap_request_create(actor=world.member, requester_slot=mine, target_slot=slot)
    client = client_for(world.member)

    # The session, the user, the profile, the requests (one row each, names included).
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == count
