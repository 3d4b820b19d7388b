"""A real Celery worker process takes core.tasks.heartbeat off a real broker and runs it.

With REDIS_URL set (CI) the broker and the shared cache are that Redis; otherwise the broker is
kombu's filesystem transport and the cache a file cache, both under tmp_path. No mocks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta

from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from core.tasks import HEARTBEAT_KEY

WAIT_SECONDS = 20


def broker_for(var_dir) -> tuple[str, dict[str, object], dict[str, object]]:
    """Broker URL, transport options and cache the worker started with LABMATE_VAR_DIR uses."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return (
            redis_url,
            {},
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
        )
    folder = var_dir / "broker" / "out"
    folder.mkdir(parents=True)
    (var_dir / "broker" / "processed").mkdir()
    return (
        "filesystem://",
        {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(var_dir / "broker" / "control"),
        },
        {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var_dir / "cache"),
        },
    )


def start_worker(var_dir, queue: str, log_path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        # The development settings: exactly the embedded default `make run` starts with
        # (filesystem broker and file cache under LABMATE_VAR_DIR, or Redis when REDIS_URL is set).
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "LABMATE_VAR_DIR": str(var_dir),
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "info",
                # A queue of its own, so the worker never takes messages other tests published.
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def wait_for_stamp() -> str | None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        stamp = cache.get(HEARTBEAT_KEY)
        if stamp is not None:
            return stamp
        time.sleep(0.2)
    return None


def test_heartbeat_task_runs_on_a_real_worker(tmp_path):
    queue = f"labmate-test-{uuid.uuid4().hex[:12]}"
    broker_url, transport_options, cache_config = broker_for(tmp_path)
    sender = Celery("labmate-test-sender", broker=broker_url)
    sender.conf.broker_transport_options = transport_options
    log_path = tmp_path / "worker.log"
    worker = start_worker(tmp_path, queue, log_path)
    try:
        with override_settings(CACHES={"default": cache_config}):
            cache.delete(HEARTBEAT_KEY)
            sent_at = timezone.now()

            sender.send_task("core.tasks.heartbeat", queue=queue)
            stamp = wait_for_stamp()
            cache.delete(HEARTBEAT_KEY)
    finally:
        stop(worker)
        sender.close()

    log = log_path.read_text(errors="replace")
    assert stamp is not None, f"no heartbeat within {WAIT_SECONDS}s; worker log:\n{log}"
    ran_at = datetime.fromisoformat(stamp)
    assert sent_at - timedelta(seconds=1) <= ran_at <= timezone.now()
    assert "Task core.tasks.heartbeat[" in log
