"""Pages for RSVPs (one click, htmx or a plain form) and for recording attendance (leaders).

Visibility comes from the gatekeeper meeting_get_for_user (outsiders get 404); every rule
lives in sessions.services.attendance, whose refusals are shown here.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.selectors import viewer_access_for_lab
from members.models import User
from sessions.models import AttendanceStatus, Meeting, Rsvp, RsvpAnswer
from sessions.selectors import attendance as selectors
from sessions.selectors import meeting_get_for_user
from sessions.services.attendance import attendance_record, rsvp_set
from sessions.views.rendering import IdUrl, csrf_context, escaped, safe_id

RSVP_TEMPLATE = "sessions/_rsvp.html#rsvp"
ATTENDANCE_TEMPLATE = "sessions/attendance.html"
_STATUS_FIELD = re.compile(r"^status-(\d+)$")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _safe_next(request: HttpRequest) -> str:
    """The `next` the form carried when it stays on this site, else ""."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class RsvpBoxes:
    """What templates/sessions/_rsvp.html#rsvp reads: the words (escaped) and the CSRF input
    once per request (`context`) and one flat box per meeting (`box`: the id, the form's URL
    from one reversed pattern, the answer buttons as they look for my answer, the counts
    sentence). A schedule shows 30 boxes; with model lookups, {% url %}, {% csrf_token %} and
    {% blocktranslate %} in each they were most of its template's time."""

    def __init__(self, request: HttpRequest) -> None:
        self.url = IdUrl.of("sessions:rsvp")
        labels = {value: str(label) for value, label in RsvpAnswer.choices}
        self.answers = escaped(labels)
        # The three buttons (yes, maybe, no) as they look for each answer of mine (or none).
        self.buttons = {
            current: {
                value: escaped(
                    {
                        "label": label,
                        "css": "" if value == current else " secondary",
                        "pressed": "true" if value == current else "false",
                    }
                )
                for value, label in labels.items()
            }
            for current in (None, *labels)
        }
        self.counts_text = _("%(yes)s going · %(maybe)s maybe")
        self.context: dict[str, Any] = {
            **escaped({"label_your_answer": _("Your answer"), "label_note": _("Note (optional)")}),
            **csrf_context(request),
        }

    def box(
        self,
        *,
        meeting_id: int,
        answer: str | None,
        note: str,
        can_rsvp: bool,
        counts: selectors.RsvpCounts | None,
    ) -> dict[str, Any]:
        """One meeting's box: its form when `can_rsvp`, else my answer (if any) read-only."""
        pk = safe_id(meeting_id)
        return {
            "id": pk,
            "url": self.url(pk) if can_rsvp else "",
            **self.buttons.get(answer, self.buttons[None]),
            "answer": self.answers.get(answer, "") if answer else "",
            "note": note,
            "counts": self.counts_text % {"yes": counts.yes, "maybe": counts.maybe}
            if counts is not None
            else "",
        }


def rsvp_context(
    request: HttpRequest,
    *,
    meeting: Meeting,
    my_rsvp: Rsvp | None,
    can_rsvp: bool,
    counts: selectors.RsvpCounts | None = None,
    error: str = "",
    notice: str = "",
    next_url: str = "",
) -> dict[str, Any]:
    """What templates/sessions/_rsvp.html#rsvp reads for one meeting (the meeting page, the
    htmx answer), with the meeting and answer it was made from."""
    boxes = RsvpBoxes(request)
    return {
        **boxes.context,
        "rsvp": boxes.box(
            meeting_id=meeting.pk,
            answer=my_rsvp.answer if my_rsvp else None,
            note=my_rsvp.note if my_rsvp else "",
            can_rsvp=can_rsvp,
            counts=counts,
        ),
        "meeting": meeting,
        "my_rsvp": my_rsvp,
        "can_rsvp": can_rsvp,
        "counts": counts,
        "rsvp_error": error,
        "rsvp_notice": notice,
        "rsvp_next": next_url,
    }


@login_required
@require_POST
def rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer a meeting for myself. htmx gets the RSVP partial back (with the refusal in it,
    200, so htmx swaps it); a plain POST goes back to `next` or the meeting page."""
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    next_url = _safe_next(request)
    error = notice = ""
    forbidden = False
    try:
        # Only the signed-in member: any `user` field in the POST is never read.
        my_rsvp: Rsvp | None = rsvp_set(
            actor=user,
            meeting=meeting,
            answer=request.POST.get("answer", ""),
            note=request.POST.get("note", ""),
        )
        notice = _("Your answer was saved.")
    except ApplicationError as exc:
        error = exc.message
        forbidden = isinstance(exc, PermissionDeniedError)
        my_rsvp = None
    if _is_htmx(request):
        if error:
            my_rsvp = selectors.my_rsvps_for_meetings(user=user, meeting_ids=[meeting.pk]).get(
                meeting.pk
            )
        can_rsvp = not forbidden and selectors.rsvp_is_open(meeting=meeting)
        context = rsvp_context(
            request,
            meeting=meeting,
            my_rsvp=my_rsvp,
            can_rsvp=can_rsvp,
            counts=selectors.rsvp_counts_for_meeting(meeting=meeting),
            error=error,
            notice=notice,
            next_url=next_url,
        )
        return render(request, RSVP_TEMPLATE, context)
    if forbidden:
        return _forbidden(request, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(next_url or meeting.get_absolute_url())


def _attendance_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    posted: dict[int, str] | None = None,
    error: str = "",
    field_errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    rows = selectors.attendance_sheet_for_meeting(meeting=meeting)
    errors = field_errors or {}
    for row in rows:
        if posted is not None:
            row["selected"] = posted.get(row["user_id"], "")
        row["errors"] = errors.get(str(row["user_id"]), [])
    return {
        "lab": meeting.cohort.lab,
        "cohort": meeting.cohort,
        "meeting": meeting,
        "rows": rows,
        "statuses": AttendanceStatus.choices,
        "error": error,
        "counts": selectors.rsvp_counts_for_meeting(meeting=meeting),
        "closed_reason": _attendance_closed_reason(meeting),
        "notice": "",
    }


def _attendance_closed_reason(meeting: Meeting) -> str:
    """Why the sheet cannot be saved yet (the service gives the same refusals), or ""."""
    if meeting.is_cancelled:
        return _("This meeting was cancelled; there is no attendance to record.")
    if timezone.now() < meeting.starts_at:
        return _("Attendance can be recorded once the meeting has started.")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The leaders' attendance sheet: every active member with present / late / absent /
    excused, preselected from the records or the RSVPs, saved at once."""
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    # One query for the display decision; the service checks the rule again on save.
    access = viewer_access_for_lab(user=user, lab=meeting.cohort.lab)
    if not access.can_manage(meeting.cohort):
        return _forbidden(
            request, _("Only the cohort's leaders and facilitators can record attendance.")
        )
    template = template_for(request, ATTENDANCE_TEMPLATE, "sheet")
    if request.method == "POST":
        statuses: dict[int, str] = {
            int(match.group(1)): str(request.POST.get(key, ""))
            for key in request.POST
            if (match := _STATUS_FIELD.match(key))
        }
        try:
            attendance_record(actor=user, meeting=meeting, statuses=statuses)
        except ApplicationError as exc:
            context = _attendance_context(
                request, meeting, posted=statuses, error=exc.message, field_errors=exc.fields
            )
            return render(request, template, context)
        notice = _("Attendance saved.")
        if not _is_htmx(request):
            messages.success(request, notice)
            return redirect(reverse("sessions:attendance", kwargs={"pk": meeting.pk}))
        context = _attendance_context(request, meeting)
        context["notice"] = notice
        return render(request, template, context)
    return render(request, template, _attendance_context(request, meeting))
