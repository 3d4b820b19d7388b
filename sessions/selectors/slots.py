"""Reads for slots: the presenters board (meetings x tracks) in a constant number of queries,
one slot's cell, the audit log and away dates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from labs.models import Cohort
from labs.selectors import member_lab_ids
from members.models import display_name_for
from sessions.models import (
    AwayPeriod,
    Meeting,
    MeetingStatus,
    Slot,
    SlotAssignment,
    SlotChange,
    SlotKind,
    WaitlistEntry,
)

ACTION_LABELS = {
    "created": _lazy("Slot created"),
    "updated": _lazy("Slot changed"),
    "claimed": _lazy("Claimed"),
    "released": _lazy("Given back"),
    "promoted": _lazy("Promoted from the waitlist"),
    "waitlisted": _lazy("Joined the waitlist"),
    "waitlist_left": _lazy("Left the waitlist"),
    "assigned": _lazy("Assigned by a leader"),
    "unassigned": _lazy("Removed by a leader"),
    "swapped": _lazy("Swapped"),
    "rotation": _lazy("Rotation"),
    "draw": _lazy("Draw"),
}
UPCOMING_LIMIT = 12
PAST_LIMIT = 4


def slot_list_visible(*, user: Any) -> QuerySet[Slot]:
    """Slots of the meetings of the labs this user belongs to."""
    qs = Slot.objects.select_related("meeting__cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(meeting__cohort__lab_id__in=member_lab_ids(user))


def slot_get_for_user(*, user: Any, pk: int) -> Slot:
    """The slot if this user may see it, otherwise 404."""
    try:
        return slot_list_visible(user=user).get(pk=pk)
    except Slot.DoesNotExist:
        raise Http404 from None


@dataclass(slots=True)
class Presenter:
    user_id: int
    display_name: str
    source: str


@dataclass(slots=True)
class SlotCell:
    """One slot as the board shows it to one viewer: the slot's own columns, its presenters
    and waitlist (plain values: a board reads 48 of them, no model instances)."""

    id: int
    meeting_id: int
    kind: str
    title: str
    capacity: int
    materials_url: str
    presenters: list[Presenter] = field(default_factory=list)
    waitlist: list[int] = field(default_factory=list)  # user ids, first come first
    viewer_id: int | None = None
    # "open", "full": may claim / wait; "closed": past or cancelled meeting.
    is_closed: bool = False
    release_open: bool = True

    @property
    def is_full(self) -> bool:
        return len(self.presenters) >= self.capacity

    @property
    def mine(self) -> bool:
        return any(p.user_id == self.viewer_id for p in self.presenters)

    @property
    def waiting(self) -> bool:
        return self.viewer_id in self.waitlist

    @property
    def waitlist_count(self) -> int:
        return len(self.waitlist)

    @property
    def waitlist_position(self) -> int:
        if self.viewer_id is None or self.viewer_id not in self.waitlist:
            return 0
        return self.waitlist.index(self.viewer_id) + 1

    @property
    def latest_presenter(self) -> str:
        return self.presenters[-1].display_name if self.presenters else ""


@dataclass(slots=True)
class BoardRow:
    """One meeting of the board (its id, number and start) with its cells per track."""

    meeting_id: int
    number: int
    starts_at: dt.datetime
    is_past: bool
    tracks: list[tuple[str, list[SlotCell]]]  # (track label, cells), as Board.tracks
    away: list[str]  # display names of members away on the meeting's date


@dataclass(slots=True)
class Board:
    tracks: list[tuple[str, str]]  # (kind, label), in SlotKind order
    upcoming: list[BoardRow]
    past: list[BoardRow]

    @property
    def rows(self) -> list[BoardRow]:
        return [*self.upcoming, *self.past]


# The slot columns a cell shows, as read with .values().
_CELL_COLUMNS = ("id", "meeting_id", "kind", "title", "capacity", "materials_url")


def _cells_for_slots(
    slots: list[dict[str, Any]],
    *,
    meetings: dict[int, dict[str, Any]],
    release_cutoff_hours: int,
    viewer_id: int | None,
    now: dt.datetime,
) -> dict[int, SlotCell]:
    """Cells for these slot rows (`meetings`: their meetings' status and start, by id): two
    queries, the presenters and the waitlists."""
    cutoff = dt.timedelta(hours=release_cutoff_hours)
    cells: dict[int, SlotCell] = {}
    for slot in slots:
        meeting = meetings[slot["meeting_id"]]
        starts_at = meeting["starts_at"]
        cells[slot["id"]] = SlotCell(
            **slot,
            viewer_id=viewer_id,
            is_closed=meeting["status"] == MeetingStatus.CANCELLED or starts_at <= now,
            release_open=now < starts_at - cutoff,
        )
    if not cells:
        return cells
    rows = (
        SlotAssignment.objects.filter(slot_id__in=list(cells))
        .order_by("created_at", "id")
        .values_list("slot_id", "user_id", "user__email", "user__profile__display_name", "source")
    )
    for slot_id, user_id, email, profile_name, source in rows:
        cells[slot_id].presenters.append(
            Presenter(user_id, display_name_for(email, profile_name), source)
        )
    waiting = (
        WaitlistEntry.objects.filter(slot_id__in=list(cells))
        .order_by("created_at", "id")
        .values_list("slot_id", "user_id")
    )
    for slot_id, user_id in waiting:
        cells[slot_id].waitlist.append(user_id)
    return cells


def slot_cell_for_user(*, slot_id: int, user: Any) -> SlotCell:
    """One slot's fresh cell for this viewer (after a claim, a refusal, a give-back)."""
    slot = Slot.objects.select_related("meeting__cohort").get(pk=slot_id)
    meeting = slot.meeting
    viewer_id = user.pk if user.is_authenticated else None
    return _cells_for_slots(
        [{name: getattr(slot, name) for name in _CELL_COLUMNS}],
        meetings={meeting.pk: {"status": meeting.status, "starts_at": meeting.starts_at}},
        release_cutoff_hours=meeting.cohort.release_cutoff_hours,
        viewer_id=viewer_id,
        now=timezone.now(),
    )[slot.pk]


def board_for_cohort(
    *,
    cohort: Cohort,
    user: Any,
    upcoming_limit: int = UPCOMING_LIMIT,
    past_limit: int = PAST_LIMIT,
    now: dt.datetime | None = None,
) -> Board:
    """The presenters board: the next `upcoming_limit` and the last `past_limit` scheduled
    meetings x the tracks in use, each slot with its presenters and waitlist, and who is away
    on each meeting's date. Six queries whatever the size of the board, read as plain rows."""
    now = now or timezone.now()
    scheduled = Meeting.objects.filter(cohort=cohort, status=MeetingStatus.SCHEDULED)
    columns = ("id", "number", "starts_at", "status")
    upcoming = list(
        scheduled.filter(ends_at__gte=now)
        .order_by("starts_at", "id")
        .values(*columns)[:upcoming_limit]
    )
    past = list(
        scheduled.filter(ends_at__lt=now)
        .order_by("-starts_at", "-id")
        .values(*columns)[:past_limit]
    )
    by_id = {m["id"]: m for m in (*upcoming, *past)}
    slots = list(
        Slot.objects.filter(meeting_id__in=list(by_id))
        .order_by("meeting_id", "position", "id")
        .values(*_CELL_COLUMNS)
    )
    viewer_id = user.pk if user.is_authenticated else None
    cells = _cells_for_slots(
        slots,
        meetings=by_id,
        release_cutoff_hours=cohort.release_cutoff_hours,
        viewer_id=viewer_id,
        now=now,
    )
    kinds_in_use = {slot["kind"] for slot in slots}
    tracks = [(kind, str(label)) for kind, label in SlotKind.choices if kind in kinds_in_use]
    grid: dict[int, dict[str, list[SlotCell]]] = defaultdict(lambda: defaultdict(list))
    for cell in cells.values():
        grid[cell.meeting_id][cell.kind].append(cell)
    dates = {pk: timezone.localtime(m["starts_at"]).date() for pk, m in by_id.items()}
    away_by_meeting: dict[int, list[str]] = defaultdict(list)
    if dates:
        periods = (
            AwayPeriod.objects.filter(
                cohort=cohort, start__lte=max(dates.values()), end__gte=min(dates.values())
            )
            .order_by("start", "id")
            .values_list("start", "end", "user__email", "user__profile__display_name")
        )
        for start, end, email, profile_name in periods:
            name = display_name_for(email, profile_name)
            for meeting_id, day in dates.items():
                if start <= day <= end and name not in away_by_meeting[meeting_id]:
                    away_by_meeting[meeting_id].append(name)

    def row(meeting: dict[str, Any], is_past: bool) -> BoardRow:
        return BoardRow(
            meeting_id=meeting["id"],
            number=meeting["number"],
            starts_at=meeting["starts_at"],
            is_past=is_past,
            tracks=[(label, grid[meeting["id"]][kind]) for kind, label in tracks],
            away=away_by_meeting[meeting["id"]],
        )

    return Board(
        tracks=tracks,
        upcoming=[row(m, False) for m in upcoming],
        past=[row(m, True) for m in past],
    )


def slot_change_list_for_cohort(*, cohort: Cohort, limit: int = 20) -> list[SlotChange]:
    """The latest changes of who presents what in a cohort, newest first."""
    changes = list(
        SlotChange.objects.filter(slot__meeting__cohort=cohort)
        .select_related("slot__meeting", "actor__profile", "from_user__profile", "to_user__profile")
        .order_by("-created_at", "-id")[:limit]
    )
    for change in changes:
        change.action_label = str(ACTION_LABELS.get(change.action, change.action))  # type: ignore[attr-defined]
    return changes


def away_period_list_for_user(*, cohort: Cohort, user: Any) -> list[AwayPeriod]:
    """This member's away dates in the cohort."""
    if not user.is_authenticated:
        return []
    return list(AwayPeriod.objects.filter(cohort=cohort, user=user).order_by("start", "id"))


def away_period_get_for_user(*, user: Any, pk: int) -> AwayPeriod:
    """Away dates in a lab this user belongs to, otherwise 404."""
    qs = AwayPeriod.objects.select_related("cohort__lab", "user")
    if not user.is_superuser:
        if not user.is_authenticated:
            raise Http404
        qs = qs.filter(cohort__lab_id__in=member_lab_ids(user))
    try:
        return qs.get(pk=pk)
    except AwayPeriod.DoesNotExist:
        raise Http404 from None
