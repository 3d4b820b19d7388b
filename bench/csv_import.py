"""The CSV import target of the benchmark: 10,000 solves in one file (issue 6).

Import only after django.setup(). The data is the bench's own (lab "bench-import", cohort 1,
members import-01..40@bench.labmate.test, member 01 leads; five weekly sets of fifty Baekjoon
problems), created with bulk_create and left out of the scale data. The file: one row per
member and problem (40 x 250 = 10,000 rows, UTF-8 with a BOM as Excel writes it): email,
week, problem number, status "O", language, solved-at date.

The request is the import's last step as the leader's browser sends it: POST the column
mapping with "Import" to the preview page of an upload already stashed (stashing it is not
timed; reading it back from the cache and parsing it again is). The view checks every row,
resolves members and problems, and writes 10,000 solves in one transaction, then redirects to
the board. Before each timed run the cohort's solves are deleted (not timed, raw SQL: no
signals, no changes-feed rows).

Floor, measured in the same run on the same bytes: decode, csv.reader, the member and problem
lookups from two `.values()` queries, and one bulk_create of the 10,000 rows (what writing the
file costs at the least). Its stack floor is the same function behind the bench-only URL,
requested by the leader's client. The import also writes one changes-feed row per solve (one
INSERT ... SELECT), which the floor does not.

bench/run.py runs it after the other targets (`measured_target`): it needs a reset before
each run, so it has its own timing loop, interleaved like measure.run_timings.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.measure import FLOORS, Target, stack_floor_path
from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role
from members.models import Profile, User
from trackers import csv_import, progress
from trackers.models import Problem, ProblemSet, Solve

LAB_SLUG = "bench-import"
EMAIL_PREFIX = "import-"
EMAIL_DOMAIN = "bench.labmate.test"
MEMBERS = 40
WEEKS = 5
PER_WEEK = 50
ROWS = MEMBERS * WEEKS * PER_WEEK  # 10,000
FIRST_DAY = date(2026, 9, 7)  # a Monday
LIMIT = 3.0
HEADER = ("member", "week", "problem", "status", "language", "solved_at")
# The mapping form as the preview shows it for HEADER (columns by index).
MAPPING = {
    "member": "0",
    "week": "1",
    "problem": "2",
    "status": "3",
    "language": "4",
    "solved_at": "5",
}


@dataclass
class ImportSubject:
    cohort: Cohort
    leader: User
    data: bytes


def _email(n: int) -> str:
    return f"{EMAIL_PREFIX}{n:02d}@{EMAIL_DOMAIN}"


def _users() -> Any:
    return User.objects.filter(email__startswith=EMAIL_PREFIX, email__endswith=f"@{EMAIL_DOMAIN}")


def _number(week: int, position: int) -> str:
    return str(10000 + week * 100 + position)


@transaction.atomic
def _create(log: Callable[[str], None]) -> None:
    Lab.objects.filter(slug=LAB_SLUG).delete()
    _users().delete()
    password = make_password(None)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=_email(n), password=password, date_joined=now) for n in range(1, MEMBERS + 1)
    )
    Profile.objects.bulk_create(
        Profile(user_id=user.pk, display_name=f"가져오기 회원 {n:02d}", language="ko")
        for n, user in enumerate(users, start=1)
    )
    lab = Lab.objects.create(name="벤치 가져오기", slug=LAB_SLUG)
    cohort = Cohort.objects.create(
        lab=lab,
        number=1,
        start_date=FIRST_DAY,
        end_date=FIRST_DAY + timedelta(weeks=20),
        status=CohortStatus.ACTIVE,
    )
    Membership.objects.bulk_create(
        Membership(user=user, cohort=cohort, role=Role.LEADER if n == 1 else Role.MEMBER)
        for n, user in enumerate(users, start=1)
    )
    sets = ProblemSet.objects.bulk_create(
        ProblemSet(
            cohort=cohort,
            week=week,
            starts_on=FIRST_DAY + timedelta(weeks=week - 1),
            due_at=progress.default_due(FIRST_DAY + timedelta(weeks=week - 1)),
        )
        for week in range(1, WEEKS + 1)
    )
    Problem.objects.bulk_create(
        Problem(
            problem_set=problem_set,
            platform="baekjoon",
            number=_number(problem_set.week, position),
            title=f"{problem_set.week}주차 문제 {position}",
            url=f"https://www.acmicpc.net/problem/{_number(problem_set.week, position)}",
            position=position,
        )
        for problem_set in sets
        for position in range(1, PER_WEEK + 1)
    )
    log(f"import data: {MEMBERS} members, {WEEKS * PER_WEEK} problems in {LAB_SLUG}/1")


def sheet() -> bytes:
    """The 10,000-row file, UTF-8 with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(1, MEMBERS + 1):
        for week in range(1, WEEKS + 1):
            solved = (FIRST_DAY + timedelta(weeks=week - 1, days=2)).isoformat()
            for position in range(1, PER_WEEK + 1):
                row = (_email(n), week, _number(week, position), "O", "Python", solved)
                writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode()


def ensure_data(*, log: Callable[[str], None]) -> ImportSubject:
    cohort = Cohort.objects.select_related("lab").filter(lab__slug=LAB_SLUG).first()
    if (
        cohort is None
        or Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE).count()
        != MEMBERS
        or Problem.objects.filter(problem_set__cohort=cohort).count() != WEEKS * PER_WEEK
    ):
        _create(log)
        cohort = Cohort.objects.select_related("lab").get(lab__slug=LAB_SLUG)
    else:
        log(f"import data present: {MEMBERS} members, {WEEKS * PER_WEEK} problems")
    return ImportSubject(cohort=cohort, leader=User.objects.get(email=_email(1)), data=sheet())


def reset(cohort: Cohort) -> None:
    """Delete the cohort's solves and its changes-feed rows, without signals (raw SQL)."""
    problem_ids = list(
        Problem.objects.filter(problem_set__cohort=cohort).values_list("id", flat=True)
    )
    solves = Solve._meta.db_table
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(problem_ids))
        # The table name comes from the model, the ids are parameters.
        sql = f"DELETE FROM {solves} WHERE problem_id IN ({placeholders})"
        cursor.execute(sql, problem_ids)
        cursor.execute("DELETE FROM core_change WHERE cohort_id = %s", [cohort.pk])


def floor_import(cohort_id: int, data: bytes) -> bytes:
    """The least work that writes the file: decode, split, look up, insert."""
    text = data.decode("utf-8-sig")
    rows = csv.reader(io.StringIO(text))
    next(rows)
    members = dict(
        Membership.objects.filter(cohort_id=cohort_id).values_list("user__email", "user_id")
    )
    problems = {
        (str(week), number): pk
        for pk, week, number in Problem.objects.filter(
            problem_set__cohort_id=cohort_id
        ).values_list("id", "problem_set__week", "number")
    }
    objects = [
        Solve(
            user_id=members[email],
            problem_id=problems[week, number],
            status="solved",
            language=language,
            solved_at=None,
        )
        for email, week, number, _status, language, _solved in rows
    ]
    Solve.objects.bulk_create(objects, batch_size=500)
    return str(len(objects)).encode()


def _ms(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def measured_target(*, log: Callable[[str], None], repeat: int, warmup: int) -> Target:
    """The import target, timed here: (reset, import, reset, floor, reset, stack floor) per
    round, `warmup` rounds untimed. Its queries are counted on one more import."""
    subject = ensure_data(log=log)
    cohort, leader, data = subject.cohort, subject.leader, subject.data
    client = Client()
    client.force_login(leader)
    scope = f"coding:{cohort.pk}"
    board = reverse("trackers:coding_board", kwargs={"slug": LAB_SLUG, "number": 1})

    def stashed_url() -> str:
        token = csv_import.stash_upload(
            user_id=leader.pk, scope=scope, kind="solves", filename="solves.csv", data=data
        )
        return reverse(
            "trackers:coding_import_preview",
            kwargs={"slug": LAB_SLUG, "number": 1, "token": token},
        )

    def run_import(url: str) -> None:
        response = client.post(url, {**MAPPING, "action": "import"})
        if response.status_code != 302 or response["Location"] != board:
            raise RuntimeError(f"the import answered {response.status_code}")

    def floor() -> bytes:
        return floor_import(cohort.pk, data)

    target = Target("csv_import", "CSV import 10k rows", board, floor, LIMIT, client=client)
    FLOORS[target.name] = floor
    stack = stack_floor_path(target)
    log(f"CSV import: {warmup} warm-up + {repeat} rounds of {ROWS} rows")
    for round_number in range(warmup + repeat):
        reset(cohort)
        url = stashed_url()
        request_ms = _ms(partial(run_import, url))
        reset(cohort)
        floor_ms = _ms(floor)
        reset(cohort)
        stack_ms = _ms(lambda: client.get(stack))
        if round_number >= warmup:
            target.request_ms.append(request_ms)
            target.floor_ms.append(floor_ms)
            target.stack_floor_ms.append(stack_ms)
    reset(cohort)
    url = stashed_url()
    with CaptureQueriesContext(connection) as captured:
        run_import(url)
    target.queries = [query["sql"] for query in captured.captured_queries]
    target.rows = Solve.objects.filter(problem__problem_set__cohort=cohort).count()
    reset(cohort)
    with CaptureQueriesContext(connection) as captured:
        floor()
    target.floor_queries = len(captured.captured_queries)
    target.floor_rows = Solve.objects.filter(problem__problem_set__cohort=cohort).count()
    reset(cohort)
    if target.rows != ROWS:
        target.notes.append(f"imported {target.rows} rows, expected {ROWS}")
    return target
