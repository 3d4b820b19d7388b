"""Joining a cohort by invitation link: sign-up and join in one step, or join when logged in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from labs.models import Membership, MembershipStatus, Role
from members.models import Profile, User
from tests.conftest import client_for
from tests.factories import InvitationFactory

SIGN_UP = {
    "email": "new@example.com",
    "display_name": "새 랩원",
    "password": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


@pytest.fixture(autouse=True)
def english(world):
    # Messages are asserted in English, whatever catalogues exist; lazy form errors are
    # rendered when asserted, so the test thread speaks English too.
    Profile.objects.update(language="en")
    with translation.override("en"):
        yield


@pytest.fixture
def anonymous() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def invitation(world):
    return InvitationFactory(cohort=world.cohort, token="join-me", role=Role.FACILITATOR)


def test_join_unknown_token_is_404(world, anonymous):
    response = anonymous.get("/join/no-such-token/")

    assert response.status_code == 404


def test_join_anonymous_sees_lab_cohort_role_and_sign_up_form(invitation, anonymous):
    response = anonymous.get("/join/join-me/")

    assert response.status_code == 200
    assert response.context["cohort"] == invitation.cohort
    assert b'data-testid="join-signup"' in response.content
    assert b'href="/accounts/login/?next=/join/join-me/"' in response.content


def test_join_anonymous_sign_up_creates_user_membership_and_logs_in(invitation, anonymous):
    response = anonymous.post("/join/join-me/", SIGN_UP)

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/5/"
    user = User.objects.get(email="new@example.com")
    assert user.profile.display_name == "새 랩원"
    membership = Membership.objects.get(user=user)
    assert (membership.cohort, membership.role) == (invitation.cohort, Role.FACILITATOR)
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert anonymous.get("/labs/deep-lab/5/").status_code == 200


def test_join_sign_up_bad_email_shows_form_error_and_creates_nothing(invitation, anonymous):
    response = anonymous.post("/join/join-me/", {**SIGN_UP, "email": "not-an-email"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert User.objects.filter(email="not-an-email").exists() is False
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_join_sign_up_passwords_must_match(invitation, anonymous):
    response = anonymous.post("/join/join-me/", {**SIGN_UP, "password2": "something-else-1"})

    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == ["The two passwords do not match."]
    assert User.objects.filter(email="new@example.com").exists() is False


def test_join_sign_up_taken_email_shows_error(invitation, anonymous):
    response = anonymous.post("/join/join-me/", {**SIGN_UP, "email": "member@example.com"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An account with this email already exists."
    ]
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_join_sign_up_wrong_email_for_invitation_leaves_no_account(world, anonymous):
    InvitationFactory(cohort=world.cohort, token="for-kim", email="kim@example.com")

    response = anonymous.post("/join/for-kim/", SIGN_UP)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This invitation is for another email address."
    ]
    assert User.objects.filter(email="new@example.com").exists() is False


def test_join_expired_link_is_410_and_no_membership(world, anonymous):
    InvitationFactory(
        cohort=world.cohort, token="old", expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = anonymous.post("/join/old/", SIGN_UP)

    assert response.status_code == 410
    assert response.context["unusable"] == "This invitation link has expired."
    assert User.objects.filter(email="new@example.com").exists() is False


def test_join_used_up_link_is_410(world, outsider_client):
    InvitationFactory(cohort=world.cohort, token="full", max_uses=1, use_count=1)

    response = outsider_client.post("/join/full/")

    assert response.status_code == 410
    assert response.context["unusable"] == "This invitation link has been used up."
    assert Membership.objects.filter(user=world.outsider, cohort=world.cohort).exists() is False


def test_join_revoked_link_is_410(world, anonymous):
    InvitationFactory(cohort=world.cohort, token="gone", revoked_at=timezone.now())

    response = anonymous.get("/join/gone/")

    assert response.status_code == 410
    assert response.context["unusable"] == "This invitation link was withdrawn."


def test_join_logged_in_outsider_joins_with_one_click(world, invitation, outsider_client):
    response = outsider_client.post("/join/join-me/", follow=True)

    assert response.redirect_chain == [("/labs/deep-lab/5/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Welcome to Cohort 5!"]
    membership = Membership.objects.get(user=world.outsider, cohort=world.cohort)
    assert (membership.role, membership.status) == (Role.FACILITATOR, MembershipStatus.ACTIVE)
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_join_logged_in_sees_join_button(world, invitation, outsider_client):
    response = outsider_client.get("/join/join-me/")

    assert response.status_code == 200
    assert response.context["already_member"] is False
    assert b'data-testid="join-button"' in response.content


def test_join_existing_member_is_told_and_nothing_changes(world, invitation, member_client):
    page = member_client.get("/join/join-me/")
    response = member_client.post("/join/join-me/")

    assert page.context["already_member"] is True
    assert response.status_code == 200
    assert response.context["error"] == "You are already a member of this cohort."
    invitation.refresh_from_db()
    assert invitation.use_count == 0
    world.member_membership.refresh_from_db()
    assert world.member_membership.role == Role.MEMBER


def test_join_logged_in_wrong_email_is_refused(world, outsider_client):
    InvitationFactory(cohort=world.cohort, token="for-kim", email="kim@example.com")

    response = outsider_client.post("/join/for-kim/")

    assert response.status_code == 200
    assert response.context["error"] == "This invitation is for another email address."
    assert Membership.objects.filter(user=world.outsider, cohort=world.cohort).exists() is False


def test_join_former_member_rejoins(world, invitation):
    membership = world.member_membership
    membership.status, membership.left_on = MembershipStatus.LEFT, membership.joined_on
    membership.save()
    client = client_for(world.member)

    response = client.post("/join/join-me/")

    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.role) == (MembershipStatus.ACTIVE, Role.FACILITATOR)
