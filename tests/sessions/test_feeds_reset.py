"""Resetting the feeds' secret addresses, and where members find them (settings, cohort page)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import PermissionDeniedError
from labs.services import membership_remove
from members.models import Profile
from sessions.services.feeds import calendar_token_reset, cohort_calendar_token_reset
from tests.conftest import client_for
from tests.factories import CohortFactory, MembershipFactory

COHORT_RESET_URL = reverse(
    "sessions:cohort_calendar_reset", kwargs={"slug": "deep-lab", "number": 5}
)
COHORT_PAGE_URL = reverse("labs:cohort_detail", kwargs={"slug": "deep-lab", "number": 5})


def _token(user) -> str:
    return Profile.objects.get(user=user).calendar_token


def _member_feed(token: str) -> str:
    return reverse("sessions:calendar_member", kwargs={"token": token})


def _cohort_feed(token: str) -> str:
    return reverse("sessions:calendar_cohort", kwargs={"token": token})


# --- services ----------------------------------------------------------------------------


def test_calendar_token_reset_gives_a_new_secret(world):
    old = _token(world.member)

    profile = calendar_token_reset(actor=world.member)

    assert profile.calendar_token != old
    assert _token(world.member) == profile.calendar_token


def test_cohort_calendar_token_reset_by_facilitator(world):
    old = world.cohort.calendar_token

    cohort = cohort_calendar_token_reset(actor=world.facilitator, cohort=world.cohort)
    world.cohort.refresh_from_db()

    assert cohort.calendar_token != old
    assert world.cohort.calendar_token == cohort.calendar_token


def test_cohort_calendar_token_reset_refuses_a_member(world):
    old = world.cohort.calendar_token

    with pytest.raises(PermissionDeniedError) as excinfo:
        cohort_calendar_token_reset(actor=world.member, cohort=world.cohort)
    world.cohort.refresh_from_db()

    assert excinfo.value.status == 403
    assert world.cohort.calendar_token == old


# --- personal reset page -----------------------------------------------------------------


def test_calendar_reset_invalidates_the_old_address(world, member_client):
    old = _token(world.member)

    response = member_client.post(reverse("sessions:calendar_reset"))

    assert response.status_code == 302
    assert response["Location"] == reverse("members:settings") + "#calendar"
    assert Client().get(_member_feed(old)).status_code == 404
    assert Client().get(_member_feed(_token(world.member))).status_code == 200


def test_calendar_reset_over_htmx_redirects_the_client(world, member_client):
    response = member_client.post(
        reverse("sessions:calendar_reset"), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("members:settings") + "#calendar"


def test_calendar_reset_needs_login(world):
    old = _token(world.member)

    response = Client().post(reverse("sessions:calendar_reset"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("members:login"))
    assert _token(world.member) == old


def test_calendar_reset_refuses_get(world, member_client):
    old = _token(world.member)

    response = member_client.get(reverse("sessions:calendar_reset"))

    assert response.status_code == 405
    assert _token(world.member) == old


def test_calendar_reset_leaves_other_members_alone(world, member_client):
    leader_token = _token(world.leader)

    member_client.post(reverse("sessions:calendar_reset"))

    assert _token(world.leader) == leader_token


# --- cohort reset page -------------------------------------------------------------------


def test_cohort_calendar_reset_by_leader_invalidates_the_old_address(world, leader_client):
    old = world.cohort.calendar_token

    response = leader_client.post(COHORT_RESET_URL)
    world.cohort.refresh_from_db()

    assert response.status_code == 302
    assert response["Location"] == COHORT_PAGE_URL + "#calendar"
    assert world.cohort.calendar_token != old
    assert Client().get(_cohort_feed(old)).status_code == 404
    assert Client().get(_cohort_feed(world.cohort.calendar_token)).status_code == 200


def test_cohort_calendar_reset_refuses_a_member_with_403(world, member_client):
    old = world.cohort.calendar_token

    response = member_client.post(COHORT_RESET_URL)
    world.cohort.refresh_from_db()

    assert response.status_code == 403
    assert world.cohort.calendar_token == old


def test_cohort_calendar_reset_outsider_gets_404(world, outsider_client):
    old = world.cohort.calendar_token

    response = outsider_client.post(COHORT_RESET_URL)
    world.cohort.refresh_from_db()

    assert response.status_code == 404
    assert world.cohort.calendar_token == old


def test_cohort_calendar_reset_unknown_cohort_is_404(world, leader_client):
    response = leader_client.post(
        reverse("sessions:cohort_calendar_reset", kwargs={"slug": "deep-lab", "number": 99})
    )

    assert response.status_code == 404


# --- where the addresses are shown -------------------------------------------------------


def test_settings_page_shows_my_feed_address_and_reset(world, member_client):
    token = _token(world.member)

    response = member_client.get(reverse("members:settings"))
    html = response.content.decode()

    assert response.status_code == 200
    assert f'href="webcal://127.0.0.1:8000/calendar/{token}.ics"' in html
    assert f'value="http://127.0.0.1:8000/calendar/{token}.ics"' in html
    assert f'action="{reverse("sessions:calendar_reset")}"' in html


def test_cohort_page_shows_the_feed_to_a_member_without_reset(world, member_client):
    token = world.cohort.calendar_token

    html = member_client.get(COHORT_PAGE_URL).content.decode()

    assert f'href="webcal://127.0.0.1:8000/calendar/cohort/{token}.ics"' in html
    assert 'data-testid="cohort-calendar-reset"' not in html


def test_cohort_page_shows_the_reset_to_a_leader(world, leader_client):
    html = leader_client.get(COHORT_PAGE_URL).content.decode()

    assert f'action="{COHORT_RESET_URL}"' in html
    assert html.count('data-testid="cohort-calendar-reset"') == 1


def test_cohort_page_hides_the_feed_from_someone_who_left(world):
    membership_remove(actor=world.member, membership=world.member_membership)
    # Still in the lab through another cohort, so the page stays visible.
    MembershipFactory(cohort=CohortFactory(lab=world.lab, number=6), user=world.member)

    response = client_for(world.member).get(COHORT_PAGE_URL)

    assert response.status_code == 200
    assert world.cohort.calendar_token not in response.content.decode()
