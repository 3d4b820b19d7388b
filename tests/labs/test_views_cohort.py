"""The cohort page: roster, role changes and removals (plain and htmx), invitations, roll-over."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from labs import selectors
from labs.models import Cohort, CohortStatus, Invitation, Membership, MembershipStatus, Role
from members.models import Profile
from tests.conftest import client_for
from tests.factories import CohortFactory, InvitationFactory, MembershipFactory, UserFactory

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


def manage_url(membership: Membership) -> str:
    return reverse("labs:membership_manage", kwargs={"pk": membership.pk})


def facilitator_membership(world) -> Membership:
    return Membership.objects.get(user=world.facilitator, cohort=world.cohort)


def manage_links(response) -> list[str]:
    return re.findall(r'href="([^"]*)"[^>]*data-testid="manage-link"', response.content.decode())


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


def test_cohort_detail_leader_sees_manage_links_and_actions(world, leader_client):
    response = leader_client.get(COHORT_URL)

    assert response.status_code == 200
    assert response.context["can_manage"] is True
    assert response.context["can_assign_leader"] is True
    # One "Manage" link per row; the forms themselves come only when a row is opened.
    rows = [world.leader_membership, facilitator_membership(world), world.member_membership]
    assert manage_links(response) == [manage_url(m) for m in rows]
    assert b'data-testid="role-select"' not in response.content
    assert b'href="/labs/deep-lab/5/invitations/"' in response.content
    assert b'href="/labs/deep-lab/5/roll-over/"' in response.content
    assert b'href="/labs/deep-lab/5/edit/"' in response.content


def test_cohort_detail_facilitator_cannot_touch_leader_rows(world):
    client = client_for(world.facilitator)

    response = client.get(COHORT_URL)

    assert response.context["can_manage"] is True
    assert response.context["can_assign_leader"] is False
    assert manage_links(response) == [
        manage_url(facilitator_membership(world)),
        manage_url(world.member_membership),
    ]
    assert b'href="/labs/deep-lab/5/edit/"' in response.content
    assert b'href="/labs/deep-lab/5/roll-over/"' not in response.content


def test_cohort_detail_left_member_row_has_no_manage_link(world, leader_client):
    gone = MembershipFactory(cohort=world.cohort, joined_on=date(2026, 1, 1))
    gone.status, gone.left_on = MembershipStatus.LEFT, date(2026, 3, 2)
    gone.save()

    response = leader_client.get(COHORT_URL)

    assert manage_url(gone) not in manage_links(response)
    assert response.content.count(b'data-testid="member-row"') == 4
    assert "2026-01-01 \N{EN DASH} 2026-03-02" in response.content.decode()


def test_cohort_detail_name_falls_back_like_user_display_name(world, leader_client):
    Profile.objects.filter(user=world.member).update(display_name="")
    world.member.refresh_from_db()

    response = leader_client.get(COHORT_URL)

    names = re.findall(r'class="member-name">([^<]*)<', response.content.decode())
    assert world.member.display_name == "member"
    assert names[-1] == "member"


def test_cohort_detail_shows_my_role_and_you_marker(world, member_client):
    response = member_client.get(COHORT_URL)

    content = response.content.decode()
    assert re.findall(r'data-testid="my-role">([^<]*)<', content) == ["Member"]
    assert content.count("(you)") == 1
    badges = re.findall(r'data-testid="role-badge">([^<]*)<', content)
    assert badges == ["Leader", "Facilitator", "Member"]


def test_cohort_detail_paginates_roster_by_50(world, leader_client):
    MembershipFactory.create_batch(50, cohort=world.cohort)

    first = leader_client.get(COHORT_URL)
    second = leader_client.get(COHORT_URL, {"page": 2}, headers=HTMX)

    assert first.content.count(b'data-testid="member-row"') == 50
    assert b'href="?page=2"' in first.content
    assert b'hx-get="?page=2"' in first.content
    assert second.content.count(b'data-testid="member-row"') == 3
    assert b"<html" not in second.content
    # Rows of page 2 open their manage form for page 2, so a plain POST comes back to it.
    assert all(link.endswith("/manage/?page=2") for link in manage_links(second))


@pytest.mark.parametrize("members", [1, 3])
def test_cohort_detail_query_count_is_constant(world, django_assert_num_queries, members):
    MembershipFactory.create_batch(members, cohort=world.cohort)
    client = client_for(world.leader)

    # session, user, profile; cohort; the viewer's memberships in the lab (every
    # permission); roster page (a first page that holds everyone needs no COUNT);
    # attendance rates (one aggregate).
    with django_assert_num_queries(7):
        response = client.get(COHORT_URL)

    assert response.content.count(b'data-testid="member-row"') == 3 + members
    assert len(manage_links(response)) == 3 + members


# --- the viewer's access, decided in one query --------------------------------------------


@pytest.fixture
def access_cases(world):
    """Every kind of viewer, and a planned and a finished cohort next to the active one."""
    planned = CohortFactory(lab=world.lab, number=6, status=CohortStatus.PLANNED)
    finished = CohortFactory(lab=world.lab, number=3, status=CohortStatus.FINISHED)
    alumnus = MembershipFactory(cohort=finished, role=Role.LEADER).user
    MembershipFactory(cohort=world.cohort, user=alumnus, role=Role.MEMBER)
    gone = MembershipFactory(cohort=world.cohort, role=Role.FACILITATOR)
    gone.status, gone.left_on = MembershipStatus.LEFT, gone.joined_on
    gone.save()
    planned_facilitator = MembershipFactory(cohort=planned, role=Role.FACILITATOR).user
    viewers = {
        "leader": world.leader,
        "facilitator": world.facilitator,
        "member": world.member,
        "outsider": world.outsider,
        "alumnus_leader_of_finished_cohort": alumnus,
        "left_facilitator": gone.user,
        "facilitator_of_planned_cohort": planned_facilitator,
        "superuser": UserFactory(is_superuser=True),
    }
    return viewers, [world.cohort, planned, finished]


@pytest.mark.parametrize(
    "who",
    [
        "leader",
        "facilitator",
        "member",
        "outsider",
        "alumnus_leader_of_finished_cohort",
        "left_facilitator",
        "facilitator_of_planned_cohort",
        "superuser",
    ],
)
def test_viewer_access_agrees_with_rules(world, access_cases, django_assert_num_queries, who):
    viewers, cohorts = access_cases
    user = viewers[who]

    with django_assert_num_queries(1):
        access = selectors.viewer_access_for_lab(user=user, lab=world.lab)

    lab_answers = (access.can_view_private_lab, access.can_change_lab, access.can_add_cohort)
    assert lab_answers == (
        user.has_perm("labs.view_lab_private", world.lab),
        user.has_perm("labs.change_lab", world.lab),
        user.has_perm("labs.add_cohort", world.lab),
    )
    for cohort in cohorts:
        cohort_answers = (
            access.can_view(cohort),
            access.can_manage(cohort),
            access.can_manage(cohort),
            access.can_assign_leader(cohort),
            access.my_membership(cohort),
        )
        assert cohort_answers == (
            user.has_perm("labs.view_cohort", cohort),
            user.has_perm("labs.manage_members", cohort),
            user.has_perm("labs.change_cohort", cohort),
            user.has_perm("labs.assign_leader", cohort),
            selectors.membership_for(user=user, cohort=cohort),
        ), (who, cohort.number)
        # Visibility follows the same rule as the gatekeeper's queryset.
        visible = selectors.cohort_list_visible(user=user).filter(pk=cohort.pk).exists()
        assert access.can_view(cohort) is visible, (who, cohort.number)


def test_cohort_get_with_access_for_user_gives_cohort_and_access(world):
    cohort, access = selectors.cohort_get_with_access_for_user(
        user=world.member, slug="deep-lab", number=5
    )

    assert cohort == world.cohort
    assert access.my_membership(cohort) == world.member_membership
    assert access.can_manage(cohort) is False


def test_cohort_get_with_access_for_user_outsider_gets_404(world):
    with pytest.raises(Http404):
        selectors.cohort_get_with_access_for_user(user=world.outsider, slug="deep-lab", number=5)


def test_viewer_access_refuses_a_cohort_of_another_lab(world):
    access = selectors.viewer_access_for_lab(user=world.leader, lab=world.lab)
    other = CohortFactory(lab=world.other_lab, number=2)

    with pytest.raises(ValueError, match="another lab"):
        access.can_manage(other)


# --- opening one row for managing ----------------------------------------------------------


def test_membership_manage_htmx_opens_the_row_with_its_forms(world, leader_client):
    target = world.member_membership

    response = leader_client.get(manage_url(target), headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.strip().startswith(f'<tr data-testid="member-row" id="member-{target.pk}"')
    assert content.count('data-testid="role-select"') == 1
    assert f'hx-post="{role_url(target)}"' in content
    assert f'hx-post="{remove_url(target)}"' in content
    assert f'hx-get="{manage_url(target)}?close=1"' in content
    assert re.findall(r'<option value="(\w+)"', content) == [
        "leader",
        "facilitator",
        "member",
        "guest",
    ]
    assert '<option value="member" selected>' in content


def test_membership_manage_facilitator_cannot_offer_leader_role(world):
    client = client_for(world.facilitator)

    response = client.get(manage_url(world.member_membership), headers=HTMX)

    assert response.status_code == 200
    options = re.findall(r'<option value="(\w+)"', response.content.decode())
    assert options == ["facilitator", "member", "guest"]


def test_membership_manage_without_js_is_a_page_with_plain_forms(world, leader_client):
    target = world.member_membership

    response = leader_client.get(manage_url(target), {"page": "2"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content
    assert 'data-testid="membership-manage"' in content
    assert f'action="{role_url(target)}"' in content
    assert f'action="{remove_url(target)}"' in content
    assert "hx-post" not in content
    assert '<input type="hidden" name="page" value="2">' in content
    assert 'href="/labs/deep-lab/5/?page=2"' in content


def test_membership_manage_close_gives_the_read_only_row_back(world, leader_client):
    target = world.member_membership

    response = leader_client.get(manage_url(target), {"close": "1"}, headers=HTMX)

    assert response.status_code == 200
    assert b'data-testid="role-select"' not in response.content
    assert manage_links(response) == [manage_url(target)]


def test_membership_manage_close_without_js_goes_back_to_the_page(world, leader_client):
    response = leader_client.get(manage_url(world.member_membership), {"close": "1"})

    assert response.status_code == 302
    assert response["Location"] == COHORT_URL


def test_membership_manage_member_gets_403(world, member_client):
    response = member_client.get(manage_url(world.leader_membership), headers=HTMX)

    assert response.status_code == 403
    assert response.context["message"] == "Only leaders and facilitators can change roles."


def test_membership_manage_facilitator_gets_403_on_leader_row(world):
    client = client_for(world.facilitator)

    response = client.get(manage_url(world.leader_membership))

    assert response.status_code == 403
    assert response.context["message"] == "Only a lab leader can appoint or replace leaders."


def test_membership_manage_left_member_shows_why_without_forms(world, leader_client):
    target = world.member_membership
    target.status, target.left_on = MembershipStatus.LEFT, target.joined_on
    target.save()

    page = leader_client.get(manage_url(target))
    row = leader_client.get(manage_url(target), headers=HTMX)

    assert (page.status_code, row.status_code) == (200, 200)
    assert page.context["row_error"] == "This person has left the cohort."
    assert row.context["row_error"] == "This person has left the cohort."
    assert b'data-testid="role-select"' not in page.content
    assert b'data-testid="role-select"' not in row.content


def test_membership_manage_outsider_gets_404(world, outsider_client):
    response = outsider_client.get(manage_url(world.member_membership))

    assert response.status_code == 404


def test_membership_manage_post_is_not_allowed(world, leader_client):
    response = leader_client.post(manage_url(world.member_membership))

    assert response.status_code == 405


def test_membership_manage_query_count(world, django_assert_num_queries, leader_client):
    # session, user, profile; the membership (visibility); the viewer's memberships.
    with django_assert_num_queries(5):
        response = leader_client.get(manage_url(world.member_membership), headers=HTMX)

    assert response.status_code == 200


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
    # Saved: the row closes again and says so.
    assert 'data-testid="role-select"' not in content
    assert response.context["row_notice"] == f"Role of {world.member.profile.display_name} saved."
    assert re.findall(r'data-testid="role-badge">([^<]*)<', content) == ["Guest"]
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
    # Refused: the row stays open so the leader can try something else.
    assert response.content.count(b'data-testid="role-select"') == 1
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
    assert manage_links(response) == []
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
