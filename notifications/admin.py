"""Admin: inspect the inbox, the outbox of deliveries and each cohort's rules."""

from __future__ import annotations

from django.contrib import admin

from notifications.models import (
    CohortWebhook,
    Delivery,
    Notification,
    NotificationPreference,
    ReminderRule,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "cohort", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient", "cohort", "delivery")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "kind", "status", "recipient", "attempts", "next_attempt_at")
    list_filter = ("status", "channel", "kind")
    raw_id_fields = ("recipient", "cohort", "rule", "notification")
    readonly_fields = ("idempotency_key", "claim_token", "claimed_at", "enqueued_at", "sent_at")


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ("id", "cohort", "kind", "minutes_before", "enabled", "to_webhook")
    list_filter = ("kind", "enabled")
    raw_id_fields = ("cohort",)


@admin.register(CohortWebhook)
class CohortWebhookAdmin(admin.ModelAdmin):
    list_display = ("id", "cohort", "flavor", "enabled")
    raw_id_fields = ("cohort",)
    exclude = ("secret",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "inapp_enabled", "digest", "quiet_start", "quiet_end")
    raw_id_fields = ("user",)
