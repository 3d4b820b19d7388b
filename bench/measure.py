"""The Django side of the benchmark: scale data, targets, their floors, timing and query counts.

Import only after django.setup(). Each target pairs a real request (through django.test.Client,
so middleware, auth, views, templates or serializers all run) with two floors, both the same
rows fetched with one `.values()` query (the schedule page, bench/schedule.py: three; the
presenters board, bench/board.py: five, one per table) and
serialised with orjson:
- the bare floor: that query and orjson.dumps, called directly (what the data costs);
- the stack floor: the same function behind a bench-only URL (bench/urls.py), so it also pays
  the middleware, the session and the signed-in user, as any page or API call does.
The request minus the stack floor is what the view itself (permissions, ORM objects, template
or serializer) adds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import orjson
from django.contrib.auth.decorators import login_required
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.management.commands.seed_scale import SCALE_SLUG_PREFIX, scale_labs, scale_users
from labs import selectors
from labs.models import Cohort, Membership, MembershipStatus, Role
from members.models import User

API_PAGE_SIZE = 50
# The API answers with absolute URLs; the floor builds the same strings.
TEST_SERVER = "http://testserver"
# Filled by build_targets, served by stack_floor_view.
FLOORS: dict[str, Callable[[], bytes]] = {}


@login_required
def stack_floor_view(request: HttpRequest, name: str) -> HttpResponse:
    """The floor served like a page: same middleware, session and user, no view logic."""
    return HttpResponse(FLOORS[name](), content_type="application/json")


@dataclass
class Target:
    name: str
    label: str
    path: str
    floor: Callable[[], bytes]
    threshold: float
    request_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    stack_floor_ms: list[float] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    floor_queries: int = 0
    rows: int = 0
    floor_rows: int = 0
    notes: list[str] = field(default_factory=list)
    # Calendar feeds (bench/feeds.py): their own anonymous client (calendar apps send no
    # session), request headers, the expected status, a query limit, and a stack floor
    # served without login. The schedule page (bench/schedule.py) and the presenters board
    # (bench/board.py): their viewer's own client.
    client: Client | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    max_queries: int | None = None
    public_floor: bool = False


@dataclass
class Subject:
    """The cohort under test and the leader who looks at it."""

    cohort: Cohort
    leader: User
    size: int


def ensure_scale_data(*, labs: int, members: int, seed: int, log: Callable[[str], None]) -> None:
    """Seed when absent; re-seed (scale rows only) when present at another size."""
    have_labs, have_users = scale_labs().count(), scale_users().count()
    if (have_labs, have_users) == (labs, members):
        log(f"scale data present: {labs} labs, {members} members")
        return
    reset = bool(have_labs or have_users)
    log(f"seeding scale data: {labs} labs, {members} members (reset={reset}) ...")
    call_command("seed_scale", labs=labs, members=members, seed=seed, reset=reset)


def pick_subject() -> Subject:
    """The median-sized scale cohort (by memberships, ties by id) and its leader."""
    cohorts = list(
        Cohort.objects.filter(lab__slug__startswith=SCALE_SLUG_PREFIX)
        .select_related("lab")
        .annotate(size=Count("memberships"))
        .order_by("size", "id")
    )
    cohort = cohorts[len(cohorts) // 2]
    leader = Membership.objects.select_related("user").get(
        cohort=cohort, role=Role.LEADER, status=MembershipStatus.ACTIVE
    )
    return Subject(cohort=cohort, leader=leader.user, size=cohort.size)


def _url_prefix(view_name: str) -> str:
    """'http://testserver/api/v1/cohorts/' for 'api:cohort-detail'."""
    return TEST_SERVER + reverse(view_name, args=[0]).removesuffix("0/")


def _rows(values: Any) -> list[dict[str, Any]]:
    """Evaluate a .values() slice; the cast only tells the type checker rows are plain dicts."""
    return cast(list[dict[str, Any]], list(values))


def build_targets(subject: Subject) -> list[Target]:
    from labs.views import ROSTER_PAGE_SIZE

    cohort, lab = subject.cohort, subject.cohort.lab
    # The floor sorts exactly like the page's roster does: the order comes from its selector.
    roster_order = selectors.membership_list_for_cohort(cohort=cohort).query.order_by

    def cohort_page_floor() -> bytes:
        # One query: the cohort's own columns ride along on each roster row.
        rows = _rows(
            Membership.objects.filter(cohort_id=cohort.pk)
            .order_by(*roster_order)
            .values(
                "id",
                "user_id",
                "role",
                "status",
                "joined_on",
                "left_on",
                display_name=F("user__profile__display_name"),
                cohort_number=F("cohort__number"),
                cohort_name=F("cohort__name"),
                cohort_start=F("cohort__start_date"),
                cohort_end=F("cohort__end_date"),
                cohort_status=F("cohort__status"),
                lab_name=F("cohort__lab__name"),
                lab_slug=F("cohort__lab__slug"),
            )[:ROSTER_PAGE_SIZE]
        )
        head = {k: rows[0][k] for k in rows[0] if k.startswith(("cohort_", "lab_"))}
        return orjson.dumps({"cohort": head, "roster": rows})

    cohort_url = _url_prefix("api:cohort-detail")

    def api_cohorts_floor() -> bytes:
        rows = _rows(
            Cohort.objects.filter(lab__slug=lab.slug)
            .order_by("id")
            .values(
                "id",
                "created_at",
                "updated_at",
                "external_id",
                "lab",
                "number",
                "name",
                "start_date",
                "end_date",
                "status",
                lab_slug=F("lab__slug"),
            )[:API_PAGE_SIZE]
        )
        for row in rows:
            row["url"] = f"{cohort_url}{row['id']}/"
        return orjson.dumps({"results": rows, "next": None})

    membership_url = _url_prefix("api:membership-detail")

    def api_memberships_floor() -> bytes:
        rows = _rows(
            Membership.objects.filter(cohort_id=cohort.pk)
            .order_by("id")
            .values(
                "id",
                "created_at",
                "updated_at",
                "external_id",
                "cohort",
                "user",
                "role",
                "status",
                "joined_on",
                "left_on",
                lab_slug=F("cohort__lab__slug"),
                display_name=F("user__profile__display_name"),
            )[:API_PAGE_SIZE]
        )
        for row in rows:
            row["url"] = f"{membership_url}{row['id']}/"
        return orjson.dumps({"results": rows, "next": None})

    page = reverse("labs:cohort_detail", kwargs={"slug": lab.slug, "number": cohort.number})
    cohorts_api = reverse("api:cohort-list") + f"?lab={lab.slug}&page_size={API_PAGE_SIZE}"
    memberships_api = (
        reverse("api:membership-list") + f"?cohort={cohort.pk}&page_size={API_PAGE_SIZE}"
    )
    targets = [
        Target("cohort_page", "cohort page (HTML)", page, cohort_page_floor, 3.0),
        Target("api_cohorts", "API cohorts list", cohorts_api, api_cohorts_floor, 2.0),
        Target(
            "api_memberships", "API memberships list", memberships_api, api_memberships_floor, 2.0
        ),
    ]
    FLOORS.update({target.name: target.floor for target in targets})
    return targets


def stack_floor_path(target: Target) -> str:
    name = "bench-public-floor" if target.public_floor else "bench-floor"
    return reverse(name, kwargs={"name": target.name})


def _get(
    client: Client, path: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Any:
    response = client.get(path, headers=headers)
    if response.status_code != status:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return response


def _request(client: Client, target: Target) -> Any:
    return _get(target.client or client, target.path, status=target.status, headers=target.headers)


def check_targets(client: Client, targets: list[Target]) -> None:
    """Once, before timing: status 200, and for the API the same rows and keys as its floor."""
    from bench.board import check_board_target
    from bench.feeds import check_feed_target
    from bench.schedule import check_schedule_target

    for target in targets:
        response = _request(client, target)
        if target.name.startswith("feed_"):
            check_feed_target(target, response)
            continue
        if target.name == "schedule_page":
            check_schedule_target(target, response)
            continue
        if target.name == "board_page":
            check_board_target(target, response)
            continue
        floor = orjson.loads(target.floor())
        if target.name == "cohort_page":
            target.rows = response.content.count(b'data-testid="member-row"')
            target.floor_rows = len(floor["roster"])
        else:
            results = orjson.loads(response.content)["results"]
            target.rows, target.floor_rows = len(results), len(floor["results"])
            if results and floor["results"]:
                api_keys, floor_keys = set(results[0]), set(floor["results"][0])
                if api_keys != floor_keys:
                    target.notes.append(
                        f"fields differ: API only {sorted(api_keys - floor_keys)}, "
                        f"floor only {sorted(floor_keys - api_keys)}"
                    )
        if target.rows != target.floor_rows:
            target.notes.append(f"rows differ: request {target.rows}, floor {target.floor_rows}")


def count_queries(client: Client, targets: list[Target]) -> None:
    for target in targets:
        with CaptureQueriesContext(connection) as captured:
            _request(client, target)
        target.queries = [q["sql"] for q in captured.captured_queries]
        with CaptureQueriesContext(connection) as captured:
            target.floor()
        target.floor_queries = len(captured.captured_queries)


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run_timings(client: Client, targets: list[Target], *, repeat: int, warmup: int) -> None:
    """Interleave request and floors (A, floor, stack floor, A, ...) so noise hits all alike."""
    stack_paths = {target.name: stack_floor_path(target) for target in targets}
    for round_number in range(warmup + repeat):
        for target in targets:
            request_ms = _ms(partial(_request, client, target))
            floor_ms = _ms(target.floor)
            stack_ms = _ms(partial(_get, target.client or client, stack_paths[target.name]))
            if round_number >= warmup:
                target.request_ms.append(request_ms)
                target.floor_ms.append(floor_ms)
                target.stack_floor_ms.append(stack_ms)


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def summary(target: Target, *, gate: str = "bare") -> dict[str, Any]:
    request_median = statistics.median(target.request_ms)
    floor_median = statistics.median(target.floor_ms)
    stack_median = statistics.median(target.stack_floor_ms)
    ratio = request_median / floor_median
    stack_ratio = request_median / stack_median
    gated = ratio if gate == "bare" else stack_ratio
    return {
        "label": target.label,
        "path": target.path,
        "median_ms": round(request_median, 3),
        "p90_ms": round(p90(target.request_ms), 3),
        "floor_median_ms": round(floor_median, 3),
        "floor_p90_ms": round(p90(target.floor_ms), 3),
        "ratio": round(ratio, 2),
        "stack_floor_median_ms": round(stack_median, 3),
        "stack_floor_p90_ms": round(p90(target.stack_floor_ms), 3),
        "stack_ratio": round(stack_ratio, 2),
        "gate": gate,
        "threshold": target.threshold,
        "passed": gated <= target.threshold
        and (target.max_queries is None or len(target.queries) <= target.max_queries),
        "max_queries": target.max_queries,
        "queries": len(target.queries),
        "floor_queries": target.floor_queries,
        "rows": target.rows,
        "floor_rows": target.floor_rows,
        "samples": len(target.request_ms),
        "notes": target.notes,
        "sql": target.queries,
    }


def profile_targets(client: Client, targets: list[Target], *, rounds: int) -> str:
    """cProfile of `rounds` requests per target, top functions by cumulative time."""
    import cProfile
    import io
    import pstats

    out = io.StringIO()
    for target in targets if rounds > 0 else []:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            _request(client, target)
        profiler.disable()
        out.write(f"\n=== {target.label}: {rounds} requests ===\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()
