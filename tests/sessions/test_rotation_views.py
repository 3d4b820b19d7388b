"""The rotation page: preview, apply, a changed board, permissions, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import AwayPeriod, SlotAssignment, SlotChange
from sessions.services.rotation import rotation_preview
from sessions.services.slots import slot_claim
from tests.factories import MeetingFactory, SlotFactory

URL = reverse("sessions:rotation", kwargs={"slug": "deep-lab", "number": 5})
APPLY_URL = reverse("sessions:rotation_apply", kwargs={"slug": "deep-lab", "number": 5})


def upcoming_slots(world, meetings: int = 2, per_meeting: int = 1) -> list:
    slots = []
    for n in range(meetings):
        meeting = MeetingFactory(
            cohort=world.cohort, starts_at=timezone.now() + timedelta(weeks=2 * n + 1)
        )
        slots += [SlotFactory(meeting=meeting) for _ in range(per_meeting)]
    return slots


def apply_data(preview) -> dict:
    return {
        "fingerprint": preview.fingerprint,
        "ahead": preview.meetings_ahead,
        "seed": preview.seed,
        "pick": [f"{p.slot.id}:{p.member_id}" for p in preview.picks],
    }


def test_rotation_page_shows_the_proposal_with_reasons(world, leader_client):
    slots = upcoming_slots(world)

    response = leader_client.get(URL, {"ahead": 4, "seed": 11})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="rotation-row"') == 2
    assert body.count("0 presentations this cohort (median 0); never presented; available") == 2
    assert body.count('name="pick"') == 2
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=11)
    assert f'value="{preview.fingerprint}"' in body
    assert [p.slot.id for p in preview.picks] == [s.pk for s in slots]


def test_rotation_page_renders_only_the_preview_for_htmx(world, leader_client):
    upcoming_slots(world)

    response = leader_client.get(URL, {"ahead": 1, "seed": 1}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="rotation-preview"')
    assert "<html" not in body
    assert body.count('data-testid="rotation-row"') == 1


def test_rotation_apply_assigns_and_redirects(world, leader_client):
    upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)

    response = leader_client.post(APPLY_URL, apply_data(preview))

    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}?ahead=4"
    assert sorted(SlotAssignment.objects.values_list("slot_id", "user_id", "source")) == sorted(
        (p.slot.id, p.member_id, "rotation") for p in preview.picks
    )
    page = leader_client.get(response.headers["Location"]).content.decode()
    assert "Assigned 2 presenters." in page


def test_rotation_apply_over_htmx_shows_the_fresh_preview(world, leader_client):
    upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)

    response = leader_client.post(APPLY_URL, apply_data(preview), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Assigned 2 presenters." in body
    assert 'data-testid="rotation-nothing"' in body


def test_rotation_apply_after_a_claim_shows_a_message_and_a_fresh_preview(world, leader_client):
    slots = upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)
    slot_claim(actor=world.member, slot=slots[0])

    response = leader_client.post(APPLY_URL, apply_data(preview))

    body = response.content.decode()
    assert response.status_code == 200
    assert "The board changed since this preview" in body
    fresh = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)
    assert f'value="{fresh.fingerprint}"' in body
    assert body.count('name="pick"') == 1
    assert list(SlotChange.objects.values_list("action", flat=True)) == ["claimed"]


def test_rotation_apply_refuses_malformed_picks(world, leader_client):
    upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)

    response = leader_client.post(APPLY_URL, {**apply_data(preview), "pick": ["x:1"]})

    assert response.status_code == 200
    assert "These picks are not valid." in response.content.decode()
    assert SlotAssignment.objects.count() == 0


def test_rotation_page_forbids_members(world, member_client):
    upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)

    page = member_client.get(URL)
    applied = member_client.post(APPLY_URL, apply_data(preview))

    assert (page.status_code, applied.status_code) == (403, 403)
    assert "Only leaders and facilitators can run the rotation." in page.content.decode()
    assert SlotAssignment.objects.count() == 0


def test_rotation_page_hides_from_outsiders(world, outsider_client):
    upcoming_slots(world)
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=5)

    page = outsider_client.get(URL)
    applied = outsider_client.post(APPLY_URL, apply_data(preview))

    assert (page.status_code, applied.status_code) == (404, 404)


def test_rotation_page_falls_back_on_a_bad_horizon(world, leader_client):
    upcoming_slots(world)

    response = leader_client.get(URL, {"ahead": 99})

    body = response.content.decode()
    assert "Choose between 1 and 26 meetings." in body
    assert re.search(r'<option value="4" selected>', body)


@pytest.mark.parametrize("meetings", [1, 3])
def test_rotation_page_query_count(world, leader_client, django_assert_num_queries, meetings):
    upcoming_slots(world, meetings=meetings, per_meeting=3)

    # Session, user, profile (time zone), cohort, viewer access, the service's own
    # permission check, then the six board reads.
    with django_assert_num_queries(12):
        response = leader_client.get(URL, {"ahead": 4, "seed": 1})

    assert response.content.decode().count('data-testid="rotation-row"') == 3 * meetings


def test_rotation_page_falls_back_on_a_seed_out_of_range(world, leader_client):
    upcoming_slots(world)

    response = leader_client.get(URL, {"ahead": 2, "seed": 2**40})

    assert response.status_code == 200
    assert "The seed is a whole number from 0 to 2147483647." in response.content.decode()


def test_rotation_page_says_why_places_stay_open(world, leader_client):
    [slot] = upcoming_slots(world, meetings=1)
    day = timezone.localdate(slot.meeting.starts_at)
    for user in (world.leader, world.facilitator, world.member):
        AwayPeriod.objects.create(cohort=world.cohort, user=user, start=day, end=day)

    response = leader_client.get(URL)

    body = response.content.decode()
    assert "1 place left open: everyone is away that day" in body
    assert f"Meeting {slot.meeting.number} · {slot.title}: everyone is away that day" in body
    assert 'data-testid="rotation-nothing"' in body
