"""The "event_deadline" reminder source: an outside event or deadline of the cohort is coming.

Registered with notifications.sources.registry from CommunityConfig.ready(); notifications
plans and sends it like its own kinds, with each cohort's rules (three days and one day
before, by default) and each member's quiet hours and opt-outs. Everyone active in the cohort
hears about it; a rechecked reminder is dropped when the event moved, was deleted or the
member left the cohort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.models import OutsideEvent
from labs.models import Membership, MembershipStatus
from notifications.sources import (
    Check,
    DefaultRule,
    DueReminder,
    active_members_by_cohort,
    by_cohort,
    iso,
    registry,
    rows_due,
    window,
)

if TYPE_CHECKING:
    from notifications.models import ReminderRule

KIND = "event_deadline"
DAY = 24 * 60


def _params(row: Mapping[str, Any]) -> dict[str, str | int]:
    return {
        "title": row["title"],
        "event_kind": row["kind"],
        "starts_at": iso(row["starts_at"]),
        "cohort": row["cohort_number"],
        "lab": row["lab_name"],
    }


class EventDeadlineSource:
    """A conference, seminar or submission deadline is coming: to the cohort's members."""

    kind = KIND
    label = _("Outside event or deadline is coming up (to the cohort)")
    defaults = (
        DefaultRule(KIND, 3 * DAY, to_webhook=True),
        DefaultRule(KIND, 1 * DAY),
    )

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        start, end = window(rules, now)
        grouped = by_cohort(rules)
        rows = OutsideEvent.objects.filter(
            cohort_id__in=list(grouped), starts_at__gt=start, starts_at__lte=end
        ).values(
            "id",
            "cohort_id",
            "kind",
            "title",
            "starts_at",
            cohort_number=F("cohort__number"),
            lab_name=F("cohort__lab__name"),
            lab_slug=F("cohort__lab__slug"),
        )
        due = rows_due(rows, grouped, now)
        if not due:
            return []
        members = active_members_by_cohort(row["cohort_id"] for _rule, row in due)
        return [
            DueReminder(
                rule=rule,
                target_model=OutsideEvent,
                target_id=row["id"],
                anchor_at=row["starts_at"],
                recipient_ids=sorted(members.get(row["cohort_id"], set())),
                params=_params(row),
                url=reverse("community:events", kwargs={"slug": row["lab_slug"]}),
            )
            for rule, row in due
        ]

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        # (cohort, start) of each checked event that still exists and has not started.
        live = {
            pk: (cohort_id, starts_at)
            for pk, cohort_id, starts_at in OutsideEvent.objects.filter(
                pk__in={check.target_id for check in checks}
            ).values_list("id", "cohort_id", "starts_at")
            if starts_at > now
        }
        active = set(
            Membership.objects.filter(
                cohort_id__in={cohort_id for cohort_id, _start in live.values()},
                user_id__in={c.recipient_id for c in checks if c.recipient_id},
                status=MembershipStatus.ACTIVE,
            ).values_list("cohort_id", "user_id")
        )
        due = set()
        for index, check in enumerate(checks):
            cohort_id, starts_at = live.get(check.target_id, (None, None))
            # A moved event was planned for another moment: its reminder is stale.
            if cohort_id is None or starts_at != check.anchor_at:
                continue
            if check.recipient_id is None or (cohort_id, check.recipient_id) in active:
                due.add(index)
        return due


def register() -> None:
    registry.register(EventDeadlineSource())
