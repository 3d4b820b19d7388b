"""The changes feed (issue 8): pages of 500 changes with their objects, against a same-run floor.

Run: `.venv/bin/python -m bench.changes [--meetings 10000] [--repeat 30]` (its own data
directory, as bench/run.py: BENCH_VAR_DIR, default <LABMATE_VAR_DIR or var>/bench; with
DATABASE_URL set it benchmarks that database).

Data, the bench's own: lab "bench-changes", one cohort, one member (the viewer), and
`--meetings` meetings written with bulk_create and logged with one record_changes(): as many
"meeting upsert" rows in the change log. Re-created (its change rows too) when a count differs.

Target: `GET /api/v1/changes/?since=<cursor>&page_size=500` by the member's signed-in client,
from a cursor in the middle of the log, so every request serves 500 meetings as the meeting
endpoint shows them. Floor, in the same run: the same 500 meetings read with one
`values_list` query (the meeting endpoint's columns), shaped like the feed's page (with each
`url`; the change's seq and time taken from the meeting, so the floor reads no change rows at
all) and written by orjson; its stack floor, the same behind login.
For reference, the same 500 meetings from GET meetings/, and the whole log read from the start.
Gate: throughput at least half the floor's (median ratio at most 2.0); exits 1 over it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

LAB_SLUG = "bench-changes"
VIEWER = "changes-viewer@bench.labmate.test"
PAGE = 500
RATIO_LIMIT = 2.0
FIELD_NAMES = {"cohort_id": "cohort", "location_id": "location", "series_id": "series"}
MEETING_COLUMNS = (
    "created_at",
    "updated_at",
    "external_id",
    "cohort_id",
    "number",
    "title",
    "starts_at",
    "ends_at",
    "location_id",
    "online_url",
    "agenda",
    "status",
    "rsvp_deadline",
    "uid",
    "sequence",
    "series_id",
)


def log(message: str) -> None:
    print(f"[bench.changes] {message}", file=sys.stderr, flush=True)


def ensure_data(meetings: int) -> tuple[Any, Any]:
    from datetime import UTC, date, datetime, timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from core.changes import record_changes
    from core.models import Change
    from labs.models import Cohort, CohortStatus, Lab, Membership
    from members.models import Profile, User
    from sessions.models import Meeting

    lab, _ = Lab.objects.get_or_create(slug=LAB_SLUG, defaults={"name": "Changes bench"})
    cohort, _ = Cohort.objects.get_or_create(
        lab=lab,
        number=1,
        defaults={
            "start_date": date(2026, 1, 1),
            "end_date": date(2030, 12, 31),
            "status": CohortStatus.ACTIVE,
        },
    )
    viewer, created = User.objects.get_or_create(
        email=VIEWER, defaults={"password": make_password(None)}
    )
    if created:
        Profile.objects.create(user=viewer, display_name="변경 구독자", language="en")
    Membership.objects.get_or_create(user=viewer, cohort=cohort)
    logged = Change.objects.filter(lab_id=lab.pk, object_type="meeting").count()
    if Meeting.objects.filter(cohort=cohort).count() != meetings or logged != meetings:
        log(f"creating {meetings} meetings and their change rows ...")
        with transaction.atomic():
            Meeting.objects.filter(cohort=cohort).delete()
            Change.objects.filter(lab_id=lab.pk).delete()
            start = datetime(2026, 1, 3, 5, tzinfo=UTC)
            rows = Meeting.objects.bulk_create(
                (
                    Meeting(
                        cohort=cohort,
                        number=i + 1,
                        title=f"{i + 1}회 모임",
                        starts_at=start + timedelta(days=i),
                        ends_at=start + timedelta(days=i, hours=4),
                        agenda="논문 리뷰 · 구현 발표",
                    )
                    for i in range(meetings)
                ),
                batch_size=5000,
            )
            record_changes(Meeting, rows)
    return lab, viewer


def floor_page(cohort_id: int, after_meeting: int, url_prefix: str) -> bytes:
    """The same page from one `values_list` query: the 500 meetings it carries, each with
    the meeting endpoint's columns (and its `url`), wrapped as changes, written by orjson."""
    from sessions.models import Meeting

    names = ("id", *(FIELD_NAMES.get(column, column) for column in MEETING_COLUMNS))
    fetched = list(
        Meeting.objects.filter(cohort_id=cohort_id, id__gt=after_meeting)
        .order_by("id")
        .values_list("id", *MEETING_COLUMNS)[: PAGE + 1]
    )
    results = []
    for values in fetched[:PAGE]:
        obj = dict(zip(names, values, strict=True))
        obj["url"] = f"{url_prefix}{obj['id']}/"
        changed = {"seq": obj["id"], "type": "meeting", "id": obj["id"], "op": "upsert"}
        results.append({**changed, "object": obj, "changed_at": obj["updated_at"]})
    body = {"results": results, "next_cursor": "x", "has_more": len(fetched) > PAGE}
    return orjson.dumps(body, default=str)


def _list_cursor(after_id: int) -> str:
    """A cursor of the meetings list (DRF's format) positioned after `after_id`."""
    from base64 import b64encode

    return b64encode(f"p={after_id}".encode()).decode()


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)

    from bench.run import configure_environment, database_description

    configure_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench.measure import FLOORS
    from core.changes import Cursor, horizon
    from core.models import Change

    db = database_description()
    log(f"database: {db['vendor']} {db['version']}")
    call_command("migrate", interactive=False, verbosity=0)
    # The app's URLs plus the stack-floor endpoint (never deployed).
    override_settings(ROOT_URLCONF="bench.urls").enable()
    lab, viewer = ensure_data(args.meetings)
    cohort = lab.cohorts.get(number=1)
    client = Client()
    client.force_login(viewer)
    feed = reverse("api:changes")
    seqs = list(
        Change.objects.filter(lab_id=lab.pk, object_type="meeting")
        .order_by("id")
        .values_list("id", flat=True)
    )
    middle = seqs[len(seqs) // 2 - PAGE]
    # Everything in the log is final: a cursor whose window covers it, positioned mid-way.
    cursor = Cursor(lo=0, hi=horizon(), after=middle).encode()
    path = f"{feed}?since={cursor}&page_size={PAGE}"
    url_prefix = "http://testserver" + reverse("api:meeting-detail", args=[0]).removesuffix("0/")

    def request() -> bytes:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        return bytes(response.content)

    first_meeting = Change.objects.get(pk=middle + 1).object_id

    def floor() -> bytes:
        return floor_page(cohort.pk, first_meeting - 1, url_prefix)

    page, floor_body = orjson.loads(request()), orjson.loads(floor())
    assert [r["id"] for r in page["results"]] == [r["id"] for r in floor_body["results"]]
    assert set(page["results"][0]["object"]) == set(floor_body["results"][0]["object"])
    # The stack floor: the same function behind a bench-only URL (bench/urls.py), requested
    # by the same signed-in client, so it pays the middleware, session and user too.
    FLOORS["changes_page"] = floor
    stack_path = reverse("bench-floor", kwargs={"name": "changes_page"})

    def stack_floor() -> bytes:
        response = client.get(stack_path)
        assert response.status_code == 200
        return bytes(response.content)

    # For reference: the same 500 meetings from their own list endpoint (the representation
    # without the feed), by the same client.
    listing = f"{reverse('api:meeting-list')}?cohort={cohort.pk}&page_size={PAGE}"
    listing += f"&cursor={_list_cursor(first_meeting - 1)}"

    def list_page() -> bytes:
        response = client.get(listing)
        assert response.status_code == 200
        return bytes(response.content)

    assert [r["id"] for r in orjson.loads(list_page())["results"]] == [
        r["id"] for r in page["results"]
    ]
    request_ms, floor_ms, stack_ms, list_ms = [], [], [], []
    for round_number in range(args.warmup + args.repeat):
        a, b, c, d = _ms(request), _ms(floor), _ms(stack_floor), _ms(list_page)
        if round_number >= args.warmup:
            request_ms.append(a)
            floor_ms.append(b)
            stack_ms.append(c)
            list_ms.append(d)

    def drain() -> int:
        since, served = "", 0
        while True:
            body = orjson.loads(client.get(f"{feed}?since={since}&page_size={PAGE}").content)
            served += len(body["results"])
            since = body["next_cursor"]
            if not body["has_more"]:
                return served

    start = time.perf_counter()
    served = drain()
    drain_s = time.perf_counter() - start

    median, floor_median = statistics.median(request_ms), statistics.median(floor_ms)
    stack_median = statistics.median(stack_ms)
    ratio, stack_ratio = median / floor_median, median / stack_median
    print(f"\nChanges feed · {db['vendor']} {db['version']} · {len(seqs)} meeting changes\n")
    p90 = sorted(request_ms)[max(int(len(request_ms) * 0.9) - 1, 0)]
    print(f"page of {PAGE}: median {median:.2f} ms (p90 {p90:.2f})")
    print(f"floor (one query + orjson): median {floor_median:.2f} ms")
    print(f"stack floor (the floor behind login): median {stack_median:.2f} ms")
    print(f"the same meetings from GET meetings/ (reference): {statistics.median(list_ms):.2f} ms")
    print(
        f"ratio {ratio:.2f}x the bare floor's time (throughput {1 / ratio:.2f}); "
        f"{stack_ratio:.2f}x the stack floor's (throughput {1 / stack_ratio:.2f}; "
        f"limit {RATIO_LIMIT:.1f}x)"
    )
    print(
        f"whole log from the start: {served} changes in {drain_s:.2f} s ({served / drain_s:,.0f}/s)"
    )
    if stack_ratio > RATIO_LIMIT:
        print("FAIL: over the limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
