"""contrib/notion_sync.py against the real Labmate API (live_server) and a local stand-in for
Notion's API on 127.0.0.1: the first mirror, following the changes feed (updates, deletions),
resuming after a failure without duplicates, three requests a second, and 429s waited out."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from contrib import notion_sync
from members.services import api_token_create
from sessions.models import Slot, SlotAssignment
from tests.factories import MeetingFactory, SlotFactory
from tests.sync.notion_standin import TOKEN, NotionStandIn, serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("api_cache")]

# Fast enough for a test, slow enough to see the pacing: the real default is 3.
RATE = 10.0


@pytest.fixture
def notion():
    standin = NotionStandIn()
    server, url = serve(standin)
    standin.url = url
    yield standin
    server.shutdown()
    server.server_close()


@pytest.fixture
def labmate(world, live_server):
    _token, secret = api_token_create(
        user=world.member, name="notion", scope="read", lab_slug="deep-lab"
    )
    client = notion_sync.LabmateClient(live_server.url, secret)
    yield client
    client.close()


def mirror_for(standin: NotionStandIn, databases: dict[str, str], rate: float = RATE):
    client = notion_sync.notion_client(TOKEN, base_url=standin.url, rate=rate)
    mirror = notion_sync.NotionMirror(client, databases)
    mirror.setup()
    return mirror


def titles(standin: NotionStandIn, database: str) -> dict[int, str]:
    return {
        page["properties"]["Labmate ID"]["number"]: "".join(
            part["text"]["content"] for part in page["properties"]["Name"]["title"]
        )
        for page in standin.live_pages(database)
    }


@pytest.fixture
def board(world):
    meeting = MeetingFactory(
        cohort=world.cohort, number=1, starts_at=datetime(2026, 12, 5, 5, tzinfo=UTC)
    )
    first = SlotFactory(meeting=meeting, title="1장", materials_url="https://x.example/1")
    second = SlotFactory(meeting=meeting, title="2장")
    SlotAssignment.objects.create(slot=first, user=world.member)
    return meeting, first, second


def test_notion_sync_mirrors_the_boards_then_follows_the_feed(
    world, board, labmate, notion, tmp_path
):
    meeting, first, second = board
    slots_db, meetings_db = notion.add_database("slots"), notion.add_database("meetings")
    mirror = mirror_for(notion, {"slot": slots_db, "meeting": meetings_db})
    state = notion_sync.State(tmp_path / "state.json")

    report = notion_sync.sync_once(labmate, mirror, state)

    assert (report.created, report.updated, report.trashed) == (3, 0, 0)
    assert titles(notion, slots_db) == {first.pk: "1장", second.pk: "2장"}
    assert titles(notion, meetings_db) == {meeting.pk: "#1"}
    page = next(
        p for p in notion.live_pages(slots_db) if p["id"] == state.pages[f"slot:{first.pk}"]
    )
    props = page["properties"]
    assert props["Materials"] == {"url": "https://x.example/1"}
    assert props["Track"] == {"select": {"name": "chapter"}}
    assert props["Presenters"]["rich_text"][0]["text"]["content"] == world.member.display_name

    first.title = "1장 (개정)"
    first.save()
    second_id = second.pk
    second.delete()
    third = SlotFactory(meeting=meeting, title="3장")
    report = notion_sync.sync_once(labmate, mirror, notion_sync.State.load(state.path))

    assert (report.created, report.updated, report.trashed) == (1, 1, 1)
    assert titles(notion, slots_db) == {first.pk: "1장 (개정)", third.pk: "3장"}
    assert f"slot:{second_id}" not in notion_sync.State.load(state.path).pages

    writes_before = notion.page_writes
    report = notion_sync.sync_once(labmate, mirror, notion_sync.State.load(state.path))

    assert (report.created, report.updated, report.trashed) == (0, 0, 0)
    assert notion.page_writes == writes_before


def test_notion_sync_resumes_after_a_failure_without_duplicates(
    world, board, labmate, notion, tmp_path
):
    _meeting, first, _second = board
    slots_db = notion.add_database("slots")
    mirror = mirror_for(notion, {"slot": slots_db})
    state_path = tmp_path / "state.json"
    notion_sync.sync_once(labmate, mirror, notion_sync.State(state_path))
    SlotFactory(meeting=first.meeting, title="3장")
    SlotFactory(meeting=first.meeting, title="4장")
    notion.fail_page_writes_after = notion.page_writes + 1  # the second new page fails

    with pytest.raises(notion_sync.APIResponseError):
        notion_sync.sync_once(labmate, mirror, notion_sync.State.load(state_path))
    notion_sync.sync_once(labmate, mirror, notion_sync.State.load(state_path))

    assert sorted(titles(notion, slots_db).values()) == ["1장", "2장", "3장", "4장"]
    assert len(notion.live_pages(slots_db)) == Slot.objects.count() == 4


def test_notion_sync_keeps_to_the_request_rate(world, board, labmate, notion, tmp_path):
    slots_db = notion.add_database("slots")
    mirror = mirror_for(notion, {"slot": slots_db}, rate=5.0)
    notion.requests.clear()

    notion_sync.sync_once(labmate, mirror, notion_sync.State(tmp_path / "state.json"))

    times = [request.at for request in notion.requests]
    assert len(times) >= 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.19  # five a second: at least 0.2 s apart (timer slack allowed)


def test_notion_sync_waits_out_a_429(world, board, labmate, notion, tmp_path):
    slots_db = notion.add_database("slots")
    mirror = mirror_for(notion, {"slot": slots_db})
    notion.requests.clear()
    notion.throttle_next = 1

    report = notion_sync.sync_once(labmate, mirror, notion_sync.State(tmp_path / "state.json"))

    assert report.created == 2
    throttled = next(i for i, r in enumerate(notion.requests) if r.status == 429)
    retry = notion.requests[throttled + 1]
    assert retry.at - notion.requests[throttled].at >= 0.99


def test_notion_sync_setup_adds_the_missing_columns(notion):
    slots_db = notion.add_database("slots")
    client = notion_sync.notion_client(TOKEN, base_url=notion.url, rate=RATE)
    mirror = notion_sync.NotionMirror(client, {"slot": slots_db})

    with pytest.raises(SystemExit):
        mirror.check_columns()
    added = mirror.setup()
    mirror.check_columns()

    assert added == [
        "slot: Labmate ID",
        "slot: Labmate link",
        "slot: Meeting",
        "slot: Track",
        "slot: Presenters",
        "slot: Capacity",
        "slot: Materials",
    ]


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("number", None, {"number": None}),
        ("url", "", {"url": None}),
        ("date", "2026-12-05T14:00:00+09:00", {"date": {"start": "2026-12-05T14:00:00+09:00"}}),
        ("select", "a,b", {"select": {"name": "a b"}}),
        ("checkbox", None, {"checkbox": False}),
        ("rich_text", "", {"rich_text": []}),
    ],
)
def test_notion_sync_property_values(kind, value, expected):
    assert notion_sync.property_value(kind, value) == expected
