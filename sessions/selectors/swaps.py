"""Reads for swap requests: the gatekeeper (404 outside one's labs), my requests (made or
received), the board's panel, and the slots a presenter may ask to swap with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from labs.models import Cohort, MembershipStatus
from labs.selectors import member_lab_ids
from members.models import display_name_for
from sessions.models import MeetingStatus, Slot, SlotAssignment, SwapRequest, SwapStatus

_RELATED = (
    "requester__profile",
    "target__profile",
    "requester_slot__meeting__cohort__lab",
    "target_slot__meeting",
)


def swap_request_list_visible(*, user: Any) -> QuerySet[SwapRequest]:
    """Swap requests of the labs this user belongs to (who may answer is the services' job)."""
    qs = SwapRequest.objects.select_related(*_RELATED)
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(requester_slot__meeting__cohort__lab_id__in=member_lab_ids(user))


def swap_request_get_for_user(*, user: Any, pk: int) -> SwapRequest:
    """The request if this user may see it, otherwise 404."""
    try:
        return swap_request_list_visible(user=user).get(pk=pk)
    except SwapRequest.DoesNotExist:
        raise Http404 from None


def swap_request_list_for_user(*, user: Any) -> QuerySet[SwapRequest]:
    """My swap requests, made or received, newest first."""
    if not user.is_authenticated:
        return SwapRequest.objects.none()
    return (
        SwapRequest.objects.select_related(*_RELATED)
        .filter(Q(requester=user) | Q(target=user))
        .order_by("-created_at", "-id")
    )


@dataclass(slots=True)
class SwapPanel:
    """A member's swap requests in one cohort, as the board's panel shows them."""

    incoming: list[SwapRequest]  # pending, asked of me
    outgoing: list[SwapRequest]  # pending, asked by me
    recent: list[SwapRequest]  # answered or withdrawn, newest first


def swap_panel_for_cohort(*, cohort: Cohort, user: Any, recent_limit: int = 5) -> SwapPanel:
    """My pending requests in this cohort (both ways) and the latest decided ones: one query."""
    rows = list(
        swap_request_list_for_user(user=user).filter(requester_slot__meeting__cohort=cohort)[:200]
    )
    pending = [s for s in rows if s.status == SwapStatus.PENDING]
    return SwapPanel(
        incoming=[s for s in pending if s.target_id == user.pk],
        outgoing=[s for s in pending if s.requester_id == user.pk],
        recent=[s for s in rows if s.status != SwapStatus.PENDING][:recent_limit],
    )


@dataclass(frozen=True, slots=True)
class SwapOption:
    """Another presenter's place that a member could ask for."""

    slot_id: int
    user_id: int
    meeting_number: int
    starts_at: Any
    kind_label: str
    title: str
    display_name: str

    @property
    def value(self) -> str:
        return f"{self.slot_id}:{self.user_id}"


def swap_options_for_slot(*, slot: Slot, user: Any) -> list[SwapOption]:
    """The other presenters' places in the cohort's coming meetings that `user` (presenting
    in `slot`) could ask for, in meeting order: one query. Leaves out places in `slot`,
    slots `user` already presents in, and presenters who already present in `slot`."""
    from sessions.models import SlotKind

    labels = dict(SlotKind.choices)
    rows = (
        SlotAssignment.objects.filter(
            slot__meeting__cohort_id=slot.meeting.cohort_id,
            slot__meeting__status=MeetingStatus.SCHEDULED,
            slot__meeting__starts_at__gt=timezone.now(),
            user__memberships__cohort_id=slot.meeting.cohort_id,
            user__memberships__status=MembershipStatus.ACTIVE,
        )
        .exclude(slot=slot)
        .exclude(user=user)
        .exclude(slot__assignments__user=user)
        .exclude(user__slot_assignments__slot=slot)
        .order_by("slot__meeting__starts_at", "slot__kind", "slot__position", "slot_id", "id")
        .values_list(
            "slot_id",
            "user_id",
            "slot__meeting__number",
            "slot__meeting__starts_at",
            "slot__kind",
            "slot__title",
            "user__email",
            "user__profile__display_name",
        )
    )
    return [
        SwapOption(
            slot_id=slot_id,
            user_id=user_id,
            meeting_number=number,
            starts_at=starts_at,
            kind_label=str(labels.get(kind, kind)),
            title=title,
            display_name=display_name_for(email, profile_name),
        )
        for slot_id, user_id, number, starts_at, kind, title, email, profile_name in rows
    ]
