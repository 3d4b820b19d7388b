"""Fixtures for the notifications tests: real local receivers and a helper that runs a tick."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from notifications import services
from tests.notifications.receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_receiver():
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


def run_tick(now: datetime | None = None) -> dict[str, int]:
    """What beat's tick and the workers do, in this process: plan, recover, offer, send."""
    now = now or timezone.now()
    totals = {"planned": services.reminders_plan(now=now)}
    totals["recovered"] = services.deliveries_recover(now=now)
    offer = services.deliveries_offer(now=now)
    for ids in offer.batches:
        for name, count in services.deliveries_send(delivery_ids=ids).items():
            totals[name] = totals.get(name, 0) + count
    for recipient_id in offer.digests:
        for name, count in services.digest_send(recipient_id=recipient_id).items():
            totals[name] = totals.get(name, 0) + count
    return totals
