"""Races on PostgreSQL: the last invitation use and the last leader hold under parallel calls."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from core.errors import ApplicationError
from labs import services
from labs.models import Membership, MembershipStatus, Role
from tests.factories import CohortFactory, InvitationFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same instant (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the outcome of each racer is what the test asserts
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


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
