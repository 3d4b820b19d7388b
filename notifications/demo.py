"""Demo content for notifications: every demo cohort's default reminder rules, an early
meeting reminder in 5기 so `make run` shows reminders firing within a minute (beat's first
tick), and a few inbox entries so the bell has something to count. Called by
`manage.py seed_demo`; idempotent."""

from __future__ import annotations

from labs.models import Cohort
from members.models import User
from notifications.models import Notification, ReminderRule
from notifications.services import notify, reminder_rules_ensure_defaults

# Two weeks: the biweekly series always has a meeting that close, so the first tick after
# `make run` plans its reminder (inbox + an email file under var/mail) for everyone going.
DEMO_EARLY_MINUTES = 14 * 24 * 60


def seed_notifications_demo(*, cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    reminder_rules_ensure_defaults()
    reminder_rules_ensure_defaults(cohorts=[cohort])
    ReminderRule.objects.get_or_create(
        cohort=cohort, kind="meeting", minutes_before=DEMO_EARLY_MINUTES
    )
    already = Notification.objects.filter(
        cohort=cohort, recipient=leader, kind="invitation_accepted"
    ).exists()
    if already:
        return
    member = users.get("seoyeon")
    if member is not None:
        notify(
            kind="invitation_accepted",
            recipients=[leader],
            cohort=cohort,
            target=cohort,
            params={"name": member.display_name, "role": "member"},
            url=cohort.get_absolute_url(),
        )
