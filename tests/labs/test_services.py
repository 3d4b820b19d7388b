"""labs.services: creation, roll-over, roles, invitations — and that refusals change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs import services
from labs.models import Cohort, CohortStatus, Invitation, Lab, Membership, MembershipStatus, Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

START, END = date(2026, 12, 1), date(2027, 4, 30)


def test_lab_create_makes_first_cohort_led_by_actor(db):
    user = UserFactory()

    lab = services.lab_create(actor=user, name="비전 연구실", start_date=START, end_date=END)

    cohort = lab.cohorts.get()
    # A Korean name has no ASCII slug, so the address falls back to a random one.
    assert lab.slug.startswith("lab-")
    assert (cohort.number, cohort.status) == (1, CohortStatus.ACTIVE)
    assert list(cohort.memberships.values_list("user_id", "role")) == [(user.pk, Role.LEADER)]


def test_lab_create_refuses_taken_slug_and_creates_nothing(world):
    labs_before = Lab.objects.count()

    with pytest.raises(ConflictError) as exc:
        services.lab_create(
            actor=world.member, name="x", slug="deep-lab", start_date=START, end_date=END
        )

    assert exc.value.code == "slug_taken"
    assert Lab.objects.count() == labs_before


def test_lab_create_slugifies_latin_names(db):
    lab = services.lab_create(
        actor=UserFactory(), name="Slow Paper Club", start_date=START, end_date=END
    )

    assert lab.slug == "slow-paper-club"


def test_lab_create_refuses_reserved_slug(db):
    with pytest.raises(ConflictError) as exc:
        services.lab_create(
            actor=UserFactory(), name="New", slug="new", start_date=START, end_date=END
        )

    assert exc.value.code == "slug_taken"


def test_lab_create_refuses_end_before_start(db):
    user = UserFactory()

    with pytest.raises(ApplicationError) as exc:
        services.lab_create(actor=user, name="x", start_date=END, end_date=START)

    assert exc.value.fields == {"end_date": ["The end date must not be before the start date."]}
    assert Lab.objects.count() == 0


def test_cohort_create_numbers_next_and_refuses_members(world):
    with pytest.raises(PermissionDeniedError):
        services.cohort_create(actor=world.member, lab=world.lab, start_date=START, end_date=END)

    cohort = services.cohort_create(
        actor=world.leader, lab=world.lab, start_date=START, end_date=END
    )

    assert cohort.number == 6
    assert cohort.memberships.get().user == world.leader


def test_cohort_create_duplicate_number_is_conflict(world):
    with pytest.raises(ConflictError) as exc:
        services.cohort_create(
            actor=world.leader, lab=world.lab, number=5, start_date=START, end_date=END
        )

    assert exc.value.code == "cohort_exists"
    assert world.lab.cohorts.count() == 1


def test_cohort_roll_over_carries_roles_and_keeps_history(world):
    chosen = [world.leader.pk, world.facilitator.pk]

    new = services.cohort_roll_over(
        actor=world.leader,
        source=world.cohort,
        carry_over_user_ids=chosen,
        start_date=START,
        end_date=END,
    )

    roles = dict(new.memberships.values_list("user_id", "role"))
    assert roles == {world.leader.pk: Role.LEADER, world.facilitator.pk: Role.FACILITATOR}
    assert new.number == 6
    world.cohort.refresh_from_db()
    assert world.cohort.status == CohortStatus.FINISHED
    assert world.cohort.memberships.count() == 3


def test_cohort_roll_over_refuses_people_outside_the_cohort(world):
    cohorts_before = Cohort.objects.count()

    with pytest.raises(ApplicationError) as exc:
        services.cohort_roll_over(
            actor=world.leader,
            source=world.cohort,
            carry_over_user_ids=[world.outsider.pk],
            start_date=START,
            end_date=END,
        )

    assert exc.value.code == "not_in_cohort"
    assert Cohort.objects.count() == cohorts_before


def test_cohort_roll_over_by_member_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        services.cohort_roll_over(
            actor=world.member,
            source=world.cohort,
            carry_over_user_ids=[],
            start_date=START,
            end_date=END,
        )


def test_membership_change_role_by_facilitator(world):
    membership = services.membership_change_role(
        actor=world.facilitator, membership=world.member_membership, role=Role.GUEST
    )

    membership.refresh_from_db()
    assert membership.role == Role.GUEST


def test_membership_change_role_member_cannot(world):
    with pytest.raises(PermissionDeniedError):
        services.membership_change_role(
            actor=world.member, membership=world.member_membership, role=Role.FACILITATOR
        )

    world.member_membership.refresh_from_db()
    assert world.member_membership.role == Role.MEMBER


def test_membership_change_role_facilitator_cannot_appoint_leader(world):
    with pytest.raises(PermissionDeniedError):
        services.membership_change_role(
            actor=world.facilitator, membership=world.member_membership, role=Role.LEADER
        )


def test_membership_change_role_last_leader_stays(world):
    with pytest.raises(ConflictError) as exc:
        services.membership_change_role(
            actor=world.leader, membership=world.leader_membership, role=Role.MEMBER
        )

    assert exc.value.code == "last_leader"
    world.leader_membership.refresh_from_db()
    assert world.leader_membership.role == Role.LEADER


def test_membership_change_role_unknown_role_refused(world):
    with pytest.raises(ApplicationError) as exc:
        services.membership_change_role(
            actor=world.leader, membership=world.member_membership, role="owner"
        )

    assert exc.value.fields == {"role": ["Invalid choice."]}


def test_membership_remove_keeps_row_as_left(world):
    services.membership_remove(actor=world.leader, membership=world.member_membership)

    world.member_membership.refresh_from_db()
    assert world.member_membership.status == MembershipStatus.LEFT
    assert world.member_membership.left_on == timezone.localdate()


def test_membership_remove_member_may_leave_but_not_remove_others(world):
    other = MembershipFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.membership_remove(actor=world.member, membership=other)
    services.membership_remove(actor=world.member, membership=world.member_membership)

    assert world.member_membership.status == MembershipStatus.LEFT


def test_invitation_create_refuses_leader_role_and_bad_limits(world):
    with pytest.raises(ApplicationError) as exc:
        services.invitation_create(
            actor=world.leader, cohort=world.cohort, role=Role.LEADER, expires_in_days=0, max_uses=0
        )

    assert set(exc.value.fields) == {"role", "expires_in_days", "max_uses"}
    assert Invitation.objects.count() == 0


def test_invitation_create_member_cannot(world):
    with pytest.raises(PermissionDeniedError):
        services.invitation_create(actor=world.member, cohort=world.cohort)


def test_invitation_accept_joins_and_counts_a_use(world):
    invitation = InvitationFactory(cohort=world.cohort, role=Role.GUEST)
    newcomer = UserFactory()

    membership = services.invitation_accept(user=newcomer, invitation=invitation)

    invitation.refresh_from_db()
    assert (membership.role, membership.status, invitation.use_count) == (
        Role.GUEST,
        MembershipStatus.ACTIVE,
        1,
    )


def test_invitation_accept_duplicate_consumes_nothing(world):
    invitation = InvitationFactory(cohort=world.cohort)

    with pytest.raises(ConflictError) as exc:
        services.invitation_accept(user=world.member, invitation=invitation)

    invitation.refresh_from_db()
    assert (exc.value.code, invitation.use_count) == ("already_member", 0)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "invitation_expired"),
        ({"use_count": 5, "max_uses": 5}, "invitation_used_up"),
        ({"revoked_at": timezone.now()}, "invitation_revoked"),
    ],
)
def test_invitation_accept_unusable_link_refused(world, changes, code):
    invitation = InvitationFactory(cohort=world.cohort, **changes)
    newcomer = UserFactory()

    with pytest.raises(ConflictError) as exc:
        services.invitation_accept(user=newcomer, invitation=invitation)

    assert exc.value.code == code
    assert not Membership.objects.filter(user=newcomer).exists()


def test_invitation_accept_wrong_email_refused(world):
    invitation = InvitationFactory(cohort=world.cohort, email="someone@example.com")
    newcomer = UserFactory()

    with pytest.raises(PermissionDeniedError):
        services.invitation_accept(user=newcomer, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_invitation_accept_rejoins_after_leaving(world):
    services.membership_remove(actor=world.leader, membership=world.member_membership)
    invitation = InvitationFactory(cohort=world.cohort)

    membership = services.invitation_accept(user=world.member, invitation=invitation)

    assert (membership.pk, membership.status, membership.left_on) == (
        world.member_membership.pk,
        MembershipStatus.ACTIVE,
        None,
    )


def test_invitation_revoke_is_idempotent(world):
    invitation = InvitationFactory(cohort=world.cohort)

    first = services.invitation_revoke(actor=world.facilitator, invitation=invitation).revoked_at
    second = services.invitation_revoke(actor=world.leader, invitation=invitation).revoked_at

    assert first is not None
    assert first == second
