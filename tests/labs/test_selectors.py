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


# --- the labs a member belongs to, read once for a whole block ---------------------------------


def test_lab_ids_of_member_are_the_labs_of_active_memberships(world):
    from labs.models import MembershipStatus
    from tests.factories import MembershipFactory

    both = MembershipFactory(cohort=world.cohort).user
    MembershipFactory(user=both, cohort=world.other_lab.cohorts.get())
    left = MembershipFactory(
        cohort=world.cohort, status=MembershipStatus.LEFT, left_on=world.cohort.start_date
    ).user

    assert selectors.lab_ids_of_member(user=world.member) == [world.lab.pk]
    assert selectors.lab_ids_of_member(user=both) == sorted([world.lab.pk, world.other_lab.pk])
    assert selectors.lab_ids_of_member(user=left) == []


def test_lab_ids_known_makes_visibility_compare_with_the_list(world, django_assert_num_queries):
    from sessions.selectors import meeting_list_visible
    from tests.factories import MeetingFactory

    mine = MeetingFactory(cohort=world.cohort)
    MeetingFactory(cohort=world.other_lab.cohorts.get())
    outside = str(meeting_list_visible(user=world.member).query)

    with selectors.lab_ids_known(user=world.member, lab_ids=[world.lab.pk]):
        inside = str(meeting_list_visible(user=world.member).query)
        with django_assert_num_queries(1):
            visible = list(meeting_list_visible(user=world.member))
        others = list(meeting_list_visible(user=world.outsider))
    after = str(meeting_list_visible(user=world.member).query)

    assert "labs_membership" in outside
    assert "labs_membership" not in inside
    assert visible == [mine]
    assert others != []
    assert mine not in others
    assert after == outside
