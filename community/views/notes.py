"""Meeting notes: a meeting's notes page and its editor, the lab's searchable notes history,
and the cohort's list of members allowed to write notes.

Visibility comes from the gatekeepers (outsiders get 404); who may write is decided by
community.services (moderators, and the members they allow).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import NoteForm, NoteQuestionFormSet, NoteWriterForm
from community.models import MeetingNote
from community.views import member_lab, redirect_after_write
from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.pagination import paginate
from core.views_helpers import forbidden, request_user, write_and_redirect
from labs.forms import apply_application_error
from labs.models import Cohort
from labs.selectors import (
    cohort_get_with_access_for_user,
    member_choices_for_cohort,
    viewer_access_for_lab,
)
from sessions.models import Meeting
from sessions.selectors import meeting_get_for_user

NOTE_PAGE = "community/note_detail.html"
NOTE_FORM = "community/note_form.html"
NOTES = "community/notes.html"
WRITERS = "community/note_writers.html"
NOTES_PAGE_SIZE = 50


def _notes_url(meeting: Meeting) -> str:
    return reverse("community:meeting_notes", kwargs={"pk": meeting.pk})


@login_required
@require_GET
def meeting_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's notes: the text, the questions discussed with answers and links."""
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    cohort = meeting.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "meeting": meeting,
        "note": selectors.meeting_note_for_meeting(meeting=meeting),
        "can_write": selectors.can_write_notes(user=user, meeting=meeting, access=access),
        "can_manage": access.can_manage(cohort),
    }
    return render(request, NOTE_PAGE, context)


def _question_initial(note: MeetingNote | None) -> list[dict[str, Any]]:
    if note is None:
        return []
    return [
        {"question": q.question, "answer": q.answer, "links": q.links} for q in note.questions.all()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def meeting_notes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the notes: the text and one row per discussed question (a blank row to add one;
    clear a row to drop it). A refusal re-renders the form (200)."""
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    cohort = meeting.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    if not selectors.can_write_notes(user=user, meeting=meeting, access=access):
        return forbidden(
            request,
            _("Only the moderators and the members they allow write this meeting's notes."),
        )
    note = selectors.meeting_note_for_meeting(meeting=meeting)
    form = NoteForm(request.POST or None, initial={"body": note.body if note else ""})
    questions = NoteQuestionFormSet(
        request.POST or None, initial=_question_initial(note), prefix="questions"
    )
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        items = [
            services.QuestionInput(
                question=row.get("question", ""),
                answer=row.get("answer", ""),
                links=tuple((row.get("links") or "").splitlines()),
            )
            for row in questions.cleaned_data
            if row
        ]
        try:
            services.meeting_note_save(
                actor=user, meeting=meeting, body=form.cleaned_data["body"], questions=items
            )
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("The notes are saved."))
            return redirect_after_write(request, _notes_url(meeting))
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "meeting": meeting,
        "form": form,
        "questions": questions,
        "action": reverse("community:meeting_notes_edit", kwargs={"pk": meeting.pk}),
    }
    return render(request, template_for(request, NOTE_FORM, "form"), context)


@login_required
@require_GET
def lab_notes(request: HttpRequest, slug: str) -> HttpResponse:
    """Every meeting's notes of the lab, newest first, searchable (?q=, Korean works)."""
    user = request_user(request)
    lab, _access = member_lab(user=user, slug=slug)
    q = request.GET.get("q", "").strip()[:100]
    page = paginate(
        selectors.meeting_note_list_for_lab(lab=lab, q=q), request.GET.get("page"), NOTES_PAGE_SIZE
    )
    context = {"lab": lab, "q": q, "page_obj": page, "notes": list(page.object_list)}
    return render(request, template_for(request, NOTES, "results"), context)


def _meeting_choices(cohort: Cohort) -> list[tuple[int, str]]:
    meetings = Meeting.objects.filter(cohort=cohort).order_by("starts_at", "id")
    return [
        (
            m.pk,
            _("Meeting %(number)d · %(date)s")
            % {"number": m.number, "date": timezone.localtime(m.starts_at).strftime("%Y-%m-%d")},
        )
        for m in meetings
    ]


@login_required
@require_http_methods(["GET", "POST"])
def note_writers(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The moderators choose which members write notes: for every meeting, or for one."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators choose who writes notes.")
        )
    members = member_choices_for_cohort(cohort=cohort)
    meetings = _meeting_choices(cohort)
    form = NoteWriterForm(request.POST or None, members=members, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = (
            Meeting.objects.filter(cohort=cohort, pk=data["meeting"]).first()
            if data["meeting"]
            else None
        )
        writer = cohort.memberships.filter(user_id=data["user"]).select_related("user").first()
        try:
            if writer is None:
                raise ApplicationError(
                    _("Only active members of the cohort can write notes."),
                    fields={"user": [_("Not an active member of this cohort.")]},
                )
            services.note_editor_add(actor=user, cohort=cohort, user=writer.user, meeting=meeting)
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("They can write the notes now."))
            return redirect_after_write(request, request.path)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "writers": selectors.note_editor_list_for_cohort(cohort=cohort),
    }
    return render(request, WRITERS, context)


@login_required
@require_POST
def note_writer_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    editor = selectors.note_editor_get_for_user(user=user, pk=pk)
    cohort = editor.cohort
    return write_and_redirect(
        request,
        lambda: services.note_editor_remove(actor=user, editor=editor),
        notice=_("They no longer write notes."),
        url=reverse(
            "community:note_writers", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        ),
        drop_fragment=True,
    )
