"""Writes of the coding-test study: who may do what, defaults, problem links, solves."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus, Role
from notifications.models import Notification
from tests.factories import (
    MembershipFactory,
    ProblemFactory,
    ProblemSetFactory,
    SolveFactory,
)
from trackers.models import ProblemSet, Solve, SolveStatus
from trackers.progress import SEOUL
from trackers.services import coding as services


@pytest.fixture
def problem(world):
    return ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=1))


# --- problem sets ------------------------------------------------------------------------------


def test_problem_set_create_by_leader_defaults_to_the_cohorts_seoul_week(world):
    world.cohort.start_date = date(2026, 10, 7)  # a Wednesday
    world.cohort.save()

    problem_set = services.problem_set_create(actor=world.leader, cohort=world.cohort, week=2)

    assert problem_set.starts_on == date(2026, 10, 12)
    assert problem_set.due_at == datetime(2026, 10, 18, 23, 59, 59, 999999, tzinfo=SEOUL)
    assert problem_set.created_by == world.leader


def test_problem_set_create_by_facilitator_is_allowed(world):
    problem_set = services.problem_set_create(actor=world.facilitator, cohort=world.cohort, week=1)

    assert problem_set.week == 1


def test_problem_set_create_by_member_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        services.problem_set_create(actor=world.member, cohort=world.cohort, week=1)

    assert ProblemSet.objects.count() == 0


def test_problem_set_create_by_outsider_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        services.problem_set_create(actor=world.outsider, cohort=world.cohort, week=1)


def test_problem_set_create_twice_for_a_week_is_a_conflict(world):
    services.problem_set_create(actor=world.leader, cohort=world.cohort, week=3)

    with pytest.raises(ConflictError) as caught:
        services.problem_set_create(actor=world.leader, cohort=world.cohort, week=3)

    assert caught.value.code == "week_taken"
    assert ProblemSet.objects.filter(cohort=world.cohort).count() == 1


def test_problem_set_create_refuses_a_due_before_the_start(world):
    with pytest.raises(ApplicationError) as caught:
        services.problem_set_create(
            actor=world.leader,
            cohort=world.cohort,
            week=1,
            starts_on=date(2026, 10, 5),
            due_at=datetime(2026, 10, 4, 12, tzinfo=SEOUL),
        )

    assert list(caught.value.fields) == ["due_at"]


@pytest.mark.parametrize("week", [0, 201])
def test_problem_set_create_refuses_a_week_out_of_range(world, week):
    with pytest.raises(ApplicationError) as caught:
        services.problem_set_create(actor=world.leader, cohort=world.cohort, week=week)

    assert list(caught.value.fields) == ["week"]


def test_problem_set_create_tells_the_other_active_members(world):
    problem_set = services.problem_set_create(
        actor=world.leader, cohort=world.cohort, week=1, title="그리디"
    )

    entries = Notification.objects.filter(kind="coding_set_published")

    assert sorted(entries.values_list("recipient__email", flat=True)) == [
        "facilitator@example.com",
        "member@example.com",
    ]
    assert entries.first().params == {
        "week": 1,
        "title": "그리디",
        "due_at": problem_set.due_at.isoformat(),
    }
    assert entries.first().target_id == problem_set.pk
    assert entries.first().url == "/labs/deep-lab/5/coding/weeks/1/"


def test_problem_set_update_moves_the_week_and_refuses_a_taken_one(world):
    first = ProblemSetFactory(cohort=world.cohort, week=1)
    ProblemSetFactory(cohort=world.cohort, week=2)

    with pytest.raises(ConflictError):
        services.problem_set_update(
            actor=world.leader,
            problem_set=first,
            week=2,
            title="",
            starts_on=None,
            due_at=first.due_at,
        )
    moved = services.problem_set_update(
        actor=world.leader, problem_set=first, week=4, title="DP", starts_on=None, due_at=None
    )

    assert (moved.week, moved.title) == (4, "DP")


def test_problem_set_update_without_changes_writes_nothing(world):
    problem_set = ProblemSetFactory(cohort=world.cohort, week=1, starts_on=date(2026, 10, 5))
    before = problem_set.updated_at

    services.problem_set_update(
        actor=world.leader,
        problem_set=problem_set,
        week=1,
        title=problem_set.title,
        starts_on=problem_set.starts_on,
        due_at=problem_set.due_at,
    )

    problem_set.refresh_from_db()
    assert problem_set.updated_at == before


def test_problem_set_delete_by_member_is_refused(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.problem_set_delete(actor=world.member, problem_set=problem_set)

    assert ProblemSet.objects.filter(pk=problem_set.pk).exists()


# --- problems ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "number", "url"),
    [
        ("baekjoon", "1931", "https://www.acmicpc.net/problem/1931"),
        ("baekjoon", "#1931", "https://www.acmicpc.net/problem/1931"),
        (
            "programmers",
            "42586",
            "https://school.programmers.co.kr/learn/courses/30/lessons/42586",
        ),
        ("leetcode", "Two Sum", "https://leetcode.com/problems/two-sum/"),
        ("leetcode", "https://leetcode.com/problems/two-sum/description/", None),
        ("other", "A-1", ""),
    ],
)
def test_problem_create_builds_the_link_from_platform_and_number(world, platform, number, url):
    problem_set = ProblemSetFactory(cohort=world.cohort)

    problem = services.problem_create(
        actor=world.leader, problem_set=problem_set, platform=platform, number=number, title="T"
    )

    expected = url if url is not None else "https://leetcode.com/problems/two-sum/"
    assert problem.url == expected


def test_problem_create_reads_platform_and_number_from_a_pasted_link(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)

    problem = services.problem_create(
        actor=world.leader,
        problem_set=problem_set,
        platform="",
        url="https://www.acmicpc.net/problem/11047",
        tags="greedy, 그리디, Greedy",
    )

    assert (problem.platform, problem.number, problem.title) == (
        "baekjoon",
        "11047",
        "Baekjoon 11047",
    )
    assert problem.tags == ["greedy", "그리디"]


def test_problem_create_refuses_letters_as_a_baekjoon_number(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)

    with pytest.raises(ApplicationError) as caught:
        services.problem_create(
            actor=world.leader, problem_set=problem_set, platform="baekjoon", number="abc"
        )

    assert list(caught.value.fields) == ["number"]


def test_problem_create_twice_in_a_set_is_a_conflict(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)
    services.problem_create(
        actor=world.leader, problem_set=problem_set, platform="baekjoon", number="1931"
    )

    with pytest.raises(ConflictError) as caught:
        services.problem_create(
            actor=world.leader, problem_set=problem_set, platform="baekjoon", number="1931"
        )

    assert caught.value.code == "problem_exists"


def test_problem_create_appends_after_the_last_position(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)
    ProblemFactory(problem_set=problem_set, position=4)

    problem = services.problem_create(
        actor=world.leader, problem_set=problem_set, platform="other", title="직접 만든 문제"
    )

    assert problem.position == 5


def test_problem_create_by_member_is_refused(world):
    problem_set = ProblemSetFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.problem_create(
            actor=world.member, problem_set=problem_set, platform="baekjoon", number="1"
        )


def test_problem_update_rebuilds_an_emptied_link(world, problem):
    updated = services.problem_update(
        actor=world.leader,
        problem=problem,
        platform="programmers",
        number="42586",
        title="기능개발",
        url="",
        difficulty="Lv. 2",
        tags="스택/큐, #구현",
    )

    assert updated.url == "https://school.programmers.co.kr/learn/courses/30/lessons/42586"
    assert (updated.difficulty, updated.tags) == ("Lv. 2", ["스택/큐", "구현"])


# --- solves ------------------------------------------------------------------------------------


def test_solve_set_status_by_member_records_when_solved(world, problem):
    solve = services.solve_set_status(actor=world.member, problem=problem, status="solved")

    assert (solve.user, solve.status) == (world.member, SolveStatus.SOLVED)
    assert timezone.now() - solve.solved_at < timedelta(seconds=5)


def test_solve_set_status_away_from_solved_clears_the_time(world, problem):
    services.solve_set_status(actor=world.member, problem=problem, status="solved")

    solve = services.solve_set_status(actor=world.member, problem=problem, status="stuck")

    assert (solve.status, solve.solved_at) == ("stuck", None)
    assert Solve.objects.count() == 1


def test_solve_set_status_twice_writes_nothing_the_second_time(world, problem):
    first = services.solve_set_status(actor=world.member, problem=problem, status="solved")

    again = services.solve_set_status(actor=world.member, problem=problem, status="solved")

    again.refresh_from_db()
    assert (again.updated_at, again.solved_at) == (first.updated_at, first.solved_at)


def test_solve_set_status_by_outsider_is_refused(world, problem):
    with pytest.raises(PermissionDeniedError):
        services.solve_set_status(actor=world.outsider, problem=problem, status="solved")

    assert Solve.objects.count() == 0


def test_solve_set_status_by_member_who_left_is_refused(world, problem):
    membership = world.member_membership
    membership.status, membership.left_on = MembershipStatus.LEFT, membership.joined_on
    membership.save()

    with pytest.raises(PermissionDeniedError):
        services.solve_set_status(actor=world.member, problem=problem, status="solved")


def test_solve_set_status_refuses_an_unknown_status(world, problem):
    with pytest.raises(ApplicationError) as caught:
        services.solve_set_status(actor=world.member, problem=problem, status="done")

    assert list(caught.value.fields) == ["status"]


def test_solve_save_keeps_the_details_of_my_own_solve(world, problem):
    solve = services.solve_save(
        actor=world.member,
        problem=problem,
        status="solved",
        solution_url="https://github.com/me/boj/blob/main/1931.py",
        language="Python",
        notes="끝나는 시간 기준 정렬",
        presented=True,
    )

    solve.refresh_from_db()
    assert (solve.user, solve.language, solve.presented, solve.notes) == (
        world.member,
        "Python",
        True,
        "끝나는 시간 기준 정렬",
    )


def test_solve_save_refuses_a_link_that_is_not_http(world, problem):
    with pytest.raises(ApplicationError) as caught:
        services.solve_save(
            actor=world.member,
            problem=problem,
            status="solved",
            solution_url="javascript:alert(1)",
        )

    assert list(caught.value.fields) == ["solution_url"]
    assert Solve.objects.count() == 0


def test_solve_update_of_someone_elses_solve_is_refused(world, problem):
    other = MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user
    solve = SolveFactory(problem=problem, user=other)

    with pytest.raises(PermissionDeniedError):
        services.solve_update(actor=world.member, solve=solve, notes="고쳐 줄게요")
    with pytest.raises(PermissionDeniedError):
        services.solve_update(actor=world.leader, solve=solve, notes="랩장이 고침")

    solve.refresh_from_db()
    assert solve.notes == ""


def test_solve_update_of_my_solve_changes_only_the_given_fields(world, problem):
    solve = SolveFactory(problem=problem, user=world.member, language="C++")

    updated = services.solve_update(actor=world.member, solve=solve, presented=True)

    assert (updated.language, updated.presented, updated.status) == ("C++", True, "solved")


def test_solve_delete_of_someone_elses_solve_is_refused(world, problem):
    solve = SolveFactory(problem=problem, user=world.leader)

    with pytest.raises(PermissionDeniedError):
        services.solve_delete(actor=world.member, solve=solve)

    assert Solve.objects.filter(pk=solve.pk).exists()
