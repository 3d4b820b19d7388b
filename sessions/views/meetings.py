"""Pages for the cohort schedule, a meeting, and scheduling: series, single meetings, edits,
cancelling.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
sessions.services.meetings. Conflicts are shown before saving: a form whose plan has
conflicts comes back with the list and a "save anyway" box; impossible input is an error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.forms import apply_application_error
from labs.models import Cohort, MembershipStatus
from labs.selectors import ViewerAccess, cohort_get_with_access_for_user, viewer_access_for_lab
from members.models import User
from sessions.forms import MeetingForm, SeriesForm
from sessions.models import Location, Meeting, MeetingSeries, MeetingStatus
from sessions.selectors import meeting_get_for_user
from sessions.selectors import meetings as selectors
from sessions.selectors.attendance import (
    RsvpCounts,
    rsvp_is_open,
    rsvp_is_open_for_row,
    rsvp_summaries_for_meetings,
)
from sessions.services import meetings as services
from sessions.views.attendance import RsvpBoxes, rsvp_context
from sessions.views.rendering import IdUrl, LocalTimes, safe_id

CHANGE_MEETING = services.CHANGE_MEETING


# The schedule shows every upcoming meeting but only this many past ones unless asked.
PAST_SHOWN = 5


# --- helpers ----------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return _forbidden(request, _("Only the cohort's leaders and facilitators can schedule."))


def schedule_url(cohort: Cohort) -> str:
    return reverse(
        "sessions:cohort_schedule", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
    )


def _place_suggestion_url(meeting: Meeting) -> str:
    try:
        return reverse("sessions:place_suggestion", kwargs={"pk": meeting.pk})
    except NoReverseMatch:  # the places pages are not installed yet
        return f"/meetings/{meeting.pk}/place-suggestion/"


def _can_rsvp(access: ViewerAccess, meeting: Meeting, cohort: Cohort) -> bool:
    mine = access.my_membership(cohort)
    return (
        mine is not None
        and mine.status == MembershipStatus.ACTIVE
        and rsvp_is_open(meeting=meeting)
    )


def _save_or_preview(
    request: HttpRequest,
    form: SeriesForm | MeetingForm,
    *,
    preview: Any,
    save: Any,
    done: Any,
) -> tuple[HttpResponse | None, list[services.Conflict]]:
    """A valid POST: check for conflicts first (a preview), then save when there are none
    or the leader ticked "save anyway". Returns (response, conflicts); no response means
    "render the form again" (with errors, or with the conflicts to confirm)."""
    if request.method != "POST" or not form.is_valid():
        return None, []
    try:
        conflicts: list[services.Conflict] = preview()
        if conflicts and not form.cleaned_data.get("save_anyway"):
            return None, conflicts
        result = save()
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message), []
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return None, []
    return done(result), []


# --- schedule and meeting pages ---------------------------------------------------------------


@login_required
@require_GET
def cohort_schedule(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Upcoming meetings and the latest past ones (all with ?past=all), each with its RSVP
    counts and my answer. Constant queries: the cohort, my access, the meetings, their counts
    with my answers. Rows are plain values built here once (ids as strings, links from one
    reversed pattern, dates formatted once, words translated once) so a long series stays
    cheap to render."""
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    now = timezone.now()
    meetings = selectors.meeting_rows_for_schedule(cohort=cohort)
    upcoming = [m for m in meetings if m["ends_at"] >= now]
    past_all = [m for m in reversed(meetings) if m["ends_at"] < now]  # the most recent first
    show_all_past = request.GET.get("past") == "all"
    past = past_all if show_all_past else past_all[:PAST_SHOWN]
    summaries = rsvp_summaries_for_meetings(
        meeting_ids=[m["id"] for m in (*upcoming, *past)], user=user
    )
    membership = access.my_membership(cohort)
    active_member = membership is not None and membership.status == MembershipStatus.ACTIVE
    boxes = RsvpBoxes(request)
    times = LocalTimes()
    detail_url = IdUrl.of("sessions:meeting_detail")
    # Translated once, formatted per row: the same msgid the meeting page's title uses.
    number_label = _("Meeting %(number)s")
    map_urls: dict[int, str] = {}  # a cohort meets at a few places: one link each

    def map_url(meeting: dict[str, Any]) -> str:
        place_id = meeting["location_id"]
        if place_id not in map_urls:
            place = Location(
                name=meeting["place_name"],
                address=meeting["place_address"],
                latitude=meeting["place_latitude"],
                longitude=meeting["place_longitude"],
            )
            map_urls[place_id] = place.map_url
        return map_urls[place_id]

    def row(meeting: dict[str, Any]) -> dict[str, Any]:
        pk = meeting["id"]
        summary = summaries[pk]
        starts_at = meeting["starts_at"]
        cancelled = meeting["status"] == MeetingStatus.CANCELLED
        can_rsvp = active_member and rsvp_is_open_for_row(
            status=meeting["status"],
            starts_at=starts_at,
            rsvp_deadline=meeting["rsvp_deadline"],
            now=now,
        )
        return {
            "id": safe_id(pk),
            "url": detail_url(pk),
            "label": number_label % {"number": meeting["number"]},
            "title": meeting["title"],
            "cancelled": cancelled,
            "iso": starts_at.isoformat(),
            "starts": times.day_and_time(starts_at),
            "ends": times.time(meeting["ends_at"]),
            "place": meeting["place_name"] if meeting["location_id"] is not None else "",
            "map_url": map_url(meeting) if meeting["location_id"] is not None else "",
            "online_url": meeting["online_url"],
            "answer": summary.answer,
            "counts": summary.counts,
            "can_rsvp": can_rsvp,
            "rsvp": boxes.box(
                meeting_id=pk,
                answer=summary.answer,
                note=summary.note,
                can_rsvp=can_rsvp,
                counts=summary.counts,
            ),
        }

    can_manage = access.can_manage(cohort)
    context = {
        **boxes.context,
        "lab": cohort.lab,
        "cohort": cohort,
        "upcoming": [row(m) for m in upcoming],
        "past": [row(m) for m in past],
        "past_hidden": len(past_all) - len(past),
        "rsvp_next": escape(request.get_full_path()),  # escaped once, printed in every form
        "can_manage": can_manage,
        "series_list": list(selectors.series_list_for_cohort(cohort=cohort)) if can_manage else [],
    }
    return render(request, "sessions/schedule.html", context)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    cohort = meeting.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    can_manage = access.can_manage(cohort)
    answers = selectors.meeting_answers(meeting=meeting)
    everyone = [*answers.yes, *answers.maybe, *answers.no]
    my_rsvp = next((r for r in everyone if r.user_id == user.pk), None)
    counts = RsvpCounts(yes=len(answers.yes), maybe=len(answers.maybe), no=len(answers.no))
    context = {
        **rsvp_context(
            request,
            meeting=meeting,
            my_rsvp=my_rsvp,
            can_rsvp=_can_rsvp(access, meeting, cohort),
            counts=counts,
        ),
        "lab": cohort.lab,
        "cohort": cohort,
        "answers": answers,
        "can_manage": can_manage,
        "schedule_url": schedule_url(cohort),
        "place_suggestion_url": _place_suggestion_url(meeting) if can_manage else "",
        "attendance_url": reverse("sessions:attendance", kwargs={"pk": meeting.pk}),
    }
    return render(request, "sessions/meeting_detail.html", context)


# --- series -----------------------------------------------------------------------------------


def _series_form_response(
    request: HttpRequest,
    *,
    cohort: Cohort,
    form: SeriesForm,
    conflicts: list[services.Conflict],
    series: MeetingSeries | None,
) -> HttpResponse:
    if series is None:
        action = reverse(
            "sessions:series_create", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        )
    else:
        action = reverse("sessions:series_edit", kwargs={"pk": series.pk})
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "conflicts": conflicts,
        "series": series,
        "action": action,
        "schedule_url": schedule_url(cohort),
    }
    return render(request, template_for(request, "sessions/series_form.html", "form"), context)


def _hide_save_anyway(form: forms.Form, conflicts: list[services.Conflict]) -> None:
    # The box only makes sense next to a list of warnings.
    if not conflicts:
        form.fields["save_anyway"].widget = forms.HiddenInput()


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _not_allowed(request)
    locations = selectors.location_choices_for_cohort(cohort=cohort)
    first = max(timezone.localdate(), cohort.start_date)
    form = SeriesForm(
        request.POST or None,
        locations=locations,
        initial={
            "interval_weeks": 2,
            "weekday": first.weekday(),
            "start_time": "19:00",
            "duration_minutes": 240,
            "first_date": first,
            "until": cohort.end_date,
            "timezone": "Asia/Seoul",
        },
    )

    def preview() -> list[services.Conflict]:
        _slots, conflicts = services.meeting_series_preview(
            cohort=cohort, **_without_url(form.service_kwargs())
        )
        return conflicts

    def save() -> tuple[MeetingSeries, list[Meeting]]:
        return services.meeting_series_create(actor=user, cohort=cohort, **form.service_kwargs())

    def done(result: tuple[MeetingSeries, list[Meeting]]) -> HttpResponse:
        count = len(result[1])
        messages.success(
            request,
            ngettext(
                "Series created: %(count)s meeting.", "Series created: %(count)s meetings.", count
            )
            % {"count": count},
        )
        return _redirect(request, schedule_url(cohort))

    response, conflicts = _save_or_preview(request, form, preview=preview, save=save, done=done)
    if response:
        return response
    _hide_save_anyway(form, conflicts)
    return _series_form_response(
        request, cohort=cohort, form=form, conflicts=conflicts, series=None
    )


def _without_url(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The preview needs the cadence and place, not the online link."""
    return {key: value for key, value in kwargs.items() if key != "online_url"}


def _series_change_message(change: services.SeriesChange) -> str:
    def numbers(meetings: list[Meeting]) -> str:
        return ", ".join(str(m.number) for m in sorted(meetings, key=lambda m: m.number)) or "-"

    return _(
        "Series saved. Moved: %(updated)s. Cancelled: %(cancelled)s. Added: %(created)s. "
        "Left as they were (edited by hand or unchanged): %(kept)s."
    ) % {
        "updated": numbers(change.updated),
        "cancelled": numbers(change.cancelled),
        "created": numbers(change.created),
        "kept": numbers(change.kept),
    }


@login_required
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    series = selectors.series_get_for_user(user=user, pk=pk)
    cohort = series.cohort
    if not user.has_perm(CHANGE_MEETING, cohort):
        return _not_allowed(request)
    form = SeriesForm(
        request.POST or None,
        locations=selectors.location_choices_for_cohort(cohort=cohort),
        initial={
            "interval_weeks": series.interval_weeks,
            "weekday": series.weekday,
            "start_time": series.start_time,
            "duration_minutes": series.duration_minutes,
            "first_date": series.first_date,
            "count": series.count,
            "until": series.until,
            "skip_dates": "\n".join(series.skip_dates or []),
            "timezone": series.timezone,
            "location": series.location_id,
            "online_url": series.online_url,
        },
    )

    def preview() -> list[services.Conflict]:
        _slots, conflicts = services.meeting_series_preview(
            cohort=cohort, series=series, **_without_url(form.service_kwargs())
        )
        return conflicts

    def save() -> services.SeriesChange:
        return services.meeting_series_update(actor=user, series=series, **form.service_kwargs())

    def done(change: services.SeriesChange) -> HttpResponse:
        messages.success(request, _series_change_message(change))
        return _redirect(request, schedule_url(cohort))

    response, conflicts = _save_or_preview(request, form, preview=preview, save=save, done=done)
    if response:
        return response
    _hide_save_anyway(form, conflicts)
    return _series_form_response(
        request, cohort=cohort, form=form, conflicts=conflicts, series=series
    )


# --- single meetings --------------------------------------------------------------------------


def _meeting_form_response(
    request: HttpRequest,
    *,
    cohort: Cohort,
    form: MeetingForm,
    conflicts: list[services.Conflict],
    meeting: Meeting | None,
) -> HttpResponse:
    if meeting is None:
        action = reverse(
            "sessions:meeting_create", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        )
    else:
        action = reverse("sessions:meeting_edit", kwargs={"pk": meeting.pk})
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "conflicts": conflicts,
        "meeting": meeting,
        "action": action,
        "schedule_url": schedule_url(cohort),
    }
    return render(request, template_for(request, "sessions/meeting_form.html", "form"), context)


def _meeting_preview(
    form: MeetingForm, cohort: Cohort, meeting: Meeting | None
) -> list[services.Conflict]:
    data = form.cleaned_data
    return services.meeting_conflicts(
        cohort=cohort,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        location=data.get("location"),
        exclude_pk=meeting.pk if meeting else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _not_allowed(request)
    form = MeetingForm(
        request.POST or None, locations=selectors.location_choices_for_cohort(cohort=cohort)
    )

    def save() -> Meeting:
        return services.meeting_create(actor=user, cohort=cohort, **form.service_kwargs())

    def done(meeting: Meeting) -> HttpResponse:
        messages.success(request, _("Meeting %(number)s scheduled.") % {"number": meeting.number})
        return _redirect(request, meeting.get_absolute_url())

    response, conflicts = _save_or_preview(
        request, form, preview=lambda: _meeting_preview(form, cohort, None), save=save, done=done
    )
    if response:
        return response
    _hide_save_anyway(form, conflicts)
    return _meeting_form_response(
        request, cohort=cohort, form=form, conflicts=conflicts, meeting=None
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    cohort = meeting.cohort
    if not user.has_perm(CHANGE_MEETING, meeting):
        return _not_allowed(request)
    form = MeetingForm(
        request.POST or None,
        locations=selectors.location_choices_for_cohort(cohort=cohort),
        initial={
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "location": meeting.location_id,
            "online_url": meeting.online_url,
            "agenda": meeting.agenda,
            "rsvp_deadline": timezone.localtime(meeting.rsvp_deadline)
            if meeting.rsvp_deadline
            else None,
        },
    )

    def save() -> Meeting:
        return services.meeting_update(actor=user, meeting=meeting, **form.service_kwargs())

    def done(saved: Meeting) -> HttpResponse:
        messages.success(request, _("Meeting %(number)s saved.") % {"number": saved.number})
        return _redirect(request, saved.get_absolute_url())

    response, conflicts = _save_or_preview(
        request, form, preview=lambda: _meeting_preview(form, cohort, meeting), save=save, done=done
    )
    if response:
        return response
    _hide_save_anyway(form, conflicts)
    return _meeting_form_response(
        request, cohort=cohort, form=form, conflicts=conflicts, meeting=meeting
    )


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    try:
        services.meeting_cancel(actor=user, meeting=meeting)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    messages.success(request, _("Meeting %(number)s was cancelled.") % {"number": meeting.number})
    return _redirect(request, meeting.get_absolute_url())
