"""Who may see and change meetings, places and polls. Shared by pages and the API.

Meetings belong to a cohort: the lab's members see them, the cohort's leaders and
facilitators (and the lab's leaders) change them, active members of the cohort answer them.
Places belong to a lab: its members see them, its leaders and facilitators manage them.
"""

from __future__ import annotations

from typing import Any

import rules

from labs.models import MANAGER_ROLES, CohortStatus, Lab, Membership, MembershipStatus, Role
from labs.rules import can_manage_cohort, is_cohort_lab_member, is_lab_leader, is_lab_member


def _cohort_of(obj: Any) -> Any:
    # Meetings, series and polls hang off a cohort; slots off a meeting.
    if not hasattr(obj, "cohort") and hasattr(obj, "meeting"):
        obj = obj.meeting
    return getattr(obj, "cohort", obj)


@rules.predicate
def can_view_cohort_object(user: Any, obj: Any) -> bool:
    return obj is not None and bool(is_cohort_lab_member(user, _cohort_of(obj)))


@rules.predicate
def can_manage_cohort_object(user: Any, obj: Any) -> bool:
    return obj is not None and bool(can_manage_cohort(user, _cohort_of(obj)))


@rules.predicate
def is_active_cohort_member(user: Any, obj: Any) -> bool:
    if obj is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, cohort=_cohort_of(obj), status=MembershipStatus.ACTIVE
    ).exists()


@rules.predicate
def is_lab_facilitator(user: Any, lab: Lab | None) -> bool:
    if lab is None or not user.is_authenticated:
        return False
    return (
        Membership.objects.filter(
            user=user, cohort__lab=lab, status=MembershipStatus.ACTIVE, role__in=MANAGER_ROLES
        )
        .exclude(cohort__status=CohortStatus.FINISHED)
        .exists()
    )


rules.add_perm("study_sessions.view_meeting", can_view_cohort_object | rules.is_superuser)
rules.add_perm("study_sessions.change_meeting", can_manage_cohort_object)
rules.add_perm("study_sessions.rsvp_meeting", is_active_cohort_member)
rules.add_perm("study_sessions.record_attendance", can_manage_cohort_object)
rules.add_perm("study_sessions.view_location", is_lab_member | rules.is_superuser)
rules.add_perm(
    "study_sessions.change_location", is_lab_leader | is_lab_facilitator | rules.is_superuser
)
rules.add_perm("study_sessions.vote_poll", is_active_cohort_member)
rules.add_perm("study_sessions.change_poll", can_manage_cohort_object)
rules.add_perm("study_sessions.claim_slot", is_active_cohort_member)
rules.add_perm("study_sessions.change_slot", can_manage_cohort_object)
rules.add_perm("study_sessions.apply_rotation", can_manage_cohort_object)
rules.add_perm("study_sessions.run_draw", can_manage_cohort_object)


# Paper review: the lab's members see a cohort's pool; its active members who may review
# (not guests) suggest papers and bid; its leaders and facilitators (and the lab's leaders)
# change the pool, the settings and caps, and run and change the assignment.
@rules.predicate
def is_cohort_reviewer(user: Any, obj: Any) -> bool:
    if obj is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user,
        cohort=_cohort_of(obj),
        status=MembershipStatus.ACTIVE,
        role__in=(Role.LEADER, Role.FACILITATOR, Role.MEMBER),
    ).exists()


rules.add_perm("study_sessions.view_paper", can_view_cohort_object | rules.is_superuser)
rules.add_perm("study_sessions.suggest_paper", is_cohort_reviewer | can_manage_cohort_object)
rules.add_perm("study_sessions.bid_paper", is_cohort_reviewer)
rules.add_perm("study_sessions.change_paper", can_manage_cohort_object)
rules.add_perm("study_sessions.manage_reviews", can_manage_cohort_object)
