"""slots/ API: list and filters, claim / release with their 409s, 403 / 404 refusals, leaders'
create / update / delete, and a constant number of queries per list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import MembershipStatus
from sessions.models import Slot, SlotAssignment, SlotChange
from sessions.services.slots import slot_claim
from tests.conftest import bearer_client, client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

LIST = "/api/v1/slots/"


def claim_url(slot: Slot) -> str:
    return f"{LIST}{slot.pk}/claim/"


def release_url(slot: Slot) -> str:
    return f"{LIST}{slot.pk}/release/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def slot(world) -> Slot:
    return SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")


def test_slot_api_url_names_are_in_the_api_namespace(db):
    assert reverse("api:slot-list") == LIST
    assert reverse("api:slot-claim", kwargs={"pk": 7}) == "/api/v1/slots/7/claim/"


def test_slot_api_claim_returns_the_slot_with_me_as_presenter(world, slot, member_client):
    world.member.profile.display_name = "멤버"
    world.member.profile.save()

    response = member_client.post(claim_url(slot))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["capacity"], body["cohort"], body["lab_slug"]) == (
        slot.pk,
        "1장",
        1,
        world.cohort.pk,
        "deep-lab",
    )
    assert body["presenters"] == [{"id": world.member.pk, "display_name": "멤버"}]
    assert body["url"] == f"http://testserver{LIST}{slot.pk}/"


def test_slot_api_claim_ignores_a_user_field(world, slot, member_client):
    response = member_client.post(
        claim_url(slot), {"user": world.leader.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert list(SlotAssignment.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_slot_api_claim_full_slot_is_409_slot_taken(world, slot, member_client):
    world.leader.profile.display_name = "김리더"
    world.leader.profile.save()
    slot_claim(actor=world.leader, slot=slot)

    response = member_client.post(claim_url(slot))

    assert response.status_code == 409
    assert response.json() == {"error": {"code": "slot_taken", "message": "Just taken by 김리더"}}


def test_slot_api_claim_twice_is_409_already_claimed(world, slot, member_client):
    member_client.post(claim_url(slot))

    response = member_client.post(claim_url(slot))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_claimed"


def test_slot_api_claim_by_lab_member_outside_cohort_is_403(world, slot):
    stranger = MembershipFactory(
        cohort__lab=world.lab, cohort__number=6, status=MembershipStatus.ACTIVE
    ).user

    response = client_for(stranger).post(claim_url(slot))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert SlotAssignment.objects.count() == 0


def test_slot_api_outsider_gets_404_everywhere(world, slot, outsider_client):
    assert outsider_client.get(f"{LIST}{slot.pk}/").status_code == 404
    assert outsider_client.post(claim_url(slot)).status_code == 404
    assert outsider_client.post(release_url(slot)).status_code == 404
    assert outsider_client.get(LIST).json()["results"] == []


def test_slot_api_release_returns_the_freed_slot(world, slot, member_client):
    member_client.post(claim_url(slot))

    response = member_client.post(release_url(slot))

    assert response.status_code == 200
    assert response.json()["presenters"] == []


def test_slot_api_release_after_cutoff_is_409_release_closed(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=3))
    slot = SlotFactory(meeting=meeting)
    member_client.post(claim_url(slot))

    response = member_client.post(release_url(slot))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "release_closed"


def test_slot_api_read_token_cannot_claim(world, slot):
    response = bearer_client(world.member, scope="read").post(claim_url(slot))

    assert response.status_code == 403
    assert SlotAssignment.objects.count() == 0


def test_slot_api_write_token_claims(world, slot):
    response = bearer_client(world.member, scope="write").post(claim_url(slot))

    assert response.status_code == 200


def test_slot_api_list_filters(world, member_client):
    first = MeetingFactory(cohort=world.cohort)
    second = MeetingFactory(cohort=world.cohort)
    chapter = SlotFactory(meeting=first, kind="chapter")
    paper = SlotFactory(meeting=second, kind="paper")
    SlotFactory()  # another lab's slot: never listed

    assert ids(member_client.get(LIST)) == [chapter.pk, paper.pk]
    assert ids(member_client.get(LIST, {"kind": "paper"})) == [paper.pk]
    assert ids(member_client.get(LIST, {"meeting": first.pk})) == [chapter.pk]
    assert ids(member_client.get(LIST, {"cohort": world.cohort.pk})) == [chapter.pk, paper.pk]
    assert ids(member_client.get(LIST, {"lab": "deep-lab"})) == [chapter.pk, paper.pk]
    assert ids(member_client.get(LIST, {"lab": "other-lab"})) == []


def test_slot_api_create_update_delete_by_leader(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)

    created = leader_client.post(
        LIST,
        {"meeting": meeting.pk, "kind": "paper", "title": "ViT", "capacity": 2},
        content_type="application/json",
    )
    slot_id = created.json()["id"]
    updated = leader_client.patch(
        f"{LIST}{slot_id}/", {"title": "ViT (2020)"}, content_type="application/json"
    )
    deleted = leader_client.delete(f"{LIST}{slot_id}/")

    assert (created.status_code, updated.status_code, deleted.status_code) == (201, 200, 204)
    assert (created.json()["kind"], created.json()["capacity"]) == ("paper", 2)
    assert updated.json()["title"] == "ViT (2020)"
    assert Slot.objects.count() == 0


def test_slot_api_create_by_member_is_403_and_outsider_404(world, member_client, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)
    data = {"meeting": meeting.pk, "kind": "paper", "title": "ViT"}

    member = member_client.post(LIST, data, content_type="application/json")
    outsider = outsider_client.post(LIST, data, content_type="application/json")

    assert (member.status_code, outsider.status_code) == (403, 404)
    assert Slot.objects.count() == 0


def test_slot_api_update_by_member_is_403(world, slot, member_client):
    response = member_client.patch(
        f"{LIST}{slot.pk}/", {"title": "x"}, content_type="application/json"
    )

    assert response.status_code == 403


def test_slot_api_claim_writes_the_audit_entry(world, slot, member_client):
    member_client.post(claim_url(slot))

    assert list(SlotChange.objects.values_list("action", "actor_id", "to_user_id")) == [
        ("claimed", world.member.pk, world.member.pk)
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_slot_api_list_query_count_is_constant(world, django_assert_num_queries, count):
    members = [m.user for m in MembershipFactory.create_batch(3, cohort=world.cohort)]
    for _ in range(count):
        slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=3)
        for member in members:
            SlotAssignment.objects.create(slot=slot, user=member)
    client = client_for(world.member)

    # The session, the user, the profile, the slots, their presenters.
    with django_assert_num_queries(5):
        response = client.get(LIST)

    assert len(response.json()["results"]) == count
    assert [len(item["presenters"]) for item in response.json()["results"]] == [3] * count
