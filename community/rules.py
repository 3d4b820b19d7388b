"""Who may see and change showcases, applications, notes, talks and events. Shared by the
pages and the API (the services check these; pages use labs.selectors.ViewerAccess to decide
what to show without a query per permission).

- Showcase: a public lab's page is for everyone; its leaders edit it; each member opts in.
- Recruiting: lab leaders open a cohort to applications; the target cohort's leaders and
  facilitators (and the lab's leaders) decide, as they manage its members.
- Notes: the cohort's leaders and facilitators (the moderators) write every meeting's notes;
  members they allow write for the cohort or for one meeting.
- Guest talks: the cohort's managers and the talk's host manage a talk; every active member
  of the lab asks and votes.
- Events: the cohort's managers keep the list; the lab's members see it.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q

from community.models import GuestTalk, NoteEditor
from labs.models import Membership, MembershipStatus
from labs.rules import can_manage_cohort, is_lab_leader, is_lab_member, is_superuser


def _meeting_cohort(meeting: Any) -> Any:
    return meeting.cohort


@rules.predicate
def manages_meeting_cohort(user: Any, meeting: Any) -> bool:
    return meeting is not None and bool(can_manage_cohort(user, _meeting_cohort(meeting)))


@rules.predicate
def is_allowed_note_writer(user: Any, meeting: Any) -> bool:
    """On the leader's allow list (for the cohort or this meeting) and still in the cohort."""
    if meeting is None or not user.is_authenticated:
        return False
    listed = NoteEditor.objects.filter(
        Q(meeting__isnull=True) | Q(meeting=meeting), cohort_id=meeting.cohort_id, user=user
    ).exists()
    return (
        listed
        and Membership.objects.filter(
            user=user, cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE
        ).exists()
    )


@rules.predicate
def manages_talk(user: Any, talk: GuestTalk | None) -> bool:
    if talk is None or not user.is_authenticated:
        return False
    return talk.host_id == user.pk or bool(can_manage_cohort(user, talk.cohort))


@rules.predicate
def is_talk_lab_member(user: Any, talk: GuestTalk | None) -> bool:
    return talk is not None and bool(is_lab_member(user, talk.cohort.lab))


@rules.predicate
def is_cohort_lab_member(user: Any, cohort: Any) -> bool:
    return cohort is not None and bool(is_lab_member(user, cohort.lab))


rules.add_perm("community.change_showcase", is_lab_leader | is_superuser)
rules.add_perm("community.join_showcase", is_lab_member)
rules.add_perm("community.open_recruitment", is_lab_leader | is_superuser)
rules.add_perm("community.decide_application", can_manage_cohort)
rules.add_perm("community.write_notes", manages_meeting_cohort | is_allowed_note_writer)
rules.add_perm("community.manage_note_writers", can_manage_cohort)
rules.add_perm("community.manage_talks", can_manage_cohort)
rules.add_perm("community.change_talk", manages_talk | is_superuser)
rules.add_perm("community.ask_talk", is_talk_lab_member)
rules.add_perm("community.view_events", is_cohort_lab_member | is_superuser)
rules.add_perm("community.change_events", can_manage_cohort)
