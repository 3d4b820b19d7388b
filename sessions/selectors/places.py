"""Reads for places: a lab's places and travel times, and the fair place suggestion for a meeting.

Members' home areas are read here only to feed the ranking: nothing this module returns
names a member or carries one member's area, coordinates or trip (aggregates only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from labs.models import MANAGER_ROLES, CohortStatus, Lab, Membership, MembershipStatus
from labs.selectors import ViewerAccess
from sessions.fairplace import Attendee, Place, PlaceScore, Ranking, Reason, rank_places
from sessions.models import Location, Meeting, Rsvp, RsvpAnswer, TravelTime

# Below this many counted people the suggestion shows the order only, no figures: with one
# or two people, "the longest trip" to three places would locate a member's home.
MIN_PEOPLE_FOR_FIGURES = 3
COMING = (RsvpAnswer.YES, RsvpAnswer.MAYBE)


def can_change_places(access: ViewerAccess) -> bool:
    """study_sessions.change_location, decided from the viewer's one-query access (display only;
    the services check the rule itself): a superuser, or a leader or facilitator of a cohort
    of the lab that is not finished."""
    return access.is_superuser or any(
        m.status == MembershipStatus.ACTIVE
        and m.role in MANAGER_ROLES
        and getattr(m, "cohort_status", None) != CohortStatus.FINISHED
        for m in access.memberships
    )


def location_list_for_lab(*, lab: Lab) -> QuerySet[Location]:
    """The lab's places by name, each with how many meetings use it (`meeting_count`)."""
    return (
        Location.objects.filter(lab=lab)
        .annotate(meeting_count=Count("meetings"))
        .order_by("name", "id")
    )


def location_meeting_count(*, location: Location) -> int:
    """How many meetings (past and future, any status) are held at this place."""
    return Meeting.objects.filter(location=location).count()


def travel_time_rows_for_lab(*, lab: Lab) -> QuerySet[TravelTime, Any]:
    """The lab's travel-time table as rows (area, place name, minutes), sorted for reading."""
    return (
        TravelTime.objects.filter(lab=lab)
        .order_by("area", "location__name", "id")
        .values("id", "area", "location_id", "location__name", "minutes")
    )


# --- the fair place suggestion -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceSuggestionRow:
    """One ranked place, with its aggregates (worst and total trip) formatted for display."""

    rank: int
    location: Location
    worst: float
    total: float
    counted: int
    worst_label: str
    total_label: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class PlaceSuggestion:
    meeting: Meeting
    # "rsvp": the people who answered yes or maybe; "cohort": nobody has answered yet, so
    # every active member of the cohort.
    source: Literal["rsvp", "cohort"]
    attendees: int
    ranking: Ranking
    rows: tuple[PlaceSuggestionRow, ...]
    skipped: tuple[Location, ...]
    missing_travel_times: tuple[Location, ...]
    has_travel_times: bool
    figures_hidden: bool
    reason: str

    @property
    def unit(self) -> str:
        return self.ranking.unit

    @property
    def best(self) -> PlaceSuggestionRow | None:
        return self.rows[0] if self.rows else None


def _amount(value: float, unit: str) -> str:
    if unit == "min":
        return _("%(value)s min") % {"value": round(value)}
    return _("%(value)s km") % {"value": f"{value:.1f}"}


def _reason_text(reason: Reason | None, *, figures_hidden: bool) -> str:
    """The top pick's reason in the member's language."""
    if reason is None:
        return ""
    best, runner = reason.best, reason.runner_up
    if figures_hidden:
        return _(
            "%(place)s keeps the longest trip shortest. Trip figures are hidden while fewer "
            "than %(min)s of the people expected have a home area, so that nobody's home "
            "can be worked out from them."
        ) % {"place": best.name, "min": MIN_PEOPLE_FOR_FIGURES}
    values = {
        "worst": _amount(best.worst, best.unit),
        "total": _amount(best.total, best.unit),
        "count": best.counted,
        "runner": runner.name if runner else "",
        "runner_worst": _amount(runner.worst, runner.unit) if runner else "",
        "runner_total": _amount(runner.total, runner.unit) if runner else "",
    }
    if reason.decided_by == "only":
        text = ngettext(
            "The only place that could be ranked: longest trip %(worst)s, total %(total)s "
            "for %(count)s person.",
            "The only place that could be ranked: longest trip %(worst)s, total %(total)s "
            "for %(count)s people.",
            best.counted,
        )
    elif reason.decided_by == "worst":
        text = ngettext(
            "Longest trip %(worst)s (vs %(runner_worst)s at %(runner)s), total %(total)s "
            "for %(count)s person.",
            "Longest trip %(worst)s (vs %(runner_worst)s at %(runner)s), total %(total)s "
            "for %(count)s people.",
            best.counted,
        )
    elif reason.decided_by == "total":
        text = ngettext(
            "Same longest trip as %(runner)s (%(worst)s), but a shorter total: %(total)s vs "
            "%(runner_total)s for %(count)s person.",
            "Same longest trip as %(runner)s (%(worst)s), but a shorter total: %(total)s vs "
            "%(runner_total)s for %(count)s people.",
            best.counted,
        )
    else:
        text = _(
            "Tied with %(runner)s on the longest trip (%(worst)s) and the total (%(total)s); "
            "listed first by name."
        )
    return text % values


def _attendee_rows(meeting: Meeting) -> tuple[Literal["rsvp", "cohort"], list[Any]]:
    """Who is expected, as (user id, area, latitude, longitude) rows: active members of the
    cohort who answered yes or maybe, or all of them while nobody has answered."""
    answers = list(Rsvp.objects.filter(meeting=meeting).values_list("user_id", "answer"))
    members = Membership.objects.filter(cohort_id=meeting.cohort_id, status=MembershipStatus.ACTIVE)
    source: Literal["rsvp", "cohort"] = "cohort"
    if answers:
        source = "rsvp"
        members = members.filter(user_id__in=[uid for uid, answer in answers if answer in COMING])
    rows = list(
        members.order_by("user_id").values_list(
            "user_id",
            "user__profile__home_area",
            "user__profile__home_latitude",
            "user__profile__home_longitude",
        )
    )
    return source, rows


def place_suggestion_for_meeting(*, meeting: Meeting) -> PlaceSuggestion:
    """The lab's places ranked for the people expected at `meeting` (see sessions.fairplace).

    Four queries: the RSVPs, the expected members' home areas, the lab's places, the lab's
    travel-time table. The result holds aggregates only: no member, area or single trip.
    """
    source, rows = _attendee_rows(meeting)
    attendees = [
        Attendee(
            key=user_id,
            area=area or "",
            latitude=float(lat) if lat is not None else None,
            longitude=float(lng) if lng is not None else None,
        )
        for user_id, area, lat, lng in rows
    ]
    lab_id = meeting.cohort.lab_id
    locations = {location.pk: location for location in Location.objects.filter(lab_id=lab_id)}
    places = [
        Place(
            key=location.pk,
            name=location.name,
            latitude=float(location.latitude) if location.latitude is not None else None,
            longitude=float(location.longitude) if location.longitude is not None else None,
        )
        for location in locations.values()
    ]
    table = {
        (area, location_id): minutes
        for area, location_id, minutes in TravelTime.objects.filter(lab_id=lab_id).values_list(
            "area", "location_id", "minutes"
        )
    }
    ranking = rank_places(attendees, places, table)
    figures_hidden = ranking.counted < MIN_PEOPLE_FOR_FIGURES
    suggestion_rows = tuple(
        PlaceSuggestionRow(
            rank=rank,
            location=locations[score.key],  # type: ignore[index]
            worst=score.worst,
            total=score.total,
            counted=score.counted,
            worst_label="" if figures_hidden else _amount(score.worst, score.unit),
            total_label="" if figures_hidden else _amount(score.total, score.unit),
            is_current=score.key == meeting.location_id,
        )
        for rank, score in enumerate(ranking.scores, start=1)
    )
    return PlaceSuggestion(
        meeting=meeting,
        source=source,
        attendees=len(attendees),
        ranking=ranking,
        rows=suggestion_rows,
        skipped=tuple(locations[p.key] for p in ranking.skipped),  # type: ignore[index]
        missing_travel_times=tuple(
            locations[p.key]  # type: ignore[index]
            for p in ranking.missing_travel_times
        ),
        has_travel_times=bool(table),
        figures_hidden=figures_hidden,
        reason=_reason_text(ranking.reason, figures_hidden=figures_hidden),
    )


def place_ranking_for_meeting(*, meeting: Meeting) -> list[PlaceScore]:
    """The ranked places for `meeting`, best first (aggregates only; see
    place_suggestion_for_meeting for the full explanation)."""
    return list(place_suggestion_for_meeting(meeting=meeting).ranking.scores)
