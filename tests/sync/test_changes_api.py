"""changes/ API: shape, tombstones, visibility and token lab limits, paging with cursors,
`since=now`, refusals, and a constant number of queries per page.

Transactional: on PostgreSQL the feed serves only committed transactions, and a test wrapped
in one transaction would hold the horizon back (its own writes are still in progress).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from core.changes import Cursor
from core.models import Change
from sessions.models import SlotAssignment
from tests.conftest import bearer_client, client_for
from tests.factories import LabFactory, LocationFactory, MeetingFactory, SlotFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("api_cache")]

FEED = "/api/v1/changes/"


def page(client, **params) -> dict:
    response = client.get(FEED, params)
    assert response.status_code == 200, response.content
    return response.json()


def drain(client, since: str | None = None, page_size: int = 100) -> tuple[list[dict], str]:
    """Every change after `since`, following next_cursor while has_more; and the last cursor."""
    results: list[dict] = []
    params = {"page_size": page_size}
    if since is not None:
        params["since"] = since
    while True:
        body = page(client, **params)
        results.extend(body["results"])
        params["since"] = body["next_cursor"]
        if not body["has_more"]:
            return results, body["next_cursor"]


def keys(results: list[dict]) -> list[tuple[str, int, str]]:
    return [(item["type"], item["id"], item["op"]) for item in results]


def test_changes_url_name_is_in_the_api_namespace(db):
    assert reverse("api:changes") == FEED


def test_changes_feed_lists_creates_with_the_object_as_its_endpoint_shows_it(world):
    client = client_for(world.member)
    _, cursor = drain(client)
    meeting = MeetingFactory(cohort=world.cohort)
    slot = SlotFactory(meeting=meeting, title="3장")

    results, _ = drain(client, since=cursor)

    assert keys(results) == [("meeting", meeting.pk, "upsert"), ("slot", slot.pk, "upsert")]
    # Slots are serialised from instances, meetings from plain rows: both as their endpoint.
    assert results[0]["object"] == client.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert results[1]["object"] == client.get(f"/api/v1/slots/{slot.pk}/").json()
    assert results[0]["seq"] < results[1]["seq"]
    assert sorted(results[0]) == ["changed_at", "id", "object", "op", "seq", "type"]


def test_changes_feed_gives_a_tombstone_for_a_deleted_object(world):
    client = client_for(world.leader)
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort))
    _, cursor = drain(client)

    slot_id = slot.pk
    slot.delete()
    results, _ = drain(client, since=cursor)

    assert keys(results) == [("slot", slot_id, "delete")]
    assert results[0]["object"] is None


def test_changes_feed_serves_an_update_of_a_since_deleted_object_as_a_deletion(world):
    client = client_for(world.member)
    _, cursor = drain(client)
    place = LocationFactory(lab=world.lab)
    place_id = place.pk
    place.delete()

    results, _ = drain(client, since=cursor)

    assert keys(results) == [("location", place_id, "delete"), ("location", place_id, "delete")]


def test_changes_feed_reports_presenter_changes_as_slot_upserts(world):
    client = client_for(world.member)
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort))
    _, cursor = drain(client)

    SlotAssignment.objects.create(slot=slot, user=world.member)
    results, _ = drain(client, since=cursor)

    assert keys(results) == [("slot", slot.pk, "upsert")]
    assert [p["id"] for p in results[0]["object"]["presenters"]] == [world.member.pk]


def test_changes_feed_hides_other_labs_changes_from_an_outsider(world):
    client = client_for(world.outsider)
    _, cursor = drain(client)

    MeetingFactory(cohort=world.cohort)
    LocationFactory(lab=world.other_lab, name="다른 곳")
    results, _ = drain(client, since=cursor)

    assert [(item["type"], item["object"]["lab_slug"]) for item in results] == [
        ("location", "other-lab")
    ]


def test_changes_feed_limits_a_lab_token_to_its_lab(world):
    second = LabFactory(slug="second-lab")
    from tests.factories import CohortFactory, MembershipFactory

    MembershipFactory(cohort=CohortFactory(lab=second), user=world.member)
    client = bearer_client(world.member, scope="read", lab_slug="second-lab")
    _, cursor = drain(client)

    LocationFactory(lab=world.lab, name="딥러닝 방")
    kept = LocationFactory(lab=second, name="둘째 방")
    results, _ = drain(client, since=cursor)

    assert keys(results) == [("location", kept.pk, "upsert")]


def test_changes_feed_pages_with_has_more_and_never_repeats(world):
    client = client_for(world.member)
    _, cursor = drain(client)
    meetings = [MeetingFactory(cohort=world.cohort) for _ in range(5)]

    first = page(client, since=cursor, page_size=2)
    second = page(client, since=first["next_cursor"], page_size=2)
    third = page(client, since=second["next_cursor"], page_size=2)
    after = page(client, since=third["next_cursor"], page_size=2)

    assert [first["has_more"], second["has_more"], third["has_more"]] == [True, True, False]
    seen = [item["id"] for body in (first, second, third) for item in body["results"]]
    assert seen == [m.pk for m in meetings]
    assert after == {"results": [], "next_cursor": third["next_cursor"], "has_more": False}


def test_changes_feed_since_now_skips_what_exists_and_follows_what_comes(world):
    client = client_for(world.member)
    MeetingFactory(cohort=world.cohort)

    now = page(client, since="now")
    later = MeetingFactory(cohort=world.cohort)
    results, _ = drain(client, since=now["next_cursor"])

    assert (now["results"], now["has_more"]) == ([], False)
    assert keys(results) == [("meeting", later.pk, "upsert")]


def test_changes_feed_from_the_start_includes_everything_logged(world):
    client = client_for(world.member)

    results, _ = drain(client, page_size=3)

    logged = Change.objects.filter(lab_id=world.lab.pk).order_by("id")
    assert [item["seq"] for item in results] == [c.pk for c in logged]


@pytest.mark.parametrize(
    "since", ["garbage", "MS4xLjI", Cursor(lo=5, hi=3).encode(), Cursor(hi=2**62).encode()]
)
def test_changes_feed_refuses_a_cursor_it_did_not_issue(world, since):
    response = client_for(world.member).get(FEED, {"since": since})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("page_size", ["0", "501", "x"])
def test_changes_feed_refuses_a_page_size_out_of_range(world, page_size):
    response = client_for(world.member).get(FEED, {"page_size": page_size})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page_size"]


def test_changes_feed_needs_credentials(db):
    response = client_for(None).get(FEED)

    assert response.status_code == 401


def test_changes_feed_answers_a_read_token(world):
    response = bearer_client(world.member, scope="read").get(FEED)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_changes_feed_queries_do_not_grow_with_the_page(world, count, django_assert_num_queries):
    client = client_for(world.member)
    _, cursor = drain(client)
    meeting = MeetingFactory(cohort=world.cohort)
    for _ in range(count):
        slot = SlotFactory(meeting=meeting)
        SlotAssignment.objects.create(slot=slot, user=world.member)
        LocationFactory(lab=world.lab)

    # Session, user, profile; the lab ids; the rows; then one per type (its ids a subquery on
    # the page's rows): meetings, slots (+ presenters), places. PostgreSQL also reads the
    # horizon, and the rows in two windows (committed before the last horizon, and since).
    extra = 2 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(9 + extra):
        body = page(client, since=cursor)

    assert len(body["results"]) == 1 + 3 * count


# --- Reading pages: the written-out window reads give what the ORM reads ---------------------


def test_changes_page_rows_equal_the_logged_rows(world):
    from core.changes import ChangeRow, Cursor, changes_page, cursor_now
    from core.models import Change

    start, before = cursor_now(), Change.objects.order_by("-id").values_list("id", flat=True)[0]
    meetings = [MeetingFactory(cohort=world.cohort) for _ in range(3)]
    MeetingFactory(cohort=world.other_lab.cohorts.get())  # another lab's: not in the page
    meetings[0].delete()
    expected = [
        ChangeRow(*row)
        for row in Change.objects.filter(id__gt=before, lab_id=world.lab.pk)
        .order_by("id")
        .values_list("id", "object_type", "object_id", "op", "changed_at")
    ]

    first = changes_page(lab_ids=[world.lab.pk], cursor=start, limit=2)
    rest = changes_page(lab_ids=[world.lab.pk], cursor=first.next_cursor, limit=10)
    everyone = changes_page(lab_ids=None, cursor=Cursor(), limit=500)
    nobody = changes_page(lab_ids=[], cursor=Cursor(), limit=500)

    assert [*first.rows, *rest.rows] == expected
    assert len(expected) == 4  # three upserts and a delete
    assert (first.has_more, rest.has_more) == (True, False)
    assert all(row.changed_at.utcoffset() is not None for row in expected)
    assert len(everyone.rows) == Change.objects.count()
    assert nobody.rows == []
