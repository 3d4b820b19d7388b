"""Benchmark the pages, API lists, feeds and board against same-run floors and limits.

Run:  uv run python bench/run.py [--labs 200 --members 20000] [--repeat 30]   (or: make bench)

Uses its own data directory (BENCH_VAR_DIR, default <LABMATE_VAR_DIR or var>/bench), so the
development database is never touched; with DATABASE_URL set it benchmarks that database.
Prints a table, writes bench/results.json, exits 1 when a median/floor ratio exceeds its limit.
The review-assignment solver has its own script: python -m bench.reviews (bench/README.md).
Reminder dispatch has its own: python -m bench.reminders (a real worker and Redis; bench/README.md).
The changes feed and the CSV export have their own: python -m bench.changes, bench.csv_export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", type=int, default=200)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=30, help="Timed rounds per target.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed rounds first.")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Where to write JSON.")
    parser.add_argument(
        "--gate",
        choices=("bare", "stack"),
        default="stack",
        help="Which floor the limits apply to: the same rows served through the middleware "
        "stack (default), or the bare query+orjson, which no signed-in request can come near "
        "(see bench/README.md).",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="Also cProfile N requests per target."
    )
    return parser.parse_args(argv)


def configure_environment() -> Path:
    """Settings for a production-like, isolated run; every value can be overridden."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    parent = Path(os.environ.get("LABMATE_VAR_DIR", ROOT / "var"))
    var_dir = Path(os.environ.get("BENCH_VAR_DIR", parent / "bench")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LABMATE_VAR_DIR"] = str(var_dir)
    # DEBUG off: no query log and no debug templates, as in production.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    # The API throttle would answer 429 long before a few hundred timed requests.
    os.environ.setdefault("API_THROTTLE_RATE", "1000000/min")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return var_dir


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def database_description() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = str(cursor.fetchone()[0])
    return {"vendor": connection.vendor, "version": version}


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    header = (
        f"{'target':<22}{'median':>8}{'p90':>8}{'floor':>8}{'fl.p90':>8}{'ratio':>8}"
        f"{'stack':>8}{'ratio':>8}{'limit':>7}{'queries':>9}{'rows':>6}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows.values():
        verdict = "ok" if row["passed"] else f"OVER LIMIT ({row['gate']})"
        if row.get("max_queries") is not None:
            verdict += f" (queries ≤ {row['max_queries']})"
        print(
            f"{row['label']:<22}{row['median_ms']:>8.2f}{row['p90_ms']:>8.2f}"
            f"{row['floor_median_ms']:>8.2f}{row['floor_p90_ms']:>8.2f}{row['ratio']:>7.2f}x"
            f"{row['stack_floor_median_ms']:>8.2f}{row['stack_ratio']:>7.2f}x"
            f"{row['threshold']:>6.1f}x{row['queries']:>5} /{row['floor_queries']:>2}"
            f"{row['rows']:>6}  {verdict}"
        )
        for note in row["notes"]:
            print(f"  note: {note}")
    print(
        "(median/p90 in ms, server side, in-process. floor = the same rows read with .values() "
        "(one query; the schedule: three; the board: five) + orjson; "
        "stack = the same floor served through middleware + session + user; "
        "queries = request / floor)"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = configure_environment()

    import django

    django.setup()

    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from bench import board, csv_import, feeds, measure, schedule, tracker_board

    db = database_description()
    log(f"database: {db['vendor']} {db['version']}; data directory: {var_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if not settings.DEBUG and manifest and not staticfiles_storage.exists(manifest):
        # With DEBUG off, {% static %} needs the manifest that collectstatic writes.
        log("collecting static files ...")
        call_command("collectstatic", interactive=False, verbosity=0)
    measure.ensure_scale_data(labs=args.labs, members=args.members, seed=args.seed, log=log)
    feed_subject = feeds.ensure_feed_data(log=log)
    schedule_subject = schedule.ensure_schedule_data(log=log)
    board_subject = board.ensure_board_data(log=log)

    subject = measure.pick_subject()
    log(
        f"cohort {subject.cohort.lab.slug}/{subject.cohort.number} "
        f"({subject.size} memberships), leader {subject.leader.email}"
    )
    client = Client()
    client.force_login(subject.leader)
    load_before = os.getloadavg()
    # The app's URLs plus the stack-floor endpoint; reverse() of the app's names is unchanged.
    with override_settings(ROOT_URLCONF="bench.urls"):
        targets = measure.build_targets(subject)
        targets += feeds.build_feed_targets(feed_subject, measure.Target)
        targets.append(schedule.build_schedule_target(schedule_subject))
        targets.append(board.build_board_target(board_subject))
        measure.check_targets(client, targets)
        targets.append(tracker_board.build_target(log=log))  # checks itself (issue 6)
        measure.count_queries(client, targets)
        log(f"timing: {args.warmup} warm-up + {args.repeat} rounds, interleaved with the floors")
        measure.run_timings(client, targets, repeat=args.repeat, warmup=args.warmup)
        profile = measure.profile_targets(client, targets, rounds=args.profile)
        targets.append(csv_import.measured_target(log=log, repeat=min(args.repeat, 10), warmup=1))
    load_after = os.getloadavg()
    rows = {target.name: measure.summary(target, gate=args.gate) for target in targets}

    from labs.models import Cohort, Lab, Membership
    from members.models import User

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        },
        "database": db,
        "settings": {
            "module": os.environ["DJANGO_SETTINGS_MODULE"],
            "debug": settings.DEBUG,
            "cache": settings.CACHES["default"]["BACKEND"],
        },
        "scale": {
            "labs": Lab.objects.count(),
            "cohorts": Cohort.objects.count(),
            "users": User.objects.count(),
            "memberships": Membership.objects.count(),
            "seed": args.seed,
        },
        "subject": {
            "lab": subject.cohort.lab.slug,
            "cohort": subject.cohort.number,
            "cohort_id": subject.cohort.pk,
            "memberships": subject.size,
            "leader": subject.leader.email,
            "feed_member": feed_subject.user.email,
            "feed_events": feed_subject.events,
            "schedule_lab": schedule_subject.cohort.lab.slug,
            "schedule_cohort": schedule_subject.cohort.number,
            "schedule_members": schedule_subject.members,
            "schedule_meetings": schedule_subject.meetings,
            "schedule_viewer": schedule_subject.viewer.email,
            "board_lab": board_subject.cohort.lab.slug,
            "board_cohort": board_subject.cohort.number,
            "board_members": board_subject.members,
            "board_meetings": board_subject.meetings,
            "board_slots": board_subject.slots,
            "board_viewer": board_subject.viewer.email,
        },
        "repeat": args.repeat,
        "warmup": args.warmup,
        "gate": args.gate,
        "results": rows,
    }
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")

    print(
        f"\nLabmate bench · {db['vendor']} {db['version']} · {os.cpu_count()} CPUs "
        f"(load {load_before[0]:.1f}→{load_after[0]:.1f}) · "
        f"{report['scale']['users']} users, {report['scale']['memberships']} memberships · "
        f"cohort of {subject.size} · {args.repeat} rounds\n"
    )
    print_table(rows)
    print(f"\nwrote {args.output}")
    if profile:
        print(profile)

    failed = [row for row in rows.values() if not row["passed"]]
    for row in failed:
        gated = row["ratio"] if row["gate"] == "bare" else row["stack_ratio"]
        over_queries = row["max_queries"] is not None and row["queries"] > row["max_queries"]
        print(
            f"FAIL: {row['label']} median is {gated:.2f}x its {row['gate']} floor "
            f"(limit {row['threshold']:.1f}x)"
            + (f"; {row['queries']} queries (limit {row['max_queries']})" if over_queries else ""),
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
