"""Writes for meetings: series from a cadence, cadence changes, single meetings, cancelling,
and the conflict check the forms show before saving.

Every write checks study_sessions.change_meeting itself; visibility (404 for outsiders) is
the caller's job through the gatekeepers. Conflicts are warnings, never refusals: the
leader sees them first and may save anyway. Impossible input is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.changes import record_changes
from core.errors import ApplicationError, PermissionDeniedError
from labs.models import Cohort
from sessions import series as cadence_rules
from sessions.models import Location, Meeting, MeetingSeries, MeetingStatus

CHANGE_MEETING = "study_sessions.change_meeting"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A warning about a planned time. `meeting` is None when it belongs to another lab
    (the fact is reported, never the other group's details)."""

    kind: str  # "cohort_overlap" | "place_booked" | "outside_cohort"
    message: str
    meeting: Meeting | None = None
    starts_at: datetime | None = None  # the planned start it is about (for series previews)


@dataclass(slots=True)
class SeriesChange:
    """What a cadence change did to the series' future meetings."""

    created: list[Meeting] = field(default_factory=list)
    updated: list[Meeting] = field(default_factory=list)
    cancelled: list[Meeting] = field(default_factory=list)
    kept: list[Meeting] = field(default_factory=list)


# --- checks -----------------------------------------------------------------------------------


def _require_change(actor: Any, cohort: Cohort) -> None:
    if not actor.has_perm(CHANGE_MEETING, cohort):
        raise PermissionDeniedError(_("Only the cohort's leaders and facilitators can schedule."))


def _cadence_message(code: str) -> str:
    messages = {
        "unknown_timezone": _("Unknown time zone. Use an IANA name such as Asia/Seoul."),
        "interval_out_of_range": _("Meet every 1 to 12 weeks."),
        "weekday_out_of_range": _("Choose a weekday."),
        "duration_out_of_range": _("A meeting lasts between 1 minute and 24 hours."),
        "start_time_has_zone": _("Give the start time without a time zone."),
        "count_xor_until": _("Give either a number of meetings or a last date, not both."),
        "count_out_of_range": _("A series has between 1 and %(max)s meetings.")
        % {"max": cadence_rules.MAX_MEETINGS},
        "until_before_first_date": _("The last date must not be before the first date."),
        "too_many_meetings": _("That makes more than %(max)s meetings; choose an earlier date.")
        % {"max": cadence_rules.MAX_MEETINGS},
        "invalid_skip_date": _("Dates to skip must be dates like 2026-05-05."),
    }
    return messages.get(code, _("Please correct the marked fields."))


def _invalid_cadence(exc: cadence_rules.CadenceError) -> ApplicationError:
    message = _cadence_message(exc.code)
    return ApplicationError(message, code="invalid_cadence", fields={exc.field: [message]})


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if timezone.is_naive(value):
            message = _("Give the time with its time zone.")
            raise ApplicationError(message, code="naive_datetime", fields={name: [message]})
    if ends_at <= starts_at:
        message = _("The meeting must end after it starts.")
        raise ApplicationError(message, code="invalid_times", fields={"ends_at": [message]})


def _check_deadline(rsvp_deadline: datetime | None, starts_at: datetime) -> None:
    if rsvp_deadline is None:
        return
    if timezone.is_naive(rsvp_deadline):
        message = _("Give the time with its time zone.")
        raise ApplicationError(message, code="naive_datetime", fields={"rsvp_deadline": [message]})
    if rsvp_deadline > starts_at:
        message = _("The RSVP deadline must not be after the meeting starts.")
        raise ApplicationError(
            message, code="invalid_deadline", fields={"rsvp_deadline": [message]}
        )


def _check_location(location: Location | None, cohort: Cohort) -> None:
    if location is not None and location.lab_id != cohort.lab_id:
        message = _("Choose one of this lab's places.")
        raise ApplicationError(message, code="unknown_location", fields={"location": [message]})


def _check_url(online_url: str) -> None:
    if not online_url:
        return
    try:
        URLValidator(schemes=["http", "https"])(online_url)
    except ValidationError:
        message = _("Enter a valid link (https://…).")
        raise ApplicationError(
            message, code="invalid_url", fields={"online_url": [message]}
        ) from None


def _cadence(
    *,
    interval_weeks: int,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    first_date: date,
    count: int | None,
    until: date | None,
    skip_dates: Iterable[date | str],
    timezone_name: str,
) -> tuple[cadence_rules.Cadence, list[tuple[datetime, datetime]]]:
    try:
        cadence = cadence_rules.Cadence(
            interval_weeks=interval_weeks,
            weekday=weekday,
            start_time=start_time,
            duration_minutes=duration_minutes,
            first_date=first_date,
            count=count,
            until=until,
            skip_dates=cadence_rules.parse_skip_dates(skip_dates),
            timezone_name=timezone_name,
        )
        return cadence, cadence_rules.occurrences(cadence)
    except cadence_rules.CadenceError as exc:
        raise _invalid_cadence(exc) from None


def _lock_cohort(cohort: Cohort) -> None:
    # Why: meeting numbers are "max + 1"; two leaders scheduling at once would pick the same
    # number. Locking the cohort row makes them take turns (PostgreSQL; SQLite's IMMEDIATE
    # transactions already serialise writers).
    Cohort.objects.select_for_update().filter(pk=cohort.pk).values_list("pk").first()


def _next_number(cohort: Cohort) -> int:
    last = Meeting.objects.filter(cohort=cohort).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


# --- conflicts --------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _same_place(location: Location) -> Q:
    """Meetings at this place: the same saved place, or another lab's place at the same
    address or the same coordinates (labs save their own copy of a shared venue)."""
    same = Q(location_id=location.pk)
    if location.address.strip():
        same |= Q(location__address__iexact=location.address.strip())
    if location.has_coordinates:
        same |= Q(location__latitude=location.latitude, location__longitude=location.longitude)
    return same


def _conflicts_for_slots(
    *,
    cohort: Cohort,
    slots: Sequence[tuple[datetime, datetime]],
    location: Location | None,
    exclude_pks: Iterable[int] = (),
) -> list[Conflict]:
    """Conflicts of many planned (start, end) slots, with two queries in all."""
    if not slots:
        return []
    exclude = list(exclude_pks)
    first_start = min(start for start, _end in slots)
    last_end = max(end for _start, end in slots)
    window = Q(status=MeetingStatus.SCHEDULED, starts_at__lt=last_end, ends_at__gt=first_start)
    same_cohort = list(
        Meeting.objects.filter(window, cohort=cohort).exclude(pk__in=exclude).order_by("starts_at")
    )
    at_place: list[Meeting] = []
    if location is not None:
        at_place = list(
            Meeting.objects.filter(window & _same_place(location))
            .exclude(cohort=cohort)
            .exclude(pk__in=exclude)
            .select_related("cohort")
            .order_by("starts_at")
        )
    zone = ZoneInfo(settings.TIME_ZONE)
    conflicts: list[Conflict] = []
    for start, end in slots:
        for other in same_cohort:
            if other.starts_at < end and other.ends_at > start:
                message = _("Overlaps meeting %(number)s of this cohort (%(when)s).") % {
                    "number": other.number,
                    "when": _when(other.starts_at),
                }
                conflicts.append(Conflict("cohort_overlap", message, other, start))
        for other in at_place:
            if not (other.starts_at < end and other.ends_at > start):
                continue
            if other.cohort.lab_id == cohort.lab_id:
                message = _("%(place)s is booked by %(cohort)s, meeting %(number)s.") % {
                    "place": location.name if location else "",
                    "cohort": other.cohort.label,
                    "number": other.number,
                }
                conflicts.append(Conflict("place_booked", message, other, start))
            else:
                message = _("%(place)s is booked by another group at that time.") % {
                    "place": location.name if location else ""
                }
                conflicts.append(Conflict("place_booked", message, None, start))
        # The cohort's dates are calendar dates of the lab (Korea time unless configured).
        if start.astimezone(zone).date() < cohort.start_date or (
            end.astimezone(zone).date() > cohort.end_date
        ):
            message = _("%(when)s is outside the cohort's dates (%(start)s to %(end)s).") % {
                "when": _when(start),
                "start": cohort.start_date.isoformat(),
                "end": cohort.end_date.isoformat(),
            }
            conflicts.append(Conflict("outside_cohort", message, None, start))
    return conflicts


def meeting_conflicts(
    *,
    cohort: Cohort,
    starts_at: datetime,
    ends_at: datetime,
    location: Location | None = None,
    exclude_pk: int | None = None,
) -> list[Conflict]:
    """Warnings for a meeting planned at this time and place (impossible times: refused)."""
    _check_times(starts_at, ends_at)
    return _conflicts_for_slots(
        cohort=cohort,
        slots=[(starts_at, ends_at)],
        location=location,
        exclude_pks=[exclude_pk] if exclude_pk is not None else [],
    )


def meeting_series_preview(
    *,
    cohort: Cohort,
    interval_weeks: int,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    first_date: date,
    count: int | None = None,
    until: date | None = None,
    skip_dates: Iterable[date | str] = (),
    timezone_name: str = "Asia/Seoul",
    location: Location | None = None,
    series: MeetingSeries | None = None,
) -> tuple[list[tuple[datetime, datetime]], list[Conflict]]:
    """The meetings a cadence would give and their conflicts, without saving anything.

    With `series` (a cadence change) only future occurrences count, and the series' own
    meetings that the change would move are not conflicts.
    """
    _check_location(location, cohort)
    _cadence_obj, slots = _cadence(
        interval_weeks=interval_weeks,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        first_date=first_date,
        count=count,
        until=until,
        skip_dates=skip_dates,
        timezone_name=timezone_name,
    )
    exclude: list[int] = []
    if series is not None:
        steps = _plan(series, slots, timezone.now())
        slots = [s.slot for s in steps if s.slot is not None and s.action in ("move", "create")]
        # The series' own meetings that move or go away are not in the way.
        exclude = [
            s.meeting.pk for s in steps if s.meeting is not None and s.action in ("move", "cancel")
        ]
    conflicts = _conflicts_for_slots(
        cohort=cohort, slots=slots, location=location, exclude_pks=exclude
    )
    return slots, conflicts


@dataclass(frozen=True, slots=True)
class _Step:
    action: str  # "keep" | "move" | "cancel" | "create" | "skip"
    meeting: Meeting | None
    slot: tuple[datetime, datetime] | None


def _plan(
    series: MeetingSeries, slots: Sequence[tuple[datetime, datetime]], now: datetime
) -> list[_Step]:
    """Pair the series' meetings (by number: the k-th is the k-th occurrence) with the new
    cadence's occurrences, and say what happens to each place (see meeting_series_update)."""
    meetings = list(series.meetings.order_by("number"))
    steps: list[_Step] = []
    for index in range(max(len(meetings), len(slots))):
        meeting = meetings[index] if index < len(meetings) else None
        slot = slots[index] if index < len(slots) else None
        future_slot = slot if slot is not None and slot[0] > now else None
        if meeting is None:
            steps.append(_Step("create" if future_slot else "skip", None, future_slot))
            continue
        # A meeting cancelled by an earlier regeneration (not by hand) may come back.
        regenerable = not meeting.edited and (
            meeting.status == MeetingStatus.CANCELLED or meeting.starts_at > now
        )
        if not regenerable:
            steps.append(_Step("keep", meeting, None))
        elif future_slot is not None:
            steps.append(_Step("move", meeting, future_slot))
        elif meeting.status == MeetingStatus.SCHEDULED:
            steps.append(_Step("cancel", meeting, None))
        else:
            steps.append(_Step("keep", meeting, None))
    return steps


# --- series -----------------------------------------------------------------------------------


def _skip_list(skip_dates: Iterable[date | str]) -> list[str]:
    try:
        return sorted(d.isoformat() for d in cadence_rules.parse_skip_dates(skip_dates))
    except cadence_rules.CadenceError as exc:
        raise _invalid_cadence(exc) from None


@transaction.atomic
def meeting_series_create(
    *,
    actor: Any,
    cohort: Cohort,
    interval_weeks: int,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    first_date: date,
    count: int | None = None,
    until: date | None = None,
    skip_dates: Iterable[date | str] = (),
    timezone_name: str = "Asia/Seoul",
    location: Location | None = None,
    online_url: str = "",
) -> tuple[MeetingSeries, list[Meeting]]:
    """Create a series and its meetings, numbered after the cohort's existing meetings.

    Conflicts are not checked here (see meeting_series_preview): they are warnings.
    """
    _require_change(actor, cohort)
    _check_location(location, cohort)
    _check_url(online_url)
    skip_dates = _skip_list(skip_dates)
    _cadence_obj, slots = _cadence(
        interval_weeks=interval_weeks,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        first_date=first_date,
        count=count,
        until=until,
        skip_dates=skip_dates,
        timezone_name=timezone_name,
    )
    _lock_cohort(cohort)
    series = MeetingSeries.objects.create(
        cohort=cohort,
        interval_weeks=interval_weeks,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        first_date=first_date,
        count=count,
        until=until,
        skip_dates=skip_dates,
        timezone=timezone_name,
        location=location,
        online_url=online_url,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    number = _next_number(cohort)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            cohort=cohort,
            series=series,
            number=number + index,
            starts_at=start,
            ends_at=end,
            location=location,
            online_url=online_url,
        )
        for index, (start, end) in enumerate(slots)
    )
    record_changes(Meeting, meetings)  # bulk_create sends no signals: tell the changes feed
    return series, meetings


@transaction.atomic
def meeting_series_update(
    *,
    actor: Any,
    series: MeetingSeries,
    interval_weeks: int,
    weekday: int,
    start_time: time,
    duration_minutes: int,
    first_date: date,
    count: int | None = None,
    until: date | None = None,
    skip_dates: Iterable[date | str] = (),
    timezone_name: str = "Asia/Seoul",
    location: Location | None = None,
    online_url: str = "",
) -> SeriesChange:
    """Change a series' cadence and regenerate its future meetings that nobody edited.

    Each meeting of the series holds a place in it: the k-th meeting by number is the
    k-th occurrence. The new cadence is laid out as if it had always applied (`count`
    counts the whole series, past meetings included) and compared place by place:
    - past meetings, and meetings edited or cancelled by hand, stay as they are;
    - a future unedited meeting moves in place to its new occurrence (same uid and number,
      sequence + 1), or is cancelled (sequence + 1) when the new cadence has no future
      occurrence for its place;
    - a meeting an earlier change cancelled comes back when its place is in the cadence again;
    - new future occurrences get new meetings, numbered after the cohort's last meeting.
    """
    cohort = series.cohort
    _require_change(actor, cohort)
    _check_location(location, cohort)
    _check_url(online_url)
    skip_list = _skip_list(skip_dates)
    _cadence_obj, slots = _cadence(
        interval_weeks=interval_weeks,
        weekday=weekday,
        start_time=start_time,
        duration_minutes=duration_minutes,
        first_date=first_date,
        count=count,
        until=until,
        skip_dates=skip_list,
        timezone_name=timezone_name,
    )
    _lock_cohort(cohort)
    change = SeriesChange()
    location_id = location.pk if location else None
    to_create: list[tuple[datetime, datetime]] = []
    now = timezone.now()
    for step in _plan(series, slots, now):
        meeting, slot = step.meeting, step.slot
        if step.action == "create" and slot is not None:
            to_create.append(slot)
        elif step.action == "keep" and meeting is not None:
            if meeting.starts_at > now:  # the past is not news
                change.kept.append(meeting)
        elif step.action == "cancel" and meeting is not None:
            meeting.status = MeetingStatus.CANCELLED
            meeting.sequence += 1
            meeting.save(update_fields=["status", "sequence", "updated_at"])
            change.cancelled.append(meeting)
        elif step.action == "move" and meeting is not None and slot is not None:
            unchanged = (
                meeting.status == MeetingStatus.SCHEDULED
                and (meeting.starts_at, meeting.ends_at) == slot
                and meeting.location_id == location_id
                and meeting.online_url == online_url
            )
            if unchanged:
                change.kept.append(meeting)
                continue
            meeting.starts_at, meeting.ends_at = slot
            meeting.location, meeting.online_url = location, online_url
            meeting.status = MeetingStatus.SCHEDULED
            meeting.sequence += 1
            meeting.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "location",
                    "online_url",
                    "status",
                    "sequence",
                    "updated_at",
                ]
            )
            change.updated.append(meeting)
    if to_create:
        number = _next_number(cohort)
        change.created = Meeting.objects.bulk_create(
            Meeting(
                cohort=cohort,
                series=series,
                number=number + index,
                starts_at=start,
                ends_at=end,
                location=location,
                online_url=online_url,
            )
            for index, (start, end) in enumerate(to_create)
        )
        record_changes(Meeting, change.created)  # bulk_create sends no signals: the feed
    series.interval_weeks, series.weekday, series.start_time = interval_weeks, weekday, start_time
    series.duration_minutes, series.first_date = duration_minutes, first_date
    series.count, series.until, series.skip_dates = count, until, skip_list
    series.timezone, series.location, series.online_url = timezone_name, location, online_url
    series.save(
        update_fields=[
            "interval_weeks",
            "weekday",
            "start_time",
            "duration_minutes",
            "first_date",
            "count",
            "until",
            "skip_dates",
            "timezone",
            "location",
            "online_url",
            "updated_at",
        ]
    )
    return change


# --- single meetings --------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    cohort: Cohort,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
    location: Location | None = None,
    online_url: str = "",
    agenda: str = "",
    rsvp_deadline: datetime | None = None,
) -> Meeting:
    """One meeting outside any series, numbered after the cohort's existing meetings."""
    _require_change(actor, cohort)
    _check_times(starts_at, ends_at)
    _check_deadline(rsvp_deadline, starts_at)
    _check_location(location, cohort)
    _check_url(online_url)
    _lock_cohort(cohort)
    return Meeting.objects.create(
        cohort=cohort,
        number=_next_number(cohort),
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        online_url=online_url,
        agenda=agenda,
        rsvp_deadline=rsvp_deadline,
    )


def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    location: Location | None,
    online_url: str,
    agenda: str,
    rsvp_deadline: datetime | None,
) -> Meeting:
    """Edit one meeting by hand: a later cadence change leaves it alone from now on."""
    _require_change(actor, meeting.cohort)
    _check_times(starts_at, ends_at)
    _check_deadline(rsvp_deadline, starts_at)
    _check_location(location, meeting.cohort)
    _check_url(online_url)
    meeting.starts_at, meeting.ends_at, meeting.title = starts_at, ends_at, title.strip()
    meeting.location, meeting.online_url, meeting.agenda = location, online_url, agenda
    meeting.rsvp_deadline = rsvp_deadline
    meeting.edited = True
    meeting.sequence += 1
    meeting.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "title",
            "location",
            "online_url",
            "agenda",
            "rsvp_deadline",
            "edited",
            "sequence",
            "updated_at",
        ]
    )
    return meeting


def meeting_cancel(*, actor: Any, meeting: Meeting) -> Meeting:
    """Cancel one meeting (it stays, as cancelled, so calendars remove it). Idempotent."""
    _require_change(actor, meeting.cohort)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    meeting.status = MeetingStatus.CANCELLED
    meeting.edited = True
    meeting.sequence += 1
    meeting.save(update_fields=["status", "edited", "sequence", "updated_at"])
    return meeting
