"""Tasks only the reminders benchmark loads into its worker (`celery worker --include`)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def noop(index: int) -> None:
    """The floor: a task that does nothing, so its cost is Celery's own per-message cost."""
    return None


@shared_task(ignore_result=True)
def mark(key: str) -> None:
    """Set a Redis key; on a one-process worker it runs after every task sent before it."""
    from django.core.cache import cache

    cache.set(key, "done", timeout=600)
