"""seed_scale: the rows it makes, one leader per cohort, determinism, refusal and --reset."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from labs.models import Cohort, Invitation, Lab, Membership, Role
from members.models import Profile, User
from tests.factories import MembershipFactory


def _seed_scale(*extra: str) -> str:
    out = StringIO()
    call_command("seed_scale", "--labs", "2", "--members", "30", *extra, stdout=out)
    return out.getvalue()


def _fingerprint() -> list[tuple[object, ...]]:
    """Everything seed_scale decides, keyed by natural keys rather than database ids."""
    return list(
        Membership.objects.filter(cohort__lab__slug__startswith="scale-")
        .order_by("cohort__lab__slug", "cohort__number", "user__email")
        .values_list(
            "cohort__lab__slug",
            "cohort__number",
            "user__email",
            "user__profile__display_name",
            "role",
            "status",
            "joined_on",
            "left_on",
        )
    )


@pytest.mark.django_db
def test_seed_scale_creates_the_requested_rows():
    _seed_scale()

    memberships_per_user = (
        User.objects.annotate(n=Count("memberships")).values_list("n", flat=True).distinct()
    )
    assert Lab.objects.filter(slug__startswith="scale-").count() == 2
    assert Cohort.objects.count() == 6
    assert User.objects.filter(email__endswith="@scale.labmate.test").count() == 30
    assert Profile.objects.count() == 30
    assert set(memberships_per_user) <= {1, 2}
    assert Invitation.objects.filter(cohort__lab__slug__startswith="scale-").count() >= 12


@pytest.mark.django_db
def test_seed_scale_gives_every_cohort_one_leader_and_a_facilitator():
    _seed_scale()

    counts = Cohort.objects.annotate(
        leaders=Count("memberships", filter=Q(memberships__role=Role.LEADER)),
        facilitators=Count("memberships", filter=Q(memberships__role=Role.FACILITATOR)),
    )

    assert {c.leaders for c in counts} == {1}
    assert {c.facilitators for c in counts} <= {1, 2}


@pytest.mark.django_db
def test_seed_scale_keeps_each_user_inside_one_lab():
    _seed_scale()

    labs_per_user = (
        User.objects.annotate(n=Count("memberships__cohort__lab", distinct=True))
        .values_list("n", flat=True)
        .distinct()
    )

    assert list(labs_per_user) == [1]


@pytest.mark.django_db
def test_seed_scale_same_seed_gives_the_same_data():
    _seed_scale("--seed", "7")
    first = _fingerprint()

    _seed_scale("--seed", "7", "--reset")

    assert _fingerprint() == first


@pytest.mark.django_db
def test_seed_scale_other_seed_gives_other_data():
    _seed_scale("--seed", "7")
    first = _fingerprint()

    _seed_scale("--seed", "8", "--reset")

    assert _fingerprint() != first


@pytest.mark.django_db
def test_seed_scale_refuses_when_scale_data_exists():
    _seed_scale()

    with pytest.raises(CommandError, match="--reset"):
        _seed_scale()


@pytest.mark.django_db
def test_seed_scale_reset_leaves_other_data_alone():
    real = MembershipFactory(user__email="real@example.com", cohort__lab__slug="real-lab")
    _seed_scale()

    _seed_scale("--reset")

    assert Membership.objects.filter(pk=real.pk).exists() is True
    assert User.objects.count() == 31
    assert Lab.objects.count() == 3


@pytest.mark.django_db
def test_seed_scale_refuses_too_few_members_for_the_cohorts():
    with pytest.raises(CommandError, match="at least"):
        call_command("seed_scale", "--labs", "5", "--members", "10", stdout=StringIO())
