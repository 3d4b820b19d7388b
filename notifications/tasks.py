"""Celery tasks: thin, take ids, idempotent; the database decides what is sent.

`tick` runs every minute from beat: it plans due reminders, recovers rows whose worker died,
and offers pending rows to the workers. No task is ever scheduled with an ETA or countdown.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction

from notifications import services


@shared_task(ignore_result=True)
def tick() -> dict[str, int]:
    """Plan, recover and offer. Safe when two beats (or two ticks) run at once."""
    planned = services.reminders_plan()
    recovered = services.deliveries_recover()
    offer = services.deliveries_offer()
    queue = settings.NOTIFICATIONS_QUEUE

    def publish() -> None:
        for ids in offer.batches:
            deliver.apply_async((ids,), queue=queue)
        for recipient_id in offer.digests:
            deliver_digest.apply_async((recipient_id,), queue=queue)

    # deliveries_offer committed already; publishing after commit keeps the rule uniform.
    transaction.on_commit(publish)
    return {
        "planned": planned,
        "recovered": recovered,
        "offered": sum(len(ids) for ids in offer.batches) + len(offer.digests),
    }


@shared_task(ignore_result=True)
def deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send these deliveries (each claimed first, so a repeat message is a no-op)."""
    return services.deliveries_send(delivery_ids=delivery_ids)


@shared_task(ignore_result=True)
def deliver_digest(recipient_id: int) -> dict[str, int]:
    """Send one member's due digest email."""
    return services.digest_send(recipient_id=recipient_id)
