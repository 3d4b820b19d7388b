"""Races on PostgreSQL: a leader applying a rotation while members claim the same slots.
Either the claims land first and apply refuses (409 board_changed), or apply locks the
slots first and the claims then find them full; never over capacity, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ConflictError
from labs.models import Role
from sessions.models import SlotAssignment
from sessions.services.rotation import rotation_apply, rotation_preview
from sessions.services.slots import slot_claim
from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", range(5))
def test_rotation_apply_racing_claims_never_overfills(attempt):
    cohort = CohortFactory()
    leader = MembershipFactory(cohort=cohort, role=Role.LEADER).user
    members = [MembershipFactory(cohort=cohort).user for _ in range(6)]
    slots = [
        SlotFactory(
            meeting=MeetingFactory(
                cohort=cohort, starts_at=timezone.now() + timedelta(weeks=2 * n + 1)
            )
        )
        for n in range(3)
    ]
    preview = rotation_preview(actor=leader, cohort=cohort, seed=attempt)
    picks = [(p.slot.id, p.member_id) for p in preview.picks]

    def apply() -> object:
        return rotation_apply(
            actor=leader, cohort=cohort, preview_fingerprint=preview.fingerprint, picks=picks
        )

    claims = [
        lambda m=m, s=s: slot_claim(actor=m, slot=s)
        for m, s in zip(members[:3], slots, strict=True)
    ]
    results = run_concurrently([apply, *claims])

    applied, claimed = results[0], results[1:]
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, ConflictError)
    ]
    assert unexpected == []
    for slot in slots:
        assert SlotAssignment.objects.filter(slot=slot).count() == 1
    if isinstance(applied, ConflictError):
        assert applied.code == "board_changed"
        assert SlotAssignment.objects.filter(source="rotation").count() == 0
    else:
        assert SlotAssignment.objects.filter(source="rotation").count() == 3
        # Full, or the rotation picked that very member for that slot.
        codes = {r.code for r in claimed if isinstance(r, ConflictError)}
        assert codes <= {"slot_taken", "already_claimed"}
