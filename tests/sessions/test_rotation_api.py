"""The rotation over the REST API: preview, apply, 409 on a changed board, 403/404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import SlotAssignment, SlotChange
from sessions.services.slots import slot_claim
from tests.conftest import bearer_client
from tests.factories import (
    CohortFactory,
    LabFactory,
    MeetingFactory,
    MembershipFactory,
    SlotFactory,
)

pytestmark = pytest.mark.usefixtures("api_cache")


def urls(cohort) -> tuple[str, str]:
    return (
        reverse("api:cohort-rotation-preview", kwargs={"pk": cohort.pk}),
        reverse("api:cohort-rotation-apply", kwargs={"pk": cohort.pk}),
    )


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def upcoming_slots(world, meetings: int = 2) -> list:
    return [
        SlotFactory(
            meeting=MeetingFactory(
                cohort=world.cohort, starts_at=timezone.now() + timedelta(weeks=2 * n + 1)
            )
        )
        for n in range(meetings)
    ]


def test_rotation_api_preview_proposes_with_reasons(world, leader_client):
    slots = upcoming_slots(world)
    preview_url, _apply = urls(world.cohort)

    response = post(leader_client, preview_url, {"meetings_ahead": 4, "seed": 3})

    assert response.status_code == 200
    body = response.json()
    assert (body["seed"], body["meetings_ahead"], body["unfilled"]) == (3, 4, [])
    assert [pick["slot"] for pick in body["picks"]] == [slot.pk for slot in slots]
    assert body["picks"][0]["reason"] == (
        "0 presentations this cohort (median 0); never presented; available"
    )
    assert body["picks"][0]["reason_data"] == {
        "presentations": 0,
        "median": 0.0,
        "credit": 0.0,
        "last_presented": None,
        "available": True,
        "adjacent": False,
        "same_meeting": False,
    }
    assert len(body["fingerprint"]) == 32


def test_rotation_api_apply_commits_the_preview(world, leader_client):
    upcoming_slots(world)
    preview_url, apply_url = urls(world.cohort)
    preview = post(leader_client, preview_url, {"seed": 3}).json()

    response = post(
        leader_client, apply_url, {"fingerprint": preview["fingerprint"], "picks": preview["picks"]}
    )

    assert response.status_code == 200
    created = response.json()["assignments"]
    assert [(a["slot"], a["member"], a["source"], a["reason"]) for a in created] == [
        (p["slot"], p["member"], "rotation", p["reason"]) for p in preview["picks"]
    ]
    assert SlotAssignment.objects.filter(source="rotation").count() == 2
    assert SlotChange.objects.filter(action="rotation").count() == 2


def test_rotation_api_apply_answers_409_when_the_board_changed(world, leader_client):
    slots = upcoming_slots(world)
    preview_url, apply_url = urls(world.cohort)
    preview = post(leader_client, preview_url, {"seed": 3}).json()
    slot_claim(actor=world.member, slot=slots[1])

    response = post(
        leader_client, apply_url, {"fingerprint": preview["fingerprint"], "picks": preview["picks"]}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "board_changed"
    assert SlotAssignment.objects.filter(source="rotation").count() == 0


def test_rotation_api_refuses_members_with_403(world, member_client, leader_client):
    upcoming_slots(world)
    preview_url, apply_url = urls(world.cohort)
    preview = post(leader_client, preview_url, {"seed": 3}).json()

    previewed = post(member_client, preview_url, {})
    applied = post(
        member_client, apply_url, {"fingerprint": preview["fingerprint"], "picks": preview["picks"]}
    )

    assert (previewed.status_code, applied.status_code) == (403, 403)
    assert previewed.json()["error"]["code"] == "permission_denied"


def test_rotation_api_hides_the_cohort_from_outsiders(world, outsider_client):
    upcoming_slots(world)
    preview_url, apply_url = urls(world.cohort)

    previewed = post(outsider_client, preview_url, {})
    applied = post(
        outsider_client, apply_url, {"fingerprint": "x", "picks": [{"slot": 1, "member": 1}]}
    )

    assert (previewed.status_code, applied.status_code) == (404, 404)


def test_rotation_api_hides_the_cohort_from_a_token_limited_to_another_lab(world):
    MembershipFactory(user=world.leader, cohort=CohortFactory(lab=LabFactory(slug="side-lab")))
    preview_url, _apply = urls(world.cohort)
    same_lab = bearer_client(world.leader, scope="write", lab_slug="deep-lab")
    side_lab = bearer_client(world.leader, scope="write", lab_slug="side-lab")

    assert post(same_lab, preview_url, {}).status_code == 200
    assert post(side_lab, preview_url, {}).status_code == 404


def test_rotation_api_refuses_read_only_tokens(world):
    preview_url, _apply = urls(world.cohort)

    response = post(bearer_client(world.leader, scope="read"), preview_url, {})

    assert response.status_code == 403


def test_rotation_api_validates_input(world, leader_client):
    preview_url, apply_url = urls(world.cohort)

    previewed = post(leader_client, preview_url, {"meetings_ahead": 0})
    applied = post(leader_client, apply_url, {"fingerprint": "x", "picks": []})

    assert previewed.status_code == 400
    assert list(previewed.json()["error"]["fields"]) == ["meetings_ahead"]
    assert applied.status_code == 400
    assert list(applied.json()["error"]["fields"]) == ["picks"]
