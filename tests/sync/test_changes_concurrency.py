"""The changes feed under concurrent writers on PostgreSQL: every committed change is served
exactly once, including those of transactions that took their sequence numbers early and
committed late (which a plain "sequence > last seen" cursor skips), and nothing of a
transaction that rolled back."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from core.models import Change
from sessions.models import Location
from tests.conftest import bearer_client

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("api_cache"),
]

FEED = "/api/v1/changes/"
FAST_WRITERS = 4
FAST_TRANSACTIONS = 25
SLOW_TRANSACTIONS = 3
CATCH_UP_SECONDS = 60


class Reader:
    """Pages through the feed (3 changes a page) until stopped, keeping every change it got
    in order."""

    def __init__(self, client, since: str) -> None:
        self.client, self.since = client, since
        self.seen: list[int] = []
        self.errors: list[str] = []

    def page(self) -> bool:
        response = self.client.get(FEED, {"since": self.since, "page_size": 3})
        if response.status_code != 200:
            self.errors.append(response.content.decode())
            return False
        body = response.json()
        for item in body["results"]:
            self.seen.append(item["seq"])
        self.since = body["next_cursor"]
        return body["has_more"]

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.page()
                time.sleep(0.002)
        finally:
            connection.close()


def fast_writer(lab_id: int, k: int, go: threading.Event, committed: threading.Event) -> None:
    try:
        go.wait(10)
        for i in range(FAST_TRANSACTIONS):
            with transaction.atomic():
                place = Location.objects.create(lab_id=lab_id, name=f"fast-{k}-{i}")
                if i % 3 == 0:
                    place.notes = "edited"
                    place.save(update_fields=["notes", "updated_at"])
                if i % 5 == 0:
                    place.delete()
            committed.set()
            time.sleep(0.003)
    finally:
        connection.close()


def slow_writer(
    lab_id: int, go: threading.Event, fast_committed: threading.Event, overtaken: list[int]
) -> None:
    """Takes its transaction id and sequence numbers first, commits after the fast ones: each
    slow transaction waits until a fast writer has committed a change with a higher sequence
    number, so the late commit the feed must not skip really happens in every run."""
    try:
        for i in range(SLOW_TRANSACTIONS):
            with transaction.atomic():
                place = Location.objects.create(lab_id=lab_id, name=f"slow-{i}")
                mine = Change.objects.filter(object_type="location", object_id=place.pk)
                first_seq = mine.values_list("id", flat=True).get()
                go.set()
                fast_committed.wait(10)
                time.sleep(0.05)
                Location.objects.create(lab_id=lab_id, name=f"slow-{i}-b")
                # Read committed: other writers' committed rows are visible from here.
                newer = Change.objects.filter(lab_id=lab_id, id__gt=first_seq).exclude(
                    object_type="location",
                    object_id__in=Location.objects.filter(name__startswith=f"slow-{i}").values(
                        "pk"
                    ),
                )
                overtaken.append(newer.count())
    finally:
        connection.close()


def rolled_back_writer(lab_id: int, go: threading.Event) -> None:
    try:
        go.wait(10)
        for i in range(5):
            try:
                with transaction.atomic():
                    Location.objects.create(lab_id=lab_id, name=f"never-{i}")
                    time.sleep(0.05)
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
    finally:
        connection.close()


@pytest.fixture
def unthrottled(settings):
    """The reader pages as fast as it can: far more than a token's 600 requests a minute."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "1000000/min"},
    }


def test_changes_feed_serves_every_committed_change_once_under_concurrent_writers(
    world, unthrottled
):
    client = bearer_client(world.member, scope="read")
    start = client.get(FEED, {"since": "now"}).json()["next_cursor"]
    first_seq = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    reader = Reader(client, start)
    stop, go, fast_committed = threading.Event(), threading.Event(), threading.Event()
    overtaken: list[int] = []
    lab_id = world.lab.pk
    writers = [threading.Thread(target=slow_writer, args=(lab_id, go, fast_committed, overtaken))]
    writers += [
        threading.Thread(target=fast_writer, args=(lab_id, k, go, fast_committed))
        for k in range(FAST_WRITERS)
    ]
    writers.append(threading.Thread(target=rolled_back_writer, args=(lab_id, go)))
    reading = threading.Thread(target=reader.run, args=(stop,))

    reading.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(60)
    stop.set()
    reading.join(60)
    committed = list(
        Change.objects.filter(lab_id=lab_id, id__gt=first_seq)
        .order_by("id")
        .values_list("id", flat=True)
    )
    deadline = time.monotonic() + CATCH_UP_SECONDS
    # Writers are done; other sessions' transactions may still hold the horizon for a moment.
    while set(reader.seen) != set(committed) and time.monotonic() < deadline:
        if not reader.page():
            time.sleep(0.05)

    assert reader.errors == []
    assert sorted(reader.seen) == committed
    assert len(reader.seen) == len(set(reader.seen))
    # 4 writers x 25 transactions: a create each, an edit every third, a delete every fifth;
    # 3 slow transactions of two creates. Nothing of the rolled-back ones.
    assert len(committed) == FAST_WRITERS * (25 + 9 + 5) + SLOW_TRANSACTIONS * 2
    assert not Location.objects.filter(name__startswith="never-").exists()
    # The race did happen: every slow transaction committed after changes with higher
    # sequence numbers had been committed by the fast writers.
    assert len(overtaken) == SLOW_TRANSACTIONS
    assert min(overtaken) > 0
