"""problem-sets/, problems/ and solves/ API: shapes, filters, who may write what, outsiders
404, upserts by external id, ETags, and a constant number of queries per list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import bearer_client, client_for
from tests.factories import MembershipFactory, ProblemFactory, ProblemSetFactory, SolveFactory
from trackers.models import Problem, ProblemSet, Solve

pytestmark = pytest.mark.usefixtures("api_cache")

SETS = "/api/v1/problem-sets/"
PROBLEMS = "/api/v1/problems/"
SOLVES = "/api/v1/solves/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def problem(world):
    return ProblemFactory(
        problem_set=ProblemSetFactory(cohort=world.cohort, week=1, title="그리디"),
        number="1931",
        title="회의실 배정",
        tags=["그리디", "정렬"],
    )


def test_coding_api_url_names_are_in_the_api_namespace(db):
    assert reverse("api:problem-set-list") == SETS
    assert reverse("api:problem-list") == PROBLEMS
    assert reverse("api:solve-external", kwargs={"external_id": "r-1"}) == (
        "/api/v1/solves/external/r-1/"
    )


# --- reads -------------------------------------------------------------------------------------


def test_problem_set_api_lists_the_sets_of_my_labs(world, problem, member_client):
    ProblemSetFactory(cohort=MembershipFactory(user=world.outsider).cohort)

    response = member_client.get(SETS)

    (item,) = response.json()["results"]
    assert (item["id"], item["cohort"], item["lab_slug"], item["week"], item["title"]) == (
        problem.problem_set_id,
        world.cohort.pk,
        "deep-lab",
        1,
        "그리디",
    )
    assert set(item) >= {"url", "created_at", "updated_at", "external_id", "due_at"}
    assert item["url"] == f"http://testserver{SETS}{problem.problem_set_id}/"


def test_problem_api_shows_the_platform_link_and_tags(world, problem, member_client):
    response = member_client.get(f"{PROBLEMS}{problem.pk}/")

    body = response.json()
    assert (body["platform"], body["number"], body["link"], body["tags"], body["week"]) == (
        "baekjoon",
        "1931",
        "https://www.acmicpc.net/problem/1931",
        ["그리디", "정렬"],
        1,
    )
    assert body["url"] == f"http://testserver{PROBLEMS}{problem.pk}/"
    assert response["ETag"].startswith('"')


def test_problem_api_list_and_detail_agree(world, problem, member_client):
    listed = member_client.get(PROBLEMS).json()["results"][0]

    detail = member_client.get(f"{PROBLEMS}{problem.pk}/").json()

    assert listed == detail


def test_solve_api_list_and_detail_agree(world, problem, member_client):
    solve = SolveFactory(problem=problem, user=world.member, language="Python")

    listed = member_client.get(SOLVES).json()["results"][0]
    detail = member_client.get(f"{SOLVES}{solve.pk}/").json()

    assert listed == detail
    assert (detail["problem_set"], detail["cohort"], detail["user"], detail["status"]) == (
        problem.problem_set_id,
        world.cohort.pk,
        world.member.pk,
        "solved",
    )


def test_solve_api_filters_by_cohort_user_and_status(world, problem, member_client):
    mine = SolveFactory(problem=problem, user=world.member)
    SolveFactory(problem=problem, user=world.leader, status="stuck", solved_at=None)
    other = SolveFactory(
        problem=ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=2)),
        user=world.member,
    )

    by_user = member_client.get(f"{SOLVES}?user={world.member.pk}&status=solved")
    by_set = member_client.get(
        f"{SOLVES}?problem_set={problem.problem_set_id}&cohort={world.cohort.pk}"
    )
    by_lab = member_client.get(f"{SOLVES}?lab=other-lab")

    assert sorted(ids(by_user)) == sorted([mine.pk, other.pk])
    assert len(ids(by_set)) == 2
    assert ids(by_lab) == []


@pytest.mark.parametrize("path", [SETS, PROBLEMS, SOLVES])
def test_coding_api_objects_are_404_for_outsiders(world, problem, outsider_client, path):
    solve = SolveFactory(problem=problem, user=world.member)
    pk = {SETS: problem.problem_set_id, PROBLEMS: problem.pk, SOLVES: solve.pk}[path]

    listed = outsider_client.get(path)
    detail = outsider_client.get(f"{path}{pk}/")
    patched = outsider_client.patch(f"{path}{pk}/", {}, content_type="application/json")

    assert listed.json()["results"] == []
    assert (detail.status_code, patched.status_code) == (404, 404)


def test_coding_api_token_limited_to_another_lab_sees_nothing(world, problem):
    client = bearer_client(world.member, scope="read", lab_slug="deep-lab")
    MembershipFactory(user=world.member, cohort__lab=world.other_lab)
    other_client = bearer_client(world.member, scope="read", lab_slug="other-lab")

    assert ids(client.get(PROBLEMS)) == [problem.pk]
    assert ids(other_client.get(PROBLEMS)) == []
    assert other_client.get(f"{PROBLEMS}{problem.pk}/").status_code == 404


@pytest.mark.parametrize("path", [SETS, PROBLEMS, SOLVES])
@pytest.mark.parametrize("size", [1, 3])
def test_coding_api_list_query_count_is_constant(world, django_assert_num_queries, path, size):
    for week in range(1, size + 1):
        problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=week))
        SolveFactory(problem=problem, user=world.member)
    client = client_for(world.member)

    # The session, the user, the profile, the rows.
    with django_assert_num_queries(4):
        response = client.get(path)

    assert len(response.json()["results"]) == size


# --- writes: problem sets and problems ---------------------------------------------------------


def test_problem_set_api_create_by_leader(world, leader_client):
    response = leader_client.post(
        SETS, {"cohort": world.cohort.pk, "week": 2, "title": "DP"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert (response.json()["week"], response.json()["title"]) == (2, "DP")
    assert ProblemSet.objects.get().created_by == world.leader


def test_problem_set_api_create_by_member_is_403(world, member_client):
    response = member_client.post(
        SETS, {"cohort": world.cohort.pk, "week": 2}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_problem_set_api_create_in_an_invisible_cohort_is_400(world, outsider_client):
    response = outsider_client.post(
        SETS, {"cohort": world.cohort.pk, "week": 2}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cohort": ["No such cohort."]}


def test_problem_set_api_taken_week_is_409(world, problem, leader_client):
    response = leader_client.post(
        SETS, {"cohort": world.cohort.pk, "week": 1}, content_type="application/json"
    )

    assert (response.status_code, response.json()["error"]["code"]) == (409, "week_taken")


def test_problem_api_create_builds_the_link(world, problem, leader_client):
    response = leader_client.post(
        PROBLEMS,
        {"problem_set": problem.problem_set_id, "platform": "programmers", "number": "42586"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["link"] == (
        "https://school.programmers.co.kr/learn/courses/30/lessons/42586"
    )


def test_problem_api_patch_keeps_what_it_does_not_name(world, problem, leader_client):
    response = leader_client.patch(
        f"{PROBLEMS}{problem.pk}/", {"difficulty": "Silver 1"}, content_type="application/json"
    )

    problem.refresh_from_db()
    assert response.status_code == 200
    assert (problem.difficulty, problem.number, problem.tags) == (
        "Silver 1",
        "1931",
        ["그리디", "정렬"],
    )


def test_problem_api_delete_by_member_is_403(world, problem, member_client):
    response = member_client.delete(f"{PROBLEMS}{problem.pk}/")

    assert response.status_code == 403
    assert Problem.objects.filter(pk=problem.pk).exists()


def test_problem_api_read_token_cannot_write(world, problem):
    client = bearer_client(world.leader, scope="read")

    response = client.delete(f"{PROBLEMS}{problem.pk}/")

    assert response.status_code == 403
    assert Problem.objects.filter(pk=problem.pk).exists()


# --- writes: solves --------------------------------------------------------------------------


def test_solve_api_create_saves_my_solve_and_updates_it_on_a_second_post(
    world, problem, member_client
):
    body = {"problem": problem.pk, "status": "solved", "language": "Python"}

    first = member_client.post(SOLVES, body, content_type="application/json")
    second = member_client.post(SOLVES, {**body, "language": "Go"}, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert list(Solve.objects.values_list("user_id", "language")) == [(world.member.pk, "Go")]


def test_solve_api_create_ignores_a_user_field(world, problem, member_client):
    member_client.post(
        SOLVES,
        {"problem": problem.pk, "status": "solved", "user": world.leader.pk},
        content_type="application/json",
    )

    assert list(Solve.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_solve_api_patch_of_someone_elses_solve_is_403(world, problem, member_client):
    solve = SolveFactory(problem=problem, user=world.leader, notes="")

    response = member_client.patch(
        f"{SOLVES}{solve.pk}/", {"notes": "내가 고침"}, content_type="application/json"
    )

    solve.refresh_from_db()
    assert response.status_code == 403
    assert solve.notes == ""


def test_solve_api_patch_of_my_solve_changes_it(world, problem, member_client):
    solve = SolveFactory(problem=problem, user=world.member)

    response = member_client.patch(
        f"{SOLVES}{solve.pk}/", {"presented": True}, content_type="application/json"
    )

    assert (response.status_code, response.json()["presented"]) == (200, True)


def test_solve_api_delete_of_someone_elses_solve_is_403(world, problem, leader_client):
    solve = SolveFactory(problem=problem, user=world.member)

    response = leader_client.delete(f"{SOLVES}{solve.pk}/")

    assert response.status_code == 403
    assert Solve.objects.filter(pk=solve.pk).exists()


def test_solve_api_create_on_an_invisible_problem_is_400(world, problem, outsider_client):
    response = outsider_client.post(
        SOLVES, {"problem": problem.pk, "status": "solved"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert Solve.objects.count() == 0


# --- sync: external ids and ETags ------------------------------------------------------------


def test_problem_set_api_put_external_creates_then_changes_nothing(world, leader_client):
    url = f"{SETS}external/sheet-w3/"
    body = {"cohort": world.cohort.pk, "week": 3, "title": "이분 탐색"}

    created = leader_client.put(url, body, content_type="application/json")
    stamp = ProblemSet.objects.get().updated_at
    again = leader_client.put(url, body, content_type="application/json")

    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["external_id"] == "sheet-w3"
    assert ProblemSet.objects.get().updated_at == stamp


def test_problem_api_put_external_updates_the_problem_with_that_id(world, problem, leader_client):
    problem.external_id = "p-1931"
    problem.save()

    response = leader_client.put(
        f"{PROBLEMS}external/p-1931/",
        {
            "problem_set": problem.problem_set_id,
            "platform": "baekjoon",
            "number": "1931",
            "difficulty": "S1",
        },
        content_type="application/json",
    )

    problem.refresh_from_db()
    assert response.status_code == 200
    assert (problem.difficulty, Problem.objects.count()) == ("S1", 1)


def test_solve_api_put_external_makes_my_solve(world, problem, member_client):
    response = member_client.put(
        f"{SOLVES}external/row-12/",
        {"problem": problem.pk, "status": "stuck"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert list(Solve.objects.values_list("user_id", "status", "external_id")) == [
        (world.member.pk, "stuck", "row-12")
    ]


def test_solve_api_put_external_of_someone_elses_solve_is_403(world, problem, member_client):
    SolveFactory(problem=problem, user=world.leader, external_id="row-1", language="C")

    response = member_client.put(
        f"{SOLVES}external/row-1/",
        {"problem": problem.pk, "language": "Go"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Solve.objects.get(external_id="row-1").language == "C"


def test_solve_api_stale_if_match_is_412(world, problem, member_client):
    solve = SolveFactory(problem=problem, user=world.member)
    etag = member_client.get(f"{SOLVES}{solve.pk}/")["ETag"]
    member_client.patch(
        f"{SOLVES}{solve.pk}/", {"language": "Rust"}, content_type="application/json"
    )

    response = member_client.patch(
        f"{SOLVES}{solve.pk}/",
        {"language": "Zig"},
        content_type="application/json",
        headers={"If-Match": etag},
    )

    assert response.status_code == 412
    assert Solve.objects.get().language == "Rust"
