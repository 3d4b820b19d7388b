"""Races on PostgreSQL: the last invitation use and the last leader hold under parallel calls."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from labs import services
from labs.models import Membership, MembershipStatus, Role
from tests.concurrency import run_concurrently
from tests.factories import CohortFactory, InvitationFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_invitation_last_use_has_exactly_one_winner():
    invitation = InvitationFactory(max_uses=1)
    users = [UserFactory() for _ in range(20)]

    results = run_concurrently(
        [lambda u=u: services.invitation_accept(user=u, invitation=invitation) for u in users]
    )

    winners = [r for r in results if isinstance(r, Membership)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    invitation.refresh_from_db()
    assert (len(winners), len(losers)) == (1, 19)
    assert {e.code for e in losers} == {"invitation_used_up"}
    assert invitation.use_count == 1
    assert Membership.objects.filter(cohort=invitation.cohort).count() == 1


def test_two_leaders_demoting_each_other_leave_one_leader():
    cohort = CohortFactory()
    first = MembershipFactory(cohort=cohort, role=Role.LEADER)
    second = MembershipFactory(cohort=cohort, role=Role.LEADER)

    results = run_concurrently(
        [
            lambda: services.membership_change_role(
                actor=first.user, membership=Membership.objects.get(pk=second.pk), role=Role.MEMBER
            ),
            lambda: services.membership_change_role(
                actor=second.user, membership=Membership.objects.get(pk=first.pk), role=Role.MEMBER
            ),
        ]
    )

    leaders = Membership.objects.filter(
        cohort=cohort, role=Role.LEADER, status=MembershipStatus.ACTIVE
    ).count()
    assert leaders == 1
    assert sum(isinstance(r, Membership) for r in results) == 1
