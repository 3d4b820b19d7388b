"""The cohort page: roster, role changes and removals (plain and htmx), invitations, roll-over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Cohort, CohortStatus, Invitation, Membership, MembershipStatus, Role
from members.models import Profile
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory

COHORT_URL = "/labs/deep-lab/5/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(world):
    # Messages are asserted in English, whatever catalogues exist.
    Profile.objects.update(language="en")


def role_url(membership: Membership) -> str:
    return reverse("labs:membership_role", kwargs={"pk": membership.pk})


def remove_url(membership: Membership) -> str:
    return reverse("labs:membership_remove", kwargs={"pk": membership.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the cohort page -------------------------------------------------------------------------


def test_cohort_detail_member_sees_roster_without_controls(world, member_client):
    response = member_client.get(COHORT_URL)

    assert response.status_code == 200
    assert response.context["my_membership"] == world.member_membership
    assert response.context["can_manage"] is False
    assert response.content.count(b'data-testid="member-row"') == 3
    assert b'data-testid="roster"' in response.content
    assert b'data-testid="role-select"' not in response.content
    assert b"/invitations/" not in response.content


def test_cohort_detail_leader_sees_controls_and_links(world, leader_client):
    response = leader_client.get(COHORT_URL)

    assert response.status_code == 200
    assert response.content.count(b'data-testid="role-select"') == 3
    assert b'href="/labs/deep-lab/5/invitations/"' in response.content
    assert b'href="/labs/deep-lab/5/roll-over/"' in response.content
    assert b'href="/labs/deep-lab/5/edit/"' in response.content


def test_cohort_detail_facilitator_cannot_touch_leader_rows(world):
    client = client_for(world.facilitator)

    response = client.get(COHORT_URL)

    assert response.context["can_manage"] is True
    assert response.context["can_assign_leader"] is False
    assert response.content.count(b'data-testid="role-select"') == 2
    assert b'<option value="leader"' not in response.content
    assert b'href="/labs/deep-lab/5/roll-over/"' not in response.content


def test_cohort_detail_paginates_roster_by_50(world, leader_client):
    MembershipFactory.create_batch(50, cohort=world.cohort)

    first = leader_client.get(COHORT_URL)
    second = leader_client.get(COHORT_URL, {"page": 2}, headers=HTMX)

    assert first.content.count(b'data-testid="member-row"') == 50
    assert b'href="?page=2"' in first.content
    assert b'hx-get="?page=2"' in first.content
    assert second.content.count(b'data-testid="member-row"') == 3
    assert b"<html" not in second.content


@pytest.mark.parametrize("members", [1, 3])
def test_cohort_detail_query_count_is_constant(world, django_assert_num_queries, members):
    MembershipFactory.create_batch(members, cohort=world.cohort)
    client = client_for(world.leader)

    with django_assert_num_queries(11):
        response = client.get(COHORT_URL)

    assert response.content.count(b'data-testid="member-row"') == 3 + members


# --- role changes ----------------------------------------------------------------------------


def test_membership_role_member_gets_403_and_nothing_changes(world, member_client):
    target = world.leader_membership

    response = member_client.post(role_url(target), {"role": Role.MEMBER})

    assert response.status_code == 403
    assert response.context["message"] == "Only leaders and facilitators can change roles."
    target.refresh_from_db()
    assert target.role == Role.LEADER


def test_membership_role_leader_changes_role_and_redirects(world, leader_client):
    target = world.member_membership

    response = leader_client.post(role_url(target), {"role": Role.FACILITATOR}, follow=True)

    assert response.redirect_chain == [(COHORT_URL, 302)]
    target.refresh_from_db()
    assert target.role == Role.FACILITATOR
    name = world.member.profile.display_name
    assert messages_of(response) == [f"Role of {name} saved."]


def test_membership_role_leader_with_htmx_gets_row_partial(world, leader_client):
    target = world.member_membership

    response = leader_client.post(role_url(target), {"role": Role.GUEST}, headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.strip().startswith('<tr data-testid="member-row"')
    assert content.count('data-testid="member-row"') == 1
    target.refresh_from_db()
    assert target.role == Role.GUEST


def test_membership_role_last_leader_cannot_be_demoted_htmx(world, leader_client):
    target = world.leader_membership

    response = leader_client.post(role_url(target), {"role": Role.MEMBER}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["row_error"] == (
        "A cohort needs at least one leader. Appoint another leader first."
    )
    assert b'data-testid="row-error"' in response.content
    target.refresh_from_db()
    assert target.role == Role.LEADER


def test_membership_role_last_leader_cannot_be_demoted_plain(world, leader_client):
    target = world.leader_membership

    response = leader_client.post(role_url(target), {"role": Role.MEMBER}, follow=True)

    assert response.redirect_chain == [(COHORT_URL, 302)]
    assert messages_of(response) == [
        "A cohort needs at least one leader. Appoint another leader first."
    ]
    target.refresh_from_db()
    assert target.role == Role.LEADER


def test_membership_role_facilitator_cannot_appoint_leader_htmx(world):
    client = client_for(world.facilitator)
    target = world.member_membership

    response = client.post(role_url(target), {"role": Role.LEADER}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["row_error"] == "Only a lab leader can appoint or replace leaders."
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_membership_role_unknown_role_is_refused(world, leader_client):
    target = world.member_membership

    response = leader_client.post(role_url(target), {"role": "owner"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["row_error"] == "Choose a valid role."
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_membership_role_get_is_not_allowed(world, leader_client):
    response = leader_client.get(role_url(world.member_membership))

    assert response.status_code == 405


# --- removals --------------------------------------------------------------------------------


def test_membership_remove_leader_marks_member_left_htmx(world, leader_client):
    target = world.member_membership

    response = leader_client.post(remove_url(target), headers=HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    target.refresh_from_db()
    assert target.status == MembershipStatus.LEFT


def test_membership_remove_member_gets_403(world, member_client):
    target = world.leader_membership

    response = member_client.post(remove_url(target))

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.status == MembershipStatus.ACTIVE


def test_membership_remove_last_leader_is_refused(world, leader_client):
    target = world.leader_membership

    response = leader_client.post(remove_url(target), follow=True)

    assert messages_of(response) == [
        "A cohort needs at least one leader. Appoint another leader first."
    ]
    target.refresh_from_db()
    assert target.status == MembershipStatus.ACTIVE


# --- invitations -----------------------------------------------------------------------------


INVITATIONS_URL = "/labs/deep-lab/5/invitations/"


def test_invitations_member_gets_403(world, member_client):
    response = member_client.get(INVITATIONS_URL)

    assert response.status_code == 403


def test_invitations_lists_links_with_full_url_and_state(world, leader_client):
    usable = InvitationFactory(cohort=world.cohort, token="tok-usable")
    InvitationFactory(cohort=world.cohort, expires_at=timezone.now() - timedelta(days=1))
    InvitationFactory(cohort=world.cohort, max_uses=2, use_count=2)
    InvitationFactory(cohort=world.cohort, revoked_at=timezone.now())

    response = leader_client.get(INVITATIONS_URL)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert sorted(row["state"][0] for row in rows) == ["expired", "revoked", "usable", "used-up"]
    usable_row = next(row for row in rows if row["invitation"] == usable)
    assert usable_row["url"] == "http://testserver/join/tok-usable/"


def test_invitations_create_makes_a_link(world, leader_client):
    data = {"role": Role.GUEST, "email": "Guest@Example.com", "expires_in_days": 7, "max_uses": 3}

    response = leader_client.post(INVITATIONS_URL, data)

    assert response.status_code == 302
    assert response["Location"] == INVITATIONS_URL
    invitation = Invitation.objects.get(cohort=world.cohort)
    assert (invitation.role, invitation.email, invitation.max_uses) == (
        Role.GUEST,
        "guest@example.com",
        3,
    )


def test_invitations_create_htmx_returns_panel(world, leader_client):
    data = {"role": Role.MEMBER, "email": "", "expires_in_days": 14, "max_uses": 20}

    response = leader_client.post(INVITATIONS_URL, data, headers=HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert response.content.count(b'data-testid="invitation-row"') == 1


def test_invitations_create_refuses_leader_role(world, leader_client):
    data = {"role": Role.LEADER, "email": "", "expires_in_days": 14, "max_uses": 20}

    response = leader_client.post(INVITATIONS_URL, data)

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert Invitation.objects.count() == 0


def test_invitations_member_cannot_create(world, member_client):
    data = {"role": Role.MEMBER, "email": "", "expires_in_days": 14, "max_uses": 20}

    response = member_client.post(INVITATIONS_URL, data)

    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_invitation_revoke_withdraws_the_link(world, leader_client):
    invitation = InvitationFactory(cohort=world.cohort)

    response = leader_client.post(f"{INVITATIONS_URL}{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_invitation_revoke_member_gets_403(world, member_client):
    invitation = InvitationFactory(cohort=world.cohort)

    response = member_client.post(f"{INVITATIONS_URL}{invitation.pk}/revoke/")

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("invitations", [1, 3])
def test_invitations_query_count_is_constant(world, django_assert_num_queries, invitations):
    InvitationFactory.create_batch(invitations, cohort=world.cohort, created_by=world.leader)
    client = client_for(world.leader)

    with django_assert_num_queries(6):
        response = client.get(INVITATIONS_URL)

    assert len(response.context["rows"]) == invitations


# --- roll-over -------------------------------------------------------------------------------


ROLL_OVER_URL = "/labs/deep-lab/5/roll-over/"


def test_roll_over_form_checks_every_active_member_by_default(world, leader_client):
    gone = MembershipFactory(cohort=world.cohort)
    gone.status, gone.left_on = MembershipStatus.LEFT, gone.joined_on
    gone.save()

    response = leader_client.get(ROLL_OVER_URL)

    assert response.status_code == 200
    form = response.context["form"]
    expected = sorted([world.leader.pk, world.facilitator.pk, world.member.pk])
    assert sorted(form.fields["members"].initial) == expected
    assert form.initial["number"] == 6


def test_roll_over_creates_next_cohort_with_chosen_members(world, leader_client):
    data = {
        "members": [world.facilitator.pk, world.leader.pk],
        "number": 6,
        "name": "",
        "start_date": "2026-09-01",
        "end_date": "2026-12-31",
        "finish_source": "on",
    }

    response = leader_client.post(ROLL_OVER_URL, data)

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/6/"
    new = Cohort.objects.get(lab=world.lab, number=6)
    assert sorted((m.user_id, m.role) for m in new.memberships.all()) == sorted(
        [(world.leader.pk, Role.LEADER), (world.facilitator.pk, Role.FACILITATOR)]
    )
    world.cohort.refresh_from_db()
    assert world.cohort.status == CohortStatus.FINISHED
    assert world.cohort.memberships.filter(status=MembershipStatus.ACTIVE).count() == 3


def test_roll_over_taken_number_shows_error(world, leader_client):
    data = {"members": [], "number": 5, "start_date": "2026-09-01", "end_date": "2026-12-31"}

    response = leader_client.post(ROLL_OVER_URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["Already used."]
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_roll_over_facilitator_gets_403(world):
    client = client_for(world.facilitator)

    response = client.get(ROLL_OVER_URL)

    assert response.status_code == 403
