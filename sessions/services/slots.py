"""Writes for presentation slots: claims, give-backs, waitlists, leaders' overrides, the syllabus
layout and away dates. Every change of who presents what writes a SlotChange in the same
transaction."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort, Membership, MembershipStatus
from notifications.services import notify
from sessions.models import (
    AssignmentSource,
    AwayPeriod,
    Meeting,
    MeetingStatus,
    Slot,
    SlotAssignment,
    SlotChange,
    SlotKind,
    WaitlistEntry,
)

TITLE_MAX_LENGTH = 200
REASON_MAX_LENGTH = 300
MAX_CAPACITY = 20


class Action:
    """The `action` values of the audit log (SlotChange.action)."""

    CREATED = "created"
    UPDATED = "updated"
    CLAIMED = "claimed"
    RELEASED = "released"
    PROMOTED = "promoted"
    WAITLISTED = "waitlisted"
    WAITLIST_LEFT = "waitlist_left"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    DRAW = "draw"


def _lock(slot: Slot) -> Slot:
    """The slot row, locked until the transaction ends, with its meeting and cohort.

    Why the lock: every change of a slot's presenters or waitlist runs under it, so two
    members claiming the last place are serialised here and the second one counts the
    first one's assignment (READ COMMITTED takes a fresh snapshot per statement).
    `of=("self",)` locks only the slot, not the meeting or cohort rows joined in.
    """
    return (
        Slot.objects.select_for_update(of=("self",))
        .select_related("meeting__cohort")
        .get(pk=slot.pk)
    )


def _presenters(slot: Slot) -> list[SlotAssignment]:
    return list(
        SlotAssignment.objects.filter(slot=slot)
        .select_related("user__profile")
        .order_by("created_at", "id")
    )


def _ensure_upcoming(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting was cancelled."), code="meeting_cancelled")
    if meeting.starts_at <= timezone.now():
        raise ConflictError(
            _("This meeting has already started; its slots cannot be claimed."),
            code="meeting_past",
        )


def release_deadline(meeting: Meeting, cohort: Cohort) -> dt.datetime:
    """Until when a presenter may give a slot of this meeting back."""
    return meeting.starts_at - dt.timedelta(hours=cohort.release_cutoff_hours)


def _is_active_member(user_id: int, cohort: Cohort) -> bool:
    return Membership.objects.filter(
        user_id=user_id, cohort=cohort, status=MembershipStatus.ACTIVE
    ).exists()


def _log(
    slot: Slot,
    actor: Any,
    action: str,
    *,
    from_user: Any = None,
    to_user: Any = None,
    reason: str = "",
) -> SlotChange:
    return SlotChange.objects.create(
        slot=slot,
        actor=actor,
        action=action,
        from_user=from_user,
        to_user=to_user,
        reason=reason[:REASON_MAX_LENGTH],
    )


def _promote(slot: Slot, actor: Any) -> SlotAssignment | None:
    """Give a freed place to the first member on the waitlist (under the slot's lock)."""
    if SlotAssignment.objects.filter(slot=slot).count() >= slot.capacity:
        return None
    entry = (
        WaitlistEntry.objects.filter(slot=slot)
        .select_related("user")
        .order_by("created_at", "id")
        .first()
    )
    if entry is None:
        return None
    assignment = SlotAssignment.objects.create(
        slot=slot, user=entry.user, source=AssignmentSource.WAITLIST, assigned_by=actor
    )
    entry.delete()
    _log(
        slot,
        actor,
        Action.PROMOTED,
        to_user=entry.user,
        reason=_("First on the waitlist when a place was given back."),
    )
    notify(
        kind="slot_promoted",
        recipients=[entry.user],
        cohort=slot.meeting.cohort,
        target=slot,
        params={"slot": slot.title, "meeting": slot.meeting.number},
        url=slot.meeting.get_absolute_url(),
    )
    return assignment


@transaction.atomic
def slot_claim(*, actor: Any, slot: Slot) -> Slot:
    """Claim a place in a slot for oneself (never for someone else).

    Refused for cancelled or started meetings, when the actor already presents in the slot
    (409 already_claimed) or when it is full (409 slot_taken, naming the latest presenter).
    Side effects: a SlotAssignment (source "claim"), the actor's waitlist entry for the
    slot removed, a SlotChange "claimed".
    """
    if not actor.has_perm("study_sessions.claim_slot", slot):
        raise PermissionDeniedError(_("Only active members of this cohort can claim slots."))
    locked = _lock(slot)
    _ensure_upcoming(locked.meeting)
    presenters = _presenters(locked)
    if any(a.user_id == actor.pk for a in presenters):
        raise ConflictError(_("You already present in this slot."), code="already_claimed")
    if len(presenters) >= locked.capacity:
        raise ConflictError(
            _("Just taken by %(name)s") % {"name": presenters[-1].user.display_name},
            code="slot_taken",
        )
    try:
        # The unique constraint (slot_assignment_once) is the second guard; the savepoint
        # keeps the transaction usable when it fires.
        with transaction.atomic():
            SlotAssignment.objects.create(
                slot=locked, user=actor, source=AssignmentSource.CLAIM, assigned_by=actor
            )
    except IntegrityError:
        raise ConflictError(
            _("You already present in this slot."), code="already_claimed"
        ) from None
    WaitlistEntry.objects.filter(slot=locked, user=actor).delete()
    _log(locked, actor, Action.CLAIMED, to_user=actor)
    return locked


@transaction.atomic
def slot_release(*, actor: Any, slot: Slot) -> Slot:
    """Give one's own place back, until the cohort's cutoff before the meeting.

    After the cutoff: 409 release_closed (a swap or a leader can still change it).
    Side effects: the assignment deleted, a SlotChange "released", and the first member on
    the waitlist promoted into the freed place (SlotChange "promoted").
    """
    locked = _lock(slot)
    meeting = locked.meeting
    assignment = SlotAssignment.objects.filter(slot=locked, user=actor).first()
    if assignment is None:
        raise ConflictError(_("You do not present in this slot."), code="not_claimed")
    if timezone.now() >= release_deadline(meeting, meeting.cohort):
        raise ConflictError(
            _(
                "It is too late to give this slot back (less than %(hours)d hours before the "
                "meeting). Ask another member for a swap or ask a leader."
            )
            % {"hours": meeting.cohort.release_cutoff_hours},
            code="release_closed",
        )
    assignment.delete()
    _log(locked, actor, Action.RELEASED, from_user=actor)
    _promote(locked, actor)
    return locked


@transaction.atomic
def slot_waitlist_join(*, actor: Any, slot: Slot) -> WaitlistEntry:
    """Wait for a full slot: the earliest waiting member gets the next place given back."""
    if not actor.has_perm("study_sessions.claim_slot", slot):
        raise PermissionDeniedError(_("Only active members of this cohort can claim slots."))
    locked = _lock(slot)
    _ensure_upcoming(locked.meeting)
    presenters = _presenters(locked)
    if any(a.user_id == actor.pk for a in presenters):
        raise ConflictError(_("You already present in this slot."), code="already_claimed")
    if len(presenters) < locked.capacity:
        raise ConflictError(_("This slot still has room: claim it instead."), code="slot_not_full")
    entry, created = WaitlistEntry.objects.get_or_create(slot=locked, user=actor)
    if not created:
        raise ConflictError(_("You are already on this waitlist."), code="already_waiting")
    _log(locked, actor, Action.WAITLISTED, to_user=actor)
    return entry


@transaction.atomic
def slot_waitlist_leave(*, actor: Any, slot: Slot) -> None:
    """Stop waiting for a slot."""
    locked = _lock(slot)
    deleted, _detail = WaitlistEntry.objects.filter(slot=locked, user=actor).delete()
    if not deleted:
        raise ConflictError(_("You are not on this waitlist."), code="not_waiting")
    _log(locked, actor, Action.WAITLIST_LEFT, from_user=actor)


def _check_manager(actor: Any, obj: Any) -> None:
    if not actor.has_perm("study_sessions.change_slot", obj):
        raise PermissionDeniedError(
            _("Only the cohort's leaders and facilitators can change slots.")
        )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Keep the reason under %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        raise ApplicationError(message, code="reason_too_long", fields={"reason": [message]})
    return reason


@transaction.atomic
def slot_assign(
    *,
    actor: Any,
    slot: Slot,
    user: Any,
    reason: str = "",
    source: str = AssignmentSource.LEADER,
) -> SlotAssignment:
    """A leader puts an active member of the cohort into a slot, at any time (even after the
    cutoff); the capacity still holds. Side effects: the member's waitlist entry removed,
    a SlotChange "assigned" with the reason ("draw" when `source` is a draw's)."""
    _check_manager(actor, slot)
    reason = _clean_reason(reason)
    locked = _lock(slot)
    cohort = locked.meeting.cohort
    if not _is_active_member(user.pk, cohort):
        message = _("Choose an active member of this cohort.")
        raise ApplicationError(message, code="not_a_member", fields={"user": [message]})
    presenters = _presenters(locked)
    if any(a.user_id == user.pk for a in presenters):
        raise ConflictError(
            _("%(name)s already presents in this slot.") % {"name": user.display_name},
            code="already_claimed",
        )
    if len(presenters) >= locked.capacity:
        raise ConflictError(_("This slot is full: remove a presenter first."), code="slot_taken")
    try:
        with transaction.atomic():
            assignment = SlotAssignment.objects.create(
                slot=locked,
                user=user,
                source=source,
                assigned_by=actor,
                reason=reason,
            )
    except IntegrityError:
        raise ConflictError(
            _("%(name)s already presents in this slot.") % {"name": user.display_name},
            code="already_claimed",
        ) from None
    WaitlistEntry.objects.filter(slot=locked, user=user).delete()
    action = Action.DRAW if source == AssignmentSource.DRAW else Action.ASSIGNED
    _log(locked, actor, action, to_user=user, reason=reason)
    return assignment


@transaction.atomic
def slot_unassign(*, actor: Any, slot: Slot, user: Any, reason: str = "") -> None:
    """A leader takes a presenter out of a slot, at any time. Side effects: a SlotChange
    "unassigned"; for a meeting still ahead, the first waiting member gets the place."""
    _check_manager(actor, slot)
    reason = _clean_reason(reason)
    locked = _lock(slot)
    deleted, _detail = SlotAssignment.objects.filter(slot=locked, user=user).delete()
    if not deleted:
        raise ConflictError(
            _("%(name)s does not present in this slot.") % {"name": user.display_name},
            code="not_claimed",
        )
    _log(locked, actor, Action.UNASSIGNED, from_user=user, reason=reason)
    meeting = locked.meeting
    if meeting.status == MeetingStatus.SCHEDULED and meeting.starts_at > timezone.now():
        _promote(locked, actor)


def _is_web_link(value: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def _clean_slot_fields(
    *, kind: str, title: str, description: str, materials_url: str, capacity: int
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if kind not in SlotKind.values:
        errors["kind"] = [_("Choose a track.")]
    if not title:
        errors["title"] = [_("Give the slot a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [
            _("Keep the title under %(count)d characters.") % {"count": TITLE_MAX_LENGTH}
        ]
    description = (description or "").strip()
    if len(description) > 4000:
        errors["description"] = [_("Keep the description under 4000 characters.")]
    materials_url = (materials_url or "").strip()
    if materials_url and not _is_web_link(materials_url):
        errors["materials_url"] = [_("Enter a link starting with http:// or https://.")]
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("Between 1 and %(count)d presenters.") % {"count": MAX_CAPACITY}]
    if errors:
        raise ApplicationError(_("Some fields are invalid."), code="invalid", fields=errors)
    return {
        "kind": kind,
        "title": title,
        "description": description,
        "materials_url": materials_url,
        "capacity": capacity,
    }


@transaction.atomic
def slot_create(
    *,
    actor: Any,
    meeting: Meeting,
    kind: str,
    title: str,
    description: str = "",
    materials_url: str = "",
    capacity: int = 1,
    external_id: str | None = None,
) -> Slot:
    """Add a slot to a meeting (leaders and facilitators), after the track's last one."""
    _check_manager(actor, meeting)
    fields = _clean_slot_fields(
        kind=kind,
        title=title,
        description=description,
        materials_url=materials_url,
        capacity=capacity,
    )
    last = Slot.objects.filter(meeting=meeting, kind=kind).aggregate(last=Max("position"))
    try:
        with transaction.atomic():
            slot = Slot.objects.create(
                meeting=meeting,
                position=(last["last"] or 0) + 1,
                external_id=external_id or None,
                **fields,
            )
    except IntegrityError:
        message = _("Another slot of this meeting has this external id.")
        raise ConflictError(
            message, code="external_id_taken", fields={"external_id": [message]}
        ) from None
    _log(slot, actor, Action.CREATED, reason=slot.title)
    return slot


@transaction.atomic
def slot_update(
    *,
    actor: Any,
    slot: Slot,
    kind: str,
    title: str,
    description: str,
    materials_url: str,
    capacity: int,
) -> Slot:
    """Change a slot (leaders and facilitators); the capacity never drops below its
    current presenters."""
    _check_manager(actor, slot)
    fields = _clean_slot_fields(
        kind=kind,
        title=title,
        description=description,
        materials_url=materials_url,
        capacity=capacity,
    )
    locked = _lock(slot)
    count = SlotAssignment.objects.filter(slot=locked).count()
    if fields["capacity"] < count:
        message = _("%(count)d members present in this slot: remove some first.") % {"count": count}
        raise ConflictError(
            message, code="capacity_below_presenters", fields={"capacity": [message]}
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    _log(locked, actor, Action.UPDATED, reason=locked.title)
    if (
        locked.meeting.status == MeetingStatus.SCHEDULED
        and locked.meeting.starts_at > timezone.now()
    ):
        while _promote(locked, actor) is not None:
            pass
    return locked


@transaction.atomic
def slot_materials_set(*, actor: Any, slot: Slot, materials_url: str) -> Slot:
    """A presenter of the slot (or a leader or facilitator) sets or clears its materials link:
    slides, a write-up or code, usually posted after the meeting. Logged like other changes."""
    locked = _lock(slot)
    presents = SlotAssignment.objects.filter(slot=locked, user_id=actor.pk).exists()
    if not presents and not actor.has_perm("study_sessions.change_slot", locked):
        raise PermissionDeniedError(_("Only the slot's presenters can change its materials link."))
    link = (materials_url or "").strip()
    if link and not _is_web_link(link):
        message = _("Enter a link starting with http:// or https://.")
        raise ApplicationError(message, code="invalid", fields={"materials_url": [message]})
    if link != locked.materials_url:
        locked.materials_url = link
        locked.save(update_fields=["materials_url", "updated_at"])
        _log(locked, actor, Action.UPDATED, reason=locked.title)
    return locked


@transaction.atomic
def slot_delete(*, actor: Any, slot: Slot) -> None:
    """Delete a slot with its presenters, waitlist and history (leaders and facilitators)."""
    _check_manager(actor, slot)
    _lock(slot).delete()


def _clean_titles(titles: list[str]) -> list[str]:
    cleaned = [t.strip() for t in titles if t and t.strip()]
    if not cleaned:
        message = _("Paste at least one title, one per line.")
        raise ApplicationError(message, code="no_titles", fields={"titles": [message]})
    too_long = [t for t in cleaned if len(t) > TITLE_MAX_LENGTH]
    if too_long:
        message = _("Keep each title under %(count)d characters.") % {"count": TITLE_MAX_LENGTH}
        raise ApplicationError(message, code="invalid", fields={"titles": [message]})
    return cleaned


@transaction.atomic
def slots_layout_syllabus(
    *,
    actor: Any,
    cohort: Cohort,
    kind: str,
    titles: list[str],
    per_meeting: int,
    start_meeting: Meeting | None = None,
) -> list[Slot]:
    """Spread pasted titles (e.g. a book's chapters) over the cohort's coming scheduled
    meetings, `per_meeting` each, in order, from `start_meeting` (default: the next one).
    Each slot goes after the track's existing slots of its meeting. Side effects: the slots
    and a SlotChange "created" for each."""
    _check_manager(actor, cohort)
    if kind not in SlotKind.values:
        message = _("Choose a track.")
        raise ApplicationError(message, code="invalid", fields={"kind": [message]})
    if not 1 <= per_meeting <= MAX_CAPACITY:
        message = _("Between 1 and %(count)d per meeting.") % {"count": MAX_CAPACITY}
        raise ApplicationError(message, code="invalid", fields={"per_meeting": [message]})
    cleaned = _clean_titles(titles)
    meetings = Meeting.objects.filter(cohort=cohort, status=MeetingStatus.SCHEDULED)
    if start_meeting is not None:
        if start_meeting.cohort_id != cohort.pk:
            message = _("Choose a meeting of this cohort.")
            raise ApplicationError(message, code="invalid", fields={"start_meeting": [message]})
        meetings = meetings.filter(starts_at__gte=start_meeting.starts_at)
    else:
        meetings = meetings.filter(starts_at__gt=timezone.now())
    needed = math.ceil(len(cleaned) / per_meeting)
    chosen = list(meetings.order_by("starts_at", "number")[:needed])
    if len(chosen) < needed:
        message = _(
            "%(titles)d titles at %(per)d per meeting need %(needed)d meetings; only "
            "%(available)d are scheduled. Add meetings first."
        ) % {
            "titles": len(cleaned),
            "per": per_meeting,
            "needed": needed,
            "available": len(chosen),
        }
        raise ApplicationError(message, code="not_enough_meetings", fields={"titles": [message]})
    last_positions = dict(
        Slot.objects.filter(meeting__in=chosen, kind=kind)
        .values("meeting_id")
        .annotate(last=Max("position"))
        .values_list("meeting_id", "last")
    )
    slots: list[Slot] = []
    for index, title in enumerate(cleaned):
        meeting = chosen[index // per_meeting]
        position = last_positions.get(meeting.pk, 0) + 1
        last_positions[meeting.pk] = position
        slots.append(Slot(meeting=meeting, kind=kind, title=title, position=position))
    created = Slot.objects.bulk_create(slots)
    record_changes(Slot, created)  # bulk_create sends no signals: tell the changes feed
    SlotChange.objects.bulk_create(
        SlotChange(slot=slot, actor=actor, action=Action.CREATED, reason=slot.title)
        for slot in created
    )
    return created


def _check_away_actor(actor: Any, cohort: Cohort, user: Any) -> None:
    if actor.pk == user.pk and actor.has_perm("study_sessions.claim_slot", cohort):
        return
    if actor.has_perm("study_sessions.change_slot", cohort):
        return
    raise PermissionDeniedError(
        _("Members mark their own away dates; leaders and facilitators anyone's.")
    )


@transaction.atomic
def away_period_set(
    *,
    actor: Any,
    cohort: Cohort,
    user: Any,
    start: dt.date,
    end: dt.date,
    reason: str = "",
) -> AwayPeriod:
    """Mark dates a member cannot present (themselves, or anyone by a manager)."""
    _check_away_actor(actor, cohort, user)
    if not _is_active_member(user.pk, cohort):
        message = _("Choose an active member of this cohort.")
        raise ApplicationError(message, code="not_a_member", fields={"user": [message]})
    if end < start:
        message = _("The last day cannot be before the first.")
        raise ApplicationError(message, code="invalid", fields={"end": [message]})
    reason = (reason or "").strip()
    if len(reason) > 200:
        message = _("Keep the reason under %(count)d characters.") % {"count": 200}
        raise ApplicationError(message, code="invalid", fields={"reason": [message]})
    return AwayPeriod.objects.create(cohort=cohort, user=user, start=start, end=end, reason=reason)


@transaction.atomic
def away_period_delete(*, actor: Any, period: AwayPeriod) -> None:
    """Remove away dates (the member themselves, or a manager)."""
    _check_away_actor(actor, period.cohort, period.user)
    period.delete()
