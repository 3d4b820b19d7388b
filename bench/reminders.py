"""Benchmark: 10,000 due reminders dispatched in one tick by one worker, against a same-run
floor of 10,000 no-op Celery tasks through the same broker and the same worker.

Run:  .venv/bin/python -m bench.reminders [--members 100 --meetings 100 --rounds 2]

Needs a Redis: REDIS_URL, or `redis-server` on PATH (a private one is started on a free
loopback port, no persistence). Database: DATABASE_URL, else SQLite under BENCH_VAR_DIR
(default <LABMATE_VAR_DIR or var>/bench-reminders). Writes bench/results-reminders.json and
exits 1 when reminders/s divided by no-op tasks/s is under --limit (default 0.3).

What is timed:
- reminders: from publishing `notifications.tasks.tick` until every one of the 10,000 in-app
  deliveries is sent (polled). The tick plans the rows (one per member and meeting, under
  the unique constraint), offers them in batches of NOTIFICATIONS_BATCH_SIZE ids, and the
  worker claims each batch with one conditional UPDATE, rechecks it at send time and writes
  the inbox entries;
- floor: from publishing the first of 10,000 `noop` tasks (one message each) until a final
  marker task has run on the same one-process worker.
Rounds alternate (floor, reminders, floor, reminders, ...) so load from other processes hits
both alike; medians are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results-reminders.json"
LAB_SLUG = "bench-reminders"
EMAIL_DOMAIN = "bench.labmate.test"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=float, default=0.3, help="Lowest acceptable ratio.")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=float, default=300, help="Seconds per phase.")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[bench-reminders] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(var_dir: Path) -> tuple[str, subprocess.Popen[bytes] | None]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("set REDIS_URL or install redis-server: the benchmark needs a broker")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=var_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", process


def configure_environment() -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    parent = Path(os.environ.get("LABMATE_VAR_DIR", ROOT / "var"))
    var_dir = Path(os.environ.get("BENCH_VAR_DIR", parent / "bench-reminders")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LABMATE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["NOTIFICATIONS_QUEUE"] = f"bench-reminders-{uuid.uuid4().hex[:6]}"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return var_dir


def ensure_data(*, members: int, meetings: int) -> Any:
    """One cohort, `members` members who all said yes to `meetings` meetings starting within
    the day (email off: in-app only, so the run measures the pipeline, not a mail server)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from labs.models import Cohort, CohortStatus, Lab, Membership, Role
    from members.models import Profile, User
    from notifications.models import NotificationPreference, ReminderRule
    from notifications.services import reminder_rules_ensure_defaults
    from sessions.models import Meeting, Rsvp

    Lab.objects.filter(slug=LAB_SLUG).delete()
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    now = timezone.now()
    with transaction.atomic():
        lab = Lab.objects.create(name="Bench reminders", slug=LAB_SLUG)
        cohort = Cohort.objects.create(
            lab=lab,
            number=1,
            start_date=now.date(),
            end_date=now.date() + dt.timedelta(days=120),
            status=CohortStatus.ACTIVE,
        )
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(email=f"reminder-{i:04d}@{EMAIL_DOMAIN}", password=password)
                for i in range(1, members + 1)
            ]
        )
        Profile.objects.bulk_create(
            [Profile(user=u, display_name=f"R{i}", language="ko") for i, u in enumerate(users)]
        )
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user=u, email_enabled=False) for u in users]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, cohort=cohort, role=Role.LEADER if i == 0 else Role.MEMBER)
                for i, u in enumerate(users)
            ]
        )
        start = now + dt.timedelta(hours=12)
        rows = Meeting.objects.bulk_create(
            [
                Meeting(
                    cohort=cohort,
                    number=n,
                    starts_at=start + dt.timedelta(minutes=n),
                    ends_at=start + dt.timedelta(minutes=n, hours=2),
                )
                for n in range(1, meetings + 1)
            ]
        )
        Rsvp.objects.bulk_create(
            [Rsvp(meeting=m, user=u, answer="yes") for m in rows for u in users]
        )
        reminder_rules_ensure_defaults(cohorts=[cohort])
        # Only the meeting reminder: one per (meeting, member) = meetings x members.
        ReminderRule.objects.filter(cohort=cohort).exclude(kind="meeting").update(enabled=False)
    return cohort


def start_worker(env: dict[str, str], queue: str, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--include",
                "bench.reminder_tasks",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b" ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def time_floor(*, count: int, queue: str, timeout: float) -> float:
    from django.core.cache import cache

    from bench.reminder_tasks import mark, noop

    key = f"bench-reminders-mark-{uuid.uuid4().hex}"
    started = time.perf_counter()
    for index in range(count):
        noop.apply_async((index,), queue=queue)
    mark.apply_async((key,), queue=queue)
    while cache.get(key) is None:
        if time.perf_counter() - started > timeout:
            raise SystemExit("the no-op floor did not finish in time")
        time.sleep(0.02)
    return time.perf_counter() - started


def time_reminders(*, cohort: Any, expected: int, queue: str, timeout: float) -> float:
    from notifications.models import Delivery, Notification
    from notifications.tasks import tick

    Notification.objects.filter(cohort=cohort).delete()
    Delivery.objects.filter(cohort=cohort).delete()
    started = time.perf_counter()
    tick.apply_async(queue=queue)
    sent = Delivery.objects.filter(cohort=cohort, status="sent")
    while sent.count() < expected:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {sent.count()} of {expected} reminders sent in time")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    inbox = Notification.objects.filter(cohort=cohort).count()
    if inbox != expected or Delivery.objects.filter(cohort=cohort).count() != expected:
        raise SystemExit(f"expected {expected} deliveries and inbox entries, found {inbox}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = configure_environment()
    redis_url, redis_process = start_redis(var_dir)
    os.environ["REDIS_URL"] = redis_url
    worker = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", interactive=False, verbosity=0)
        expected = args.members * args.meetings
        log(f"{connection.vendor}; broker {redis_url}; {expected} reminders per round")
        cohort = ensure_data(members=args.members, meetings=args.meetings)
        queue = settings.NOTIFICATIONS_QUEUE
        worker = start_worker(dict(os.environ), queue, var_dir / "worker.log")
        load_before = os.getloadavg()
        floors, reminders = [], []
        for round_ in range(1, args.rounds + 1):
            floors.append(time_floor(count=expected, queue=queue, timeout=args.timeout))
            log(f"round {round_}: floor {expected / floors[-1]:.0f} no-op tasks/s")
            reminders.append(
                time_reminders(cohort=cohort, expected=expected, queue=queue, timeout=args.timeout)
            )
            log(f"round {round_}: {expected / reminders[-1]:.0f} reminders/s")
        load_after = os.getloadavg()
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        if redis_process is not None:
            redis_process.kill()
            redis_process.wait()

    floor_s = statistics.median(floors)
    reminders_s = statistics.median(reminders)
    ratio = floor_s / reminders_s  # (reminders/s) / (no-op tasks/s), same count
    passed = ratio >= args.limit
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        },
        "database": connection.vendor,
        "reminders": expected,
        "batch_size": settings.NOTIFICATIONS_BATCH_SIZE,
        "rounds": args.rounds,
        "floor_seconds": [round(s, 3) for s in floors],
        "reminder_seconds": [round(s, 3) for s in reminders],
        "noop_tasks_per_second": round(expected / floor_s, 1),
        "reminders_per_second": round(expected / reminders_s, 1),
        "ratio": round(ratio, 3),
        "limit": args.limit,
        "passed": passed,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nreminders: {expected} in {reminders_s:.2f} s ({expected / reminders_s:.0f}/s); "
        f"floor: {expected} no-op tasks in {floor_s:.2f} s ({expected / floor_s:.0f}/s); "
        f"ratio {ratio:.2f} (limit {args.limit}) -> {'ok' if passed else 'UNDER LIMIT'}"
    )
    print(f"wrote {args.output}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
