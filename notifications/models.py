"""The inbox, the outbox of deliveries, per-cohort reminder rules and webhooks, and preferences."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Chat webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not needed any more")


class Notification(TimeStampedModel):
    """One entry of a member's in-app inbox (the bell)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The reminder delivery this entry came from; unique, so a redelivered task cannot
    # put the same reminder into the inbox twice.
    delivery = models.OneToOneField(
        "Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbox_entry"
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} · {self.kind}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class ReminderRule(TimeStampedModel):
    """When a cohort reminds whom of what: a source kind and how long before its moment."""

    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, related_name="reminder_rules"
    )
    # A key of notifications.sources.registry (not a DB enum: other apps register sources).
    kind = models.CharField(_("reminder"), max_length=40)
    minutes_before = models.PositiveIntegerField(_("minutes before"))
    enabled = models.BooleanField(_("enabled"), default=True)
    # Also post one message to the cohort's chat webhook (not one per member).
    to_webhook = models.BooleanField(_("post to the chat webhook"), default=False)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["cohort_id", "kind", "-minutes_before", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind", "minutes_before"], name="reminder_rule_once"
            ),
            models.CheckConstraint(
                condition=Q(minutes_before__gte=1, minutes_before__lte=60 * 24 * 60),
                name="reminder_rule_offset_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} · {self.kind} · {self.minutes_before}m"


class WebhookFlavor(models.TextChoices):
    SLACK = "slack", _("Slack-compatible")
    DISCORD = "discord", _("Discord-compatible")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class CohortWebhook(TimeStampedModel):
    """A cohort's chat webhook: reminders are posted as JSON, signed with HMAC-SHA256."""

    cohort = models.OneToOneField("labs.Cohort", on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("webhook URL"), max_length=500)
    flavor = models.CharField(
        _("format"), max_length=8, choices=WebhookFlavor.choices, default=WebhookFlavor.SLACK
    )
    secret = models.CharField(max_length=64, default=new_webhook_secret)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("chat webhook")
        verbose_name_plural = _("chat webhooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(flavor__in=[c.value for c in WebhookFlavor]),
                name="webhook_flavor_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} · {self.flavor}"


class NotificationPreference(TimeStampedModel):
    """A member's channel opt-outs, quiet hours (in their own time zone) and digest choice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("email"), default=True)
    inapp_enabled = models.BooleanField(_("in-app reminders"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest = models.BooleanField(
        _("one daily digest email instead of single emails"), default=False
    )
    digest_hour = models.PositiveSmallIntegerField(_("digest hour"), default=8)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="pref_digest_hour"),
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="pref_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"


class Delivery(TimeStampedModel):
    """One message on one channel: the outbox row that the database keeps as the truth.

    A reminder row is unique per (rule, target, moment, recipient, channel); an event row per
    (inbox entry, channel). Workers claim rows with a conditional UPDATE, so a message that
    Celery delivers twice is still sent once.
    """

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    kind = models.CharField(_("kind"), max_length=40)
    rule = models.ForeignKey(
        ReminderRule, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The moment the reminder is about (a meeting's start, a due date): a rescheduled
    # meeting gets a fresh reminder, the same one never a second.
    anchor_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    digest = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Sent with every webhook call, so a receiver can drop a repeat.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "target_type", "target_id", "anchor_at", "recipient", "channel"],
                condition=Q(rule__isnull=False, recipient__isnull=False),
                name="delivery_reminder_once_per_recipient",
            ),
            models.UniqueConstraint(
                fields=["rule", "target_type", "target_id", "anchor_at", "channel"],
                condition=Q(rule__isnull=False, recipient__isnull=True),
                name="delivery_reminder_once_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(notification__isnull=False),
                name="delivery_event_once_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=True)
                | Q(target_type__isnull=False, target_id__isnull=False, anchor_at__isnull=False),
                name="delivery_reminder_has_target",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="delivery_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in DeliveryStatus]),
                name="delivery_status_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due_idx",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="delivery_claimed_idx"
            ),
            models.Index(fields=["cohort", "status", "-created_at"], name="delivery_cohort_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.kind} · {self.status}"
