"""Reads for the "who presented what" history: a member's presentations across every cohort
of a lab, and the lab's searchable archive of past presentations. Constant queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from labs.models import Cohort, Lab, Membership
from members.models import User, display_name_for
from sessions.models import MeetingStatus, Slot, SlotAssignment, SlotKind

ARCHIVE_PAGE_SIZE = 50
_KIND_LABELS = dict(SlotKind.choices)


@dataclass(frozen=True, slots=True)
class Presentation:
    """One past presentation of one member."""

    slot_id: int
    meeting_id: int
    starts_at: dt.datetime
    cohort_number: int
    cohort_name: str
    meeting_number: int
    kind: str
    title: str
    materials_url: str

    @property
    def kind_label(self) -> str:
        return str(_KIND_LABELS.get(self.kind, self.kind))


def lab_member_get(*, lab: Lab, user_id: int) -> User:
    """A user who is or was in some cohort of the lab (any status: history stays), else 404."""
    try:
        return User.objects.select_related("profile").get(
            pk=user_id,
            pk__in=Membership.objects.filter(cohort__lab=lab).values("user_id"),
        )
    except User.DoesNotExist:
        raise Http404 from None


def _past_slots(lab: Lab, now: dt.datetime) -> QuerySet[Slot]:
    return Slot.objects.filter(
        meeting__cohort__lab=lab,
        meeting__status=MeetingStatus.SCHEDULED,
        meeting__starts_at__lt=now,
    )


def presentation_list_for_member(
    *, lab: Lab, user: Any, now: dt.datetime | None = None
) -> list[Presentation]:
    """Everything this member presented in the lab's meetings that have started, in every
    cohort, newest first: one query."""
    now = now or timezone.now()
    rows = (
        SlotAssignment.objects.filter(user=user, slot__in=_past_slots(lab, now))
        .order_by("-slot__meeting__starts_at", "slot__kind", "slot__position", "slot_id")
        .values_list(
            "slot_id",
            "slot__meeting_id",
            "slot__meeting__starts_at",
            "slot__meeting__cohort__number",
            "slot__meeting__cohort__name",
            "slot__meeting__number",
            "slot__kind",
            "slot__title",
            "slot__materials_url",
        )
    )
    return [Presentation(*row) for row in rows]


@dataclass(slots=True)
class ArchiveEntry:
    """One past slot with its presenters."""

    slot: Slot
    presenters: list[tuple[int, str]] = field(default_factory=list)  # (user id, name)

    @property
    def kind_label(self) -> str:
        return str(_KIND_LABELS.get(self.slot.kind, self.slot.kind))


def archive_slots(
    *,
    lab: Lab,
    q: str = "",
    kind: str = "",
    cohort_number: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Slot]:
    """The lab's past slots that someone presented, newest first, optionally searched by
    title (case-insensitive; Korean works) and filtered by track and cohort."""
    now = now or timezone.now()
    slots = (
        _past_slots(lab, now)
        .filter(Exists(SlotAssignment.objects.filter(slot=OuterRef("pk"))))
        .select_related("meeting__cohort")
        .order_by("-meeting__starts_at", "kind", "position", "id")
    )
    q = (q or "").strip()
    if q:
        slots = slots.filter(title__icontains=q)
    if kind in SlotKind.values:
        slots = slots.filter(kind=kind)
    if cohort_number is not None:
        slots = slots.filter(meeting__cohort__number=cohort_number)
    return slots


def archive_entries(slots: list[Slot]) -> list[ArchiveEntry]:
    """Entries for one page of archive slots, with their presenters: one query."""
    entries = {slot.pk: ArchiveEntry(slot=slot) for slot in slots}
    if not entries:
        return []
    presenters: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        SlotAssignment.objects.filter(slot_id__in=list(entries))
        .order_by("created_at", "id")
        .values_list("slot_id", "user_id", "user__email", "user__profile__display_name")
    )
    for slot_id, user_id, email, profile_name in rows:
        presenters[slot_id].append((user_id, display_name_for(email, profile_name)))
    for slot_id, entry in entries.items():
        entry.presenters = presenters[slot_id]
    return list(entries.values())


def cohort_choices_for_lab(*, lab: Lab) -> list[Cohort]:
    """The lab's cohorts, newest first, for the archive's filter."""
    return list(Cohort.objects.filter(lab=lab).order_by("-number"))
