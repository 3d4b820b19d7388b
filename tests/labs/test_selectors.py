"""labs.selectors: the gatekeepers 404 outsiders; lists are scoped to what the user may see."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from labs import selectors
from labs.models import Visibility
from tests.factories import InvitationFactory


def test_lab_get_for_user_outsider_gets_404(world):
    with pytest.raises(Http404):
        selectors.lab_get_for_user(user=world.outsider, slug="deep-lab")


def test_cohort_get_for_user_member_and_outsider(world):
    cohort = selectors.cohort_get_for_user(user=world.member, slug="deep-lab", number=5)

    assert cohort == world.cohort
    with pytest.raises(Http404):
        selectors.cohort_get_for_user(user=world.outsider, slug="deep-lab", number=5)


def test_lab_list_visible_scopes_by_membership_and_visibility(world):
    assert list(selectors.lab_list_visible(user=world.member)) == [world.lab]
    assert list(selectors.lab_list_visible(user=AnonymousUser())) == []

    world.lab.visibility = Visibility.PUBLIC
    world.lab.save()

    assert set(selectors.lab_list_visible(user=world.outsider)) == {world.lab, world.other_lab}
    assert list(selectors.lab_list_visible(user=AnonymousUser())) == [world.lab]


def test_membership_list_visible_excludes_other_labs(world):
    emails = set(
        selectors.membership_list_visible(user=world.member).values_list("user__email", flat=True)
    )

    assert emails == {"leader@example.com", "facilitator@example.com", "member@example.com"}


def test_invitation_list_visible_only_for_managers(world):
    invitation = InvitationFactory(cohort=world.cohort)

    assert list(selectors.invitation_list_visible(user=world.leader)) == [invitation]
    assert list(selectors.invitation_list_visible(user=world.facilitator)) == [invitation]
    assert list(selectors.invitation_list_visible(user=world.member)) == []
    assert list(selectors.invitation_list_visible(user=world.outsider)) == []


def test_membership_list_for_cohort_orders_leaders_first(world):
    roles = [m.role for m in selectors.membership_list_for_cohort(cohort=world.cohort)]

    assert roles == ["leader", "facilitator", "member"]
