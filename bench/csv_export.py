"""The CSV export of a board (issue 8): 100,000 slots streamed through a member's secret link,
against a same-run floor, with its memory.

Run: `.venv/bin/python -m bench.csv_export [--rows 100000] [--repeat 5]` (its own data
directory, as bench/run.py: BENCH_VAR_DIR, default <LABMATE_VAR_DIR or var>/bench; with
DATABASE_URL set it benchmarks that database).

Data, the bench's own: lab "bench-csv", cohort 1 with 10 members and `--rows` slots over
meetings of 100 slots each, every other slot with a presenter; and cohort 2 with a tenth of
the rows, to show that memory does not grow with them. Created with bulk_create when absent
or when a count differs.

Target: `GET /sheets/<token>/slots.csv` through django.test.Client (middleware, the link
checks, the streamed response), read to the end. Floor, in the same run: the same rows from
one `values_list` query (core.sheets.slot_rows_query, the export's own SQL, read with
`.iterator(chunk_size=2000)`) written by `csv.writer` to a throwaway buffer. The export's
extra work is its cells: local times, track names, formula escaping. Gate: throughput at
least half the floor's (median ratio at most 2.0). Memory: tracemalloc's peak while the
response is read, at both sizes (flat: it must not grow with the rows). Exits 1 over a limit.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LAB_SLUG = "bench-csv"
SLOTS_PER_MEETING = 100
MEMBERS = 10
RATIO_LIMIT = 2.0
# "Flat": the large export's peak may exceed the small one's by this much at most.
PEAK_GROWTH_LIMIT = 1.5


@dataclass
class Sample:
    seconds: float
    bytes: int


def log(message: str) -> None:
    print(f"[bench.csv_export] {message}", file=sys.stderr, flush=True)


def ensure_data(rows: int) -> tuple[Any, Any, Any]:
    """The bench lab, its two cohorts (rows and rows/10 slots) and the member who exports."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from labs.models import Cohort, CohortStatus, Lab, Membership, Role
    from members.models import Profile, User
    from sessions.models import Meeting, Slot, SlotAssignment

    lab, _ = Lab.objects.get_or_create(slug=LAB_SLUG, defaults={"name": "CSV bench"})
    password = make_password(None)
    users = []
    for n in range(1, MEMBERS + 1):
        user, created = User.objects.get_or_create(
            email=f"csv-{n:02d}@bench.labmate.test", defaults={"password": password}
        )
        if created:
            Profile.objects.create(user=user, display_name=f"발표자 {n:02d}", language="en")
        users.append(user)
    cohorts = []
    for number, size in ((1, rows), (2, max(rows // 10, SLOTS_PER_MEETING))):
        cohort, _ = Cohort.objects.get_or_create(
            lab=lab,
            number=number,
            defaults={
                "start_date": datetime(2026, 1, 1).date(),
                "end_date": datetime(2027, 12, 31).date(),
                "status": CohortStatus.ACTIVE,
            },
        )
        for index, user in enumerate(users):
            Membership.objects.get_or_create(
                user=user, cohort=cohort, defaults={"role": Role.LEADER if index == 0 else "member"}
            )
        if Slot.objects.filter(meeting__cohort=cohort).count() != size:
            log(f"creating {size} slots in cohort {number} ...")
            with transaction.atomic():
                Meeting.objects.filter(cohort=cohort).delete()
                start = datetime(2026, 1, 3, 5, tzinfo=UTC)
                meetings = Meeting.objects.bulk_create(
                    Meeting(
                        cohort=cohort,
                        number=i + 1,
                        starts_at=start + timedelta(days=i),
                        ends_at=start + timedelta(days=i, hours=4),
                    )
                    for i in range(size // SLOTS_PER_MEETING)
                )
                slots = Slot.objects.bulk_create(
                    (
                        Slot(
                            meeting=meeting,
                            kind="chapter" if j % 3 else "paper",
                            title=f"{meeting.number}회 {j + 1}번 발표" if j % 50 else "=SUM(A1)",
                            position=j,
                        )
                        for meeting in meetings
                        for j in range(SLOTS_PER_MEETING)
                    ),
                    batch_size=5000,
                )
                SlotAssignment.objects.bulk_create(
                    (
                        SlotAssignment(slot=slot, user=users[i % MEMBERS])
                        for i, slot in enumerate(slots)
                        if i % 2 == 0
                    ),
                    batch_size=5000,
                )
        cohorts.append(cohort)
    return cohorts[0], cohorts[1], users[1]


def export_once(client: Any, path: str) -> Sample:
    start = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    return Sample(time.perf_counter() - start, size)


class _Sink:
    def write(self, value: str) -> int:
        return len(value)


def floor_once(cohort: Any) -> Sample:
    from core.sheets import CHUNK_SIZE, slot_rows_query

    start = time.perf_counter()
    writer = csv.writer(_Sink())
    size = 0
    for row in slot_rows_query(cohort).iterator(chunk_size=CHUNK_SIZE):
        size += writer.writerow(row)
    return Sample(time.perf_counter() - start, size)


def peak_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from bench.run import configure_environment, database_description

    configure_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from core.sheets import sheet_link_create

    db = database_description()
    log(f"database: {db['vendor']} {db['version']}")
    call_command("migrate", interactive=False, verbosity=0)
    big, small, member = ensure_data(args.rows)
    client = Client()
    paths = {}
    for cohort in (big, small):
        link = sheet_link_create(actor=member, cohort=cohort)
        paths[cohort.pk] = reverse("core:sheet_csv", kwargs={"token": link.token, "board": "slots"})

    export_once(client, paths[big.pk])  # warm-up
    floor_once(big)
    exports, floors = [], []
    for _ in range(args.repeat):  # interleaved, so noise hits both alike
        exports.append(export_once(client, paths[big.pk]))
        floors.append(floor_once(big))
    export_s = statistics.median(s.seconds for s in exports)
    floor_s = statistics.median(s.seconds for s in floors)
    ratio = export_s / floor_s
    peak_big = peak_bytes(lambda: export_once(client, paths[big.pk]))
    peak_small = peak_bytes(lambda: export_once(client, paths[small.pk]))
    peak_floor = peak_bytes(lambda: floor_once(big))
    small_rows = max(args.rows // 10, SLOTS_PER_MEETING)

    print(f"\nCSV export of {args.rows} slots · {db['vendor']} {db['version']}\n")
    print(f"{'':24}{'median s':>10}{'rows/s':>12}{'MB':>8}{'peak MB':>10}")
    for label, seconds, size, peak in (
        ("export (streamed)", export_s, exports[0].bytes, peak_big),
        ("floor (values_list+csv)", floor_s, floors[0].bytes, peak_floor),
    ):
        print(
            f"{label:24}{seconds:>10.3f}{args.rows / seconds:>12,.0f}"
            f"{size / 1e6:>8.1f}{peak / 1e6:>10.2f}"
        )
    print(f"export of {small_rows} rows: peak {peak_small / 1e6:.2f} MB")
    growth = peak_big / peak_small
    print(
        f"\nratio {ratio:.2f}x the floor's time (throughput {1 / ratio:.2f} of the floor's; "
        f"limit {RATIO_LIMIT:.1f}x); memory {growth:.2f}x from {small_rows} to {args.rows} rows "
        f"(limit {PEAK_GROWTH_LIMIT:.1f}x)"
    )
    failed = ratio > RATIO_LIMIT or growth > PEAK_GROWTH_LIMIT
    if failed:
        print("FAIL: over a limit", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
