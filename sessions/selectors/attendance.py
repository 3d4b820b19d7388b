"""Reads for RSVPs and attendance: counts per meeting, who has not answered, attendance rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from labs.models import Cohort, Membership, MembershipStatus
from sessions.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Rsvp,
    RsvpAnswer,
)
from sessions.selectors import meeting_list_visible

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True, slots=True)
class RsvpCounts:
    yes: int = 0
    maybe: int = 0
    no: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.maybe + self.no


@dataclass(frozen=True, slots=True)
class AttendanceRate:
    """A member's record over the held meetings that have attendance for them."""

    attended: int  # present or late
    recorded: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.recorded) if self.recorded else 0


def rsvp_counts_for_meetings(*, meeting_ids: Iterable[int]) -> dict[int, RsvpCounts]:
    """Yes / maybe / no counts per meeting, for many meetings in one grouped query.
    Meetings without answers get zero counts."""
    summaries = rsvp_summaries_for_meetings(meeting_ids=meeting_ids, user=AnonymousUser())
    return {meeting_id: summary.counts for meeting_id, summary in summaries.items()}


@dataclass(frozen=True, slots=True)
class RsvpSummary:
    """A meeting's yes / maybe / no counts and one member's own answer (None: no answer)."""

    counts: RsvpCounts
    answer: str | None
    note: str


def rsvp_summaries_for_meetings(*, meeting_ids: Iterable[int], user: Any) -> dict[int, RsvpSummary]:
    """Counts per meeting and this member's own answer and note, for many meetings in one
    grouped query (the member's row is at most one per meeting). Meetings without answers get
    zero counts and no answer."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    mine = Q(user_id=user.pk if user.is_authenticated else None)
    rows = (
        Rsvp.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(
            yes=Count("id", filter=Q(answer=RsvpAnswer.YES)),
            maybe=Count("id", filter=Q(answer=RsvpAnswer.MAYBE)),
            no=Count("id", filter=Q(answer=RsvpAnswer.NO)),
            my_answer=Max("answer", filter=mine),
            my_note=Max("note", filter=mine),
        )
        .order_by()
    )
    none = RsvpSummary(counts=RsvpCounts(), answer=None, note="")
    summaries = dict.fromkeys(ids, none)
    for row in rows:
        summaries[row["meeting_id"]] = RsvpSummary(
            counts=RsvpCounts(yes=row["yes"], maybe=row["maybe"], no=row["no"]),
            answer=row["my_answer"],
            note=row["my_note"] or "",
        )
    return summaries


def rsvp_counts_for_meeting(*, meeting: Meeting) -> RsvpCounts:
    return rsvp_counts_for_meetings(meeting_ids=[meeting.pk])[meeting.pk]


def rsvp_list_for_meeting(*, meeting: Meeting) -> QuerySet[Rsvp]:
    """The answers to one meeting with who gave them, going first, then by name."""
    return (
        Rsvp.objects.filter(meeting=meeting)
        .select_related("user__profile")
        .order_by("answer", "user__profile__display_name", "user__email", "id")
    )


def members_without_rsvp(*, meeting: Meeting) -> QuerySet[Membership]:
    """Active members of the meeting's cohort who have not answered (one query)."""
    answered = Rsvp.objects.filter(meeting=meeting).values("user_id")
    return (
        Membership.objects.filter(cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE)
        .exclude(user_id__in=answered)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "user__email", "id")
    )


def my_rsvps_for_meetings(*, user: Any, meeting_ids: Iterable[int]) -> dict[int, Rsvp]:
    """The user's own answers to these meetings, meeting id → Rsvp (one query)."""
    ids = list(meeting_ids)
    if not ids or not user.is_authenticated:
        return {}
    return {r.meeting_id: r for r in Rsvp.objects.filter(user=user, meeting_id__in=ids)}


def attendance_rates_for_cohort(*, cohort: Cohort) -> dict[int, AttendanceRate]:
    """user id → attendance rate: present or late over the held (started, not cancelled)
    meetings of the cohort that have attendance recorded for that member. One query."""
    rows = (
        Attendance.objects.filter(
            meeting__cohort_id=cohort.pk,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__lte=timezone.now(),
        )
        .values("user_id")
        .annotate(recorded=Count("id"), attended=Count("id", filter=Q(status__in=ATTENDED)))
        .order_by()
    )
    return {
        row["user_id"]: AttendanceRate(attended=row["attended"], recorded=row["recorded"])
        for row in rows
    }


def attendance_for_meeting(*, meeting: Meeting) -> dict[int, str]:
    """user id → recorded status for one meeting (one query)."""
    return dict(
        Attendance.objects.filter(meeting=meeting).values_list("user_id", "status").order_by()
    )


def attendance_sheet_for_meeting(*, meeting: Meeting) -> list[dict[str, Any]]:
    """The rows of the attendance form: every active member of the cohort with their RSVP
    and recorded status, and the status to preselect (the record, else a suggestion from the
    RSVP: going → present). Two queries: the roster with RSVPs, the records."""
    rsvps = {r.user_id: r for r in Rsvp.objects.filter(meeting=meeting)}
    recorded = attendance_for_meeting(meeting=meeting)
    members = (
        Membership.objects.filter(cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "user__email", "id")
    )
    rows = []
    for membership in members:
        user = membership.user
        rsvp = rsvps.get(user.pk)
        status = recorded.get(user.pk, "")
        suggested = ""
        if not status and rsvp is not None and rsvp.answer == RsvpAnswer.YES:
            suggested = AttendanceStatus.PRESENT.value
        rows.append(
            {
                "user_id": user.pk,
                "name": user.display_name,
                "rsvp": rsvp,
                "recorded": status,
                "selected": status or suggested,
            }
        )
    return rows


def rsvp_list_visible(*, user: Any) -> QuerySet[Rsvp]:
    """RSVPs to the meetings this user may see (their labs' meetings)."""
    meetings = meeting_list_visible(user=user).values("id")
    return Rsvp.objects.filter(meeting_id__in=meetings).select_related("meeting")


def _rsvp_closed(
    *, status: str, starts_at: datetime, rsvp_deadline: datetime | None, now: datetime
) -> str | None:
    """Why answers are closed, as a code ("cancelled", "deadline", "started"), or None."""
    if status == MeetingStatus.CANCELLED:
        return "cancelled"
    if rsvp_deadline is not None:
        return "deadline" if now > rsvp_deadline else None
    if now >= starts_at:
        return "started"
    return None


def rsvp_closed_reason(*, meeting: Meeting, now: datetime | None = None) -> str | None:
    """Why answers are no longer taken for this meeting, or None while they are: cancelled,
    past its RSVP deadline, or (without a deadline) started."""
    closed = _rsvp_closed(
        status=meeting.status,
        starts_at=meeting.starts_at,
        rsvp_deadline=meeting.rsvp_deadline,
        now=now or timezone.now(),
    )
    if closed == "cancelled":
        return _("This meeting was cancelled; answers are closed.")
    if closed == "deadline":
        return _("The RSVP deadline has passed.")
    if closed == "started":
        return _("This meeting has already started; answers are closed.")
    return None


def rsvp_is_open(*, meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether answers are still taken (no query)."""
    return rsvp_closed_reason(meeting=meeting, now=now) is None


def rsvp_is_open_for_row(
    *, status: str, starts_at: datetime, rsvp_deadline: datetime | None, now: datetime
) -> bool:
    """rsvp_is_open for a meeting read as plain values (the schedule's rows)."""
    return (
        _rsvp_closed(status=status, starts_at=starts_at, rsvp_deadline=rsvp_deadline, now=now)
        is None
    )
