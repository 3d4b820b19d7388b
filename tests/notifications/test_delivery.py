"""Planning and sending: each reminder once per (rule, target, recipient, channel), rechecked
at send time, held through quiet hours, retried with backoff, failed and resent."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from members.models import Profile
from notifications.models import (
    CohortWebhook,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    ReminderRule,
)
from notifications.services import (
    deliveries_recover,
    deliveries_send,
    delivery_resend,
    reminder_rules_ensure_defaults,
    reminders_plan,
)
from sessions.models import Rsvp
from tests.factories import MeetingFactory, RsvpFactory
from tests.notifications.conftest import run_tick


def only(world, *kinds: str) -> None:
    """Keep only these reminder rules on, so a test sees the reminders it is about."""
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    ReminderRule.objects.filter(cohort=world.cohort).exclude(kind__in=kinds).update(enabled=False)


def meeting_tomorrow(world, *, answer="yes", user=None):
    only(world, "meeting")
    meeting = MeetingFactory(
        cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=20), title="Transformers"
    )
    RsvpFactory(meeting=meeting, user=user or world.member, answer=answer)
    return meeting


def statuses(**filters) -> list[tuple[str, str]]:
    return sorted(Delivery.objects.filter(**filters).values_list("channel", "status"))


def quiet_now(user) -> None:
    """Quiet hours around the current time in the member's zone (Asia/Seoul)."""
    local = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(9 * 60))
    NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "quiet_start": time((local.hour - 1) % 24),
            "quiet_end": time((local.hour + 2) % 24),
        },
    )


def test_tick_sends_a_meeting_reminder_to_inbox_and_email(world):
    meeting_tomorrow(world)

    totals = run_tick()

    assert totals["sent"] == 2
    assert statuses(recipient=world.member) == [("email", "sent"), ("inapp", "sent")]
    entry = Notification.objects.get(recipient=world.member, kind="meeting")
    assert entry.delivery is not None
    assert [m.to for m in mail.outbox] == [["member@example.com"]]


def test_two_ticks_plan_and_send_each_reminder_once(world):
    meeting_tomorrow(world)

    run_tick()
    run_tick()
    reminders_plan()

    assert Delivery.objects.filter(kind="meeting").count() == 2
    assert Notification.objects.filter(kind="meeting").count() == 1
    assert len(mail.outbox) == 1


def test_sending_the_same_ids_twice_sends_once(world):
    meeting_tomorrow(world)
    reminders_plan()
    ids = list(Delivery.objects.values_list("pk", flat=True))

    first = deliveries_send(delivery_ids=ids)
    second = deliveries_send(delivery_ids=ids)

    assert (first["sent"], second["sent"]) == (2, 0)
    assert len(mail.outbox) == 1


def test_a_member_who_answered_meanwhile_is_not_reminded(world):
    only(world, "rsvp")
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=40))
    reminders_plan()
    planned = statuses(recipient=world.member, kind="rsvp")
    Rsvp.objects.create(meeting=meeting, user=world.member, answer="yes")

    run_tick()

    assert planned == [("email", "pending"), ("inapp", "pending")]
    assert statuses(recipient=world.member, kind="rsvp") == [
        ("email", "skipped"),
        ("inapp", "skipped"),
    ]
    assert Notification.objects.filter(recipient=world.member).count() == 0


def test_a_cancelled_meeting_is_not_reminded(world):
    meeting = meeting_tomorrow(world)
    reminders_plan()
    meeting.status = "cancelled"
    meeting.save()

    run_tick()

    assert statuses(recipient=world.member) == [("email", "skipped"), ("inapp", "skipped")]


def test_quiet_hours_hold_email_but_not_the_inbox(world):
    quiet_now(world.member)
    meeting_tomorrow(world)

    run_tick()

    email = Delivery.objects.get(recipient=world.member, channel="email")
    assert (email.status, email.attempts) == (DeliveryStatus.PENDING, 0)
    assert email.next_attempt_at > timezone.now()
    assert statuses(recipient=world.member, channel="inapp") == [("inapp", "sent")]
    assert mail.outbox == []


def test_quiet_hours_set_after_planning_hold_at_send_time(world):
    meeting_tomorrow(world)
    reminders_plan()
    quiet_now(world.member)
    ids = list(Delivery.objects.filter(channel="email").values_list("pk", flat=True))

    outcome = deliveries_send(delivery_ids=ids)

    assert outcome["held"] == 1
    assert mail.outbox == []


def test_opt_outs_are_respected(world):
    NotificationPreference.objects.create(
        user=world.member, email_enabled=False, inapp_enabled=False
    )
    meeting_tomorrow(world)

    run_tick()

    assert statuses(recipient=world.member) == []
    assert mail.outbox == []


def test_opting_out_after_planning_skips_at_send_time(world):
    meeting_tomorrow(world)
    reminders_plan()
    NotificationPreference.objects.create(user=world.member, email_enabled=False)

    run_tick()

    assert statuses(recipient=world.member) == [("email", "skipped"), ("inapp", "sent")]


def test_email_is_in_the_members_language_with_html_and_an_ics(world):
    Profile.objects.filter(user=world.member).update(language="ko")
    meeting = meeting_tomorrow(world)

    run_tick()

    message = mail.outbox[0]
    html = message.alternatives[0]
    attachment = message.attachments[0]
    assert html.mimetype == "text/html"
    assert "Transformers" in html.content
    assert attachment.filename == "meeting.ics"
    assert f"UID:{meeting.uid}@labmate" in attachment.content
    assert message.extra_headers["X-Labmate-Delivery"] == str(
        Delivery.objects.get(channel="email").idempotency_key
    )
    assert "Transformers" in message.body


def test_daily_digest_folds_the_days_reminders_into_one_email(world):
    pref = NotificationPreference.objects.create(user=world.member, digest=True)
    meeting_tomorrow(world)
    RsvpFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=22)),
        user=world.member,
    )
    reminders_plan()
    Delivery.objects.filter(recipient=world.member, channel="email").update(
        next_attempt_at=timezone.now()
    )

    run_tick()

    assert pref.digest is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your Labmate digest: 2 reminders"
    assert statuses(recipient=world.member, channel="email") == [
        ("email", "sent"),
        ("email", "sent"),
    ]


def test_a_dead_worker_claim_is_recovered_after_the_lease(world, settings):
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 60
    meeting_tomorrow(world)
    reminders_plan()
    Delivery.objects.update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=5)
    )

    recovered = deliveries_recover()
    run_tick()

    assert recovered == 2
    assert statuses(recipient=world.member) == [("email", "sent"), ("inapp", "sent")]
    assert len(mail.outbox) == 1


def hooked(world, receiver, *, flavor="slack"):
    only(world, "meeting")
    return CohortWebhook.objects.create(
        cohort=world.cohort, url=receiver.url, flavor=flavor, secret=receiver.secret
    )


def test_webhook_posts_signed_slack_json_with_an_idempotency_key(world, webhook_receiver):
    webhook_receiver.secret = "s3cret"
    hooked(world, webhook_receiver)
    meeting = meeting_tomorrow(world)

    run_tick()

    delivery = Delivery.objects.get(channel="webhook")
    arrival = webhook_receiver.arrivals[0]
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.recipient is None
    assert arrival.key == str(delivery.idempotency_key)
    assert arrival.signature_ok is True
    # A cohort's chat speaks the site's language (Korean), not a member's.
    assert arrival.body["text"].split("\n")[0] == f"*{meeting.number}회 모임이 다가와요*"


def test_webhook_discord_shape(world, webhook_receiver):
    hooked(world, webhook_receiver, flavor="discord")
    meeting_tomorrow(world)

    run_tick()

    body = webhook_receiver.arrivals[0].body
    assert sorted(body) == ["allowed_mentions", "content", "embeds"]
    assert body["embeds"][0]["title"] == body["content"]


@override_settings(NOTIFICATIONS_RETRY_BASE_SECONDS=0, NOTIFICATIONS_MAX_ATTEMPTS=3)
def test_webhook_down_retries_then_fails_and_a_leader_resends(world, webhook_receiver):
    webhook_receiver.status = 503
    hooked(world, webhook_receiver)
    meeting_tomorrow(world)

    for _ in range(4):
        run_tick()
    failed = Delivery.objects.get(channel="webhook")
    given_up = (failed.status, failed.attempts, failed.last_error)
    webhook_receiver.status = 200
    delivery_resend(actor=world.leader, delivery=failed)
    # What the task enqueued on commit does:
    deliveries_send(delivery_ids=[failed.pk])

    assert given_up == ("failed", 3, "HTTP 503")
    assert webhook_receiver.attempts == 4
    assert Delivery.objects.get(channel="webhook").status == DeliveryStatus.SENT
    assert len(webhook_receiver.arrivals) == 1


def test_webhook_404_fails_at_once(world, webhook_receiver):
    webhook_receiver.status = 404
    hooked(world, webhook_receiver)
    meeting_tomorrow(world)

    run_tick()

    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 1, "HTTP 404")


def test_retry_waits_with_backoff_instead_of_a_countdown(world, webhook_receiver, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 600
    webhook_receiver.status = 500
    hooked(world, webhook_receiver)
    meeting_tomorrow(world)

    run_tick()
    run_tick()

    delivery = Delivery.objects.get(channel="webhook")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=590) < wait <= timedelta(seconds=600)


def test_rules_off_for_webhook_post_nothing(world, webhook_receiver):
    hooked(world, webhook_receiver)
    ReminderRule.objects.filter(cohort=world.cohort).update(to_webhook=False)
    meeting_tomorrow(world)

    run_tick()

    assert webhook_receiver.arrivals == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
    ],
)
def test_webhook_to_a_private_address_is_refused_in_production(world, settings, url):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    CohortWebhook.objects.create(cohort=world.cohort, url=url, flavor="slack", secret="s")
    only(world, "meeting")
    meeting_tomorrow(world)

    run_tick()

    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.endswith("is not a public address")
