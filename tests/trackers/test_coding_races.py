"""Races on PostgreSQL: one member clicking the same board cell from two tabs at once, and two
leaders importing the same file at once, leave exactly one row each and never a 500."""

from __future__ import annotations

import pytest

from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, MembershipFactory, ProblemFactory, ProblemSetFactory
from trackers import csv_import
from trackers.models import Problem, Solve
from trackers.services.coding import ProblemImporter, coding_import, solve_set_status

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_coding_cell_first_touch_from_eight_tabs_at_once_makes_one_solve():
    cohort = CohortFactory()
    member = MembershipFactory(cohort=cohort).user
    problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=cohort, week=1))

    results = run_concurrently(
        [lambda: solve_set_status(actor=member, problem=problem, status="solved")] * 8
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert list(Solve.objects.values_list("user_id", "status")) == [(member.pk, "solved")]


def test_coding_import_of_one_file_by_two_leaders_at_once_writes_each_problem_once():
    cohort = CohortFactory()
    leaders = [MembershipFactory(cohort=cohort, role="leader").user for _ in range(2)]
    table = csv_import.read_table("week,number,title\n1,1931,회의실 배정\n1,11047,동전 0\n")
    mapping = csv_import.guess_mapping(ProblemImporter.fields, table.header)

    def run(leader):
        return coding_import(
            actor=leader, cohort=cohort, kind="problems", table=table, mapping=mapping, commit=True
        )

    results = run_concurrently([lambda leader=leader: run(leader) for leader in leaders])

    # One import writes both problems; the other either finds them (all unchanged) or is
    # refused whole by the unique constraints (a row error, nothing written): never a 500.
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(Problem.objects.values_list("number", flat=True)) == ["11047", "1931"]
    assert sum(r.committed for r in results) >= 1  # type: ignore[union-attr]
