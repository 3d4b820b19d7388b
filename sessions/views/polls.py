"""Pages for date polls: a cohort's polls, proposing times, answering, and scheduling the winner.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
sessions.services.polls, whose refusals are shown here. Times are shown and read in the
viewer's time zone (the middleware activates it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.forms import apply_application_error
from labs.models import Cohort, MembershipStatus
from labs.selectors import (
    ViewerAccess,
    cohort_get_with_access_for_user,
    viewer_access_for_lab,
)
from members.models import User
from sessions.models import Location, Poll, PollAnswer, PollOption
from sessions.selectors import poll_list_visible
from sessions.selectors import polls as selectors
from sessions.services.meetings import meeting_conflicts
from sessions.services.polls import (
    POLL_MAX_DURATION_MINUTES,
    poll_close_to_meeting,
    poll_copy_answers,
    poll_create,
    poll_vote,
)

POLL_TEMPLATE = "sessions/poll_detail.html"
# Empty candidate-time rows on the create form: enough for two weeks of evenings, no script.
OPTION_ROWS = 8


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _poll_url(poll: Poll) -> str:
    return reverse("sessions:poll_detail", kwargs={"pk": poll.pk})


# --- forms ---------------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    """A native date-and-time picker; it sends "YYYY-MM-DDTHH:MM" in the viewer's zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class PollCreateForm(forms.Form):
    title = forms.CharField(label=_lazy("Title"), max_length=200)
    duration_minutes = forms.IntegerField(
        label=_lazy("Duration (minutes)"),
        min_value=1,
        max_value=POLL_MAX_DURATION_MINUTES,
        initial=240,
    )
    location = forms.ModelChoiceField(
        label=_lazy("Place"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_lazy("No place yet"),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.queryset = selectors.poll_location_choices(cohort=cohort)
        for number in range(1, OPTION_ROWS + 1):
            self.fields[f"option_{number}"] = forms.DateTimeField(
                label=_("Candidate time %(number)d") % {"number": number},
                required=False,
                widget=DateTimeLocalInput(),
            )

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[f"option_{number}"] for number in range(1, OPTION_ROWS + 1)]

    def starts_at_options(self) -> list[Any]:
        return [
            self.cleaned_data[f"option_{number}"]
            for number in range(1, OPTION_ROWS + 1)
            if self.cleaned_data.get(f"option_{number}")
        ]


def _answers_from(request: HttpRequest, option_ids: list[int]) -> dict[int, str]:
    """The radio groups of the answer form: `answer-<option id>` = yes / if_need_be / no."""
    answers = {}
    for option_id in option_ids:
        value = request.POST.get(f"answer-{option_id}", "")
        if value:
            answers[option_id] = value
    return answers


# --- list and create -----------------------------------------------------------------------


@login_required
@require_GET
def polls(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "polls": list(selectors.poll_list_for_cohort(cohort=cohort, user=user)),
        "can_create": access.can_manage(cohort),
    }
    return render(request, "sessions/poll_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def poll_create_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _forbidden(request, _("Only leaders and facilitators can create polls."))
    form = PollCreateForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = poll_create(
                actor=user,
                cohort=cohort,
                title=data["title"],
                starts_at_options=form.starts_at_options(),
                duration_minutes=data["duration_minutes"],
                location=data["location"],
            )
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("Poll created. Share its page with the cohort."))
            url = _poll_url(poll)
            return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)
    context = {"lab": cohort.lab, "cohort": cohort, "form": form}
    return render(request, template_for(request, "sessions/poll_create.html", "form"), context)


# --- the poll page -------------------------------------------------------------------------


def _poll_context(
    request: HttpRequest,
    user: User,
    poll: Poll,
    access: ViewerAccess,
    *,
    error: str | None = None,
    notice: str | None = None,
    submitted: dict[int, str] | None = None,
) -> dict[str, Any]:
    cohort = poll.cohort
    mine = access.my_membership(cohort)
    is_open = poll.closed_at is None
    can_vote = is_open and mine is not None and mine.status == MembershipStatus.ACTIVE
    results = selectors.poll_results(poll=poll, user=user)
    chosen = submitted if submitted is not None else results.my_answers
    answer_labels = list(PollAnswer.choices)
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "poll": poll,
        "results": results,
        "is_open": is_open,
        "can_vote": can_vote,
        "can_schedule": is_open and access.can_manage(cohort),
        "previous_poll": (
            selectors.poll_previous_answered(poll=poll, user=user) if can_vote else None
        ),
        "answer_rows": [
            {
                "option": option,
                "chosen": chosen.get(option.pk, ""),
                "choices": answer_labels,
            }
            for option in results.options
        ],
        "error": error,
        "notice": notice,
    }


def _poll_response(
    request: HttpRequest,
    user: User,
    poll: Poll,
    *,
    error: str | None = None,
    notice: str | None = None,
    submitted: dict[int, str] | None = None,
) -> HttpResponse:
    access = viewer_access_for_lab(user=user, lab=poll.cohort.lab)
    context = _poll_context(
        request, user, poll, access, error=error, notice=notice, submitted=submitted
    )
    return render(request, template_for(request, POLL_TEMPLATE, "grid"), context)


@login_required
@require_GET
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    poll = selectors.poll_get_for_page(user=user, pk=pk)
    return _poll_response(request, user, poll)


def _after_write(request: HttpRequest, user: User, poll: Poll, notice: str) -> HttpResponse:
    """Success: htmx gets the refreshed grid; a plain form gets a message and the page."""
    if _is_htmx(request):
        return _poll_response(request, user, poll, notice=notice)
    messages.success(request, notice)
    return redirect(_poll_url(poll))


@login_required
@require_POST
def poll_vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    poll = selectors.poll_get_for_page(user=user, pk=pk)
    option_ids = list(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    answers = _answers_from(request, option_ids)
    try:
        poll_vote(actor=user, poll=poll, answers=answers)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        poll.refresh_from_db(fields=["closed_at", "meeting"])
        return _poll_response(request, user, poll, error=exc.message, submitted=answers)
    return _after_write(request, user, poll, _("Your answers are saved."))


@login_required
@require_POST
def poll_copy_answers_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    poll = selectors.poll_get_for_page(user=user, pk=pk)
    source_id = request.POST.get("source", "")
    source = (
        poll_list_visible(user=user).filter(pk=int(source_id)).first()
        if source_id.isdigit()
        else None
    )
    if source is None:
        return _poll_response(request, user, poll, error=_("Choose an earlier poll to reuse."))
    try:
        copied = poll_copy_answers(actor=user, poll=poll, source_poll=source)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        poll.refresh_from_db(fields=["closed_at", "meeting"])
        return _poll_response(request, user, poll, error=exc.message)
    if copied:
        notice = _("Reused %(count)d answers from “%(title)s”.") % {
            "count": copied,
            "title": source.title,
        }
    else:
        notice = _("No candidate time matches a time you answered in “%(title)s”.") % {
            "title": source.title
        }
    return _after_write(request, user, poll, notice)


@login_required
@require_POST
def poll_to_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    poll = selectors.poll_get_for_page(user=user, pk=pk)
    option_id = request.POST.get("option", "")
    option = (
        PollOption.objects.filter(poll=poll, pk=int(option_id)).first()
        if option_id.isdigit()
        else None
    )
    if option is None:
        return _poll_response(request, user, poll, error=_("Choose one of the candidate times."))
    try:
        meeting = poll_close_to_meeting(actor=user, poll=poll, option=option)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        poll.refresh_from_db(fields=["closed_at", "meeting"])
        return _poll_response(request, user, poll, error=exc.message)
    messages.success(request, _("Meeting scheduled; the poll is closed."))
    # Scheduling never waits on a warning; the leader sees them on the meeting's page.
    for conflict in meeting_conflicts(
        cohort=poll.cohort,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        exclude_pk=meeting.pk,
    ):
        messages.warning(request, conflict.message)
    url = meeting.get_absolute_url()
    return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)
