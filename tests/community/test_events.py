"""Outside events and deadlines: the cohort's managers keep the list, the lab's members see it,
the cohort (and member) calendar feeds carry the events with a changed ETag, and the
"event_deadline" reminder source reminds the cohort before them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import EventKind, OutsideEvent
from core.errors import PermissionDeniedError
from labs.models import MembershipStatus
from notifications.models import Delivery
from notifications.services import reminders_plan
from notifications.sources import Check, registry
from tests.conftest import bearer_client, client_for
from tests.factories import MeetingFactory

EVENTS = "/labs/deep-lab/events/"


def add_event(
    world, title: str = "NeurIPS 마감", *, hours: float = 24 * 30, kind=EventKind.DEADLINE
):
    return services.event_create(
        actor=world.leader,
        cohort=world.cohort,
        kind=kind,
        title=title,
        starts_at=timezone.now() + timedelta(hours=hours),
        url="https://neurips.cc",
    )


def cohort_feed(client, world):
    return client.get(f"/calendar/cohort/{world.cohort.calendar_token}.ics")


def unfolded(response) -> str:
    return response.content.decode().replace("\r\n ", "")


# --- services and pages --------------------------------------------------------------------------


def test_event_create_refuses_member(world):
    with pytest.raises(PermissionDeniedError):
        services.event_create(
            actor=world.member,
            cohort=world.cohort,
            kind=EventKind.SEMINAR,
            title="x",
            starts_at=timezone.now(),
        )


def test_event_update_bumps_the_calendar_sequence_only_on_change(world):
    event = add_event(world)
    fields = {name: getattr(event, name) for name in services.EVENT_FIELDS}

    same = services.event_update(actor=world.leader, event=event, **fields).sequence
    changed = services.event_update(actor=world.leader, event=event, **(fields | {"title": "ICML"}))

    assert (same, changed.sequence) == (0, 1)


def test_event_list_splits_upcoming_and_past(world, member_client):
    add_event(world, "지난 세미나", hours=-48, kind=EventKind.SEMINAR)
    add_event(world, "다가오는 마감", hours=48)

    response = member_client.get(EVENTS)

    assert [e.title for e in response.context["upcoming"]] == ["다가오는 마감"]
    assert [e.title for e in response.context["past"]] == ["지난 세미나"]
    assert response.context["can_add"] is False


def test_event_list_outsider_gets_404(world, outsider_client):
    event = add_event(world)

    assert outsider_client.get(EVENTS).status_code == 404
    assert outsider_client.get(f"/events/{event.pk}/edit/").status_code == 404


def test_event_create_page_for_leader(world, leader_client):
    when = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    response = leader_client.post(
        "/labs/deep-lab/events/new/",
        {"cohort": world.cohort.pk, "kind": "conference", "title": "ICML", "starts_at": when},
    )

    assert response.status_code == 302
    assert OutsideEvent.objects.get().title == "ICML"


def test_event_edit_page_is_403_for_member(world, member_client):
    event = add_event(world)

    assert member_client.get(f"/events/{event.pk}/edit/").status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_event_list_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    for n in range(count):
        add_event(world, f"upcoming {n}", hours=n + 1)
        add_event(world, f"past {n}", hours=-(n + 1))

    # Session, user, profile; the lab; the viewer's memberships; the events with cohorts.
    with django_assert_num_queries(6):
        response = member_client.get(EVENTS)

    assert len(response.context["upcoming"]) == count


# --- calendar feeds ------------------------------------------------------------------------------


def test_cohort_feed_carries_the_event_as_a_moment(world, client):
    event = add_event(world, "ICLR 마감")

    body = unfolded(cohort_feed(client, world))

    block = next(b for b in body.split("BEGIN:VEVENT") if f"UID:{event.uid}@labmate" in b)
    lines = block.split("END:VEVENT")[0].split("\r\n")
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.endswith(": ICLR 마감")
    assert "URL:https://neurips.cc" in lines
    # A deadline is a moment: a start and no end.
    assert sorted(line.split(";")[0].split(":")[0] for line in lines if line.startswith("DT")) == [
        "DTSTAMP",
        "DTSTART",
    ]


def test_cohort_feed_etag_changes_when_an_event_is_added(world, client):
    before = cohort_feed(client, world)["ETag"]

    add_event(world)
    after = cohort_feed(client, world)

    unchanged = client.get(
        f"/calendar/cohort/{world.cohort.calendar_token}.ics",
        headers={"If-None-Match": after["ETag"]},
    )
    assert after["ETag"] != before
    assert unchanged.status_code == 304


def test_member_feed_carries_events_of_active_cohorts_only(world, client):
    event = add_event(world)
    token = world.member.profile.calendar_token

    with_event = unfolded(client.get(f"/calendar/{token}.ics"))
    world.member_membership.status = MembershipStatus.LEFT
    world.member_membership.left_on = world.member_membership.joined_on
    world.member_membership.save()
    without = unfolded(client.get(f"/calendar/{token}.ics"))

    assert f"UID:{event.uid}@labmate" in with_event
    assert f"UID:{event.uid}@labmate" not in without


@pytest.mark.parametrize("count", [1, 3])
def test_cohort_feed_with_events_query_count_is_constant(
    world, client, django_assert_num_queries, count
):
    for n in range(count):
        MeetingFactory(cohort=world.cohort, number=n + 1)
        add_event(world, f"e{n}", hours=n + 5)

    # The cohort (with the events' count and stamp), the version, the meetings, the events.
    with django_assert_num_queries(4):
        response = cohort_feed(client, world)

    assert unfolded(response).count("BEGIN:VEVENT") == 2 * count


# --- reminders -----------------------------------------------------------------------------------


def test_event_deadline_reminder_goes_to_the_cohorts_active_members(world):
    add_event(world, hours=20)

    reminders_plan()

    recipients = sorted(
        Delivery.objects.filter(kind="event_deadline", channel="inapp").values_list(
            "recipient__email", flat=True
        )
    )
    assert recipients == ["facilitator@example.com", "leader@example.com", "member@example.com"]


def test_event_deadline_recheck_drops_moved_events_and_former_members(world):
    event = add_event(world, hours=20)
    source = registry.get("event_deadline")
    checks = [
        Check(OutsideEvent, event.pk, event.starts_at, world.member.pk),
        Check(OutsideEvent, event.pk, event.starts_at + timedelta(hours=1), world.leader.pk),
        Check(OutsideEvent, event.pk, event.starts_at, world.outsider.pk),
        Check(OutsideEvent, event.pk, event.starts_at, None),
    ]

    still = source.still_due(checks=checks, now=timezone.now())

    assert still == {0, 3}


# --- API -----------------------------------------------------------------------------------------


def test_event_api_create_and_filter(world, api_cache):
    api = bearer_client(world.leader, scope="write")
    starts = (timezone.now() + timedelta(days=3)).isoformat()

    created = api.post(
        "/api/v1/events/",
        {
            "cohort": world.cohort.pk,
            "kind": "seminar",
            "title": "세미나",
            "starts_at": starts,
            "url_link": "https://s.io",
        },
        content_type="application/json",
    )
    listed = api.get("/api/v1/events/", {"kind": "seminar"})

    assert created.status_code == 201
    assert created.json()["url_link"] == "https://s.io"
    assert created.json()["url"].endswith(f"/api/v1/events/{created.json()['id']}/")
    assert [e["title"] for e in listed.json()["results"]] == ["세미나"]


def test_event_api_member_gets_403(world, api_cache):
    response = bearer_client(world.member, scope="write").post(
        "/api/v1/events/",
        {
            "cohort": world.cohort.pk,
            "kind": "seminar",
            "title": "x",
            "starts_at": timezone.now().isoformat(),
        },
        content_type="application/json",
    )

    assert response.status_code == 403


def test_event_api_upsert_by_external_id_is_idempotent(world, api_cache):
    api = bearer_client(world.leader, scope="write")
    body = {
        "cohort": world.cohort.pk,
        "kind": "deadline",
        "title": "AAAI",
        "starts_at": (timezone.now() + timedelta(days=40)).isoformat(),
    }

    first = api.put("/api/v1/events/external/aaai-2027/", body, content_type="application/json")
    second = api.put("/api/v1/events/external/aaai-2027/", body, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert OutsideEvent.objects.get().external_id == "aaai-2027"


@pytest.mark.parametrize("count", [1, 3])
def test_event_api_list_query_count_is_constant(world, api_cache, django_assert_num_queries, count):
    for n in range(count):
        add_event(world, f"e{n}")
    client = client_for(world.member)

    with django_assert_num_queries(4):
        response = client.get("/api/v1/events/")

    assert len(response.json()["results"]) == count
