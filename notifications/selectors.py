"""Reads of the notifications app: the inbox, unread counts, a cohort's rules and deliveries."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, QuerySet, Value, When

from notifications.models import (
    CohortWebhook,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    ReminderRule,
)

INBOX_PAGE = 30


def notification_list_for_user(*, user: Any) -> QuerySet[Notification]:
    """The member's own inbox, newest first. Nobody sees another member's entries."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_for(*, user: Any) -> NotificationPreference:
    """The member's saved preferences, or the defaults (unsaved) when they chose none."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def reminder_rules_for_cohort(*, cohort: Any) -> QuerySet[ReminderRule]:
    return ReminderRule.objects.filter(cohort=cohort).order_by("kind", "-minutes_before", "id")


def reminder_rules_visible(*, user: Any) -> QuerySet[ReminderRule]:
    """Rules of the cohorts whose lab the user belongs to (members may read, leaders write)."""
    from labs.selectors import cohort_list_visible

    return ReminderRule.objects.filter(cohort__in=cohort_list_visible(user=user)).select_related(
        "cohort", "cohort__lab"
    )


def webhook_for_cohort(*, cohort: Any) -> CohortWebhook | None:
    return CohortWebhook.objects.filter(cohort=cohort).first()


def delivery_list_for_cohort(*, cohort: Any, status: str | None = None) -> QuerySet[Delivery]:
    """The cohort's outbox for its leaders, failures first, with each recipient's name."""
    rows = Delivery.objects.filter(cohort=cohort).select_related("recipient__profile")
    if status:
        rows = rows.filter(status=status)
    # Failed first: they are what a leader comes here for.
    failed_first = Case(When(status=DeliveryStatus.FAILED, then=Value(0)), default=Value(1))
    return rows.order_by(failed_first, "-created_at", "-id")


def delivery_counts_for_cohort(*, cohort: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        Delivery.objects.filter(cohort=cohort)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    counts.update(dict(rows))
    return counts


def meeting_feed_rows(*, meeting_ids: list[int]) -> list[dict[str, Any]]:
    """Meetings as the calendar feed's builders read them (sessions.feeds), one query."""
    from sessions.models import Meeting
    from sessions.selectors.feeds import meeting_rows

    return meeting_rows(meetings=Meeting.objects.filter(pk__in=meeting_ids))
