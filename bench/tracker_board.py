"""The coding-test board target of the benchmark: 40 members x 50 problems (issue 6).

Import only after django.setup(). The data is the bench's own (lab "bench-coding", cohort 1,
members coding-01..40@bench.labmate.test, all active; five weekly problem sets of ten
problems, the first four past their due and the fifth open; about two thirds of the cells
solved, a few stuck, fixed by member and problem), created with bulk_create and left out of the
scale data. It is re-created when absent, when a count differs, or when the weeks have moved
(a new Seoul week).

The request is the board with every week side by side (`coding/all/`: 40 rows x 50 columns,
the viewer's own row as 50 one-click forms), by an ordinary member.

Floor, measured in the same run: what the board shows, from four `.values()` queries (the sets,
the problems, the members, the solves), merged in Python (each member's fifty statuses, their
solved count and their streak through trackers.progress) and serialised with orjson. Its stack
floor is the same function behind the bench-only URL, requested by the viewer's own client.

bench/run.py builds it (`build_target`) after its own targets are checked: this module checks
its page against its floor itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast

import orjson
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.measure import FLOORS, Target
from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role
from members.models import Profile, User, display_name_for
from trackers import progress
from trackers.models import Problem, ProblemSet, Solve

LAB_SLUG = "bench-coding"
EMAIL_PREFIX = "coding-"
EMAIL_DOMAIN = "bench.labmate.test"
MEMBERS = 40
WEEKS = 5
PER_WEEK = 10
VIEWER = 3  # member 1 leads, 2 facilitates, 3 is an ordinary member
LIMIT = 3.0  # against the stack floor, as the other pages


@dataclass
class CodingSubject:
    cohort: Cohort
    viewer: User
    members: int
    problems: int


def _email(n: int) -> str:
    return f"{EMAIL_PREFIX}{n:02d}@{EMAIL_DOMAIN}"


def _users() -> Any:
    return User.objects.filter(email__startswith=EMAIL_PREFIX, email__endswith=f"@{EMAIL_DOMAIN}")


def status_of(member: int, problem: int) -> str | None:
    """The fixed pattern: about two thirds solved, one in twelve stuck, the rest untouched."""
    value = (member * 7 + problem * 3) % 12
    if value < 8:
        return "solved"
    if value == 8:
        return "stuck"
    return None


def _first_monday() -> Any:
    """Week 1 starts four weeks before this Seoul week: weeks 1-4 are over, week 5 is open."""
    return progress.local_week_start(timezone.now()) - timedelta(weeks=WEEKS - 1)


@transaction.atomic
def _create(log: Any) -> None:
    Lab.objects.filter(slug=LAB_SLUG).delete()
    _users().delete()
    password = make_password(None)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=_email(n), password=password, date_joined=now) for n in range(1, MEMBERS + 1)
    )
    ids = {n: user.pk for n, user in enumerate(users, start=1)}
    Profile.objects.bulk_create(
        Profile(user_id=ids[n], display_name=f"코테 회원 {n:02d}", language="ko") for n in ids
    )
    lab = Lab.objects.create(name="벤치 코테 스터디", slug=LAB_SLUG)
    first = _first_monday()
    cohort = Cohort.objects.create(
        lab=lab,
        number=1,
        start_date=first,
        end_date=first + timedelta(weeks=12),
        status=CohortStatus.ACTIVE,
    )
    roles = {1: Role.LEADER, 2: Role.FACILITATOR}
    Membership.objects.bulk_create(
        Membership(user_id=ids[n], cohort=cohort, role=roles.get(n, Role.MEMBER)) for n in ids
    )
    sets = ProblemSet.objects.bulk_create(
        ProblemSet(
            cohort=cohort,
            week=week,
            title=f"{week}주차",
            starts_on=first + timedelta(weeks=week - 1),
            due_at=progress.default_due(first + timedelta(weeks=week - 1)),
        )
        for week in range(1, WEEKS + 1)
    )
    problems = Problem.objects.bulk_create(
        Problem(
            problem_set=problem_set,
            platform="baekjoon",
            number=str(1000 + index * PER_WEEK + position),
            title=f"문제 {index * PER_WEEK + position + 1}",
            url=f"https://www.acmicpc.net/problem/{1000 + index * PER_WEEK + position}",
            difficulty="Silver 3",
            tags=["그리디"],
            position=position + 1,
        )
        for index, problem_set in enumerate(sets)
        for position in range(PER_WEEK)
    )
    solves = []
    for n in ids:
        for p, problem in enumerate(problems):
            status = status_of(n, p)
            if status is None:
                continue
            week_start = sets[p // PER_WEEK].starts_on
            assert week_start is not None
            moment = datetime.combine(week_start + timedelta(days=2), time(21), progress.SEOUL)
            solves.append(
                Solve(
                    problem=problem,
                    user_id=ids[n],
                    status=status,
                    solved_at=moment if status == "solved" else None,
                )
            )
    Solve.objects.bulk_create(solves, batch_size=1000)
    log(f"coding data: {MEMBERS} members x {WEEKS * PER_WEEK} problems, {len(solves)} solves")


def _expected_solves() -> int:
    return sum(
        status_of(n, p) is not None for n in range(1, MEMBERS + 1) for p in range(WEEKS * PER_WEEK)
    )


def _is_current(cohort: Cohort) -> bool:
    return (
        Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE).count() == MEMBERS
        and ProblemSet.objects.filter(cohort=cohort, starts_on=_first_monday(), week=1).exists()
        and Problem.objects.filter(problem_set__cohort=cohort).count() == WEEKS * PER_WEEK
        and Solve.objects.filter(problem__problem_set__cohort=cohort).count() == _expected_solves()
    )


def ensure_data(*, log: Any) -> CodingSubject:
    cohort = Cohort.objects.select_related("lab").filter(lab__slug=LAB_SLUG).first()
    if cohort is None or not _is_current(cohort):
        _create(log)
        cohort = Cohort.objects.select_related("lab").get(lab__slug=LAB_SLUG)
    else:
        log(f"coding data present: {MEMBERS} members x {WEEKS * PER_WEEK} problems")
    return CodingSubject(
        cohort=cohort,
        viewer=User.objects.get(email=_email(VIEWER)),
        members=MEMBERS,
        problems=WEEKS * PER_WEEK,
    )


def _rows(values: Any) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], list(values))


def floor_rows(cohort_id: int, viewer_id: int) -> dict[str, Any]:
    """The board in four `.values()` queries, merged in Python: the problems in week order,
    and per member (by name) their statuses, solved count and streak."""
    now = timezone.now()
    sets = _rows(
        ProblemSet.objects.filter(cohort_id=cohort_id)
        .order_by("week")
        .values("id", "week", "due_at")
    )
    problems = _rows(
        Problem.objects.filter(problem_set__cohort_id=cohort_id)
        .order_by("problem_set__week", "position", "id")
        .values("id", "problem_set_id", "number", "title", "difficulty")
    )
    members = _rows(
        Membership.objects.filter(cohort_id=cohort_id, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email", "user_id")
        .values("user_id", "user__email", "user__profile__display_name")
    )
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    solved_at: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in Solve.objects.filter(problem__problem_set__cohort_id=cohort_id).values(
        "user_id", "problem_id", "status", "solved_at"
    ):
        statuses[row["user_id"]][row["problem_id"]] = row["status"]
        if row["status"] == "solved":
            solved_at[row["user_id"]][row["problem_id"]] = row["solved_at"]
    by_set: dict[int, set[int]] = defaultdict(set)
    for problem in problems:
        by_set[problem["problem_set_id"]].add(problem["id"])
    week_sets = [progress.WeekSet(s["week"], s["due_at"], frozenset(by_set[s["id"]])) for s in sets]
    rows = []
    for member in members:
        uid = member["user_id"]
        cells = [statuses[uid].get(p["id"], "not_started") for p in problems]
        weeks = progress.week_progress(week_sets, solved_at[uid], now=now)
        rows.append(
            {
                "user_id": uid,
                "name": display_name_for(
                    member["user__email"], member["user__profile__display_name"]
                ),
                "mine": uid == viewer_id,
                "cells": cells,
                "solved": cells.count("solved"),
                "streak": progress.current_streak(weeks),
            }
        )
    return {"problems": problems, "rows": rows}


def page_cells(content: bytes) -> dict[tuple[int, int], str]:
    """(user id, problem id) → status, read back from the page's HTML (my own row through the
    forms' data-status)."""
    html = content.decode()
    viewer = re.search(r'class="is-me[^"]*" data-testid="coding-row-(\d+)"', html)
    viewer_id = int(viewer.group(1)) if viewer else 0
    cells: dict[tuple[int, int], str] = {}
    for match in re.finditer(r'class="cell status-(\w+)" data-testid="cell-(\d+)-(\d+)"', html):
        cells[int(match.group(2)), int(match.group(3))] = match.group(1)
    for match in re.finditer(r'data-testid="my-cell-(\d+)" data-status="(\w+)"', html):
        cells[viewer_id, int(match.group(1))] = match.group(2)
    return cells


def floor_cells(floor: dict[str, Any]) -> dict[tuple[int, int], str]:
    ids = [p["id"] for p in floor["problems"]]
    return {
        (row["user_id"], pid): status
        for row in floor["rows"]
        for pid, status in zip(ids, row["cells"], strict=True)
    }


def check(target: Target, response: Any) -> None:
    """The page's cells against the floor's: the same statuses for every member and problem."""
    floor = orjson.loads(target.floor())
    page, expected = page_cells(response.content), floor_cells(floor)
    target.rows = len({uid for uid, _pid in page})
    target.floor_rows = len(floor["rows"])
    if page != expected:
        target.notes.append(f"cells differ: page {len(page)}, floor {len(expected)}")


def build_target(*, log: Any, subject: CodingSubject | None = None) -> Target:
    """The board target with the viewer's signed-in client, its floor registered for the
    stack-floor URL, and checked against its floor once (bench/run.py's check_targets does
    not know HTML boards)."""
    subject = subject or ensure_data(log=log)
    cohort = subject.cohort
    cohort_id, viewer_id = cohort.pk, subject.viewer.pk
    path = reverse("trackers:coding_all", kwargs={"slug": cohort.lab.slug, "number": cohort.number})

    def floor() -> bytes:
        return orjson.dumps(floor_rows(cohort_id, viewer_id))

    client = Client()
    client.force_login(subject.viewer)
    target = Target("coding_board", "coding board 40x50", path, floor, LIMIT, client=client)
    FLOORS[target.name] = floor
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    check(target, response)
    return target
