"""Reads for the schedule and meeting pages: meetings with their RSVP counts, my RSVPs,
a meeting's answers and who has not answered, the places a form may offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from labs.models import Cohort, Membership, MembershipStatus
from labs.selectors import member_lab_ids
from sessions.models import Location, Meeting, MeetingSeries, Rsvp, RsvpAnswer


def _with_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.annotate(
        yes_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.YES)),
        maybe_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.MAYBE)),
        no_count=Count("rsvps", filter=Q(rsvps__answer=RsvpAnswer.NO)),
    )


def meeting_list_for_cohort(*, cohort: Cohort) -> QuerySet[Meeting]:
    """The cohort's meetings in time order with their place and RSVP counts (one query)."""
    return _with_counts(
        Meeting.objects.filter(cohort=cohort).select_related("location").order_by("starts_at", "id")
    )


def meeting_rows_for_schedule(*, cohort: Cohort) -> list[dict[str, Any]]:
    """The cohort's meetings in time order as plain rows: the columns the schedule shows (and
    the RSVP rule reads) and their place's name, address and coordinates (one query; the
    page reads 30 rows, not 30 Meeting and Location instances)."""
    rows = (
        Meeting.objects.filter(cohort=cohort)
        .order_by("starts_at", "id")
        .values(
            "id",
            "number",
            "title",
            "starts_at",
            "ends_at",
            "status",
            "rsvp_deadline",
            "online_url",
            "location_id",
            place_name=F("location__name"),
            place_address=F("location__address"),
            place_latitude=F("location__latitude"),
            place_longitude=F("location__longitude"),
        )
    )
    # The cast only tells the type checker the rows are plain dicts (they are).
    return cast(list[dict[str, Any]], list(rows))


def meeting_with_counts(*, meeting: Meeting) -> Meeting:
    """The meeting again, with yes/maybe/no counts annotated."""
    return _with_counts(
        Meeting.objects.filter(pk=meeting.pk).select_related("cohort__lab", "location", "series")
    ).get()


@dataclass(frozen=True, slots=True)
class MeetingAnswers:
    yes: list[Rsvp]
    maybe: list[Rsvp]
    no: list[Rsvp]
    # Active members of the cohort with no answer (shown to leaders only).
    unanswered: list[Membership]


def meeting_answers(*, meeting: Meeting) -> MeetingAnswers:
    """Who answered what, and which active members have not answered (two queries)."""
    rsvps = list(
        Rsvp.objects.filter(meeting=meeting)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "user_id")
    )
    answered = {r.user_id for r in rsvps}
    members = [
        m
        for m in Membership.objects.filter(
            cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE
        )
        .select_related("user__profile")
        .order_by("user__profile__display_name", "user_id")
        if m.user_id not in answered
    ]
    return MeetingAnswers(
        yes=[r for r in rsvps if r.answer == RsvpAnswer.YES],
        maybe=[r for r in rsvps if r.answer == RsvpAnswer.MAYBE],
        no=[r for r in rsvps if r.answer == RsvpAnswer.NO],
        unanswered=members,
    )


def location_choices_for_cohort(*, cohort: Cohort) -> QuerySet[Location]:
    """The places a meeting of this cohort may be at: its lab's saved places."""
    return Location.objects.filter(lab_id=cohort.lab_id).order_by("name")


def series_list_for_cohort(*, cohort: Cohort) -> QuerySet[MeetingSeries]:
    return MeetingSeries.objects.filter(cohort=cohort).order_by("first_date", "id")


def series_get_for_user(*, user: Any, pk: int) -> MeetingSeries:
    """A series if the user may see its cohort, else 404 (as the other gatekeepers)."""
    qs = MeetingSeries.objects.select_related("cohort__lab", "location")
    if not user.is_superuser:
        if not user.is_authenticated:
            raise Http404
        qs = qs.filter(cohort__lab_id__in=member_lab_ids(user))
    try:
        return qs.get(pk=pk)
    except MeetingSeries.DoesNotExist:
        raise Http404 from None
