"""The rotation for leaders: preview fair presenters for the next meetings, then apply them.

The engine is sessions.rotation (pure); this module reads its input through
sessions.selectors.rotation, words its reasons in the reader's language, and writes the
picks with their audit rows. Apply refuses (409 board_changed) when the board differs from
the one the preview was computed from.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort
from sessions import rotation
from sessions.models import (
    AssignmentSource,
    MeetingStatus,
    Slot,
    SlotAssignment,
    SlotChange,
)
from sessions.selectors.rotation import MeetingInfo, RotationBoard, SlotInfo, rotation_board

ROTATION_ACTION = "rotation"
DEFAULT_MEETINGS_AHEAD = 4
MAX_MEETINGS_AHEAD = 26
REASON_MAX_LENGTH = 300
SEED_LIMIT = 2**31


@dataclass(frozen=True, slots=True)
class PreviewPick:
    meeting: MeetingInfo
    slot: SlotInfo
    member_id: int
    member_name: str
    reason: str
    data: rotation.Reason


@dataclass(frozen=True, slots=True)
class PreviewUnfilled:
    meeting: MeetingInfo
    slot: SlotInfo
    places: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One slot of the horizon: who presents there now and whom the rotation proposes."""

    meeting: MeetingInfo
    slot: SlotInfo
    presenters: tuple[str, ...]
    picks: tuple[PreviewPick, ...]
    unfilled: PreviewUnfilled | None


@dataclass(frozen=True, slots=True)
class Preview:
    meetings_ahead: int
    seed: int
    fingerprint: str
    meetings: tuple[MeetingInfo, ...]
    picks: tuple[PreviewPick, ...]
    unfilled: tuple[PreviewUnfilled, ...]
    rows: tuple[PreviewRow, ...]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else formats.number_format(value, 1)


def reason_text(reason: rotation.Reason) -> str:
    """A pick's reason in words, e.g. "2 presentations this cohort (median 3); last
    presented 2026-09-03; available"."""
    median = _number(reason.median)
    if reason.credit:
        load = ngettext(
            "%(count)d presentation this cohort, joined late: counted as the median %(median)s",
            "%(count)d presentations this cohort, joined late: counted as the median %(median)s",
            reason.presentations,
        ) % {"count": reason.presentations, "median": median}
    else:
        load = ngettext(
            "%(count)d presentation this cohort (median %(median)s)",
            "%(count)d presentations this cohort (median %(median)s)",
            reason.presentations,
        ) % {"count": reason.presentations, "median": median}
    if reason.last_presented is None:
        last = _("never presented")
    else:
        last = _("last presented %(date)s") % {"date": reason.last_presented.isoformat()}
    parts = [load, last, _("available")]
    if reason.same_meeting:
        parts.append(_("already presents at this meeting: nobody else could"))
    elif reason.adjacent:
        parts.append(_("presents at the meeting before or after: nobody else could"))
    return "; ".join(parts)


def unfilled_text(code: str) -> str:
    texts = {
        "no_members": _("nobody in this cohort can present"),
        "everyone_away": _("everyone is away that day"),
        "nobody_eligible": _("everyone available already presents in this slot"),
    }
    return texts.get(code, code)


def _require_manager(actor: Any, cohort: Cohort) -> None:
    if not actor.has_perm("study_sessions.apply_rotation", cohort):
        raise PermissionDeniedError(_("Only leaders and facilitators can run the rotation."))


def _meetings_ahead(value: int) -> int:
    if not 1 <= value <= MAX_MEETINGS_AHEAD:
        message = _("Choose between 1 and %(max)d meetings.") % {"max": MAX_MEETINGS_AHEAD}
        raise ApplicationError(message, fields={"meetings_ahead": [message]})
    return value


def _build(board: RotationBoard, result: rotation.Rotation, ahead: int, seed: int) -> Preview:
    meetings = {info.id: info for info in board.meetings}
    picks = tuple(
        PreviewPick(
            meeting=meetings[pick.meeting_id],
            slot=board.slots[pick.slot_id],
            member_id=pick.member_id,
            member_name=board.names[pick.member_id],
            reason=reason_text(pick.reason),
            data=pick.reason,
        )
        for pick in result.picks
    )
    unfilled = tuple(
        PreviewUnfilled(
            meeting=meetings[item.meeting_id],
            slot=board.slots[item.slot_id],
            places=item.places,
            code=item.why,
            reason=unfilled_text(item.why),
        )
        for item in result.unfilled
    )
    rows = tuple(
        PreviewRow(
            meeting=meetings[slot.meeting_id],
            slot=board.slots[slot.slot_id],
            presenters=tuple(board.names.get(m, "?") for m in slot.presenters),
            picks=tuple(p for p in picks if p.slot.id == slot.slot_id),
            unfilled=next((u for u in unfilled if u.slot.id == slot.slot_id), None),
        )
        for slot in sorted(board.input.slots, key=lambda s: s.meeting_index)
    )
    return Preview(
        meetings_ahead=ahead,
        seed=seed,
        fingerprint=board.fingerprint,
        meetings=board.meetings,
        picks=picks,
        unfilled=unfilled,
        rows=rows,
    )


def rotation_preview(
    *,
    actor: Any,
    cohort: Cohort,
    meetings_ahead: int = DEFAULT_MEETINGS_AHEAD,
    seed: int | None = None,
) -> Preview:
    """Propose presenters for the open places of the cohort's next `meetings_ahead`
    meetings (leaders and facilitators). Writes nothing. Without a seed one is drawn, and
    the preview says which, so the same proposal can be shown again."""
    _require_manager(actor, cohort)
    ahead = _meetings_ahead(meetings_ahead)
    if seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
    elif not 0 <= seed < SEED_LIMIT:
        message = _("The seed is a whole number from 0 to %(max)d.") % {"max": SEED_LIMIT - 1}
        raise ApplicationError(message, fields={"seed": [message]})
    board = rotation_board(cohort=cohort, meetings_ahead=ahead, now=timezone.now())
    data = rotation.RotationInput(
        members=board.input.members,
        slots=board.input.slots,
        median=board.input.median,
        first_meeting_date=board.input.first_meeting_date,
        seed=seed,
    )
    return _build(board, rotation.propose(data), ahead, seed)


def _board_changed() -> ConflictError:
    return ConflictError(
        _(
            "The board changed since this preview (someone claimed, gave back or was assigned "
            "a slot). Look at the fresh preview and apply again."
        ),
        code="board_changed",
    )


_PROBLEMS = {
    "unknown_slot": _lazy("This is not a slot of this cohort's upcoming meetings."),
    "unknown_member": _lazy("This person is not an active member of this cohort."),
    "away": _lazy("This member is away on that day."),
    "already_presenting": _lazy("This member already presents in this slot."),
    "full": _lazy("This slot has no open place left."),
}


@transaction.atomic
def rotation_apply(
    *,
    actor: Any,
    cohort: Cohort,
    preview_fingerprint: str,
    picks: Sequence[tuple[int, int]],
) -> list[SlotAssignment]:
    """Commit a preview's picks, (slot id, member id) pairs (leaders and facilitators).

    Refuses with 409 board_changed when the cohort's board is no longer the one the preview
    was computed from. Each pick becomes a SlotAssignment (source "rotation", with its
    reason in words) and a SlotChange "rotation" row, all or none.
    """
    _require_manager(actor, cohort)
    if not picks:
        message = _("There is nothing to apply.")
        raise ApplicationError(message, fields={"picks": [message]})
    now = timezone.now()
    # Why the lock: claims and leaders' changes lock their slot row first (see
    # sessions.services.slots). Holding every upcoming slot of the cohort while the
    # fingerprint is compared and the rows are written means no claim lands in between;
    # a claim committed before this point changed the fingerprint and is caught below.
    # Ordered by id, as every lock taker does, so two writers never deadlock.
    list(
        Slot.objects.select_for_update(of=("self",))
        .filter(
            meeting__cohort=cohort,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__gt=now,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    # The horizon does not matter here: a pick may go to any upcoming slot.
    board = rotation_board(cohort=cohort, meetings_ahead=None, now=now)
    if board.fingerprint != preview_fingerprint:
        raise _board_changed()
    try:
        explained = rotation.explain(board.input, list(picks))
    except rotation.InvalidPicks as exc:
        fields = {
            f"picks[{position}]": [str(_PROBLEMS[problem])]
            for position, _slot, problem in exc.problems
        }
        raise ApplicationError(
            _("Some picks cannot be applied."), code="invalid_picks", fields=fields
        ) from None
    created = SlotAssignment.objects.bulk_create(
        SlotAssignment(
            slot_id=pick.slot_id,
            user_id=pick.member_id,
            source=AssignmentSource.ROTATION,
            assigned_by=actor,
            reason=reason_text(pick.reason)[:REASON_MAX_LENGTH],
        )
        for pick in explained
    )
    record_changes(SlotAssignment, created)  # bulk_create sends no signals: tell the changes feed
    SlotChange.objects.bulk_create(
        SlotChange(
            slot_id=assignment.slot_id,
            actor=actor,
            action=ROTATION_ACTION,
            to_user_id=assignment.user_id,
            reason=assignment.reason,
        )
        for assignment in created
    )
    return created
