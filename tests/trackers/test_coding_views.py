"""Pages of the coding-test study: the board and its one-click cells, sets and problems,
solves, history and CSV export."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from tests.conftest import client_for
from tests.factories import (
    MembershipFactory,
    ProblemFactory,
    ProblemSetFactory,
    SolveFactory,
)
from trackers.models import Problem, ProblemSet, Solve
from trackers.views.coding import feed_key

BOARD = "/labs/deep-lab/5/coding/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def week1(world):
    problem_set = ProblemSetFactory(cohort=world.cohort, week=1, title="그리디")
    problems = [
        ProblemFactory(problem_set=problem_set, number="1931", title="회의실 배정"),
        ProblemFactory(problem_set=problem_set, number="11047", title="동전 0"),
    ]
    return problem_set, problems


def _content(response) -> str:
    return response.content.decode()


# --- the board -----------------------------------------------------------------------------------


def test_board_shows_every_member_and_problem_of_the_week(world, week1, member_client):
    _set, (first, _second) = week1
    SolveFactory(problem=first, user=world.leader)

    response = member_client.get(BOARD)

    page = _content(response)
    assert response.status_code == 200
    assert [row.user_id for row in response.context["board"].rows] == sorted(
        [world.leader.pk, world.facilitator.pk, world.member.pk],
        key=lambda pk: next(r.name for r in response.context["board"].rows if r.user_id == pk),
    )
    assert f'data-testid="cell-{world.leader.pk}-{first.pk}"' in page
    assert f'data-testid="progress-{world.leader.pk}">1/2 · 50%' in page
    assert f'data-testid="my-cell-{first.pk}"' in page
    assert page.count('data-testid="my-cell-button-') == 2


def test_board_gives_forms_only_in_my_own_row(world, week1, leader_client):
    _set, (first, _second) = week1

    page = _content(leader_client.get(BOARD))

    assert f'data-testid="cell-{world.member.pk}-{first.pk}"' in page
    assert page.count('class="cell-form') == 2
    assert f'data-testid="cell-{world.leader.pk}-{first.pk}"' not in page


def test_board_shows_guests_only_once_they_tick_and_never_as_behind(world, leader_client):
    past = ProblemSetFactory(cohort=world.cohort, week=1, due_at=timezone.now() - timedelta(days=1))
    problem = ProblemFactory(problem_set=past)
    idle = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    ticking = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    SolveFactory(problem=problem, user=ticking, status="stuck", solved_at=None)

    board = leader_client.get(BOARD).context["board"]

    shown = {row.user_id for row in board.rows}
    assert (idle.pk in shown, ticking.pk in shown) == (False, True)
    assert {row.user_id for row in board.behind} == {
        world.leader.pk,
        world.facilitator.pk,
        world.member.pk,
    }


def test_board_opens_on_the_first_open_week(world, member_client):
    past = timezone.now() - timedelta(days=8)
    ProblemSetFactory(cohort=world.cohort, week=1, due_at=past)
    ProblemSetFactory(cohort=world.cohort, week=2, due_at=timezone.now() + timedelta(days=1))
    ProblemSetFactory(cohort=world.cohort, week=3, due_at=timezone.now() + timedelta(days=8))

    response = member_client.get(BOARD)

    assert [tab.week for tab in response.context["board"].shown] == [2]


def test_board_week_without_a_set_is_404(world, week1, member_client):
    response = member_client.get(f"{BOARD}weeks/9/")

    assert response.status_code == 404


def test_board_all_weeks_shows_every_problem(world, week1, member_client):
    ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=2))

    response = member_client.get(f"{BOARD}all/")

    assert len(response.context["board"].problems) == 3
    assert 'name="scope" value="all"' in _content(response)


def test_board_with_no_sets_invites_the_leader_to_start(world, leader_client):
    page = _content(leader_client.get(BOARD))

    assert 'data-testid="coding-empty"' in page
    assert 'data-testid="coding-set-create"' in page


def test_board_lists_who_is_behind_for_leaders_only(world, leader_client, member_client):
    late = ProblemSetFactory(cohort=world.cohort, week=1, due_at=timezone.now() - timedelta(days=2))
    problem = ProblemFactory(problem_set=late)
    for user in (world.leader, world.facilitator):
        SolveFactory(problem=problem, user=user, solved_at=late.due_at - timedelta(hours=1))

    leader_page = leader_client.get(BOARD)
    member_page = _content(member_client.get(BOARD))

    assert [row.user_id for row in leader_page.context["board"].behind] == [world.member.pk]
    assert f'data-testid="behind-{world.member.pk}"' in _content(leader_page)
    assert 'data-testid="coding-behind"' not in member_page


@pytest.mark.parametrize(
    "path",
    [BOARD, f"{BOARD}weeks/1/", f"{BOARD}all/", f"{BOARD}export.csv", f"{BOARD}import/"],
)
def test_board_pages_are_404_for_outsiders(world, week1, outsider_client, path):
    assert outsider_client.get(path).status_code == 404


def test_board_requires_login(world, week1):
    response = client_for(None).get(BOARD)

    assert response.status_code == 302


@pytest.mark.parametrize("size", [1, 3])
def test_board_query_count_is_constant(world, django_assert_num_queries, size):
    for index in range(size):
        MembershipFactory(cohort=world.cohort)
        problem_set = ProblemSetFactory(cohort=world.cohort, week=index + 1)
        problem = ProblemFactory(problem_set=problem_set)
        SolveFactory(problem=problem, user=world.member)
    client = client_for(world.leader)

    # Session, user, profile, cohort, my access; sets, problems, members, solves.
    with django_assert_num_queries(9):
        response = client.get(f"{BOARD}all/")

    assert len(response.context["board"].problems) == size


def _big_board(world, members: int, problems: int) -> None:
    for _ in range(members - 3):
        MembershipFactory(cohort=world.cohort)
    problem_set = ProblemSetFactory(cohort=world.cohort, week=1)
    made = [ProblemFactory(problem_set=problem_set) for _ in range(problems)]
    users = [m.user for m in world.cohort.memberships.select_related("user")]
    Solve.objects.bulk_create(
        Solve(problem=problem, user=user, status="solved", solved_at=timezone.now())
        for index, user in enumerate(users)
        for problem in made[: index % (problems + 1)]
    )


@pytest.mark.parametrize(("members", "problems"), [(3, 3), (40, 50)])
def test_board_costs_the_same_queries_at_3x3_and_40x50(
    world, django_assert_num_queries, members, problems
):
    _big_board(world, members, problems)
    client = client_for(world.member)

    with django_assert_num_queries(9):
        response = client.get(BOARD)

    board = response.context["board"]
    assert (len(board.rows), len(board.problems)) == (members, problems)


# --- one click per cell --------------------------------------------------------------------------


def test_cell_click_with_htmx_returns_my_cell_and_my_completion(world, week1, member_client):
    _set, (first, _second) = week1
    url = reverse("trackers:coding_cell", args=[first.pk])

    response = member_client.post(url, {"status": "solved"}, headers=HTMX)

    page = _content(response)
    assert response.status_code == 200
    assert f'data-testid="my-cell-{first.pk}" data-status="solved"' in page
    assert 'name="status" value="stuck"' in page
    assert re.search(rf'id="progress-{world.member.pk}"[^>]*hx-swap-oob="true">1/2 · 50%', page)
    assert Solve.objects.get(problem=first, user=world.member).status == "solved"


def test_cell_click_without_javascript_goes_back_to_the_board(world, week1, member_client):
    _set, (first, _second) = week1
    url = reverse("trackers:coding_cell", args=[first.pk])

    response = member_client.post(url, {"status": "solved", "next": f"{BOARD}all/"})

    assert (response.status_code, response["Location"]) == (302, f"{BOARD}all/")
    assert Solve.objects.get(problem=first, user=world.member).status == "solved"


def test_cell_click_ignores_a_user_field_and_writes_only_mine(world, week1, member_client):
    _set, (first, _second) = week1
    url = reverse("trackers:coding_cell", args=[first.pk])

    member_client.post(url, {"status": "solved", "user": world.leader.pk}, headers=HTMX)

    assert list(Solve.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_cell_click_by_outsider_is_404(world, week1, outsider_client):
    _set, (first, _second) = week1

    response = outsider_client.post(
        reverse("trackers:coding_cell", args=[first.pk]), {"status": "solved"}
    )

    assert response.status_code == 404
    assert Solve.objects.count() == 0


def test_cell_click_by_a_member_who_left_shows_the_refusal(world, week1):
    _set, (first, _second) = week1
    left = MembershipFactory(
        cohort=world.cohort, role=Role.MEMBER, status="left", left_on=date(2026, 2, 1)
    )
    # Still a member of the lab through another cohort, so the problem is visible.
    MembershipFactory(user=left.user, cohort__lab=world.lab)
    client = client_for(left.user)

    response = client.post(
        reverse("trackers:coding_cell", args=[first.pk]), {"status": "solved"}, headers=HTMX
    )

    assert response.status_code == 200
    assert f'data-testid="my-cell-error-{first.pk}"' in _content(response)
    assert Solve.objects.count() == 0


@pytest.mark.parametrize("size", [1, 3])
def test_cell_click_costs_a_small_constant_number_of_queries(
    world, django_assert_num_queries, size
):
    problem_set = ProblemSetFactory(cohort=world.cohort, week=1)
    problems = [ProblemFactory(problem_set=problem_set) for _ in range(size)]
    for _ in range(size):
        MembershipFactory(cohort=world.cohort)
    client = client_for(world.member)
    url = reverse("trackers:coding_cell", args=[problems[0].pk])

    # Session, user, profile; the problem; savepoint, may I take part, lock, savepoint,
    # insert, its entry in the changes feed, release, release; my row: sets, problems,
    # my solves.
    with django_assert_num_queries(15):
        response = client.post(url, {"status": "solved"}, headers=HTMX)

    assert response.status_code == 200


# --- sets and problems -------------------------------------------------------------------------


def test_set_create_page_opens_a_week(world, leader_client):
    url = f"{BOARD}sets/new/"

    page = leader_client.get(url)
    response = leader_client.post(
        url, {"week": "1", "title": "그리디", "starts_on": "", "due_at": ""}
    )

    assert page.context["form"].initial["week"] == 1
    assert (response.status_code, response["Location"]) == (302, f"{BOARD}weeks/1/")
    assert ProblemSet.objects.get(cohort=world.cohort).title == "그리디"


def test_set_create_page_shows_a_taken_week_on_the_form(world, leader_client):
    ProblemSetFactory(cohort=world.cohort, week=1)

    response = leader_client.post(f"{BOARD}sets/new/", {"week": "1"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["form"].errors["week"] == ["Week 1 already has a problem set."]


def test_set_create_page_is_403_for_members(world, member_client):
    assert member_client.get(f"{BOARD}sets/new/").status_code == 403


def test_set_edit_is_404_for_outsiders_and_403_for_members(
    world, week1, outsider_client, member_client
):
    problem_set, _problems = week1
    url = reverse("trackers:coding_set_edit", args=[problem_set.pk])

    assert outsider_client.get(url).status_code == 404
    assert member_client.get(url).status_code == 403


def test_set_edit_keeps_an_unchanged_due_to_the_microsecond(world, week1, leader_client):
    problem_set, _problems = week1
    url = reverse("trackers:coding_set_edit", args=[problem_set.pk])
    due = timezone.localtime(problem_set.due_at)

    leader_client.post(
        url,
        {"week": "1", "title": "탐욕법", "starts_on": "", "due_at": due.strftime("%Y-%m-%dT%H:%M")},
    )

    problem_set.refresh_from_db()
    assert (problem_set.title, problem_set.due_at) == ("탐욕법", due)


def test_problem_create_page_builds_the_link(world, week1, leader_client):
    problem_set, _problems = week1
    url = reverse("trackers:coding_problem_create", args=[problem_set.pk])

    response = leader_client.post(
        url, {"platform": "leetcode", "number": "Two Sum", "title": "", "tags": "해시"}
    )

    problem = Problem.objects.get(number="two-sum")
    assert response.status_code == 302
    assert (problem.url, problem.title, problem.tags) == (
        "https://leetcode.com/problems/two-sum/",
        "LeetCode two-sum",
        ["해시"],
    )


def test_problem_delete_by_member_is_403(world, week1, member_client):
    _set, (first, _second) = week1

    response = member_client.post(reverse("trackers:coding_problem_delete", args=[first.pk]))

    assert response.status_code == 403
    assert Problem.objects.filter(pk=first.pk).exists()


# --- a problem and my solve -------------------------------------------------------------------


def test_problem_page_lists_everyones_solves_with_sanitised_notes(world, week1, member_client):
    _set, (first, _second) = week1
    SolveFactory(
        problem=first,
        user=world.leader,
        notes="**정렬** 후 <script>alert(1)</script>",
        solution_url="https://github.com/leader/1931",
    )

    page = _content(member_client.get(reverse("trackers:coding_problem", args=[first.pk])))

    assert "<strong>정렬</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="https://github.com/leader/1931"' in page
    assert 'data-testid="coding-solve-form"' in page


def test_problem_page_is_404_for_outsiders(world, week1, outsider_client):
    _set, (first, _second) = week1

    assert (
        outsider_client.get(reverse("trackers:coding_problem", args=[first.pk])).status_code == 404
    )


def test_solve_form_saves_my_details(world, week1, member_client):
    _set, (first, _second) = week1
    url = reverse("trackers:coding_solve", args=[first.pk])

    response = member_client.post(
        url,
        {
            "status": "solved",
            "solution_url": "https://gist.github.com/me/1",
            "language": "Kotlin",
            "notes": "",
            "presented": "on",
        },
    )

    solve = Solve.objects.get(problem=first)
    assert response.status_code == 302
    assert (solve.user, solve.language, solve.presented) == (world.member, "Kotlin", True)


def test_solve_form_shows_a_bad_link_on_the_form(world, week1, member_client):
    _set, (first, _second) = week1

    response = member_client.post(
        reverse("trackers:coding_solve", args=[first.pk]),
        {"status": "solved", "solution_url": "not a link"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.context["form"].errors["solution_url"] == ["Enter a valid URL."]
    assert Solve.objects.count() == 0


def test_solve_form_by_outsider_is_404(world, week1, outsider_client):
    _set, (first, _second) = week1

    response = outsider_client.post(
        reverse("trackers:coding_solve", args=[first.pk]), {"status": "solved"}
    )

    assert response.status_code == 404


# --- history and export ----------------------------------------------------------------------


def test_history_shows_my_weeks_across_cohorts(world, week1, member_client):
    _set, (first, second) = week1
    for problem in (first, second):
        SolveFactory(problem=problem, user=world.member)
    older = MembershipFactory(user=world.member, cohort__lab=world.lab, cohort__number=4).cohort
    ProblemFactory(problem_set=ProblemSetFactory(cohort=older, week=1))

    response = member_client.get(f"/labs/deep-lab/coding/members/{world.member.pk}/")

    history = response.context["history"]
    assert [entry.cohort.number for entry in history] == [5, 4]
    assert [(entry.solved, entry.total, entry.streak) for entry in history] == [
        (2, 2, 1),
        (0, 1, 0),
    ]
    assert 'data-testid="coding-history-week-5-1"' in _content(response)


def test_history_is_404_for_outsiders_and_strangers(world, week1, outsider_client, member_client):
    url = f"/labs/deep-lab/coding/members/{world.member.pk}/"

    assert outsider_client.get(url).status_code == 404
    assert (
        member_client.get(f"/labs/deep-lab/coding/members/{world.outsider.pk}/").status_code == 404
    )


def test_export_lists_every_solve_with_formula_cells_escaped(world, week1, member_client):
    _set, (first, _second) = week1
    SolveFactory(problem=first, user=world.member, language="=HYPERLINK(1)", solved_at=None)

    response = member_client.get(f"{BOARD}export.csv")

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == (
        "\ufeffweek,platform,number,problem,member,email,status,solution_url,language,"
        "presented,solved_at,external_id"
    )
    assert lines[1].split(",")[:7] == [
        "1",
        "baekjoon",
        "1931",
        "회의실 배정",
        world.member.display_name,
        "member@example.com",
        "solved",
    ]
    assert "'=HYPERLINK(1)" in lines[1]


def test_export_as_a_sheet_has_a_row_per_member(world, week1, member_client):
    _set, (first, _second) = week1
    SolveFactory(problem=first, user=world.member)

    response = member_client.get(f"{BOARD}export.csv?layout=sheet")

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "\ufeffmember,W1 BOJ 1931,W1 BOJ 11047,solved,streak"
    assert f"{world.member.display_name},O,,1/2,0" in lines


def test_feed_with_the_secret_key_needs_no_login(world, week1):
    url = reverse(
        "trackers:coding_feed",
        kwargs={"slug": "deep-lab", "number": 5, "key": feed_key(world.cohort)},
    )

    response = client_for(None).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().startswith("\ufeffweek,")


def test_feed_with_a_wrong_key_is_404(world, week1):
    url = reverse("trackers:coding_feed", kwargs={"slug": "deep-lab", "number": 5, "key": "0" * 40})

    assert client_for(None).get(url).status_code == 404


def test_feed_key_changes_when_the_calendar_address_is_reset(world):
    before = feed_key(world.cohort)

    world.cohort.calendar_token = "another-secret"

    assert feed_key(world.cohort) != before


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("trackers:coding_set_edit", "get"),
        ("trackers:coding_set_delete", "post"),
        ("trackers:coding_problem_create", "get"),
    ],
)
def test_set_pages_are_404_for_outsiders(world, week1, outsider_client, name, method):
    problem_set, _problems = week1

    response = getattr(outsider_client, method)(reverse(name, args=[problem_set.pk]))

    assert response.status_code == 404
    assert ProblemSet.objects.filter(pk=problem_set.pk).exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [("trackers:coding_problem_edit", "get"), ("trackers:coding_problem_delete", "post")],
)
def test_problem_pages_are_404_for_outsiders(world, week1, outsider_client, name, method):
    _set, (first, _second) = week1

    response = getattr(outsider_client, method)(reverse(name, args=[first.pk]))

    assert response.status_code == 404
    assert Problem.objects.filter(pk=first.pk).exists()


def test_set_create_page_is_404_for_outsiders(world, outsider_client):
    assert outsider_client.get(f"{BOARD}sets/new/").status_code == 404


@pytest.mark.parametrize("size", [1, 3])
def test_problem_page_query_count_is_constant(world, django_assert_num_queries, size):
    problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=1))
    for _ in range(size):
        SolveFactory(problem=problem, user=MembershipFactory(cohort=world.cohort).user)
    client = client_for(world.member)

    # Session, user, profile; the problem; my access; the members, their solves; my solve.
    with django_assert_num_queries(8):
        response = client.get(reverse("trackers:coding_problem", args=[problem.pk]))

    assert len(response.context["rows"]) == 3 + size


@pytest.mark.parametrize("size", [1, 3])
def test_history_query_count_is_constant(world, django_assert_num_queries, size):
    for number in range(size):
        cohort = MembershipFactory(
            user=world.member, cohort__lab=world.lab, cohort__number=10 + number
        ).cohort
        problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=cohort, week=1))
        SolveFactory(problem=problem, user=world.member)
    client = client_for(world.member)

    # Session, user, profile; the lab; my access; the member; cohorts, sets, problems, solves.
    with django_assert_num_queries(10):
        response = client.get(f"/labs/deep-lab/coding/members/{world.member.pk}/")

    assert len(response.context["history"]) == 1 + size
