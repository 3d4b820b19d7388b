"""Writes for swap requests: a presenter asks another to exchange slots; the other accepts
(both assignments exchanged at once, under both slots' locks) or declines; the asker may
withdraw. Every exchange writes two SlotChange rows ("swapped", from -> to)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from members.models import User
from notifications.services import notify
from sessions.models import (
    AssignmentSource,
    Meeting,
    MeetingStatus,
    Slot,
    SlotAssignment,
    SwapRequest,
    SwapStatus,
    WaitlistEntry,
)
from sessions.services.slots import REASON_MAX_LENGTH, _is_active_member, _lock, _log

MESSAGE_MAX_LENGTH = 300
# SlotChange.action of an exchange (the board's audit log labels it "Swapped").
SWAPPED = "swapped"


def _ensure_swappable(meeting: Meeting) -> None:
    """Swaps stay open after the give-back cutoff (that is their point), not once a meeting
    has started or when it was cancelled."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting was cancelled."), code="meeting_cancelled")
    if meeting.starts_at <= timezone.now():
        raise ConflictError(
            _("This meeting has already started; its slots can no longer be swapped."),
            code="meeting_past",
        )


def _invalid(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", fields={field: [message]})


def _pick_target(target_slot: Slot, actor: Any, target_user: Any | None) -> User:
    """The presenter of `target_slot` the actor asks: named, or the only other one."""
    presenters = [
        a.user
        for a in SlotAssignment.objects.filter(slot=target_slot)
        .select_related("user__profile")
        .order_by("created_at", "id")
    ]
    if target_user is not None:
        for user in presenters:
            if user.pk == target_user.pk:
                return user
        raise _invalid(_("This member does not present in that slot."), "target_user")
    others = [u for u in presenters if u.pk != actor.pk]
    if not others:
        raise _invalid(
            _("Nobody presents in that slot: claim it instead of asking for a swap."),
            "target_slot",
        )
    if len(others) > 1:
        raise _invalid(_("Several members present in that slot: choose one."), "target_user")
    return others[0]


def swap_request_create(
    *,
    actor: Any,
    requester_slot: Slot,
    target_slot: Slot,
    target_user: Any | None = None,
    message: str = "",
) -> SwapRequest:
    """Ask the presenter of `target_slot` (if several, `target_user`) to exchange slots with
    the actor, who presents in `requester_slot`. Both slots belong to the same cohort and to
    meetings still ahead; the other member is an active member of that cohort.

    Refused: 403 for someone who is not an active member of the cohort; 400 for a slot of
    another cohort, an empty slot or an unknown presenter; 409 not_claimed (the actor does
    not present in `requester_slot`), already_claimed (an exchange would put someone twice
    into one slot), swap_pending (the same request, or its mirror, is already waiting).
    Side effects: a pending SwapRequest. Nothing changes on the board until it is accepted.
    """
    if not actor.has_perm("study_sessions.claim_slot", requester_slot):
        raise PermissionDeniedError(_("Only active members of this cohort can ask for swaps."))
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise _invalid(
            _("Keep the message under %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH},
            "message",
        )
    if requester_slot.pk == target_slot.pk:
        raise _invalid(_("Choose another slot than your own."), "target_slot")
    cohort = requester_slot.meeting.cohort
    if target_slot.meeting.cohort_id != cohort.pk:
        raise _invalid(_("Choose a slot of your own cohort."), "target_slot")
    _ensure_swappable(requester_slot.meeting)
    _ensure_swappable(target_slot.meeting)
    mine = set(
        SlotAssignment.objects.filter(
            slot_id__in=[requester_slot.pk, target_slot.pk], user=actor
        ).values_list("slot_id", flat=True)
    )
    if requester_slot.pk not in mine:
        raise ConflictError(_("You do not present in this slot."), code="not_claimed")
    if target_slot.pk in mine:
        raise ConflictError(_("You already present in that slot."), code="already_claimed")
    target = _pick_target(target_slot, actor, target_user)
    if target.pk == actor.pk:
        raise _invalid(_("Choose another member than yourself."), "target_user")
    if not _is_active_member(target.pk, cohort):
        raise _invalid(_("Choose an active member of this cohort."), "target_user")
    if SlotAssignment.objects.filter(slot=requester_slot, user=target).exists():
        raise ConflictError(
            _("%(name)s already presents in your slot.") % {"name": target.display_name},
            code="already_claimed",
        )
    mirror = SwapRequest.objects.filter(
        requester=target,
        requester_slot=target_slot,
        target=actor,
        target_slot=requester_slot,
        status=SwapStatus.PENDING,
    )
    if mirror.exists():
        raise ConflictError(
            _("%(name)s already asked you for this swap: accept it instead.")
            % {"name": target.display_name},
            code="swap_pending",
        )
    try:
        # The partial unique constraint (one pending request per pair of slots) decides a
        # double click or two tabs; the savepoint keeps an outer transaction usable.
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                requester=actor,
                requester_slot=requester_slot,
                target=target,
                target_slot=target_slot,
                message=message,
            )
            notify(
                kind="swap_requested",
                recipients=[target],
                cohort=cohort,
                target=swap,
                params={
                    "name": actor.display_name,
                    "slot": requester_slot.title,
                    "other_slot": target_slot.title,
                },
                url=target_slot.meeting.get_absolute_url(),
            )
            return swap
    except IntegrityError:
        raise ConflictError(
            _("A request for this swap is already waiting for an answer."), code="swap_pending"
        ) from None


def _lock_request(swap: SwapRequest) -> SwapRequest:
    return SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)


def _ensure_pending(swap: SwapRequest) -> None:
    if swap.status != SwapStatus.PENDING:
        raise ConflictError(
            _("This request was already answered or withdrawn (%(status)s).")
            % {"status": swap.get_status_display()},
            code="swap_not_pending",
        )


def _close(swap: SwapRequest, status: str) -> None:
    swap.status = status
    swap.decided_at = timezone.now()
    swap.save(update_fields=["status", "decided_at", "updated_at"])


def _accept_locked(actor: Any, swap: SwapRequest) -> SwapRequest | ApplicationError:
    """The exchange itself, inside the caller's transaction. A stale request is closed and
    its refusal returned (not raised), so that closing it is committed."""
    # Why this order: both slots first, in id order, like every slot change (a claim or a
    # release locks one slot), so two accepts sharing a slot cannot deadlock; then the
    # request row, so a decline or cancel racing with us waits or is refused.
    slots = {pk: _lock(Slot(pk=pk)) for pk in sorted((swap.requester_slot_id, swap.target_slot_id))}
    swap = _lock_request(swap)
    _ensure_pending(swap)
    mine, theirs = slots[swap.requester_slot_id], slots[swap.target_slot_id]
    for slot in (mine, theirs):
        _ensure_swappable(slot.meeting)
    cohort = mine.meeting.cohort
    held = {
        (a.slot_id, a.user_id): a
        for a in SlotAssignment.objects.filter(
            slot_id__in=[mine.pk, theirs.pk], user_id__in=[swap.requester_id, swap.target_id]
        )
    }
    requester_assignment = held.get((mine.pk, swap.requester_id))
    target_assignment = held.get((theirs.pk, swap.target_id))
    # Still exactly as asked: each holds their own slot, neither holds the other's, and
    # both are still in the cohort. Otherwise someone gave a slot back, a leader moved
    # someone, or another swap went first: this request can never be carried out.
    if (
        requester_assignment is None
        or target_assignment is None
        or (mine.pk, swap.target_id) in held
        or (theirs.pk, swap.requester_id) in held
        or not _is_active_member(swap.requester_id, cohort)
        or not _is_active_member(swap.target_id, cohort)
    ):
        _close(swap, SwapStatus.CANCELLED)
        return ConflictError(
            _("The slots changed since this swap was asked for; it was withdrawn."),
            code="swap_stale",
        )
    requester, target = requester_assignment.user, target_assignment.user
    reason = (swap.message or _("Swap accepted."))[:REASON_MAX_LENGTH]
    # The same rows change hands (update, not delete + create): each slot keeps its order
    # of presenters, and the unique (slot, user) constraint holds at every step because
    # neither member presents in the other's slot (checked above under the locks).
    for assignment, new_user in ((requester_assignment, target), (target_assignment, requester)):
        assignment.user = new_user
        assignment.source = AssignmentSource.SWAP
        assignment.assigned_by = actor
        assignment.reason = reason
        assignment.save(update_fields=["user", "source", "assigned_by", "reason", "updated_at"])
    # Whoever now presents in a slot no longer waits for it.
    WaitlistEntry.objects.filter(
        Q(slot=mine, user=target) | Q(slot=theirs, user=requester)
    ).delete()
    _log(mine, actor, SWAPPED, from_user=requester, to_user=target, reason=reason)
    _log(theirs, actor, SWAPPED, from_user=target, to_user=requester, reason=reason)
    _close(swap, SwapStatus.ACCEPTED)
    notify(
        kind="swap_accepted",
        recipients=[requester],
        cohort=cohort,
        target=swap,
        params={"name": target.display_name, "slot": mine.title, "other_slot": theirs.title},
        url=theirs.meeting.get_absolute_url(),
    )
    # Other open requests about either moved assignment can no longer be carried out.
    moved = (
        Q(requester=requester, requester_slot=mine)
        | Q(target=requester, target_slot=mine)
        | Q(requester=target, requester_slot=theirs)
        | Q(target=target, target_slot=theirs)
    )
    stale = SwapRequest.objects.filter(moved, status=SwapStatus.PENDING).exclude(pk=swap.pk)
    # update() sends no signals: tell the changes feed (same transaction, rows locked above).
    record_changes(SwapRequest, stale)
    stale.update(
        status=SwapStatus.CANCELLED, decided_at=swap.decided_at, updated_at=swap.decided_at
    )
    return swap


def swap_request_accept(*, actor: Any, swap: SwapRequest) -> SwapRequest:
    """The asked member accepts: both assignments change hands atomically.

    Only the request's target may accept (403). 409 swap_not_pending when it was already
    answered or withdrawn, meeting_past / meeting_cancelled, and swap_stale when either
    assignment no longer holds: then the request is marked cancelled and nothing else
    changes. Allowed after the give-back cutoff. Side effects: both SlotAssignments moved
    (source "swap"), the new presenters' waitlist entries for their new slots removed, two
    SlotChange rows "swapped", the request accepted with decided_at, and other pending
    requests about either moved assignment cancelled.
    """
    if actor.pk != swap.target_id:
        raise PermissionDeniedError(_("Only the member who was asked can accept this swap."))
    with transaction.atomic():
        outcome = _accept_locked(actor, swap)
    # Raised after the block: a stale request's cancellation is committed, not rolled back.
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


@transaction.atomic
def swap_request_decline(*, actor: Any, swap: SwapRequest) -> SwapRequest:
    """The asked member says no (403 for anyone else; 409 swap_not_pending when it was
    already answered or withdrawn). Side effects: status declined, decided_at."""
    if actor.pk != swap.target_id:
        raise PermissionDeniedError(_("Only the member who was asked can decline this swap."))
    locked = _lock_request(swap)
    _ensure_pending(locked)
    _close(locked, SwapStatus.DECLINED)
    notify(
        kind="swap_declined",
        recipients=[locked.requester],
        cohort=locked.requester_slot.meeting.cohort,
        target=locked,
        params={"name": actor.display_name, "slot": locked.requester_slot.title},
        url=locked.requester_slot.meeting.get_absolute_url(),
    )
    return locked


@transaction.atomic
def swap_request_cancel(*, actor: Any, swap: SwapRequest) -> SwapRequest:
    """The asking member withdraws the request (403 for anyone else; 409 swap_not_pending
    when it was already answered). Side effects: status cancelled, decided_at."""
    if actor.pk != swap.requester_id:
        raise PermissionDeniedError(_("Only the member who asked can withdraw this swap."))
    locked = _lock_request(swap)
    _ensure_pending(locked)
    _close(locked, SwapStatus.CANCELLED)
    return locked
