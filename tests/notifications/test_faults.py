"""Fault tests: reminders arrive exactly once through crashes, a Redis restart and two beats.

Real PostgreSQL, a real Redis of our own, real `celery worker` and `celery beat` processes,
aiosmtpd on 127.0.0.1 and a webhook receiver on 127.0.0.1 counting what arrives. Nothing is
mocked. The processes use a 1-second tick and a 4-second claim lease (processes.FAST_TIMINGS).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from notifications.models import (
    CohortWebhook,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    ReminderRule,
)
from notifications.services import reminder_rules_ensure_defaults, reminders_plan
from sessions.models import Rsvp
from tests.conftest import client_for
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, RsvpFactory
from tests.notifications.processes import Cluster, RedisServer
from tests.notifications.receivers import SmtpReceiver, WebhookReceiver, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(120),
]

WAIT = 40


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(workdir=tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def cluster(transactional_db, tmp_path, redis_server, smtp):
    # Depends on transactional_db so the processes stop before the database is flushed.
    cluster = Cluster(
        tmp=tmp_path,
        redis=redis_server,
        queue=f"faults-{uuid.uuid4().hex[:8]}",
        smtp_port=smtp.port,
    )
    yield cluster
    cluster.stop_all()


def cohort_with_meeting(members: int, *, kinds=("meeting",)):
    """A cohort whose meeting starts in 20 hours, `members` of them going; only `kinds` on."""
    cohort = CohortFactory()
    users = [MembershipFactory(cohort=cohort).user for _ in range(members)]
    meeting = MeetingFactory(cohort=cohort, starts_at=timezone.now() + timedelta(hours=20))
    for user in users:
        RsvpFactory(meeting=meeting, user=user, answer="yes")
    reminder_rules_ensure_defaults(cohorts=[cohort])
    ReminderRule.objects.filter(cohort=cohort).exclude(kind__in=kinds).update(enabled=False)
    return cohort, meeting, users


def email_keys(cohort) -> set[str]:
    return {
        str(key)
        for key in Delivery.objects.filter(cohort=cohort, channel="email").values_list(
            "idempotency_key", flat=True
        )
    }


def assert_exactly_once(arrived: list[str], expected: set[str], logs: str) -> None:
    counts = Counter(arrived)
    twice = {key: n for key, n in counts.items() if n > 1}
    assert twice == {}, f"delivered more than once: {twice}\n{logs}"
    assert set(counts) == expected, f"missing: {expected - set(counts)}\n{logs}"


def test_worker_killed_mid_batch_every_reminder_arrives_once(cluster, smtp):
    cohort, _meeting, users = cohort_with_meeting(12)
    reminders_plan()
    expected = email_keys(cohort)
    smtp.block_after = 4
    cluster.worker("first")
    cluster.beat()

    # The worker is in the middle of a batch: four emails accepted, the fifth on the wire.
    assert smtp.blocked.wait(WAIT), cluster.logs()
    cluster.kill("first")
    smtp.release()
    cluster.worker("second")

    arrived = wait_until(lambda: len(smtp.keys()) >= len(expected), timeout=WAIT)
    assert arrived, cluster.logs()
    wait_until(
        lambda: not Delivery.objects.filter(cohort=cohort).exclude(status="sent").exists(),
        timeout=10,
    )
    assert_exactly_once(smtp.keys(), expected, cluster.logs())
    assert Notification.objects.filter(cohort=cohort, kind="meeting").count() == len(users)
    assert set(Delivery.objects.filter(cohort=cohort).values_list("status", flat=True)) == {"sent"}


def test_redis_restart_while_reminders_are_due_all_arrive_once(cluster, smtp, redis_server):
    cohort, _meeting, users = cohort_with_meeting(15)
    reminders_plan()
    expected = email_keys(cohort)
    smtp.block_after = 3
    cluster.worker()
    cluster.beat()

    # Mid-send, with more batches queued in Redis behind this one: restart it empty.
    assert smtp.blocked.wait(WAIT), cluster.logs()
    redis_server.restart()
    smtp.release()

    arrived = wait_until(lambda: len(smtp.keys()) >= len(expected), timeout=WAIT)
    assert arrived, cluster.logs()
    assert_exactly_once(smtp.keys(), expected, cluster.logs())
    assert Notification.objects.filter(cohort=cohort, kind="meeting").count() == len(users)


def test_two_beats_two_workers_preferences_recheck_and_webhooks(cluster, smtp):
    """Two beats and two workers at once over one cohort (members with every preference,
    one who answers between planning and sending) and two more cohorts whose chat webhooks
    are down then up, and down for good. Everything arrives once; the dead hook is failed
    and shown to its leaders."""
    hook = WebhookReceiver(secret="s3cret").start()
    flaky = WebhookReceiver(fail_first=2).start()
    dead = WebhookReceiver(status=500).start()
    try:
        cohort, meeting, users = cohort_with_meeting(8, kinds=("meeting", "rsvp"))
        going, opted_out, quiet, later = users[:4]
        undecided = MembershipFactory(cohort=cohort, role=Role.MEMBER).user
        answers_meanwhile = MembershipFactory(cohort=cohort, role=Role.MEMBER).user
        Rsvp.objects.filter(user=later).delete()
        NotificationPreference.objects.create(user=opted_out, email_enabled=False)
        local = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(9 * 60))
        NotificationPreference.objects.create(
            user=quiet,
            quiet_start=time((local.hour - 1) % 24),
            quiet_end=time((local.hour + 2) % 24),
        )
        CohortWebhook.objects.create(cohort=cohort, url=hook.url, secret="s3cret")
        up_again, _m1, (up_member,) = cohort_with_meeting(1)
        gone, _m2, (gone_member,) = cohort_with_meeting(1)
        for member in (up_member, gone_member):
            NotificationPreference.objects.create(user=member, email_enabled=False)
        CohortWebhook.objects.create(cohort=up_again, url=flaky.url, secret=flaky.secret)
        CohortWebhook.objects.create(cohort=gone, url=dead.url, secret=dead.secret)
        gone_leader = MembershipFactory(cohort=gone, role=Role.LEADER).user
        # Planned now; two members answer before any worker runs: rechecked at send time.
        reminders_plan()
        Rsvp.objects.create(meeting=meeting, user=answers_meanwhile, answer="no")
        Rsvp.objects.create(meeting=meeting, user=later, answer="no")
        cluster.worker("w1")
        cluster.worker("w2")
        cluster.beat("b1")
        cluster.beat("b2")

        def settled() -> bool:
            due = Delivery.objects.filter(
                status__in=["pending", "sending"], next_attempt_at__lte=timezone.now()
            )
            webhooks = set(
                Delivery.objects.filter(channel="webhook").values_list("cohort_id", "status")
            )
            return not due.exists() and webhooks == {
                (cohort.pk, "sent"),
                (up_again.pk, "sent"),
                (gone.pk, "failed"),
            }

        assert wait_until(settled, timeout=WAIT), cluster.logs()
        # Four processes keep ticking over the same rows for a few more seconds.
        wait_until(lambda: False, timeout=3)

        mailed = [str(m["To"]) for m in smtp.messages]
        expected_mail = sorted([going.email, undecided.email, *(u.email for u in users[4:])])
        inbox = Counter(
            Notification.objects.filter(cohort=cohort).values_list("recipient__email", "kind")
        )
        quiet_email = Delivery.objects.get(recipient=quiet, channel="email")
        skipped = Delivery.objects.filter(
            recipient__in=[answers_meanwhile, later], status="skipped"
        )
        failed = Delivery.objects.get(channel="webhook", cohort=gone)
        page = client_for(gone_leader).get(
            reverse("notifications:cohort_deliveries", args=[gone.lab.slug, gone.number]),
            {"status": "failed"},
        )
        assert_exactly_once(
            smtp.keys(),
            email_keys(cohort)
            - {str(quiet_email.idempotency_key)}
            - {str(k) for k in skipped.values_list("idempotency_key", flat=True)},
            cluster.logs(),
        )
        assert sorted(mailed) == expected_mail
        assert (quiet_email.status, quiet_email.next_attempt_at > timezone.now()) == (
            DeliveryStatus.PENDING,
            True,
        )
        assert inbox == Counter(
            [(u.email, "meeting") for u in [going, opted_out, quiet, *users[4:]]]
            + [(undecided.email, "rsvp")]
        )
        assert sorted(skipped.values_list("kind", "channel")) == [
            ("rsvp", "email"),
            ("rsvp", "email"),
            ("rsvp", "inapp"),
            ("rsvp", "inapp"),
        ]
        assert (len(hook.arrivals), hook.arrivals[0].signature_ok) == (1, True)
        assert (flaky.attempts, len(flaky.arrivals)) == (3, 1)
        assert (dead.attempts, failed.attempts, failed.last_error) == (3, 3, "HTTP 500")
        assert [row["delivery"].pk for row in page.context["rows"]] == [failed.pk]
        assert "HTTP 500" in page.content.decode()
    finally:
        for receiver in (hook, flaky, dead):
            receiver.stop()
