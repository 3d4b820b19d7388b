"""The coding-test demo: four weekly sets, realistic solves, one member behind; idempotent."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from labs.models import Role
from tests.factories import CohortFactory, MembershipFactory
from trackers.demo import seed_coding_demo
from trackers.models import Problem, ProblemSet, Solve
from trackers.selectors.coding import coding_board


@pytest.fixture
def bootcamp(db):
    cohort = CohortFactory(lab__slug="bootcamp-coding-test", number=1, start_date=date(2026, 10, 7))
    users = {}
    for local in ("haeun", "seoyeon", "gunwoo", "junseo"):
        role = Role.LEADER if local == "haeun" else Role.MEMBER
        users[local] = MembershipFactory(
            cohort=cohort, role=role, user__email=f"{local}@demo.labmate.kr"
        ).user
    return cohort, users


def test_seed_coding_demo_makes_four_weeks_ending_with_the_current_one(bootcamp):
    cohort, users = bootcamp

    seed_coding_demo(cohort=cohort, leader=users["haeun"], users=users)

    sets = list(ProblemSet.objects.filter(cohort=cohort).order_by("week"))
    assert len(sets) == 4
    assert [s.week for s in sets] == list(range(sets[0].week, sets[0].week + 4))
    assert [s.due_at > timezone.now() for s in sets] == [False, False, False, True]
    assert Problem.objects.filter(problem_set__cohort=cohort).count() == 12
    assert Problem.objects.get(number="1931").url == "https://www.acmicpc.net/problem/1931"


def test_seed_coding_demo_has_one_member_falling_behind(bootcamp):
    cohort, users = bootcamp

    seed_coding_demo(cohort=cohort, leader=users["haeun"], users=users)

    board = coding_board(cohort=cohort, viewer=users["haeun"])
    behind = [(row.user_id, row.missed_weeks) for row in board.behind]
    first = board.tabs[0].week
    assert behind == [(users["gunwoo"].pk, [first, first + 1, first + 2])]
    streaks = {row.user_id: row.best_streak for row in board.rows}
    assert (streaks[users["haeun"].pk], streaks[users["seoyeon"].pk]) == (3, 3)
    assert streaks[users["junseo"].pk] == 1
    assert Solve.objects.filter(presented=True).count() == 3


def test_seed_coding_demo_twice_changes_nothing(bootcamp):
    cohort, users = bootcamp
    seed_coding_demo(cohort=cohort, leader=users["haeun"], users=users)
    before = sorted(Solve.objects.values_list("id", "updated_at", "solved_at"))

    seed_coding_demo(cohort=cohort, leader=users["haeun"], users=users)

    assert sorted(Solve.objects.values_list("id", "updated_at", "solved_at")) == before
    assert ProblemSet.objects.filter(cohort=cohort).count() == 4
