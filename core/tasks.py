"""Periodic housekeeping tasks."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "labmate:beat-heartbeat"


@shared_task
def heartbeat() -> str:
    """Record that beat and a worker are alive; the health page reads it."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
