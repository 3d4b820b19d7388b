"""Races on PostgreSQL: answers to swap requests that compete for the same assignment, and an
accept racing a give-back. Exactly one outcome wins; never a half-done exchange or a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sessions.models import SlotAssignment, SlotChange, SwapRequest
from sessions.services.slots import slot_claim, slot_release
from sessions.services.swaps import swap_request_accept, swap_request_create
from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_swap_accepts_of_competing_requests_at_once_one_wins():
    cohort = CohortFactory()
    target = MembershipFactory(cohort=cohort).user
    asked = SlotFactory(meeting=MeetingFactory(cohort=cohort))
    slot_claim(actor=target, slot=asked)
    requests = []
    for _ in range(8):
        requester = MembershipFactory(cohort=cohort).user
        own = SlotFactory(meeting=MeetingFactory(cohort=cohort))
        slot_claim(actor=requester, slot=own)
        requests.append(swap_request_create(actor=requester, requester_slot=own, target_slot=asked))

    results = run_concurrently(
        [lambda s=s: swap_request_accept(actor=target, swap=s) for s in requests]
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 7
    assert {getattr(f, "code", None) for f in failures} <= {"swap_not_pending", "swap_stale"}
    assert (
        sorted(SwapRequest.objects.values_list("status", flat=True))
        == ["accepted"] + ["cancelled"] * 7
    )
    winner = SwapRequest.objects.get(status="accepted")
    assert SlotAssignment.objects.get(slot=asked).user_id == winner.requester_id
    assert SlotAssignment.objects.filter(user=target).count() == 1
    assert SlotChange.objects.filter(action="swapped").count() == 2


def test_swap_accept_racing_a_give_back_is_all_or_nothing():
    cohort = CohortFactory(release_cutoff_hours=0)
    requester, target = (MembershipFactory(cohort=cohort).user for _ in range(2))
    mine = SlotFactory(meeting=MeetingFactory(cohort=cohort))
    theirs = SlotFactory(meeting=MeetingFactory(cohort=cohort))
    slot_claim(actor=requester, slot=mine)
    slot_claim(actor=target, slot=theirs)
    swap = swap_request_create(actor=requester, requester_slot=mine, target_slot=theirs)

    calls: list[Callable[[], object]] = [
        lambda: swap_request_accept(actor=target, swap=swap),
        lambda: slot_release(actor=requester, slot=mine),
    ]
    results = run_concurrently(calls)

    unexpected = [r for r in results if isinstance(r, Exception) and not hasattr(r, "code")]
    assert unexpected == []
    holders = sorted(SlotAssignment.objects.values_list("slot_id", "user_id"))
    status = SwapRequest.objects.get().status
    if status == "accepted":
        # The swap went first: `mine` is the target's now, so the give-back was refused.
        assert holders == [(mine.pk, target.pk), (theirs.pk, requester.pk)]
    else:
        assert (status, holders) == ("cancelled", [(theirs.pk, target.pk)])
