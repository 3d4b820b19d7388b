"""Run calls at the same instant on separate database connections (for race tests on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same instant (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the outcome of each racer is what the test asserts
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
