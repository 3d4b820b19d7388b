"""CSV import of problems and solves: mapping, row errors, all or nothing, idempotence."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import PermissionDeniedError
from tests.factories import MembershipFactory, ProblemFactory, ProblemSetFactory, SolveFactory
from trackers import csv_import
from trackers.csv_import import CREATED, UNCHANGED, UPDATED
from trackers.models import Problem, ProblemSet, Solve
from trackers.progress import SEOUL
from trackers.services.coding import ProblemImporter, SolveImporter, coding_import

PROBLEMS = """주차,플랫폼,문제 번호,문제명,난이도,태그
1,백준,1931,회의실 배정,Silver 1,"그리디, 정렬"
1,BOJ,11047,동전 0,Silver 4,그리디
2,프로그래머스,42586,기능개발,Lv. 2,스택/큐
2,LeetCode,Two Sum,Two Sum,Easy,해시
"""


def _import(world, kind: str, text: str, *, commit: bool = True, actor=None):
    table = csv_import.read_table(text)
    fields = ProblemImporter.fields if kind == "problems" else SolveImporter.fields
    mapping = csv_import.guess_mapping(fields, table.header)
    return coding_import(
        actor=actor or world.leader,
        cohort=world.cohort,
        kind=kind,
        table=table,
        mapping=mapping,
        commit=commit,
    )


def _problems() -> list[tuple]:
    return list(
        Problem.objects.order_by("problem_set__week", "position").values_list(
            "problem_set__week", "platform", "number", "title", "url", "difficulty", "tags"
        )
    )


# --- problems ------------------------------------------------------------------------------------


def test_import_problems_creates_the_weeks_sets_and_problems(world):
    result = _import(world, "problems", PROBLEMS)

    assert (result.ok, result.counts) == (True, {CREATED: 4, UPDATED: 0, UNCHANGED: 0})
    assert list(ProblemSet.objects.values_list("week", flat=True).order_by("week")) == [1, 2]
    assert _problems() == [
        (
            1,
            "baekjoon",
            "1931",
            "회의실 배정",
            "https://www.acmicpc.net/problem/1931",
            "Silver 1",
            ["그리디", "정렬"],
        ),
        (
            1,
            "baekjoon",
            "11047",
            "동전 0",
            "https://www.acmicpc.net/problem/11047",
            "Silver 4",
            ["그리디"],
        ),
        (
            2,
            "programmers",
            "42586",
            "기능개발",
            "https://school.programmers.co.kr/learn/courses/30/lessons/42586",
            "Lv. 2",
            ["스택/큐"],
        ),
        (
            2,
            "leetcode",
            "two-sum",
            "Two Sum",
            "https://leetcode.com/problems/two-sum/",
            "Easy",
            ["해시"],
        ),
    ]


def test_import_problems_twice_changes_nothing(world):
    _import(world, "problems", PROBLEMS)
    stamps = sorted(Problem.objects.values_list("id", "updated_at"))
    set_stamps = sorted(ProblemSet.objects.values_list("id", "updated_at"))

    again = _import(world, "problems", PROBLEMS)

    assert again.counts == {CREATED: 0, UPDATED: 0, UNCHANGED: 4}
    assert sorted(Problem.objects.values_list("id", "updated_at")) == stamps
    assert sorted(ProblemSet.objects.values_list("id", "updated_at")) == set_stamps


def test_import_problems_from_a_cp949_file(world):
    data = PROBLEMS.encode("cp949")
    table = csv_import.read_table(csv_import.decode(data).text)

    result = coding_import(
        actor=world.leader,
        cohort=world.cohort,
        kind="problems",
        table=table,
        mapping=csv_import.guess_mapping(ProblemImporter.fields, table.header),
        commit=True,
    )

    assert result.counts[CREATED] == 4
    assert Problem.objects.get(number="1931").title == "회의실 배정"


def test_import_problems_updates_a_changed_row_by_its_natural_key(world):
    _import(world, "problems", PROBLEMS)

    result = _import(world, "problems", PROBLEMS.replace("Silver 1", "Silver 2"))

    assert result.counts == {CREATED: 0, UPDATED: 1, UNCHANGED: 3}
    assert Problem.objects.get(number="1931").difficulty == "Silver 2"


def test_import_problems_by_external_id_follows_a_renamed_problem(world):
    text = "week,platform,number,title,external_id\n1,baekjoon,1931,회의실,p-1\n"
    _import(world, "problems", text)

    _import(world, "problems", text.replace("회의실,", "회의실 배정,"))

    assert list(Problem.objects.values_list("title", "external_id")) == [("회의실 배정", "p-1")]


def test_import_problems_reads_platform_and_number_from_a_link(world):
    text = "주차,문제명,링크\n3,,https://www.acmicpc.net/problem/2839\n"

    _import(world, "problems", text)

    assert _problems() == [
        (3, "baekjoon", "2839", "Baekjoon 2839", "https://www.acmicpc.net/problem/2839", "", [])
    ]


def test_import_problems_uses_the_due_of_the_row_for_a_new_set(world):
    world.cohort.start_date = date(2026, 10, 5)
    world.cohort.save()
    text = "week,title,due\n4,직접 만든 문제,2026-11-04 21:00\n"

    _import(world, "problems", text)

    assert ProblemSet.objects.get(week=4).due_at == datetime(2026, 11, 4, 21, tzinfo=SEOUL)


def test_import_problems_with_malformed_rows_writes_nothing(world):
    text = PROBLEMS + "x주,백준,1000,A+B,,\n3,우주,1001,A-B,,\n3,백준,abc,문제,,\n3,백준,1002\n"

    result = _import(world, "problems", text)

    # Row 9 has three cells: the file is refused before any cell is looked at.
    assert [(e.line, e.field) for e in result.errors] == [(9, "")]
    assert (ProblemSet.objects.count(), Problem.objects.count()) == (0, 0)


def test_import_problems_reports_every_bad_cell_of_well_formed_rows(world):
    text = PROBLEMS + "x주,백준,1000,A+B,,\n3,우주,1001,A-B,,\n3,백준,abc,문제,,\n"

    result = _import(world, "problems", text)

    assert [(e.line, e.field) for e in result.errors] == [
        (6, "week"),
        (7, "platform"),
        (8, "number"),
    ]
    assert (ProblemSet.objects.count(), Problem.objects.count()) == (0, 0)


def test_import_problems_refuses_a_formula_cell_and_writes_nothing(world):
    text = PROBLEMS + '3,백준,1000,"=HYPERLINK(""http://evil"",""A+B"")",,\n'

    result = _import(world, "problems", text)

    assert [(e.line, e.field) for e in result.errors] == [(6, "title")]
    assert Problem.objects.count() == 0


def test_import_problems_refuses_duplicate_rows(world):
    text = PROBLEMS + "1,boj,1931,회의실 배정 (again),,\n"

    result = _import(world, "problems", text)

    assert [(e.line, e.message) for e in result.errors] == [(6, "Same row as line 2.")]
    assert Problem.objects.count() == 0


def test_import_problems_refuses_the_same_problem_written_two_ways(world):
    text = (
        "week,platform,number,title,url\n"
        "1,baekjoon,1931,A,\n"
        "1,,,B,https://www.acmicpc.net/problem/1931\n"
    )

    result = _import(world, "problems", text)

    assert [(e.line, e.message) for e in result.errors] == [(3, "Same problem as line 2.")]
    assert Problem.objects.count() == 0


def test_import_problems_preview_writes_nothing(world):
    result = _import(world, "problems", PROBLEMS, commit=False)

    assert (result.ok, result.committed, result.counts[CREATED]) == (True, False, 4)
    assert (ProblemSet.objects.count(), Problem.objects.count()) == (0, 0)


def test_import_by_a_member_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        _import(world, "problems", PROBLEMS, actor=world.member)

    assert Problem.objects.count() == 0


# --- solves --------------------------------------------------------------------------------------


@pytest.fixture
def problems(world):
    first = ProblemSetFactory(cohort=world.cohort, week=1)
    second = ProblemSetFactory(cohort=world.cohort, week=2)
    return {
        "1931": ProblemFactory(problem_set=first, number="1931", title="회의실 배정"),
        "11047": ProblemFactory(problem_set=first, number="11047", title="동전 0"),
        "two-sum": ProblemFactory(
            problem_set=second, platform="leetcode", number="two-sum", title="Two Sum"
        ),
    }


def _solves() -> list[tuple]:
    return sorted(
        Solve.objects.values_list(
            "user__email", "problem__number", "status", "language", "presented", "solved_at"
        )
    )


def test_import_solves_matches_members_by_email_or_name_and_problems_by_number(world, problems):
    world.member.profile.display_name = "이서연"
    world.member.profile.save()
    text = (
        "이름,주차,문제,풀이,언어,발표,푼 날짜\n"
        "이서연,1,1931,O,Python,O,2026.10.06\n"
        "leader@example.com,1,#11047,△,C++,X,\n"
        "이서연,2,https://leetcode.com/problems/two-sum/,solved,Java,,2026-10-13 21:30\n"
    )

    result = _import(world, "solves", text)

    assert result.counts == {CREATED: 3, UPDATED: 0, UNCHANGED: 0}
    assert _solves() == [
        ("leader@example.com", "11047", "stuck", "C++", False, None),
        (
            "member@example.com",
            "1931",
            "solved",
            "Python",
            True,
            datetime(2026, 10, 6, tzinfo=SEOUL),
        ),
        (
            "member@example.com",
            "two-sum",
            "solved",
            "Java",
            False,
            datetime(2026, 10, 13, 21, 30, tzinfo=SEOUL),
        ),
    ]


def test_import_solves_twice_changes_nothing(world, problems):
    text = "member,week,problem,status,notes\nmember@example.com,1,1931,O,정렬 후 그리디\n"
    _import(world, "solves", text)
    stamp = Solve.objects.get().updated_at

    again = _import(world, "solves", text)

    assert again.counts == {CREATED: 0, UPDATED: 0, UNCHANGED: 1}
    assert Solve.objects.get().updated_at == stamp


def test_import_solves_updates_only_the_mapped_columns(world, problems):
    solve = SolveFactory(
        problem=problems["1931"], user=world.member, language="Rust", status="stuck", solved_at=None
    )

    result = _import(world, "solves", "member,problem,status\nmember@example.com,1931,solved\n")

    solve.refresh_from_db()
    assert result.counts[UPDATED] == 1
    assert (solve.status, solve.language) == ("solved", "Rust")
    assert solve.updated_at > solve.created_at


def test_import_solves_without_a_status_column_means_solved(world, problems):
    _import(world, "solves", "member,problem\nmember@example.com,Two Sum\n")

    assert list(Solve.objects.values_list("status", flat=True)) == ["solved"]


def test_import_solves_refuses_unknown_members_and_problems_and_writes_nothing(world, problems):
    text = (
        "member,week,problem,status\n"
        "member@example.com,1,1931,O\n"
        "outsider@example.com,1,1931,O\n"
        "member@example.com,1,9999,O\n"
        "member@example.com,1,11047,maybe\n"
    )

    result = _import(world, "solves", text)

    assert [(e.line, e.field) for e in result.errors] == [
        (3, "member"),
        (4, "problem"),
        (5, "status"),
    ]
    assert Solve.objects.count() == 0


def test_import_solves_asks_for_the_week_when_a_number_is_ambiguous(world, problems):
    ProblemFactory(
        problem_set=ProblemSet.objects.get(week=2), number="1931", title="회의실 배정 (다시)"
    )

    result = _import(world, "solves", "member,problem\nmember@example.com,1931\n")

    assert [(e.line, e.field) for e in result.errors] == [(2, "problem")]
    assert result.errors[0].message.endswith("add the week or the platform.")


def test_import_solves_refuses_the_same_member_and_problem_twice(world, problems):
    text = "member,problem\nmember@example.com,1931\nmember@example.com,회의실 배정\n"

    result = _import(world, "solves", text)

    assert [(e.line, e.message) for e in result.errors] == [
        (3, "Same member and problem as line 2.")
    ]
    assert Solve.objects.count() == 0


def test_import_solves_refuses_a_formula_in_a_link_and_writes_nothing(world, problems):
    text = 'member,problem,solution_url\nmember@example.com,1931,"@IMPORTXML(x)"\n'

    result = _import(world, "solves", text)

    assert [(e.line, e.field) for e in result.errors] == [(2, "solution_url")]
    assert Solve.objects.count() == 0


def test_import_solves_reads_back_the_boards_own_export(world, problems, member_client):
    SolveFactory(problem=problems["1931"], user=world.member, language="=cmd", presented=True)
    SolveFactory(problem=problems["two-sum"], user=world.leader, status="stuck", solved_at=None)
    before = _solves()
    exported = b"".join(member_client.get("/labs/deep-lab/5/coding/export.csv").streaming_content)

    text = csv_import.decode(exported).text
    table = csv_import.read_table(text)
    result = coding_import(
        actor=world.leader,
        cohort=world.cohort,
        kind="solves",
        table=table,
        mapping=csv_import.guess_mapping(SolveImporter.fields, table.header),
        commit=True,
    )

    assert (result.ok, result.counts) == (True, {CREATED: 0, UPDATED: 0, UNCHANGED: 2})
    assert _solves() == before


def test_import_solves_of_a_thousand_rows_costs_a_constant_number_of_queries(
    world, problems, django_assert_max_num_queries
):
    members = [MembershipFactory(cohort=world.cohort).user for _ in range(5)]
    week = ProblemSet.objects.get(week=1)
    many = [ProblemFactory(problem_set=week, number=str(5000 + n)) for n in range(200)]
    rows = "".join(f"{user.email},1,{p.number},O\n" for user in members for p in many)

    with django_assert_max_num_queries(12):
        result = _import(world, "solves", "member,week,problem,status\n" + rows)

    assert result.counts[CREATED] == 1000
    assert Solve.objects.count() == 1000
