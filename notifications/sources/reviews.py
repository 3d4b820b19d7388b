"""Paper reviews due soon: to each reviewer who has not submitted yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.sources import (
    Check,
    DefaultRule,
    DueReminder,
    by_cohort,
    iso,
    registry,
    rows_due,
    window,
)
from sessions.models import ReviewAssignment, ReviewStatus

if TYPE_CHECKING:
    from notifications.models import ReminderRule


class ReviewDueSource:
    kind = "review_due"
    label = _("Paper review due (to reviewers who have not submitted)")
    defaults = (DefaultRule("review_due", 2 * 24 * 60),)

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        start, end = window(rules, now)
        grouped = by_cohort(rules)
        rows = (
            ReviewAssignment.objects.filter(
                paper__cohort_id__in=list(grouped), due_at__gt=start, due_at__lte=end
            )
            .exclude(status=ReviewStatus.SUBMITTED)
            .values(
                "id",
                "reviewer_id",
                "due_at",
                paper_title=F("paper__title"),
                cohort_id=F("paper__cohort_id"),
                cohort_number=F("paper__cohort__number"),
                lab_slug=F("paper__cohort__lab__slug"),
            )
        )
        return [
            DueReminder(
                rule=rule,
                target_model=ReviewAssignment,
                target_id=row["id"],
                anchor_at=row["due_at"],
                recipient_ids=[row["reviewer_id"]],
                params={"paper": row["paper_title"], "due_at": iso(row["due_at"])},
                url=reverse(
                    "labs:cohort_detail",
                    kwargs={"slug": row["lab_slug"], "number": row["cohort_number"]},
                ),
            )
            for rule, row in rows_due(rows, grouped, now, anchor="due_at")
        ]

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        live = {
            pk: (reviewer_id, due_at)
            for pk, reviewer_id, status, due_at in ReviewAssignment.objects.filter(
                pk__in={check.target_id for check in checks}
            ).values_list("id", "reviewer_id", "status", "due_at")
            if status != ReviewStatus.SUBMITTED and due_at is not None and due_at > now
        }
        return {
            index
            for index, check in enumerate(checks)
            if check.target_id in live
            and live[check.target_id][1] == check.anchor_at
            and check.recipient_id in (None, live[check.target_id][0])
        }


registry.register(ReviewDueSource())
