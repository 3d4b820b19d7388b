"""Writes for RSVPs (a member's own yes / maybe / no) and attendance (recorded by leaders)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Membership, MembershipStatus
from sessions.models import Attendance, AttendanceStatus, Meeting, Rsvp, RsvpAnswer
from sessions.selectors.attendance import rsvp_closed_reason

NOTE_MAX_LENGTH = 300


def rsvp_set(*, actor: Any, meeting: Meeting, answer: str, note: str = "") -> Rsvp:
    """Record the actor's own answer to a meeting (one row per member: created or replaced).

    Only active members of the meeting's cohort answer, only for themselves, and only
    until the RSVP deadline (or the start when there is none); cancelled meetings take no
    answers. Refusals change nothing.
    """
    if answer not in RsvpAnswer.values:
        raise ApplicationError(
            _("Choose going, maybe or not going."),
            code="invalid_answer",
            fields={"answer": [_("Choose going, maybe or not going.")]},
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        message = _("Keep the note under %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
        raise ApplicationError(message, code="note_too_long", fields={"note": [message]})
    if not actor.has_perm("study_sessions.rsvp_meeting", meeting):
        raise PermissionDeniedError(_("Only active members of this cohort can answer."))
    reason = rsvp_closed_reason(meeting=meeting)
    if reason is not None:
        raise ConflictError(reason, code="rsvp_closed")
    defaults = {"answer": answer, "note": note}
    try:
        # Why atomic: the savepoint lets the IntegrityError of a concurrent insert roll back
        # cleanly, so the retry below runs in a usable transaction.
        with transaction.atomic():
            rsvp, _created = Rsvp.objects.update_or_create(
                meeting=meeting, user=actor, defaults=defaults
            )
    except IntegrityError:
        # Two answers from the same member raced: the other insert won the unique
        # constraint (rsvp_one_per_member). Its row exists now, so update it.
        rsvp = Rsvp.objects.get(meeting=meeting, user=actor)
        rsvp.answer, rsvp.note = answer, note
        rsvp.save(update_fields=["answer", "note", "updated_at"])
    return rsvp


@transaction.atomic
def attendance_record(
    *, actor: Any, meeting: Meeting, statuses: Mapping[int, str]
) -> list[Attendance]:
    """Record attendance for a meeting that has started: user id → present / late / absent /
    excused, for active members of its cohort only. All or nothing: one bad entry and
    nothing is saved. Existing records of the given members are replaced; returns the
    records written, ordered by user id."""
    if not actor.has_perm("study_sessions.record_attendance", meeting):
        raise PermissionDeniedError(
            _("Only the cohort's leaders and facilitators can record attendance.")
        )
    if meeting.is_cancelled:
        raise ConflictError(
            _("This meeting was cancelled; there is no attendance to record."),
            code="meeting_cancelled",
        )
    if timezone.now() < meeting.starts_at:
        raise ConflictError(
            _("Attendance can be recorded once the meeting has started."),
            code="meeting_not_started",
        )
    if not statuses:
        raise ApplicationError(
            _("Mark at least one member."),
            code="no_statuses",
            fields={"statuses": [_("Mark at least one member.")]},
        )
    active = set(
        Membership.objects.filter(
            cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE
        ).values_list("user_id", flat=True)
    )
    errors: dict[str, list[str]] = {}
    for user_id, status in statuses.items():
        if user_id not in active:
            errors[str(user_id)] = [_("Not an active member of this cohort.")]
        elif status not in AttendanceStatus.values:
            errors[str(user_id)] = [_("Choose present, late, absent or excused.")]
    if errors:
        raise ApplicationError(
            _("Some entries are invalid; nothing was saved."), code="invalid", fields=errors
        )
    # Why select_for_update in user order: two leaders saving at once take the row locks in
    # the same order (no deadlock), and the second sees the first's statuses when it gets them.
    locked = Attendance.objects.select_for_update().filter(
        meeting=meeting, user_id__in=list(statuses)
    )
    existing = {a.user_id: a for a in locked.order_by("user_id")}
    now = timezone.now()
    changed: list[Attendance] = []
    new: list[Attendance] = []
    for user_id, status in statuses.items():
        record = existing.get(user_id)
        if record is None:
            new.append(
                Attendance(meeting=meeting, user_id=user_id, status=status, recorded_by=actor)
            )
        elif record.status != status or record.recorded_by_id != actor.pk:
            record.status, record.recorded_by, record.updated_at = status, actor, now
            changed.append(record)
    if changed:
        Attendance.objects.bulk_update(changed, ["status", "recorded_by", "updated_at"])
    if new:
        try:
            # A savepoint: a concurrent recording of the same member hits the unique
            # constraint (attendance_one_per_member) and the whole recording is refused.
            with transaction.atomic():
                Attendance.objects.bulk_create(new)
        except IntegrityError:
            raise ConflictError(
                _("Someone else recorded attendance at the same time. Reload and try again."),
                code="attendance_conflict",
            ) from None
    return sorted([*existing.values(), *new], key=lambda a: a.user_id)
