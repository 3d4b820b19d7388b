"""Date polls over the REST API: visibility, permissions, answers, scheduling, query counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from sessions.models import Meeting, Poll, PollVote
from sessions.services.polls import poll_close_to_meeting, poll_create, poll_vote
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, LocationFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.usefixtures("api_cache")

SEOUL = ZoneInfo("Asia/Seoul")
LIST_URL = reverse("api:poll-list")


def future(hours: int) -> datetime:
    base = timezone.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
    return base + timedelta(days=7, hours=hours)


def make_poll(world, count: int = 3, title: str = "5기 첫 모임") -> Poll:
    return poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title=title,
        starts_at_options=[future(hour) for hour in range(count)],
        duration_minutes=120,
    )


def ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("starts_at").values_list("pk", flat=True))


def detail(poll: Poll, suffix: str = "") -> str:
    name = f"api:poll-{suffix}" if suffix else "api:poll-detail"
    return reverse(name, kwargs={"pk": poll.pk})


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def another_cohort_member(world):
    return MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4), role=Role.MEMBER).user


# --- reading -------------------------------------------------------------------------------


def test_poll_api_list_shows_own_labs_polls_with_counts(world, member_client):
    poll = make_poll(world)
    first, second, third = ids(poll)
    poll_vote(
        actor=world.leader, poll=poll, answers={first: "yes", second: "if_need_be", third: "no"}
    )
    poll_vote(actor=world.member, poll=poll, answers={first: "no", second: "yes", third: "no"})

    body = member_client.get(LIST_URL).json()

    [item] = body["results"]
    assert (item["id"], item["cohort"], item["lab_slug"], item["is_open"]) == (
        poll.pk,
        world.cohort.pk,
        "deep-lab",
        True,
    )
    assert [(o["id"], o["yes"], o["if_need_be"], o["no"]) for o in item["options"]] == [
        (first, 1, 0, 1),
        (second, 1, 1, 0),
        (third, 0, 0, 2),
    ]
    assert item["ranking"] == [second, first, third]
    assert item["my_answers"] == {str(first): "no", str(second): "yes", str(third): "no"}
    assert len(item["votes"]) == 6


def test_poll_api_hides_polls_from_outsiders(world, outsider_client):
    poll = make_poll(world)

    listed = outsider_client.get(LIST_URL).json()["results"]
    response = outsider_client.get(detail(poll))

    assert (listed, response.status_code) == ([], 404)


def test_poll_api_lab_limited_token_sees_nothing_elsewhere(world):
    poll = make_poll(world)
    MembershipFactory(cohort=CohortFactory(lab=world.other_lab), user=world.member)
    client = bearer_client(world.member, lab_slug="other-lab")

    assert client.get(LIST_URL).json()["results"] == []
    assert client.get(detail(poll)).status_code == 404


@pytest.mark.parametrize("polls", [1, 3])
def test_poll_api_list_query_count_is_constant(world, django_assert_num_queries, polls):
    for number in range(polls):
        poll = make_poll(world, title=f"투표 {number}")
        poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))
        poll_vote(actor=world.leader, poll=poll, answers=dict.fromkeys(ids(poll), "no"))
    client = bearer_client(world.member)

    # the token (with its user) and its last use; the polls page; their options; their
    # votes (with users and profiles).
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)

    assert len(response.json()["results"]) == polls


def test_poll_api_filters_by_open(world, member_client):
    open_poll = make_poll(world, title="열림")
    closed = make_poll(world, title="닫힘")
    poll_close_to_meeting(actor=world.leader, poll=closed, option=closed.options.first())

    open_ids = [p["id"] for p in member_client.get(LIST_URL, {"open": "true"}).json()["results"]]
    closed_ids = [p["id"] for p in member_client.get(LIST_URL, {"open": "false"}).json()["results"]]

    assert (open_ids, closed_ids) == ([open_poll.pk], [closed.pk])


# --- creating ------------------------------------------------------------------------------


def test_poll_api_create_by_leader(world, leader_client):
    place = LocationFactory(lab=world.lab)
    times = [future(1).isoformat(), future(3).isoformat()]

    response = post(
        leader_client,
        LIST_URL,
        {
            "cohort": world.cohort.pk,
            "title": "API 투표",
            "duration_minutes": 90,
            "location": place.pk,
            "starts_at_options": times,
        },
    )

    poll = Poll.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == poll.pk
    assert (poll.title, poll.duration_minutes, poll.location, poll.options.count()) == (
        "API 투표",
        90,
        place,
        2,
    )


def test_poll_api_create_by_member_is_403(world, member_client):
    response = post(
        member_client,
        LIST_URL,
        {
            "cohort": world.cohort.pk,
            "title": "x",
            "starts_at_options": [future(1).isoformat(), future(2).isoformat()],
        },
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Poll.objects.count() == 0


def test_poll_api_create_with_one_time_is_400(world, leader_client):
    response = post(
        leader_client,
        LIST_URL,
        {"cohort": world.cohort.pk, "title": "x", "starts_at_options": [future(1).isoformat()]},
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "starts_at_options": ["Propose at least two different times."]
    }


def test_poll_api_create_in_an_invisible_cohort_is_400(world, outsider_client):
    response = post(
        outsider_client,
        LIST_URL,
        {
            "cohort": world.cohort.pk,
            "title": "x",
            "starts_at_options": [future(1).isoformat(), future(2).isoformat()],
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cohort": ["No such cohort."]}


def test_poll_api_read_token_cannot_create(world):
    client = bearer_client(world.leader, scope="read")

    response = post(
        client,
        LIST_URL,
        {
            "cohort": world.cohort.pk,
            "title": "x",
            "starts_at_options": [future(1).isoformat(), future(2).isoformat()],
        },
    )

    assert response.status_code == 403
    assert Poll.objects.count() == 0


# --- answering -----------------------------------------------------------------------------


def test_poll_api_vote_saves_and_returns_the_poll(world):
    poll = make_poll(world)
    first, second, third = ids(poll)
    client = bearer_client(world.member, scope="write")

    response = post(
        client,
        detail(poll, "vote"),
        {"answers": {str(first): "yes", str(second): "if_need_be", str(third): "no"}},
    )

    assert response.status_code == 200
    assert response.json()["my_answers"] == {
        str(first): "yes",
        str(second): "if_need_be",
        str(third): "no",
    }
    assert PollVote.objects.filter(user=world.member).count() == 3


def test_poll_api_vote_by_member_of_another_cohort_is_403(world):
    poll = make_poll(world)
    client = client_for(another_cohort_member(world))

    response = post(client, detail(poll, "vote"), {"answers": {str(i): "yes" for i in ids(poll)}})

    assert response.status_code == 403
    assert PollVote.objects.count() == 0


def test_poll_api_vote_by_outsider_is_404(world, outsider_client):
    poll = make_poll(world)

    response = post(
        outsider_client, detail(poll, "vote"), {"answers": {str(i): "yes" for i in ids(poll)}}
    )

    assert response.status_code == 404


def test_poll_api_vote_on_closed_poll_is_409_and_changes_nothing(world, member_client):
    poll = make_poll(world)
    poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))
    poll_close_to_meeting(actor=world.leader, poll=poll, option=poll.options.first())

    response = post(
        member_client, detail(poll, "vote"), {"answers": {str(i): "no" for i in ids(poll)}}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "poll_closed"
    assert set(PollVote.objects.values_list("answer", flat=True)) == {"yes"}


def test_poll_api_vote_with_unknown_answer_is_400(world, member_client):
    poll = make_poll(world)

    response = post(
        member_client, detail(poll, "vote"), {"answers": {str(i): "maybe" for i in ids(poll)}}
    )

    assert response.status_code == 400
    assert PollVote.objects.count() == 0


def test_poll_api_copy_answers(world, member_client):
    source = make_poll(world, title="지난 투표")
    poll_vote(actor=world.member, poll=source, answers=dict.fromkeys(ids(source), "if_need_be"))
    poll = poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title="이번 투표",
        starts_at_options=[
            t + timedelta(weeks=1) for t in source.options.values_list("starts_at", flat=True)
        ],
        duration_minutes=60,
    )

    response = post(member_client, detail(poll, "copy-answers"), {"source": source.pk})

    assert (response.status_code, response.json()) == (200, {"copied": 3})


# --- scheduling ----------------------------------------------------------------------------


def test_poll_api_schedule_creates_the_meeting_once(world, leader_client):
    poll = make_poll(world)
    first, second, _third = ids(poll)

    response = post(leader_client, detail(poll, "schedule"), {"option": second})
    again = post(leader_client, detail(poll, "schedule"), {"option": first})

    meeting = Meeting.objects.get()
    poll.refresh_from_db()
    assert response.status_code == 201
    assert (response.json()["id"], response.json()["conflicts"]) == (meeting.pk, [])
    assert (poll.meeting, meeting.starts_at) == (meeting, poll.options.get(pk=second).starts_at)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "poll_closed")


def test_poll_api_schedule_by_member_is_403(world, member_client):
    poll = make_poll(world)

    response = post(member_client, detail(poll, "schedule"), {"option": ids(poll)[0]})

    assert response.status_code == 403
    assert Meeting.objects.count() == 0


def test_poll_api_schedule_with_foreign_option_is_400(world, leader_client):
    poll = make_poll(world)
    other = make_poll(world, title="다른 투표")

    response = post(leader_client, detail(poll, "schedule"), {"option": ids(other)[0]})

    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_poll_api_schedule_reports_an_overlapping_meeting(world, leader_client):
    poll = make_poll(world)
    option = poll.options.order_by("starts_at").first()
    MeetingFactory(cohort=world.cohort, number=1, starts_at=option.starts_at)

    response = post(leader_client, detail(poll, "schedule"), {"option": option.pk})

    assert response.status_code == 201
    assert [c["kind"] for c in response.json()["conflicts"]] == ["cohort_overlap"]
    assert Meeting.objects.count() == 2
