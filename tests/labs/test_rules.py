"""labs.rules: who may see and change what, for leader / facilitator / member / outsider."""

from __future__ import annotations

import pytest

from labs.models import CohortStatus, Role, Visibility
from tests.factories import CohortFactory, MembershipFactory


@pytest.mark.parametrize(
    ("who", "perm", "expected"),
    [
        ("leader", "labs.change_lab", True),
        ("facilitator", "labs.change_lab", False),
        ("member", "labs.change_lab", False),
        ("outsider", "labs.change_lab", False),
        ("leader", "labs.manage_members", True),
        ("facilitator", "labs.manage_members", True),
        ("member", "labs.manage_members", False),
        ("outsider", "labs.manage_members", False),
        ("member", "labs.view_cohort", True),
        ("outsider", "labs.view_cohort", False),
        ("leader", "labs.assign_leader", True),
        ("facilitator", "labs.assign_leader", False),
    ],
)
def test_cohort_permissions_by_role(world, who, perm, expected):
    user = getattr(world, who)

    assert user.has_perm(perm, world.cohort if perm != "labs.change_lab" else world.lab) is expected


def test_private_lab_hidden_from_outsider_public_lab_visible(world):
    assert world.outsider.has_perm("labs.view_lab", world.lab) is False

    world.lab.visibility = Visibility.PUBLIC
    world.lab.save()

    assert world.outsider.has_perm("labs.view_lab", world.lab) is True
    assert world.outsider.has_perm("labs.view_cohort", world.cohort) is False


def test_leader_of_finished_cohort_no_longer_leads_the_lab(world):
    old = CohortFactory(lab=world.lab, number=3, status=CohortStatus.FINISHED)
    alumnus = MembershipFactory(cohort=old, role=Role.LEADER).user

    assert alumnus.has_perm("labs.view_cohort", world.cohort) is True
    assert alumnus.has_perm("labs.change_lab", world.lab) is False
    assert alumnus.has_perm("labs.manage_members", world.cohort) is False


def test_lab_leader_manages_other_cohorts_of_the_lab(world):
    planned = CohortFactory(lab=world.lab, number=6, status=CohortStatus.PLANNED)

    assert world.leader.has_perm("labs.manage_members", planned) is True
    assert world.facilitator.has_perm("labs.manage_members", planned) is False


def test_member_who_left_loses_access(world):
    world.member_membership.status = "left"
    world.member_membership.left_on = world.member_membership.joined_on
    world.member_membership.save()

    assert world.member.has_perm("labs.view_cohort", world.cohort) is False
