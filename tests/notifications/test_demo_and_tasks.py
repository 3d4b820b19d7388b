"""The demo seed, the Celery tasks run in-process, and the no-long-ETA rule."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

import notifications
from notifications import tasks
from notifications.demo import DEMO_EARLY_MINUTES, seed_notifications_demo
from notifications.models import Delivery, Notification, ReminderRule
from tests.factories import MeetingFactory, RsvpFactory


def test_demo_seed_is_idempotent(world):
    users = {"seoyeon": world.member}

    seed_notifications_demo(cohort=world.cohort, leader=world.leader, users=users)
    seed_notifications_demo(cohort=world.cohort, leader=world.leader, users=users)

    early = ReminderRule.objects.filter(
        cohort=world.cohort, kind="meeting", minutes_before=DEMO_EARLY_MINUTES
    )
    assert early.count() == 1
    assert Notification.objects.filter(recipient=world.leader).count() == 1


def test_tick_task_plans_and_offers(world, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=20))
    RsvpFactory(meeting=meeting, user=world.member)

    with django_capture_on_commit_callbacks() as callbacks:
        result = tasks.tick.apply().get()

    assert result["planned"] == result["offered"]
    assert result["offered"] == Delivery.objects.count()
    assert len(callbacks) == 1


def test_deliver_task_is_idempotent(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=20))
    RsvpFactory(meeting=meeting, user=world.member)
    tasks.tick.apply()
    ids = list(Delivery.objects.filter(recipient=world.member).values_list("pk", flat=True))

    first = tasks.deliver.apply(args=(ids,)).get()
    second = tasks.deliver.apply(args=(ids,)).get()

    assert (first["sent"], second["sent"]) == (len(ids), 0)


def test_no_task_is_scheduled_with_an_eta_or_countdown():
    """Redis redelivers a task whose ETA outlives the visibility timeout: reminders wait in
    the database instead, and no call in notifications/ passes eta= or countdown=."""
    package = Path(notifications.__file__).parent
    offending = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                names = {keyword.arg for keyword in node.keywords}
                if names & {"eta", "countdown"}:
                    offending.append(f"{path.name}:{node.lineno}")
    assert offending == []
