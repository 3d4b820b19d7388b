"""Who may see and change the coding-test and interview boards. Shared by pages and the API.

Everything hangs off a cohort: the lab's members see it, the cohort's leaders and facilitators
(and the lab's leaders) manage problem sets and topics, active members of the cohort tick their
own solves and post questions and answers; nobody edits another member's work.
"""

from __future__ import annotations

from typing import Any

import rules

from labs.rules import can_manage_cohort, is_cohort_lab_member
from sessions.rules import is_active_cohort_member


def _cohort_of(obj: Any) -> Any:
    # Solve → problem → problem set → cohort; answer → question → topic → cohort.
    for hop in ("problem", "problem_set", "question", "topic"):
        if hasattr(obj, hop) and not hasattr(obj, "cohort"):
            obj = getattr(obj, hop)
    return getattr(obj, "cohort", obj)


@rules.predicate
def can_view_tracker_object(user: Any, obj: Any) -> bool:
    return obj is not None and bool(is_cohort_lab_member(user, _cohort_of(obj)))


@rules.predicate
def can_manage_tracker_object(user: Any, obj: Any) -> bool:
    return obj is not None and bool(can_manage_cohort(user, _cohort_of(obj)))


@rules.predicate
def is_active_member_of_object_cohort(user: Any, obj: Any) -> bool:
    return obj is not None and bool(is_active_cohort_member(user, _cohort_of(obj)))


@rules.predicate
def is_author(user: Any, obj: Any) -> bool:
    owner_id = getattr(obj, "user_id", None) or getattr(obj, "author_id", None)
    return obj is not None and user.is_authenticated and owner_id == user.pk


rules.add_perm("trackers.view_board", can_view_tracker_object | rules.is_superuser)
rules.add_perm("trackers.manage_board", can_manage_tracker_object)
# obj: the problem (a member ticks their own solve on it) or the topic (posts a question).
rules.add_perm("trackers.take_part", is_active_member_of_object_cohort)
# obj: a solve, question or answer — only its owner edits it (leaders may delete questions
# and answers through trackers.moderate).
rules.add_perm("trackers.edit_own", is_author & is_active_member_of_object_cohort)
rules.add_perm("trackers.moderate", can_manage_tracker_object)
