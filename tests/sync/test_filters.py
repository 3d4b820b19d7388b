"""`updated_since`, `lab` and `cohort` on the lists a sync client pulls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import Meeting, Slot
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

LISTS = [
    "labs",
    "cohorts",
    "memberships",
    "invitations",
    "locations",
    "meetings",
    "rsvps",
    "slots",
    "swap-requests",
    "draws",
    "polls",
]


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


@pytest.mark.parametrize("name", LISTS)
def test_filters_every_list_takes_updated_since(world, leader_client, name):
    future = (timezone.now() + timedelta(days=1)).isoformat()

    response = leader_client.get(f"/api/v1/{name}/", {"updated_since": future})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("name", LISTS)
def test_filters_refuse_an_updated_since_that_is_not_a_date_time(world, leader_client, name):
    response = leader_client.get(f"/api/v1/{name}/", {"updated_since": "yesterday"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["updated_since"]


def test_filters_updated_since_keeps_what_changed_at_or_after_it(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    old, new = SlotFactory(meeting=meeting), SlotFactory(meeting=meeting)
    cut = timezone.now() - timedelta(hours=1)
    Slot.objects.filter(pk=old.pk).update(updated_at=cut - timedelta(seconds=1))
    Slot.objects.filter(pk=new.pk).update(updated_at=cut)

    response = member_client.get("/api/v1/slots/", {"updated_since": cut.isoformat()})

    assert ids(response) == [new.pk]


def test_filters_lab_and_cohort_narrow_meetings(world, member_client):
    other_cohort = CohortFactory(lab=world.lab, number=6)
    MembershipFactory(cohort=other_cohort, user=world.member)
    mine = MeetingFactory(cohort=world.cohort)
    MeetingFactory(cohort=other_cohort)

    by_cohort = member_client.get("/api/v1/meetings/", {"cohort": world.cohort.pk})
    by_lab = member_client.get("/api/v1/meetings/", {"lab": "other-lab"})

    assert ids(by_cohort) == [mine.pk]
    assert ids(by_lab) == []
    assert Meeting.objects.count() == 2
