"""Writes for labs: creating labs and cohorts, roll-over, roles, invitations and joining.

Every function checks the actor's permission itself, so the pages and the API refuse
the same things with the same messages.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
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
from members.models import User
from members.services import user_create
from notifications.services import notify

INVITATION_MAX_DAYS = 90
# Lab addresses that would shadow fixed URLs under /labs/.
RESERVED_SLUGS = frozenset({"new", "edit", "api", "admin", "static"})


def _require(actor: Any, perm: str, obj: object, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def _check_dates(start_date: date, end_date: date) -> None:
    if end_date < start_date:
        raise ApplicationError(
            _("The end date must not be before the start date."),
            code="invalid_dates",
            fields={"end_date": [_("The end date must not be before the start date.")]},
        )


def _check_choice(value: str, choices: Iterable[str], field: str) -> None:
    if value not in choices:
        raise ApplicationError(
            _("Please correct the marked fields."), fields={field: [_("Invalid choice.")]}
        )


@transaction.atomic
def lab_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    description: str = "",
    topic: str = "",
    visibility: str = Visibility.PRIVATE,
    cohort_number: int = 1,
    cohort_name: str = "",
    start_date: date,
    end_date: date,
) -> Lab:
    """Create a lab with its first cohort, led by the actor."""
    if not name.strip():
        raise ApplicationError(_("Name the lab."), fields={"name": [_("This field is required.")]})
    _check_choice(visibility, Visibility.values, "visibility")
    _check_dates(start_date, end_date)
    slug = slugify(slug or name) or f"lab-{secrets.token_hex(3)}"
    taken = ConflictError(
        _("That address is taken; choose another."),
        code="slug_taken",
        fields={"slug": [_("Taken.")]},
    )
    if slug in RESERVED_SLUGS:
        raise taken
    try:
        # The unique index decides between two people claiming the same address at once.
        with transaction.atomic():
            lab = Lab.objects.create(
                name=name.strip(),
                slug=slug,
                description=description,
                topic=topic,
                visibility=visibility,
                created_by=actor,
            )
    except IntegrityError:
        raise taken from None
    cohort = Cohort.objects.create(
        lab=lab,
        number=cohort_number,
        name=cohort_name,
        start_date=start_date,
        end_date=end_date,
        status=CohortStatus.ACTIVE,
    )
    Membership.objects.create(user=actor, cohort=cohort, role=Role.LEADER)
    return lab


def lab_update(
    *, actor: User, lab: Lab, name: str, description: str, topic: str, visibility: str
) -> Lab:
    _require(actor, "labs.change_lab", lab, _("Only the lab's leaders can change the lab."))
    if not name.strip():
        raise ApplicationError(_("Name the lab."), fields={"name": [_("This field is required.")]})
    _check_choice(visibility, Visibility.values, "visibility")
    lab.name, lab.description, lab.topic, lab.visibility = (
        name.strip(),
        description,
        topic,
        visibility,
    )
    lab.save(update_fields=["name", "description", "topic", "visibility", "updated_at"])
    return lab


def _next_number(lab: Lab) -> int:
    last = lab.cohorts.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def cohort_create(
    *,
    actor: User,
    lab: Lab,
    start_date: date,
    end_date: date,
    number: int | None = None,
    name: str = "",
    status: str = CohortStatus.PLANNED,
) -> Cohort:
    """Create an empty cohort; the actor (a lab leader) leads it."""
    _require(actor, "labs.add_cohort", lab, _("Only the lab's leaders can create cohorts."))
    _check_dates(start_date, end_date)
    _check_choice(status, CohortStatus.values, "status")
    try:
        with transaction.atomic():
            cohort = Cohort.objects.create(
                lab=lab,
                number=number or _next_number(lab),
                name=name,
                start_date=start_date,
                end_date=end_date,
                status=status,
            )
            Membership.objects.create(user=actor, cohort=cohort, role=Role.LEADER)
    except IntegrityError:
        raise ConflictError(
            _("This lab already has a cohort with that number."),
            code="cohort_exists",
            fields={"number": [_("Already used.")]},
        ) from None
    return cohort


def cohort_update(
    *, actor: User, cohort: Cohort, name: str, start_date: date, end_date: date, status: str
) -> Cohort:
    _require(
        actor, "labs.change_cohort", cohort, _("Only leaders and facilitators can change a cohort.")
    )
    _check_dates(start_date, end_date)
    _check_choice(status, CohortStatus.values, "status")
    cohort.name, cohort.start_date, cohort.end_date, cohort.status = (
        name,
        start_date,
        end_date,
        status,
    )
    cohort.save(update_fields=["name", "start_date", "end_date", "status", "updated_at"])
    return cohort


@transaction.atomic
def cohort_roll_over(
    *,
    actor: User,
    source: Cohort,
    carry_over_user_ids: Iterable[int],
    start_date: date,
    end_date: date,
    number: int | None = None,
    name: str = "",
    finish_source: bool = True,
) -> Cohort:
    """Create the next cohort from `source`, carrying the chosen people over with their roles.

    The source cohort and its memberships stay untouched (history), except that it is
    marked finished when `finish_source`. The actor always leads the new cohort.
    """
    _require(
        actor, "labs.add_cohort", source.lab, _("Only the lab's leaders can roll a cohort over.")
    )
    carry = set(carry_over_user_ids)
    source_members = {
        m.user_id: m
        for m in source.memberships.filter(status=MembershipStatus.ACTIVE, user_id__in=carry)
    }
    unknown = carry - set(source_members)
    if unknown:
        raise ApplicationError(
            _("Only active members of the cohort can be carried over."),
            code="not_in_cohort",
            fields={"members": [_("Some chosen people are not active members of this cohort.")]},
        )
    cohort = cohort_create(
        actor=actor,
        lab=source.lab,
        number=number,
        name=name,
        start_date=start_date,
        end_date=end_date,
        status=CohortStatus.PLANNED,
    )
    today = timezone.localdate()
    carried = Membership.objects.bulk_create(
        Membership(user_id=user_id, cohort=cohort, role=member.role, joined_on=today)
        for user_id, member in source_members.items()
        if user_id != actor.pk
    )
    record_changes(Membership, carried)  # bulk_create sends no signals: tell the changes feed
    if finish_source and source.status != CohortStatus.FINISHED:
        source.status = CohortStatus.FINISHED
        source.save(update_fields=["status", "updated_at"])
    return cohort


def _lock_cohort(cohort: Cohort) -> None:
    # Role changes that could leave a cohort without a leader serialise on the cohort row.
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()


def _other_active_leaders(membership: Membership) -> bool:
    return (
        Membership.objects.filter(
            cohort_id=membership.cohort_id, role=Role.LEADER, status=MembershipStatus.ACTIVE
        )
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Give a member another role. Leader changes need a lab leader; a cohort keeps one leader."""
    cohort = membership.cohort
    _require(
        actor, "labs.manage_members", cohort, _("Only leaders and facilitators can change roles.")
    )
    _check_choice(role, Role.values, "role")
    if Role.LEADER in (role, membership.role) and role != membership.role:
        _require(
            actor,
            "labs.assign_leader",
            cohort,
            _("Only a lab leader can appoint or replace leaders."),
        )
    if membership.status != MembershipStatus.ACTIVE:
        raise ConflictError(_("This person has left the cohort."), code="membership_inactive")
    _lock_cohort(cohort)
    if (
        membership.role == Role.LEADER
        and role != Role.LEADER
        and not _other_active_leaders(membership)
    ):
        raise ConflictError(
            _("A cohort needs at least one leader. Appoint another leader first."),
            code="last_leader",
        )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> Membership:
    """Mark a member as having left. The row stays, so the cohort's history stays."""
    cohort = membership.cohort
    is_self = membership.user_id == actor.pk
    if not is_self:
        _require(
            actor,
            "labs.manage_members",
            cohort,
            _("Only leaders and facilitators can remove members."),
        )
        if membership.role == Role.LEADER:
            _require(
                actor, "labs.assign_leader", cohort, _("Only a lab leader can remove a leader.")
            )
    if membership.status != MembershipStatus.ACTIVE:
        raise ConflictError(
            _("This person has already left the cohort."), code="membership_inactive"
        )
    _lock_cohort(cohort)
    if membership.role == Role.LEADER and not _other_active_leaders(membership):
        raise ConflictError(
            _("A cohort needs at least one leader. Appoint another leader first."),
            code="last_leader",
        )
    membership.status = MembershipStatus.LEFT
    membership.left_on = max(timezone.localdate(), membership.joined_on)
    membership.save(update_fields=["status", "left_on", "updated_at"])
    return membership


@transaction.atomic
def membership_add(
    *, actor: User, cohort: Cohort, user: User, role: str = Role.MEMBER
) -> Membership:
    """Put a person into a cohort (an accepted application): a new membership, or their old
    row made active again so the cohort's history keeps one row per person."""
    _require(
        actor, "labs.manage_members", cohort, _("Only leaders and facilitators can add members.")
    )
    if role not in Role.values or role == Role.LEADER:
        raise ApplicationError(
            _("Add as facilitator, member or guest; appoint leaders from the roster."),
            fields={"role": [_("Invalid choice.")]},
        )
    existing = Membership.objects.select_for_update().filter(user=user, cohort=cohort).first()
    if existing is not None and existing.status == MembershipStatus.ACTIVE:
        raise ConflictError(
            _("This person is already a member of the cohort."), code="already_member"
        )
    if existing is not None:
        existing.status, existing.left_on, existing.role = MembershipStatus.ACTIVE, None, role
        existing.joined_on = timezone.localdate()
        existing.save(update_fields=["status", "left_on", "role", "joined_on", "updated_at"])
        return existing
    try:
        # Two leaders accepting at once: the unique (user, cohort) index lets one row in.
        with transaction.atomic():
            return Membership.objects.create(user=user, cohort=cohort, role=role)
    except IntegrityError:
        raise ConflictError(
            _("This person is already a member of the cohort."), code="already_member"
        ) from None


def invitation_create(
    *,
    actor: User,
    cohort: Cohort,
    role: str = Role.MEMBER,
    email: str = "",
    expires_in_days: int = 14,
    max_uses: int = 20,
) -> Invitation:
    _require(
        actor, "labs.manage_members", cohort, _("Only leaders and facilitators can invite people.")
    )
    errors: dict[str, list[str]] = {}
    if role not in Role.values or role == Role.LEADER:
        errors["role"] = [
            _("Invite as facilitator, member or guest; appoint leaders from the roster.")
        ]
    if not 1 <= expires_in_days <= INVITATION_MAX_DAYS:
        errors["expires_in_days"] = [
            _("Choose between 1 and %(max)d days.") % {"max": INVITATION_MAX_DAYS}
        ]
    if not 1 <= max_uses <= 500:
        errors["max_uses"] = [_("Choose between 1 and 500 uses.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    return Invitation.objects.create(
        cohort=cohort,
        token=secrets.token_urlsafe(24),
        role=role,
        email=email.strip().lower(),
        expires_at=timezone.now() + timedelta(days=expires_in_days),
        max_uses=max_uses,
        created_by=actor,
    )


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _require(
        actor,
        "labs.manage_members",
        invitation.cohort,
        _("Only leaders and facilitators can revoke links."),
    )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_check(*, invitation: Invitation) -> None:
    """Raise the reason this link cannot be used now, if there is one."""
    if invitation.revoked_at is not None:
        raise ConflictError(_("This invitation link was withdrawn."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise ConflictError(_("This invitation link has expired."), code="invitation_expired")
    if invitation.use_count >= invitation.max_uses:
        raise ConflictError(_("This invitation link has been used up."), code="invitation_used_up")


@transaction.atomic
def invitation_accept(*, user: User, invitation: Invitation) -> Membership:
    """Join the invitation's cohort. Consumes one use; a duplicate join consumes nothing."""
    invitation_check(invitation=invitation)
    if invitation.email and invitation.email != user.email:
        raise PermissionDeniedError(
            _("This invitation is for another email address."), code="invitation_wrong_email"
        )
    existing = (
        Membership.objects.select_for_update().filter(user=user, cohort=invitation.cohort).first()
    )
    if existing is not None and existing.status == MembershipStatus.ACTIVE:
        raise ConflictError(_("You are already a member of this cohort."), code="already_member")
    # The conditional update is the race guard: two people taking the last use, one wins.
    taken = Invitation.objects.filter(
        Q(pk=invitation.pk),
        Q(revoked_at__isnull=True),
        Q(expires_at__gt=timezone.now()),
        Q(use_count__lt=F("max_uses")),
    ).update(use_count=F("use_count") + 1)
    if taken != 1:
        raise ConflictError(_("This invitation link has been used up."), code="invitation_used_up")
    notify(
        kind="invitation_accepted",
        recipients=User.objects.filter(
            memberships__cohort=invitation.cohort,
            memberships__role=Role.LEADER,
            memberships__status=MembershipStatus.ACTIVE,
        ).exclude(pk=user.pk),
        cohort=invitation.cohort,
        target=invitation,
        params={"name": user.display_name, "role": invitation.role},
        url=invitation.cohort.get_absolute_url(),
    )
    if existing is not None:
        existing.status, existing.left_on, existing.role = (
            MembershipStatus.ACTIVE,
            None,
            invitation.role,
        )
        existing.joined_on = timezone.localdate()
        existing.save(update_fields=["status", "left_on", "role", "joined_on", "updated_at"])
        return existing
    return Membership.objects.create(user=user, cohort=invitation.cohort, role=invitation.role)


@transaction.atomic
def invitation_accept_with_sign_up(
    *, invitation: Invitation, email: str, password: str, display_name: str, language: str
) -> Membership:
    """Create an account and join with it in one step: if joining fails, no account is left."""
    user = user_create(email=email, password=password, display_name=display_name, language=language)
    return invitation_accept(user=user, invitation=invitation)
