"""Reads for labs: visibility-scoped querysets and the gatekeepers that 404 outsiders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
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
from members.models import User, display_name_for

# (user id, the ids of that user's labs) while a block reads with them known: see below.
_KNOWN_LAB_IDS: ContextVar[tuple[Any, list[int]] | None] = ContextVar(
    "labmate_known_lab_ids", default=None
)


def member_lab_ids(user: Any) -> QuerySet[Membership, Any] | list[int]:
    """The labs this user belongs to, for a visibility filter's `lab_id__in=`: a subquery,
    or the list already read in this request inside a `lab_ids_known` block."""
    known = _KNOWN_LAB_IDS.get()
    if known is not None and known[0] == user.pk:
        return known[1]
    return _active_memberships(user).values("cohort__lab_id")


def _active_memberships(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)


@contextmanager
def lab_ids_known(*, user: Any, lab_ids: list[int]) -> Iterator[None]:
    """Within the block, every visibility filter for `user` compares with `lab_ids` (all of
    the user's labs, as lab_ids_of_member read them) instead of a subquery of its own: the
    changes feed reads a page's objects through several types' filters at once."""
    token = _KNOWN_LAB_IDS.set((user.pk, list(lab_ids)))
    try:
        yield
    finally:
        _KNOWN_LAB_IDS.reset(token)


def lab_ids_of_member(*, user: Any) -> list[int]:
    """The ids of the labs this user belongs to (the labs cohort_list_visible covers for
    anyone but a superuser), in order: one short query."""
    return sorted(set(_active_memberships(user).values_list("cohort__lab_id", flat=True)))


ROLE_ORDER = (Role.LEADER, Role.FACILITATOR, Role.MEMBER, Role.GUEST)


def lab_list_visible(*, user: Any) -> QuerySet[Lab]:
    """Labs this user may see: their own, plus public ones."""
    if user.is_superuser:
        return Lab.objects.all()
    if not user.is_authenticated:
        return Lab.objects.filter(visibility=Visibility.PUBLIC)
    return Lab.objects.filter(Q(id__in=member_lab_ids(user)) | Q(visibility=Visibility.PUBLIC))


def lab_list_for_member(*, user: User) -> QuerySet[Lab]:
    """My labs, each with its cohort count and its cohorts (newest first) prefetched."""
    return (
        Lab.objects.filter(id__in=member_lab_ids(user))
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
    return qs.filter(lab_id__in=member_lab_ids(user))


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
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


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


def member_choices_for_cohort(*, cohort: Cohort) -> list[tuple[int, str]]:
    """(user id, display name) of the active members, by name, for pick lists (one query)."""
    rows = (
        Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email")
        .values_list("user_id", "user__email", "user__profile__display_name")
    )
    return [(user_id, display_name_for(email, name)) for user_id, email, name in rows]


def membership_roster_rows_for_cohort(*, cohort: Cohort) -> QuerySet[Membership, Any]:
    """The roster as plain rows, what the cohort page prints: the same rows in the same order
    as membership_list_for_cohort, without three model instances per row.
    `user__profile__display_name` may be empty or None: User.display_name says what to show."""
    return membership_list_for_cohort(cohort=cohort).values(
        "id",
        "user_id",
        "role",
        "status",
        "joined_on",
        "left_on",
        # Plain lookups, not F() annotations: with annotations the paginator's COUNT would
        # wrap the whole query in a subquery.
        "user__email",
        "user__profile__display_name",
    )


@dataclass(frozen=True, slots=True)
class ViewerAccess:
    """What one user may do in one lab, from one query; answers like labs.rules.

    Mirrors the predicates in labs/rules.py (a lab leader leads a cohort that is not
    finished; a facilitator or leader manages their own cohort; a superuser does all),
    so a page can decide what to show without a query per permission. The services
    still check permissions themselves: this is for display, not for authority.
    """

    lab_id: int
    is_superuser: bool
    is_lab_member: bool
    is_lab_leader: bool
    managed_cohort_ids: frozenset[int]
    # All of the user's memberships in the lab, active or left (for "my role").
    memberships: tuple[Membership, ...]

    def _check(self, cohort: Cohort) -> None:
        if cohort.lab_id != self.lab_id:
            raise ValueError("This access was computed for another lab.")

    def can_view(self, cohort: Cohort) -> bool:
        """labs.view_cohort"""
        self._check(cohort)
        return self.is_superuser or self.is_lab_member

    def can_manage(self, cohort: Cohort) -> bool:
        """labs.manage_members and labs.change_cohort"""
        self._check(cohort)
        return self.is_superuser or self.is_lab_leader or cohort.pk in self.managed_cohort_ids

    def can_assign_leader(self, cohort: Cohort) -> bool:
        """labs.assign_leader"""
        self._check(cohort)
        return self.is_superuser or self.is_lab_leader

    @property
    def can_view_private_lab(self) -> bool:
        """labs.view_lab_private"""
        return self.is_superuser or self.is_lab_member

    @property
    def can_change_lab(self) -> bool:
        """labs.change_lab"""
        return self.is_superuser or self.is_lab_leader

    @property
    def can_add_cohort(self) -> bool:
        """labs.add_cohort (the same rule as labs.change_lab)"""
        return self.can_change_lab

    def my_membership(self, cohort: Cohort) -> Membership | None:
        """The user's membership in this cohort, whatever its status (as membership_for)."""
        self._check(cohort)
        return next((m for m in self.memberships if m.cohort_id == cohort.pk), None)


def viewer_access_for_lab(*, user: Any, lab: Lab) -> ViewerAccess:
    """The user's powers in this lab, decided with one query (none for anonymous users)."""
    if not user.is_authenticated:
        return ViewerAccess(
            lab_id=lab.pk,
            is_superuser=False,
            is_lab_member=False,
            is_lab_leader=False,
            managed_cohort_ids=frozenset(),
            memberships=(),
        )
    memberships = tuple(
        Membership.objects.filter(user=user, cohort__lab_id=lab.pk)
        .annotate(cohort_status=F("cohort__status"))
        .order_by("cohort_id")
    )
    active = [m for m in memberships if m.status == MembershipStatus.ACTIVE]
    return ViewerAccess(
        lab_id=lab.pk,
        is_superuser=bool(user.is_superuser),
        is_lab_member=bool(active),
        is_lab_leader=any(
            m.role == Role.LEADER and m.cohort_status != CohortStatus.FINISHED for m in active
        ),
        managed_cohort_ids=frozenset(m.cohort_id for m in active if m.role in MANAGER_ROLES),
        memberships=memberships,
    )


def cohort_get_with_access_for_user(
    *, user: Any, slug: str, number: int
) -> tuple[Cohort, ViewerAccess]:
    """cohort_get_for_user plus the viewer's powers, in two plain queries: the cohort by its
    address, then the viewer's memberships in its lab, which decide both whether the cohort
    is visible (the rule cohort_list_visible filters on) and what the viewer may do there.
    404 when the viewer may not see it, as cohort_get_for_user."""
    try:
        cohort = Cohort.objects.select_related("lab").get(lab__slug=slug, number=number)
    except Cohort.DoesNotExist:
        raise Http404 from None
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    if not access.can_view(cohort):
        raise Http404
    return cohort, access


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
