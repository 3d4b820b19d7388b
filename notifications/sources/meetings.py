"""Meeting reminders: the meeting itself, presenters, open slots and unanswered RSVPs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from labs.models import MANAGER_ROLES, Membership, MembershipStatus
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
from sessions.models import Meeting, MeetingStatus, Rsvp, RsvpAnswer, Slot, SlotAssignment

if TYPE_CHECKING:
    from notifications.models import ReminderRule

HOUR = 60
DAY = 24 * HOUR
GOING = (RsvpAnswer.YES, RsvpAnswer.MAYBE)


def _meeting_url(meeting_id: int) -> str:
    return reverse("sessions:meeting_detail", kwargs={"pk": meeting_id})


def _meeting_params(row: dict[str, Any]) -> dict[str, str | int]:
    return {
        "meeting": row["number"],
        "title": row["title"] or "",
        "starts_at": iso(row["starts_at"]),
        "cohort": row["cohort_number"],
        "lab": row["lab_name"],
    }


def _meetings_due(
    rules: Sequence[ReminderRule], now: datetime
) -> list[tuple[ReminderRule, dict[str, Any]]]:
    """Scheduled meetings some rule makes due now, each with the rule that fires."""
    start, end = window(rules, now)
    grouped = by_cohort(rules)
    rows = Meeting.objects.filter(
        cohort_id__in=list(grouped),
        status=MeetingStatus.SCHEDULED,
        starts_at__gt=start,
        starts_at__lte=end,
    ).values(
        "id",
        "cohort_id",
        "number",
        "title",
        "starts_at",
        cohort_number=F("cohort__number"),
        lab_name=F("cohort__lab__name"),
    )
    return rows_due(rows, grouped, now)


def _meetings_unchanged(checks: Sequence[Check], now: datetime) -> dict[int, int]:
    """meeting id -> cohort id of the checked meetings still scheduled and still ahead."""
    rows = Meeting.objects.filter(pk__in={check.target_id for check in checks}).values_list(
        "id", "cohort_id", "status", "starts_at"
    )
    return {
        pk: cohort_id
        for pk, cohort_id, status, starts_at in rows
        if status == MeetingStatus.SCHEDULED and starts_at > now
    }


def _starts(checks: Sequence[Check]) -> dict[int, datetime]:
    return dict(
        Meeting.objects.filter(pk__in={check.target_id for check in checks}).values_list(
            "id", "starts_at"
        )
    )


def _same_moment(check: Check, live: dict[int, int], starts: dict[int, datetime]) -> bool:
    """The meeting is still on, at the moment the reminder was planned for (a moved
    meeting gets its own reminder for its new time)."""
    return check.target_id in live and starts.get(check.target_id) == check.anchor_at


def _active_members(cohort_ids: set[int], user_ids: set[int] | None = None) -> set[tuple[int, int]]:
    rows = Membership.objects.filter(cohort_id__in=cohort_ids, status=MembershipStatus.ACTIVE)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return set(rows.values_list("cohort_id", "user_id"))


class MeetingSource:
    """A meeting is coming: to those who said yes or maybe."""

    kind = "meeting"
    label = _("Meeting is coming up (to those going or maybe)")
    defaults = (
        DefaultRule("meeting", 1 * DAY, to_webhook=True),
        DefaultRule("meeting", 1 * HOUR),
    )

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        meetings = _meetings_due(rules, now)
        if not meetings:
            return []
        going: dict[int, list[int]] = {}
        rsvps = Rsvp.objects.filter(
            meeting_id__in=[row["id"] for _rule, row in meetings],
            answer__in=GOING,
            user__memberships__cohort_id=F("meeting__cohort_id"),
            user__memberships__status=MembershipStatus.ACTIVE,
        ).values_list("meeting_id", "user_id")
        for meeting_id, user_id in rsvps:
            going.setdefault(meeting_id, []).append(user_id)
        return [
            DueReminder(
                rule=rule,
                target_model=Meeting,
                target_id=row["id"],
                anchor_at=row["starts_at"],
                recipient_ids=sorted(going.get(row["id"], [])),
                params=_meeting_params(row),
                url=_meeting_url(row["id"]),
            )
            for rule, row in meetings
        ]

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        live = _meetings_unchanged(checks, now)
        starts = _starts(checks)
        going = set(
            Rsvp.objects.filter(
                meeting_id__in=list(live),
                user_id__in={c.recipient_id for c in checks if c.recipient_id},
                answer__in=GOING,
            ).values_list("meeting_id", "user_id")
        )
        return {
            index
            for index, check in enumerate(checks)
            if _same_moment(check, live, starts)
            and (check.recipient_id is None or (check.target_id, check.recipient_id) in going)
        }


class PresenterSource:
    """Your presentation is coming: to each presenter who has not shared materials yet."""

    kind = "presenter"
    label = _("You present soon (to presenters without materials)")
    defaults = (DefaultRule("presenter", 3 * DAY),)

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        start, end = window(rules, now)
        grouped = by_cohort(rules)
        slots = list(
            Slot.objects.filter(
                meeting__cohort_id__in=list(grouped),
                meeting__status=MeetingStatus.SCHEDULED,
                meeting__starts_at__gt=start,
                meeting__starts_at__lte=end,
                materials_url="",
            ).values(
                "id",
                "title",
                "meeting_id",
                number=F("meeting__number"),
                starts_at=F("meeting__starts_at"),
                cohort_id=F("meeting__cohort_id"),
                cohort_number=F("meeting__cohort__number"),
                lab_name=F("meeting__cohort__lab__name"),
                meeting_title=F("meeting__title"),
            )
        )
        fired = rows_due(slots, grouped, now)
        if not fired:
            return []
        presenters: dict[int, list[int]] = {}
        for slot_id, user_id in SlotAssignment.objects.filter(
            slot_id__in=[row["id"] for _rule, row in fired]
        ).values_list("slot_id", "user_id"):
            presenters.setdefault(slot_id, []).append(user_id)
        return [
            DueReminder(
                rule=rule,
                target_model=Slot,
                target_id=row["id"],
                anchor_at=row["starts_at"],
                recipient_ids=sorted(presenters.get(row["id"], [])),
                params={
                    **_meeting_params({**row, "title": row["meeting_title"]}),
                    "slot": row["title"],
                },
                url=_meeting_url(row["meeting_id"]),
            )
            for rule, row in fired
            if presenters.get(row["id"])
        ]

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        live = {
            pk: starts_at
            for pk, materials, status, starts_at in Slot.objects.filter(
                pk__in={check.target_id for check in checks}
            ).values_list("id", "materials_url", "meeting__status", "meeting__starts_at")
            if not materials and status == MeetingStatus.SCHEDULED and starts_at > now
        }
        held = set(
            SlotAssignment.objects.filter(slot_id__in=list(live)).values_list("slot_id", "user_id")
        )
        return {
            index
            for index, check in enumerate(checks)
            if live.get(check.target_id) == check.anchor_at
            and (check.recipient_id is None or (check.target_id, check.recipient_id) in held)
        }


def _open_slot_counts(meeting_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        Slot.objects.filter(meeting_id__in=list(meeting_ids))
        .annotate(taken=Count("assignments"))
        .filter(taken__lt=F("capacity"))
        .values_list("meeting_id", flat=True)
    )
    counts: dict[int, int] = {}
    for meeting_id in rows:
        counts[meeting_id] = counts.get(meeting_id, 0) + 1
    return counts


class OpenSlotsSource:
    """Slots nobody took yet: to the cohort's leaders and facilitators."""

    kind = "open_slots"
    label = _("Slots still open (to leaders)")
    defaults = (DefaultRule("open_slots", 5 * DAY, to_webhook=True),)

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        meetings = _meetings_due(rules, now)
        if not meetings:
            return []
        open_counts = _open_slot_counts([row["id"] for _rule, row in meetings])
        cohort_ids = {row["cohort_id"] for _rule, row in meetings if row["id"] in open_counts}
        managers = active_members_by_cohort(cohort_ids, roles=MANAGER_ROLES)
        return [
            DueReminder(
                rule=rule,
                target_model=Meeting,
                target_id=row["id"],
                anchor_at=row["starts_at"],
                recipient_ids=sorted(managers.get(row["cohort_id"], set())),
                params={**_meeting_params(row), "open": open_counts[row["id"]]},
                url=_meeting_url(row["id"]),
            )
            for rule, row in meetings
            if row["id"] in open_counts
        ]

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        live = _meetings_unchanged(checks, now)
        starts = _starts(checks)
        still_open = _open_slot_counts(list(live))
        managers = set(
            Membership.objects.filter(
                cohort_id__in=set(live.values()),
                status=MembershipStatus.ACTIVE,
                role__in=MANAGER_ROLES,
            ).values_list("cohort_id", "user_id")
        )
        return {
            index
            for index, check in enumerate(checks)
            if check.target_id in still_open
            and _same_moment(check, live, starts)
            and (
                check.recipient_id is None
                or (live[check.target_id], check.recipient_id) in managers
            )
        }


class RsvpSource:
    """Nobody knows yet whether you come: to active members without an RSVP."""

    kind = "rsvp"
    label = _("RSVP not answered (to members who have not answered)")
    defaults = (DefaultRule("rsvp", 2 * DAY),)

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        meetings = _meetings_due(rules, now)
        if not meetings:
            return []
        members = active_members_by_cohort(row["cohort_id"] for _r, row in meetings)
        answered: dict[int, set[int]] = {}
        for meeting_id, user_id in Rsvp.objects.filter(
            meeting_id__in=[row["id"] for _rule, row in meetings]
        ).values_list("meeting_id", "user_id"):
            answered.setdefault(meeting_id, set()).add(user_id)
        result = []
        for rule, row in meetings:
            missing = members.get(row["cohort_id"], set()) - answered.get(row["id"], set())
            if missing:
                result.append(
                    DueReminder(
                        rule=rule,
                        target_model=Meeting,
                        target_id=row["id"],
                        anchor_at=row["starts_at"],
                        recipient_ids=sorted(missing),
                        params=_meeting_params(row),
                        url=_meeting_url(row["id"]),
                    )
                )
        return result

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        live = _meetings_unchanged(checks, now)
        starts = _starts(checks)
        users = {c.recipient_id for c in checks if c.recipient_id}
        answered = set(
            Rsvp.objects.filter(meeting_id__in=list(live), user_id__in=users).values_list(
                "meeting_id", "user_id"
            )
        )
        members = _active_members(set(live.values()), users)
        return {
            index
            for index, check in enumerate(checks)
            if _same_moment(check, live, starts)
            and (
                check.recipient_id is None
                or (
                    (check.target_id, check.recipient_id) not in answered
                    and (live[check.target_id], check.recipient_id) in members
                )
            )
        }


registry.register(MeetingSource())
registry.register(PresenterSource())
registry.register(OpenSlotsSource())
registry.register(RsvpSource())
