"""Races on PostgreSQL: two leaders applying the same preview, and an apply racing a member's
bid. Exactly one apply wins (the other gets 409 assignment_changed); a bid either lands before
the apply's check (the apply refuses) or after its commit; never a duplicate, never a 500."""

from __future__ import annotations

import pytest

from core.errors import ConflictError
from labs.models import Role
from sessions.models import Bid, ReviewAssignment
from sessions.services.reviews import bid_set, review_assignment_apply, review_assignment_preview
from tests.concurrency import run_concurrently
from tests.factories import BidFactory, CohortFactory, MembershipFactory, PaperFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _cohort():
    cohort = CohortFactory()
    leader = MembershipFactory(cohort=cohort, role=Role.LEADER).user
    facilitator = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    members = [MembershipFactory(cohort=cohort).user for _ in range(4)]
    papers = [PaperFactory(cohort=cohort, reviews_needed=2) for _ in range(3)]
    for n, paper in enumerate(papers):
        BidFactory(paper=paper, user=members[n], preference="very_high")
    return cohort, leader, facilitator, members, papers


def _apply(actor, cohort, preview):
    def call() -> object:
        return review_assignment_apply(
            actor=actor,
            cohort=cohort,
            preview_fingerprint=preview.fingerprint,
            pairs=[(p.paper_id, p.reviewer_id) for p in preview.pairs],
        )

    return call


@pytest.mark.parametrize("attempt", range(3))
def test_reviews_two_leaders_applying_at_once_write_one_assignment(attempt):
    cohort, leader, facilitator, _members, _papers = _cohort()
    preview = review_assignment_preview(actor=leader, cohort=cohort, seed=attempt)

    results = run_concurrently(
        [_apply(leader, cohort, preview), _apply(facilitator, cohort, preview)]
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert [(type(r), r.code) for r in refused] == [(ConflictError, "assignment_changed")]
    assert ReviewAssignment.objects.filter(paper__cohort=cohort).count() == len(preview.pairs)


@pytest.mark.parametrize("attempt", range(3))
def test_reviews_apply_racing_a_bid_is_all_or_nothing(attempt):
    cohort, leader, _facilitator, members, papers = _cohort()
    preview = review_assignment_preview(actor=leader, cohort=cohort, seed=attempt)

    results = run_concurrently(
        [
            _apply(leader, cohort, preview),
            lambda: bid_set(actor=members[3], paper=papers[0], preference="very_high"),
        ]
    )

    applied, bid = results
    assert not isinstance(bid, Exception)
    assert Bid.objects.filter(user=members[3]).count() == 1
    written = ReviewAssignment.objects.filter(paper__cohort=cohort).count()
    if isinstance(applied, ConflictError):
        assert (applied.code, written) == ("assignment_changed", 0)
    else:
        assert not isinstance(applied, Exception)
        assert written == len(preview.pairs)
