"""Boards as CSV behind a member's secret link: content, formula escaping, streaming, the
link page, reset, and who gets what (outsiders and former members: 404)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from core.demo import seed_sync_demo
from core.models import SheetLink
from core.sheets import sheet_link_create
from labs.models import MembershipStatus
from sessions.models import SlotAssignment
from tests.conftest import client_for
from tests.factories import (
    InterviewTopicFactory,
    LocationFactory,
    MeetingFactory,
    PaperFactory,
    ProblemFactory,
    ProblemSetFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    SlotFactory,
    SolveFactory,
)

STARTS = datetime(2026, 12, 5, 5, 0, tzinfo=UTC)  # 14:00 in Seoul


def rows_of(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def link(world) -> SheetLink:
    return sheet_link_create(actor=world.member, cohort=world.cohort)


def csv_url(link: SheetLink, board: str) -> str:
    return reverse("core:sheet_csv", kwargs={"token": link.token, "board": board})


def test_sheets_slots_board_lists_each_slot_with_its_presenters(world, link):
    meeting = MeetingFactory(cohort=world.cohort, number=3, starts_at=STARTS)
    first = SlotFactory(meeting=meeting, title="1장", capacity=2, external_id="row-1")
    second = SlotFactory(meeting=meeting, title="2장", materials_url="https://x.example/2")
    world.member.profile.display_name = "민지"
    world.member.profile.save()
    world.leader.profile.display_name = ""
    world.leader.profile.save()
    SlotAssignment.objects.create(slot=first, user=world.member)
    SlotAssignment.objects.create(slot=second, user=world.leader)

    response = client_for(None).get(csv_url(link, "slots"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert rows_of(response) == [
        [
            "Meeting",
            "Date",
            "Track",
            "Title",
            "Presenters",
            "Capacity",
            "Materials",
            "Slot id",
            "External id",
        ],
        ["3", "2026-12-05 14:00", "Book chapter", "1장", "민지", "2", "", str(first.pk), "row-1"],
        ["3", "2026-12-05 14:00", "Book chapter", "2장", "leader", "1", "https://x.example/2",
         str(second.pk), ""],
    ]  # fmt: skip


def test_sheets_meetings_board_lists_meetings_in_order(world, link):
    place = LocationFactory(lab=world.lab, name="강남역")
    later = MeetingFactory(cohort=world.cohort, number=2, starts_at=STARTS.replace(day=19))
    first = MeetingFactory(cohort=world.cohort, number=1, starts_at=STARTS, location=place)

    rows = rows_of(client_for(None).get(csv_url(link, "meetings")))

    assert [row[:6] for row in rows[1:]] == [
        ["1", "", "2026-12-05 14:00", "2026-12-05 18:00", "Scheduled", "강남역"],
        ["2", "", "2026-12-19 14:00", "2026-12-19 18:00", "Scheduled", ""],
    ]
    assert [row[7] for row in rows[1:]] == [str(first.pk), str(later.pk)]


def test_sheets_solves_board_is_the_coding_test_sheet(world, link):
    problem = ProblemFactory(
        problem_set=ProblemSetFactory(cohort=world.cohort, week=3), number="1931", title="회의실"
    )
    solve = SolveFactory(problem=problem, user=world.member, solved_at=STARTS, presented=True)
    world.member.profile.display_name = "민지"
    world.member.profile.save()

    rows = rows_of(client_for(None).get(csv_url(link, "solves")))

    assert rows[1:] == [
        ["3", "Baekjoon", "1931", "회의실", "민지", "Solved", "yes", "", "2026-12-05 14:00",
         str(solve.pk), ""],
    ]  # fmt: skip


def test_sheets_questions_board_lists_questions_by_week(world, link):
    topic = InterviewTopicFactory(cohort=world.cohort, week=2, title="경사하강법")
    question = QuestionFactory(topic=topic, author=world.member, text="왜 -lr 인가요?")

    rows = rows_of(client_for(None).get(csv_url(link, "questions")))

    assert [row[:2] + row[3:4] + row[5:6] for row in rows[1:]] == [
        ["2", "경사하강법", "왜 -lr 인가요?", str(question.pk)]
    ]


def test_sheets_review_board_lists_assignments(world, link):
    paper = PaperFactory(cohort=world.cohort, title="Attention Is All You Need")
    review = ReviewAssignmentFactory(paper=paper, reviewer=world.member, due_at=STARTS)

    rows = rows_of(client_for(None).get(csv_url(link, "review-assignments")))

    assert [(row[0], row[4], row[7]) for row in rows[1:]] == [
        ("Attention Is All You Need", "2026-12-05 14:00", str(review.pk))
    ]


def test_sheets_cells_that_would_be_formulas_are_escaped(world, link):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=STARTS)
    SlotFactory(meeting=meeting, title='=HYPERLINK("http://evil.example","click")')
    SlotFactory(meeting=meeting, title="+1 발표")
    SlotFactory(meeting=meeting, title="@SUM(A1)")

    rows = rows_of(client_for(None).get(csv_url(link, "slots")))

    assert sorted(row[3] for row in rows[1:]) == [
        "'+1 발표",
        '\'=HYPERLINK("http://evil.example","click")',
        "'@SUM(A1)",
    ]


def test_sheets_headers_follow_the_link_owners_language(world, link):
    world.member.profile.language = "ko"
    world.member.profile.save()

    rows = rows_of(client_for(None).get(csv_url(link, "meetings")))

    assert rows[0][0] != "Meeting"


def test_sheets_unknown_token_or_board_is_a_404(world, link):
    client = client_for(None)

    assert client.get(reverse("core:sheet_csv", args=["nope", "slots"])).status_code == 404
    assert client.get(csv_url(link, "unknown-board")).status_code == 404


def test_sheets_link_dies_when_its_owner_leaves_the_lab(world, link):
    membership = world.member_membership
    membership.status = MembershipStatus.LEFT
    membership.left_on = membership.joined_on
    membership.save()

    response = client_for(None).get(csv_url(link, "slots"))

    assert response.status_code == 404


def test_sheets_link_records_its_last_use(world, link):
    client_for(None).get(csv_url(link, "slots"))

    link.refresh_from_db()
    assert link.last_used_at is not None


@pytest.mark.parametrize("count", [1, 3])
def test_sheets_csv_queries_do_not_grow_with_the_rows(
    world, link, count, django_assert_num_queries
):
    meeting = MeetingFactory(cohort=world.cohort)
    for _ in range(count):
        SlotAssignment.objects.create(slot=SlotFactory(meeting=meeting), user=world.member)
    client = client_for(None)

    # The link with its owner, the visibility check, last use, then the rows.
    with django_assert_num_queries(4):
        rows = rows_of(client.get(csv_url(link, "slots")))

    assert len(rows) == 1 + count


def test_sheets_page_makes_and_shows_my_links(world, member_client):
    url = reverse("core:sheet_links", args=["deep-lab", 5])

    before = member_client.get(url)
    made = member_client.post(url)
    after = member_client.get(url)

    assert before.status_code == 200
    assert 'data-testid="sheet-create"' in before.content.decode()
    assert made.status_code == 302
    link = SheetLink.objects.get(user=world.member, cohort=world.cohort)
    page = after.content.decode()
    for board in ("slots", "meetings", "solves", "questions", "review-assignments"):
        assert f"/sheets/{link.token}/{board}.csv" in page


def test_sheets_page_is_linked_from_the_cohort_page(world, member_client):
    response = member_client.get(reverse("labs:cohort_detail", args=["deep-lab", 5]))

    assert reverse("core:sheet_links", args=["deep-lab", 5]) in response.content.decode()


def test_sheets_reset_gives_a_new_secret_and_kills_the_old_one(world, link, member_client):
    old = csv_url(link, "slots")

    response = member_client.post(reverse("core:sheet_link_reset", args=["deep-lab", 5]))

    assert response.status_code == 302
    link.refresh_from_db()
    assert client_for(None).get(old).status_code == 404
    assert client_for(None).get(csv_url(link, "slots")).status_code == 200


def test_sheets_page_is_a_404_for_an_outsider(world, outsider_client):
    url = reverse("core:sheet_links", args=["deep-lab", 5])

    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url).status_code == 404
    assert not SheetLink.objects.filter(user=world.outsider).exists()


def test_sheets_page_needs_login(world):
    response = client_for(None).get(reverse("core:sheet_links", args=["deep-lab", 5]))

    assert response.status_code == 302


def test_sheets_demo_seed_is_idempotent(world):
    first = seed_sync_demo(cohort=world.cohort, users=[world.leader, world.member])
    again = seed_sync_demo(cohort=world.cohort, users=[world.leader, world.member])

    assert [link.token for link in again] == [link.token for link in first]
    assert SheetLink.objects.filter(cohort=world.cohort).count() == 2
