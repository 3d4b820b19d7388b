"""Reads for labs: visibility-scoped querysets and the gatekeepers that 404 outsiders."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from labs.models import (
    MANAGER_ROLES,
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


def _member_lab_ids(user: Any) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "cohort__lab_id"
    )


ROLE_ORDER = (Role.LEADER, Role.FACILITATOR, Role.MEMBER, Role.GUEST)


def lab_list_visible(*, user: Any) -> QuerySet[Lab]:
    """Labs this user may see: their own, plus public ones."""
    if user.is_superuser:
        return Lab.objects.all()
    if not user.is_authenticated:
        return Lab.objects.filter(visibility=Visibility.PUBLIC)
    return Lab.objects.filter(Q(id__in=_member_lab_ids(user)) | Q(visibility=Visibility.PUBLIC))


def lab_list_for_member(*, user: User) -> QuerySet[Lab]:
    """My labs, each with its cohort count and its cohorts (newest first) prefetched."""
    return (
        Lab.objects.filter(id__in=_member_lab_ids(user))
        .annotate(cohort_count=Count("cohorts", distinct=True))
        .prefetch_related(Prefetch("cohorts", queryset=Cohort.objects.order_by("-number")))
        .order_by("name")
    )


def lab_get_for_user(*, user: Any, slug: str) -> Lab:
    """The lab if this user may see it, otherwise 404 (an outsider never learns it exists)."""
    try:
        return lab_list_visible(user=user).get(slug=slug)
    except Lab.DoesNotExist:
        raise Http404 from None


def cohort_list_visible(*, user: Any) -> QuerySet[Cohort]:
    """Cohorts of the labs this user belongs to (alumni keep seeing their lab's history)."""
    qs = Cohort.objects.select_related("lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(lab_id__in=_member_lab_ids(user))


def cohort_list_for_lab(*, lab: Lab) -> QuerySet[Cohort]:
    active_members = Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
    return lab.cohorts.annotate(member_count=active_members).order_by("-number")


def cohort_get_for_user(*, user: Any, slug: str, number: int) -> Cohort:
    try:
        return cohort_list_visible(user=user).get(lab__slug=slug, number=number)
    except Cohort.DoesNotExist:
        raise Http404 from None


def membership_list_visible(*, user: Any) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user__profile", "cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=_member_lab_ids(user))


def membership_list_for_cohort(*, cohort: Cohort) -> QuerySet[Membership]:
    """The roster: active members first, leaders then facilitators, members and guests."""
    role_rank = Case(
        *(When(role=role, then=Value(rank)) for rank, role in enumerate(ROLE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(cohort=cohort)
        .select_related("user__profile")
        .order_by("status", role_rank, "user__profile__display_name", "id")
    )


def membership_for(*, user: Any, cohort: Cohort) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, cohort=cohort).first()


def membership_by_cohort_for_user(*, user: Any) -> dict[int, Membership]:
    """The user's own memberships keyed by cohort id (one query), to show "my role" per cohort."""
    if not user.is_authenticated:
        return {}
    return {m.cohort_id: m for m in Membership.objects.filter(user=user)}


def invitation_list_for_cohort(*, cohort: Cohort) -> QuerySet[Invitation]:
    return cohort.invitations.select_related("created_by__profile").order_by("-created_at", "-id")


def invitation_list_visible(*, user: Any) -> QuerySet[Invitation]:
    """Invitations of the cohorts this user manages (members do not see join links)."""
    qs = Invitation.objects.select_related("cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    managed = Membership.objects.filter(
        user=user, status=MembershipStatus.ACTIVE, role__in=MANAGER_ROLES
    ).values("cohort_id")
    led_labs = (
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE, role=Role.LEADER)
        .exclude(cohort__status=CohortStatus.FINISHED)
        .values("cohort__lab_id")
    )
    return qs.filter(Q(cohort_id__in=managed) | Q(cohort__lab_id__in=led_labs))


def invitation_get_by_token(*, token: str) -> Invitation:
    try:
        return Invitation.objects.select_related("cohort__lab").get(token=token)
    except Invitation.DoesNotExist:
        raise Http404 from None
