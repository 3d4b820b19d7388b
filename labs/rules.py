"""Who may see and change what in a lab. Shared by the pages and the API.

Predicates take the object they guard; a lab leader (the leader of any cohort that is
not finished) manages the whole lab, a facilitator manages their own cohort.
"""

from __future__ import annotations

from typing import Any

import rules

from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role, Visibility


def _active(user: Any) -> Any:
    return Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)


@rules.predicate
def is_lab_member(user: Any, lab: Lab | None) -> bool:
    if lab is None or not user.is_authenticated:
        return False
    return _active(user).filter(cohort__lab=lab).exists()


@rules.predicate
def is_public_lab(user: Any, lab: Lab | None) -> bool:
    return lab is not None and lab.visibility == Visibility.PUBLIC


@rules.predicate
def is_lab_leader(user: Any, lab: Lab | None) -> bool:
    if lab is None or not user.is_authenticated:
        return False
    return (
        _active(user)
        .filter(cohort__lab=lab, role=Role.LEADER)
        .exclude(cohort__status=CohortStatus.FINISHED)
        .exists()
    )


@rules.predicate
def is_cohort_lab_member(user: Any, cohort: Cohort | None) -> bool:
    return cohort is not None and is_lab_member(user, cohort.lab)


@rules.predicate
def is_cohort_facilitator(user: Any, cohort: Cohort | None) -> bool:
    if cohort is None or not user.is_authenticated:
        return False
    return _active(user).filter(cohort=cohort, role__in=[Role.LEADER, Role.FACILITATOR]).exists()


@rules.predicate
def is_cohort_lab_leader(user: Any, cohort: Cohort | None) -> bool:
    return cohort is not None and is_lab_leader(user, cohort.lab)


is_superuser = rules.is_superuser

can_manage_cohort = is_cohort_facilitator | is_cohort_lab_leader | is_superuser

rules.add_perm("labs.view_lab", is_lab_member | is_public_lab | is_superuser)
rules.add_perm("labs.view_lab_private", is_lab_member | is_superuser)
rules.add_perm("labs.change_lab", is_lab_leader | is_superuser)
rules.add_perm("labs.add_cohort", is_lab_leader | is_superuser)
rules.add_perm("labs.view_cohort", is_cohort_lab_member | is_superuser)
rules.add_perm("labs.change_cohort", can_manage_cohort)
rules.add_perm("labs.manage_members", can_manage_cohort)
rules.add_perm("labs.assign_leader", is_cohort_lab_leader | is_superuser)
