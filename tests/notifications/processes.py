"""Real processes for the fault tests: a Redis server of our own, Celery workers and beats.

Every process runs the development settings against the test database and our own Redis, on
a queue of its own, with short reminder timings (a 1 s tick, a few seconds of lease), so a
fault and its recovery fit in seconds instead of minutes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.notifications.receivers import free_port

# Short on purpose; production keeps the defaults in config/settings/base.py.
FAST_TIMINGS = {
    "NOTIFICATIONS_TICK_SECONDS": "1",
    "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "4",
    "NOTIFICATIONS_REQUEUE_SECONDS": "3",
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.5",
    "NOTIFICATIONS_RETRY_CAP_SECONDS": "1",
    "NOTIFICATIONS_MAX_ATTEMPTS": "3",
    "NOTIFICATIONS_WEBHOOK_TIMEOUT": "5",
    "NOTIFICATIONS_BATCH_SIZE": "5",
}


@dataclass
class RedisServer:
    """redis-server on a free loopback port, without persistence: a restart loses every
    queued message, the worst case the reminders must survive."""

    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the fault tests"
        if not self.port:
            self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def queued(self, queue: str) -> int:
        import redis

        return int(redis.Redis(host="127.0.0.1", port=self.port).llen(queue))

    def stop(self) -> None:
        """SHUTDOWN NOSAVE: everything in memory is gone."""
        if self.process is None:
            return
        import redis

        # The server closes the connection as it shuts down.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(host="127.0.0.1", port=self.port).shutdown(nosave=True)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def database_url() -> str:
    """The test database pytest-django created, for the processes to share."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@dataclass
class Cluster:
    """The processes of one fault test, with their logs for a failure message."""

    tmp: Path
    redis: RedisServer
    queue: str
    smtp_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **FAST_TIMINGS,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "LABMATE_VAR_DIR": str(self.tmp),
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "false",
            "NOTIFICATIONS_QUEUE": self.queue,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=settings.BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes[name] = process
        return process

    def worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "info",
                "--queues",
                self.queue,
                "--hostname",
                f"{name}-{self.queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        return self._start(
            name,
            ["beat", "--loglevel", "info", "--schedule", str(self.tmp / f"{name}-schedule")],
        )

    def kill(self, name: str) -> None:
        """SIGKILL: no warm shutdown, no ack, no cleanup."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        # The test is over: no need for a warm shutdown (it waits several seconds per process).
        for process in self.processes.values():
            process.kill()
        for process in self.processes.values():
            process.wait(timeout=15)
        self.processes.clear()

    def logs(self) -> str:
        parts = []
        for path in sorted(self.tmp.glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} (last 3000 chars) ---\n{text[-3000:]}")
        return "\n".join(parts)
