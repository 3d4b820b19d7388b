"""Date poll reads: result ordering, the grid of members by options, constant query counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from labs.models import Role
from sessions.models import Poll, PollVote
from sessions.selectors import polls as selectors
from sessions.services.polls import poll_create, poll_vote
from tests.factories import MembershipFactory

SEOUL = ZoneInfo("Asia/Seoul")


def future(hours: int) -> datetime:
    base = timezone.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
    return base + timedelta(days=7, hours=hours)


def make_poll(world, count: int = 3, title: str = "투표") -> Poll:
    return poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title=title,
        starts_at_options=[future(hour) for hour in range(count)],
        duration_minutes=120,
    )


def ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("starts_at").values_list("pk", flat=True))


def test_poll_results_rank_by_yes_then_if_need_be_then_earliest(world):
    poll = make_poll(world, count=4)
    a, b, c, d = ids(poll)
    # a: 1 yes 1 maybe; b: 2 yes; c: 1 yes 2 maybe... d: 1 yes 1 maybe (ties a, later).
    poll_vote(actor=world.leader, poll=poll, answers={a: "yes", b: "yes", c: "yes", d: "yes"})
    poll_vote(
        actor=world.facilitator,
        poll=poll,
        answers={a: "if_need_be", b: "yes", c: "if_need_be", d: "if_need_be"},
    )
    poll_vote(actor=world.member, poll=poll, answers={a: "no", b: "no", c: "if_need_be", d: "no"})

    results = selectors.poll_results(poll=poll, user=world.member)

    assert [(o.pk, o.yes, o.if_need_be, o.no) for o in results.ranking] == [
        (b, 2, 0, 1),
        (c, 1, 2, 0),
        (a, 1, 1, 1),
        (d, 1, 1, 1),
    ]
    assert results.winner is not None
    assert results.winner.pk == b
    assert [o.is_winner for o in results.ranking] == [True, False, False, False]


def test_poll_results_have_no_winner_without_answers(world):
    poll = make_poll(world)

    results = selectors.poll_results(poll=poll, user=world.member)

    assert results.winner is None
    assert [o.pk for o in results.ranking] == ids(poll)


def test_poll_results_grid_has_a_row_per_member_and_an_answer_per_option(world):
    poll = make_poll(world, count=2)
    first, second = ids(poll)
    poll_vote(actor=world.member, poll=poll, answers={first: "yes", second: "no"})

    results = selectors.poll_results(poll=poll, user=world.member)

    rows = {row.user_id: (row.answers, row.is_me) for row in results.rows}
    assert rows == {
        world.leader.pk: ([None, None], False),
        world.facilitator.pk: ([None, None], False),
        world.member.pk: (["yes", "no"], True),
    }
    assert results.my_answers == {first: "yes", second: "no"}
    assert [line["answers"] for line in results.grid] == [
        [rows_answer[0] for rows_answer in _row_answers(results)],
        [rows_answer[1] for rows_answer in _row_answers(results)],
    ]


def _row_answers(results):
    return [row.answers for row in results.rows]


@pytest.mark.parametrize("size", [3, 10])
def test_poll_results_query_count_is_constant(world, django_assert_num_queries, size):
    poll = make_poll(world, count=size)
    users = [world.leader, world.facilitator, world.member]
    users += [
        MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user for _ in range(size - 3)
    ]
    for user in users:
        poll_vote(actor=user, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))

    # options, members, votes
    with django_assert_num_queries(3):
        results = selectors.poll_results(poll=poll, user=world.member)

    assert (len(results.options), len(results.rows)) == (size, size)
    assert PollVote.objects.count() == size * size


@pytest.mark.parametrize("polls", [1, 3])
def test_poll_list_for_cohort_query_count(world, django_assert_num_queries, polls):
    for number in range(polls):
        poll = make_poll(world, title=f"투표 {number}")
        poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))

    with django_assert_num_queries(1):
        rows = list(selectors.poll_list_for_cohort(cohort=world.cohort, user=world.member))

    assert [(p.option_count, p.respondent_count, p.answered_by_me) for p in rows] == [
        (3, 1, True)
    ] * polls


def test_poll_previous_answered_is_the_newest_other_answered_poll(world):
    older = make_poll(world, title="older")
    newer = make_poll(world, title="newer")
    unanswered = make_poll(world, title="unanswered")
    current = make_poll(world, title="current")
    for poll in (older, newer):
        poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))

    previous = selectors.poll_previous_answered(poll=current, user=world.member)

    assert previous == newer
    assert selectors.poll_previous_answered(poll=unanswered, user=world.leader) is None
