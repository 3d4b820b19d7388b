"""The demo seed: the labs it builds, that a re-run changes nothing, and that its logins work."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Max
from django.test import RequestFactory

from labs.models import (
    Cohort,
    CohortStatus,
    Invitation,
    Lab,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from members.models import Profile, User

DEMO_MODELS = (User, Profile, Lab, Cohort, Membership, Invitation)


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, tuple[int, object]]:
    """Row count and newest change per model: equal snapshots mean nothing was written."""
    snapshot = {}
    for model in DEMO_MODELS:
        field = "updated_at" if model is not User else "date_joined"
        newest = model.objects.aggregate(newest=Max(field))["newest"]
        snapshot[model.__name__] = (model.objects.count(), newest)
    return snapshot


@pytest.mark.django_db
def test_seed_demo_second_run_changes_nothing():
    _seed()
    first = _snapshot()

    _seed()

    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_demo_builds_three_cohorts_and_a_public_lab():
    _seed()

    lab = Lab.objects.get(slug="seoul-ai-lab")
    statuses = dict(lab.cohorts.values_list("number", "status"))
    bootcamp = Lab.objects.get(slug="bootcamp-coding-test")
    bootcamp_members = set(
        Membership.objects.filter(cohort__lab=bootcamp).values_list("user__email", flat=True)
    )
    assert (lab.name, lab.visibility) == ("서울 AI 논문 연구실", Visibility.PRIVATE)
    assert statuses == {
        3: CohortStatus.FINISHED,
        4: CohortStatus.FINISHED,
        5: CohortStatus.ACTIVE,
    }
    assert bootcamp.visibility == Visibility.PUBLIC
    assert "seoyeon@demo.labmate.kr" in bootcamp_members
    assert User.objects.count() == 14


@pytest.mark.django_db
def test_seed_demo_keeps_history_of_who_left_and_who_led():
    _seed()

    left = Membership.objects.get(user__email="harin@demo.labmate.kr", cohort__number=4)
    leaders = dict(
        Membership.objects.filter(cohort__lab__slug="seoul-ai-lab", role=Role.LEADER).values_list(
            "cohort__number", "user__profile__display_name"
        )
    )
    guest = Membership.objects.get(cohort__number=5, role=Role.GUEST)
    assert (left.status, left.left_on) == (MembershipStatus.LEFT, date(2026, 5, 16))
    assert leaders == {3: "최현우", 4: "최현우", 5: "김지우"}
    assert guest.user.email == "chaewon@demo.labmate.kr"


@pytest.mark.django_db
def test_seed_demo_leaves_a_usable_invitation_for_cohort_5():
    output = _seed()

    invitation = Invitation.objects.get(cohort__lab__slug="seoul-ai-lab", cohort__number=5)

    assert invitation.is_usable is True
    assert f"/join/{invitation.token}/" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("jiwoo@demo.labmate.kr", Role.LEADER),
        ("minjun@demo.labmate.kr", Role.FACILITATOR),
        ("seoyeon@demo.labmate.kr", Role.MEMBER),
    ],
)
def test_seed_demo_login_authenticates_with_its_role(email, role):
    output = _seed()
    request = RequestFactory().post("/accounts/login/")

    user = authenticate(request, username=email, password="labmate-demo-2026")

    membership = Membership.objects.get(
        user=user, cohort__lab__slug="seoul-ai-lab", cohort__number=5
    )
    assert user is not None
    assert user.email == email
    assert (membership.role, membership.status) == (role, MembershipStatus.ACTIVE)
    assert [email, "labmate-demo-2026"] in [line.split()[:2] for line in output.splitlines()]
