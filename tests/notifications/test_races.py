"""Races on PostgreSQL: two workers with the same batch, two ticks planning at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Delivery, Notification, ReminderRule
from notifications.services import (
    deliveries_send,
    reminder_rules_ensure_defaults,
    reminders_plan,
)
from tests.concurrency import run_concurrently
from tests.factories import MeetingFactory, MembershipFactory, RsvpFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def going(world):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    ReminderRule.objects.filter(cohort=world.cohort).exclude(kind="meeting").update(enabled=False)
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=20))
    users = [MembershipFactory(cohort=world.cohort).user for _ in range(6)]
    for user in users:
        RsvpFactory(meeting=meeting, user=user)
    return users


def test_two_workers_with_the_same_batch_send_each_row_once(going):
    reminders_plan()
    ids = list(Delivery.objects.values_list("pk", flat=True))

    outcomes = run_concurrently([lambda: deliveries_send(delivery_ids=ids)] * 4)

    assert sum(outcome["sent"] for outcome in outcomes) == len(ids)
    assert len(mail.outbox) == len(going)
    assert Notification.objects.count() == len(going)


def test_ticks_planning_at_once_write_each_row_once(going):
    run_concurrently([reminders_plan] * 4)

    assert Delivery.objects.count() == 2 * len(going)
