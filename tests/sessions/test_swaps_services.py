"""Swap request services: asking, accepting (both assignments exchanged at once, two audit
rows), stale swaps, who may answer, declining, withdrawing and duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sessions.models import SlotAssignment, SlotChange, SwapRequest, WaitlistEntry
from sessions.services.slots import slot_claim, slot_release
from sessions.services.swaps import (
    swap_request_accept,
    swap_request_cancel,
    swap_request_create,
    swap_request_decline,
)
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory


@pytest.fixture
def pair(world):
    """The member presents chapter 1; "bee" presents chapter 2 at the next meeting."""
    bee = MembershipFactory(cohort=world.cohort, user__email="bee@example.com").user
    first = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    second = SlotFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=14)),
        title="2장",
    )
    slot_claim(actor=world.member, slot=first)
    slot_claim(actor=bee, slot=second)
    return world.member, bee, first, second


def holders() -> list[tuple[int, int]]:
    return sorted(SlotAssignment.objects.values_list("slot_id", "user_id"))


def test_swap_request_create_is_pending_and_changes_nothing(world, pair):
    me, bee, first, second = pair

    swap = swap_request_create(
        actor=me, requester_slot=first, target_slot=second, message="시험 주간이에요"
    )

    assert (swap.requester_id, swap.target_id, swap.status, swap.message) == (
        me.pk,
        bee.pk,
        "pending",
        "시험 주간이에요",
    )
    assert holders() == [(first.pk, me.pk), (second.pk, bee.pk)]


def test_swap_request_accept_exchanges_both_and_writes_two_audit_rows(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second, message="부탁")

    accepted = swap_request_accept(actor=bee, swap=swap)

    assert holders() == [(first.pk, bee.pk), (second.pk, me.pk)]
    assert set(SlotAssignment.objects.values_list("source", flat=True)) == {"swap"}
    assert (accepted.status, accepted.decided_at is not None) == ("accepted", True)
    swapped = SlotChange.objects.filter(action="swapped").order_by("id")
    assert list(swapped.values_list("slot_id", "actor_id", "from_user_id", "to_user_id")) == [
        (first.pk, bee.pk, me.pk, bee.pk),
        (second.pk, bee.pk, bee.pk, me.pk),
    ]
    assert list(swapped.values_list("reason", flat=True)) == ["부탁", "부탁"]


def test_swap_request_accept_works_after_the_give_back_cutoff(world, pair):
    me, bee, first, second = pair
    first.meeting.starts_at = timezone.now() + timedelta(hours=2)
    first.meeting.ends_at = first.meeting.starts_at + timedelta(hours=4)
    first.meeting.save()
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    swap_request_accept(actor=bee, swap=swap)

    assert holders() == [(first.pk, bee.pk), (second.pk, me.pk)]


def test_swap_request_accept_stale_is_409_cancelled_and_changes_nothing(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    slot_release(actor=bee, slot=second)

    with pytest.raises(ConflictError) as caught:
        swap_request_accept(actor=bee, swap=swap)

    assert caught.value.code == "swap_stale"
    assert SwapRequest.objects.get(pk=swap.pk).status == "cancelled"
    assert holders() == [(first.pk, me.pk)]
    assert SlotChange.objects.filter(action="swapped").count() == 0


def test_swap_request_accept_only_by_the_target(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    for actor in (me, world.leader):
        with pytest.raises(PermissionDeniedError):
            swap_request_accept(actor=actor, swap=swap)

    assert SwapRequest.objects.get(pk=swap.pk).status == "pending"
    assert holders() == [(first.pk, me.pk), (second.pk, bee.pk)]


def test_swap_request_accept_twice_is_409_not_pending(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    swap_request_accept(actor=bee, swap=swap)

    with pytest.raises(ConflictError) as caught:
        swap_request_accept(actor=bee, swap=swap)

    assert caught.value.code == "swap_not_pending"


def test_swap_request_accept_cancels_other_requests_about_moved_assignments(world, pair):
    me, bee, first, second = pair
    third_member = MembershipFactory(cohort=world.cohort).user
    third = SlotFactory(meeting=second.meeting, title="3장")
    slot_claim(actor=third_member, slot=third)
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    other = swap_request_create(actor=third_member, requester_slot=third, target_slot=first)
    unrelated = swap_request_create(actor=third_member, requester_slot=third, target_slot=second)

    swap_request_accept(actor=bee, swap=swap)

    assert SwapRequest.objects.get(pk=other.pk).status == "cancelled"
    # Asked of bee about chapter 2, which bee no longer presents: cancelled too.
    assert SwapRequest.objects.get(pk=unrelated.pk).status == "cancelled"


def test_swap_request_accept_removes_the_new_presenter_from_the_waitlist(world, pair):
    me, bee, first, second = pair
    WaitlistEntry.objects.create(slot=first, user=bee)
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    swap_request_accept(actor=bee, swap=swap)

    assert WaitlistEntry.objects.count() == 0


def test_swap_request_decline_and_cancel_close_the_request(world, pair):
    me, bee, first, second = pair
    declined = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    swap_request_decline(actor=bee, swap=declined)
    withdrawn = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    swap_request_cancel(actor=me, swap=withdrawn)

    assert sorted(SwapRequest.objects.values_list("status", flat=True)) == [
        "cancelled",
        "declined",
    ]
    assert holders() == [(first.pk, me.pk), (second.pk, bee.pk)]


def test_swap_request_decline_by_requester_and_cancel_by_target_are_forbidden(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    with pytest.raises(PermissionDeniedError):
        swap_request_decline(actor=me, swap=swap)
    with pytest.raises(PermissionDeniedError):
        swap_request_cancel(actor=bee, swap=swap)

    assert SwapRequest.objects.get(pk=swap.pk).status == "pending"


def test_swap_request_create_duplicate_pending_is_409(world, pair):
    me, _bee, first, second = pair
    swap_request_create(actor=me, requester_slot=first, target_slot=second)

    with pytest.raises(ConflictError) as caught:
        swap_request_create(actor=me, requester_slot=first, target_slot=second)

    assert caught.value.code == "swap_pending"
    assert SwapRequest.objects.count() == 1


def test_swap_request_create_mirror_of_a_pending_request_is_409(world, pair):
    me, bee, first, second = pair
    swap_request_create(actor=me, requester_slot=first, target_slot=second)

    with pytest.raises(ConflictError) as caught:
        swap_request_create(actor=bee, requester_slot=second, target_slot=first)

    assert caught.value.code == "swap_pending"


def test_swap_request_create_needs_my_own_slot(world, pair):
    me, _bee, first, second = pair

    with pytest.raises(ConflictError) as caught:
        swap_request_create(actor=me, requester_slot=second, target_slot=first)

    assert caught.value.code == "not_claimed"


def test_swap_request_create_by_member_of_another_cohort_is_forbidden(world, pair):
    _me, _bee, first, second = pair
    stranger = MembershipFactory(cohort__lab=world.lab, cohort__number=6).user

    with pytest.raises(PermissionDeniedError):
        swap_request_create(actor=stranger, requester_slot=first, target_slot=second)


def test_swap_request_create_refuses_an_empty_slot_and_a_past_meeting(world, pair):
    me, bee, first, second = pair
    empty = SlotFactory(meeting=second.meeting, title="빈 자리")
    past_meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(days=7))
    past = SlotFactory(meeting=past_meeting)
    SlotAssignment.objects.create(slot=past, user=bee)

    with pytest.raises(ApplicationError) as empty_error:
        swap_request_create(actor=me, requester_slot=first, target_slot=empty)
    with pytest.raises(ConflictError) as past_error:
        swap_request_create(actor=me, requester_slot=first, target_slot=past)

    assert empty_error.value.fields == {
        "target_slot": ["Nobody presents in that slot: claim it instead of asking for a swap."]
    }
    assert past_error.value.code == "meeting_past"


def test_swap_request_create_with_several_presenters_needs_the_target_user(world, pair):
    me, _bee, first, second = pair
    second.capacity = 2
    second.save()
    cee = MembershipFactory(cohort=world.cohort).user
    slot_claim(actor=cee, slot=second)

    with pytest.raises(ApplicationError) as caught:
        swap_request_create(actor=me, requester_slot=first, target_slot=second)
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second, target_user=cee)

    assert list(caught.value.fields) == ["target_user"]
    assert swap.target_id == cee.pk
