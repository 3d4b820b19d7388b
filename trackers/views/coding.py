"""Pages of the coding-test study: the board (members x problems; one click per cell, swapped
by htmx, a plain form without JavaScript), problem sets and problems for leaders, a problem's
page with everyone's solves and one's own solve details, a member's history across cohorts,
CSV export (a download, and a secret read-only address a spreadsheet can import) and the CSV
import with its column-mapping and preview step.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
trackers.services.coding, whose refusals are shown here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.spreadsheet import csv_response
from core.views_helpers import (
    forbidden,
    is_active_member,
    is_htmx,
    request_user,
    safe_next,
    submit_form,
    write_and_redirect,
)
from labs.forms import DateInput
from labs.models import Cohort, Lab
from labs.selectors import ViewerAccess, cohort_get_with_access_for_user, viewer_access_for_lab
from members.models import User
from sessions.forms import DateTimeInput
from trackers import csv_import
from trackers.models import Platform, Problem, ProblemSet, SolveStatus
from trackers.selectors import coding as selectors
from trackers.services import coding as services
from trackers.views import imports

BOARD_TEMPLATE = "trackers/coding_board.html"
STATUS_MARKS: dict[str, str] = {
    SolveStatus.SOLVED: "✓",
    SolveStatus.STUCK: "△",
    SolveStatus.NOT_STARTED: "",
}


def board_url(cohort: Cohort, week: int | None = None) -> str:
    kwargs: dict[str, Any] = {"slug": cohort.lab.slug, "number": cohort.number}
    if week is None:
        return reverse("trackers:coding_board", kwargs=kwargs)
    return reverse("trackers:coding_week", kwargs={**kwargs, "week": week})


def feed_key(cohort: Cohort) -> str:
    """The secret of the cohort's read-only CSV address. Derived from the cohort's calendar
    secret, so resetting the calendar address also retires this one; a leaked calendar
    address does not reveal it."""
    value = f"{cohort.pk}:{cohort.calendar_token}"
    return salted_hmac("trackers.coding.board-csv", value, algorithm="sha256").hexdigest()[:40]


def _status_labels() -> dict[str, str]:
    """Each status's label and the cells' other words, translated once per request (not once
    per cell)."""
    labels = {value: str(label) for value, label in SolveStatus.choices}
    labels["mark_as"] = _("Mark as %(status)s")
    labels["best"] = _("Best:")
    return labels


# --- the board -----------------------------------------------------------------------------------


# One read-only cell per status; {0} is the member's id, {1} the problem's. The labels are
# escaped once per request. Built with str.format, not a template loop: a 40 x 50 board has
# 2,000 of them, and the template loop was four fifths of the page's time.
_CELL_HTML = '<td class="cell status-{status}" data-testid="cell-{{0}}-{{1}}">{inner}</td>'
_CELL_MARK = '<span aria-hidden="true">{mark}</span><span class="visually-hidden">{label}</span>'


def _cell_formats(labels: dict[str, str]) -> dict[str, str]:
    formats = {}
    for status in SolveStatus.values:
        label = labels[status]
        mark = STATUS_MARKS.get(status, "")
        inner = _CELL_MARK.format(mark=mark, label=escape(label)) if mark else ""
        formats[status] = _CELL_HTML.format(status=status, inner=inner)
    return formats


def _cells_html(row: selectors.BoardRow, formats: dict[str, str]) -> SafeString:
    """Someone else's row of cells, read-only: ✓ solved, △ stuck, empty for not started."""
    user_id = row.user_id
    return mark_safe(  # noqa: S308 -- fixed markup, integer ids and labels escaped above
        "".join(formats[cell.status].format(user_id, cell.problem_id) for cell in row.cells)
    )


def _board_context(
    request: HttpRequest, cohort: Cohort, access: ViewerAccess, board: selectors.CodingBoard
) -> dict[str, Any]:
    can_manage = access.can_manage(cohort)
    labels = _status_labels()
    scope = "all" if board.single is None else ""
    here = request.path
    week_short = pgettext("week, short", "W%(week)s")
    # A problem's page and its cell's form action, from one reversed prefix (50 columns).
    prefix = reverse("trackers:coding_problem", args=[0]).removesuffix("0/")
    columns = [
        {
            "problem": problem,
            "label": problem.label,
            "title": problem.title,
            "week_label": week_short % {"week": problem.week},
            "detail_url": f"{prefix}{problem.id}/",
            "toggle_url": f"{prefix}{problem.id}/status/",
        }
        for problem in board.problems
    ]
    my_row = board.my_row
    can_tick = is_active_member(access, cohort)
    formats = _cell_formats(labels)
    return {
        "sheet_rows": [
            (row, "" if row.is_me and can_tick else _cells_html(row, formats)) for row in board.rows
        ],
        "lab": cohort.lab,
        "cohort": cohort,
        "board": board,
        "columns": columns,
        "my_cells": (
            [
                _cell_context(cell, column, labels, scope=scope, next_url=here)
                for cell, column in zip(my_row.cells, columns, strict=True)
            ]
            if my_row and can_tick
            else []
        ),
        "marks": STATUS_MARKS,
        "labels": labels,
        "best_label": labels["best"],
        "can_manage": can_manage,
        "can_tick": can_tick,
        "board_url": here,
        "current_url": board_url(cohort),
        "all_url": reverse(
            "trackers:coding_all", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        ),
        "tabs": [
            {"tab": tab, "url": board_url(cohort, tab.week), "current": tab == board.single}
            for tab in board.tabs
        ]
        if board.tabs
        else [],
        # Each row's name links to the member's history: one reversed prefix, not one per row.
        "history_prefix": reverse(
            "trackers:coding_member_history",
            kwargs={"slug": cohort.lab.slug, "user_id": 0},
        ).removesuffix("0/"),
        "history_url": reverse(
            "trackers:coding_member_history",
            kwargs={"slug": cohort.lab.slug, "user_id": request_user(request).pk},
        ),
        "feed_url": request.build_absolute_uri(
            reverse(
                "trackers:coding_feed",
                kwargs={"slug": cohort.lab.slug, "number": cohort.number, "key": feed_key(cohort)},
            )
        )
        if can_tick or can_manage
        else "",
        "now": timezone.now(),
    }


def _cell_context(
    cell: selectors.BoardCell,
    column: dict[str, Any],
    labels: dict[str, str],
    *,
    scope: str,
    next_url: str,
    error: str = "",
) -> dict[str, Any]:
    label, next_label = labels[cell.status], labels[cell.next_status]
    return {
        "cell": cell,
        "toggle_url": column["toggle_url"],
        "mark": STATUS_MARKS.get(cell.status) or "·",
        "title": f"{column['title']}: {label} → {next_label}",
        # What a screen reader says: "BOJ 1931: Not started. Mark as Solved".
        "spoken": f"{column['label']}: {label}. {labels['mark_as'] % {'status': next_label}}",
        "scope": scope,
        "next_url": next_url,
        "error": error,
    }


def _render_board(
    request: HttpRequest,
    slug: str,
    number: int,
    *,
    week: int | None = None,
    all_weeks: bool = False,
) -> HttpResponse:
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    board = selectors.coding_board(cohort=cohort, viewer=user, week=week, all_weeks=all_weeks)
    context = _board_context(request, cohort, access, board)
    return render(request, template_for(request, BOARD_TEMPLATE, "board"), context)


@login_required
@require_GET
def board(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The board on the current week (the first set still open, else the latest)."""
    return _render_board(request, slug, number)


@login_required
@require_GET
def board_week(request: HttpRequest, slug: str, number: int, week: int) -> HttpResponse:
    """The board on one week (404 when the week has no set)."""
    return _render_board(request, slug, number, week=week)


@login_required
@require_GET
def board_all(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The board with every week's problems side by side, like the group's sheet."""
    return _render_board(request, slug, number, all_weeks=True)


@login_required
@require_POST
def cell(request: HttpRequest, pk: int) -> HttpResponse:
    """Set my status on a problem (one click on my board cell). htmx gets my cell back with my
    completion and streak swapped out of band; a plain POST goes back to the board."""
    user = request_user(request)
    problem = selectors.problem_get_for_user(user=user, pk=pk)
    cohort = problem.problem_set.cohort
    error = ""
    refused = False
    try:
        services.solve_set_status(
            actor=user, problem=problem, status=request.POST.get("status", "")
        )
    except ApplicationError as exc:
        error = exc.message
        refused = isinstance(exc, PermissionDeniedError)
    fallback = board_url(cohort, problem.problem_set.week)
    if not is_htmx(request):
        if refused:
            return forbidden(request, error)
        if error:
            messages.error(request, error)
        return redirect(safe_next(request, fallback))
    scope = "all" if request.POST.get("scope") == "all" else ""
    shown = (
        list(ProblemSet.objects.filter(cohort=cohort).values_list("id", flat=True))
        if scope
        else [problem.problem_set_id]
    )
    row = selectors.board_row_for_member(cohort=cohort, user=user, shown_set_ids=shown)
    mine = next(c for c in row.cells if c.problem_id == problem.pk)
    column = {
        "label": services.problem_label(problem),
        "title": problem.title,
        "toggle_url": reverse("trackers:coding_cell", args=[problem.pk]),
    }
    next_url = request.POST.get("next", "") or fallback
    labels = _status_labels()
    context = {
        "c": _cell_context(mine, column, labels, scope=scope, next_url=next_url, error=error),
        "row": row,
        "oob": True,
        "best_label": labels["best"],
    }
    return render(request, "trackers/coding_cell.html", context)


# --- problem sets and problems (leaders) -----------------------------------------------------


class ProblemSetForm(forms.Form):
    week = forms.IntegerField(label=_lazy("Week"), min_value=1, max_value=services.MAX_WEEK)
    title = forms.CharField(
        label=_lazy("Title"),
        required=False,
        max_length=services.TITLE_MAX_LENGTH,
        help_text=_lazy("Optional, e.g. “Greedy”."),
    )
    starts_on = forms.DateField(
        label=_lazy("Starts on"),
        required=False,
        widget=DateInput(),
        help_text=_lazy("Empty: the Monday of the cohort's week."),
    )
    due_at = forms.DateTimeField(
        label=_lazy("Due"),
        required=False,
        widget=DateTimeInput(),
        help_text=_lazy("Empty: Sunday 23:59 (Korea time) of that week."),
    )


def _apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template_for(request, template, "form"), context)


def _require_manager(request: HttpRequest, cohort: Cohort) -> HttpResponse | None:
    access = viewer_access_for_lab(user=request.user, lab=cohort.lab)
    if access.can_manage(cohort):
        return None
    return forbidden(
        request, _("Only the cohort's leaders and facilitators can manage problem sets.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Leaders open a week's problem set."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators can manage problem sets.")
        )
    next_week = (
        max(ProblemSet.objects.filter(cohort=cohort).values_list("week", flat=True), default=0) + 1
    )
    form = ProblemSetForm(
        request.POST if request.method == "POST" else None, initial={"week": next_week}
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.problem_set_create(actor=user, cohort=cohort, **data),
            success_url=lambda problem_set: board_url(cohort, problem_set.week),
            notice=_("Problem set opened."),
            show_errors=_apply_errors,
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "action": reverse("trackers:coding_set_create", kwargs={"slug": slug, "number": number}),
        "problem_set": None,
        "back_url": board_url(cohort),
    }
    return _form_page(request, "trackers/coding_set_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders change a set's week, title or dates."""
    user = request_user(request)
    problem_set = selectors.problem_set_get_for_user(user=user, pk=pk)
    cohort = problem_set.cohort
    refusal = _require_manager(request, cohort)
    if refusal is not None:
        return refusal
    due = timezone.localtime(problem_set.due_at).replace(second=0, microsecond=0)
    initial = {
        "week": problem_set.week,
        "title": problem_set.title,
        "starts_on": problem_set.starts_on,
        "due_at": due,
    }
    form = ProblemSetForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":

        def save(data: dict[str, Any]) -> ProblemSet:
            # An unchanged due keeps its seconds (the form shows minutes only).
            due_at = data["due_at"]
            if due_at is not None and due_at == due:
                due_at = problem_set.due_at
            return services.problem_set_update(
                actor=user,
                problem_set=problem_set,
                week=data["week"],
                title=data["title"],
                starts_on=data["starts_on"],
                due_at=due_at,
            )

        response = submit_form(
            request,
            form,
            save,
            success_url=lambda saved: board_url(cohort, saved.week),
            notice=_("Problem set saved."),
            show_errors=_apply_errors,
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "action": reverse("trackers:coding_set_edit", args=[problem_set.pk]),
        "problem_set": problem_set,
        "back_url": board_url(cohort, problem_set.week),
    }
    return _form_page(request, "trackers/coding_set_form.html", context)


@login_required
@require_POST
def set_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders delete a set with its problems and solves."""
    user = request_user(request)
    problem_set = selectors.problem_set_get_for_user(user=user, pk=pk)
    cohort = problem_set.cohort
    return write_and_redirect(
        request,
        lambda: services.problem_set_delete(actor=user, problem_set=problem_set),
        notice=_("Problem set deleted."),
        url=board_url(cohort),
    )


class ProblemForm(forms.Form):
    platform = forms.ChoiceField(label=_lazy("Platform"), choices=Platform.choices)
    number = forms.CharField(
        label=_lazy("Number"),
        required=False,
        max_length=services.NUMBER_MAX_LENGTH,
        help_text=_lazy("Baekjoon and Programmers: the number. LeetCode: the name in its URL."),
    )
    title = forms.CharField(
        label=_lazy("Title"),
        required=False,
        max_length=services.TITLE_MAX_LENGTH,
        help_text=_lazy("Empty: the platform and number."),
    )
    url = forms.URLField(
        label=_lazy("Link"),
        required=False,
        assume_scheme="https",
        max_length=services.URL_MAX_LENGTH,
        help_text=_lazy("Empty: built from the platform and number."),
    )
    difficulty = forms.CharField(
        label=_lazy("Difficulty"),
        required=False,
        max_length=services.DIFFICULTY_MAX_LENGTH,
        help_text=_lazy("e.g. Silver 2, Lv. 2, Medium"),
    )
    tags = forms.CharField(
        label=_lazy("Tags"),
        required=False,
        max_length=600,
        help_text=_lazy("Separated by commas, e.g. greedy, DP"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders add a problem to a set."""
    user = request_user(request)
    problem_set = selectors.problem_set_get_for_user(user=user, pk=pk)
    cohort = problem_set.cohort
    refusal = _require_manager(request, cohort)
    if refusal is not None:
        return refusal
    form = ProblemForm(
        request.POST if request.method == "POST" else None,
        initial={"platform": Platform.BAEKJOON},
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.problem_create(actor=user, problem_set=problem_set, **data),
            success_url=lambda _problem: board_url(cohort, problem_set.week),
            notice=_("Problem added."),
            show_errors=_apply_errors,
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "problem_set": problem_set,
        "problem": None,
        "action": reverse("trackers:coding_problem_create", args=[problem_set.pk]),
        "back_url": board_url(cohort, problem_set.week),
    }
    return _form_page(request, "trackers/coding_problem_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders change a problem."""
    user = request_user(request)
    problem = selectors.problem_get_for_user(user=user, pk=pk)
    problem_set = problem.problem_set
    cohort = problem_set.cohort
    refusal = _require_manager(request, cohort)
    if refusal is not None:
        return refusal
    initial = {
        "platform": problem.platform,
        "number": problem.number,
        "title": problem.title,
        "url": problem.url,
        "difficulty": problem.difficulty,
        "tags": ", ".join(problem.tags or []),
    }
    form = ProblemForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.problem_update(actor=user, problem=problem, **data),
            success_url=lambda saved: reverse("trackers:coding_problem", args=[saved.pk]),
            notice=_("Problem saved."),
            show_errors=_apply_errors,
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "problem_set": problem_set,
        "problem": problem,
        "action": reverse("trackers:coding_problem_edit", args=[problem.pk]),
        "back_url": reverse("trackers:coding_problem", args=[problem.pk]),
    }
    return _form_page(request, "trackers/coding_problem_form.html", context)


@login_required
@require_POST
def problem_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders delete a problem with everyone's solves of it."""
    user = request_user(request)
    problem = selectors.problem_get_for_user(user=user, pk=pk)
    cohort, week = problem.problem_set.cohort, problem.problem_set.week
    return write_and_redirect(
        request,
        lambda: services.problem_delete(actor=user, problem=problem),
        notice=_("Problem deleted."),
        url=board_url(cohort, week),
    )


# --- a problem and my solve of it ---------------------------------------------------------------


class SolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_lazy("Status"), choices=SolveStatus.choices, widget=forms.RadioSelect
    )
    solution_url = forms.URLField(
        label=_lazy("Solution link"),
        required=False,
        assume_scheme="https",
        max_length=services.URL_MAX_LENGTH,
        help_text=_lazy("Your code or write-up: GitHub, a gist, a blog post."),
    )
    language = forms.CharField(
        label=_lazy("Language"),
        required=False,
        max_length=services.LANGUAGE_MAX_LENGTH,
        help_text=_lazy("e.g. Python, C++, Java"),
    )
    notes = forms.CharField(
        label=_lazy("Notes"),
        required=False,
        max_length=services.NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_lazy("Markdown: your approach, what was tricky."),
    )
    presented = forms.BooleanField(label=_lazy("I presented this problem"), required=False)


def _problem_context(
    request: HttpRequest, problem: Problem, form: SolveForm | None
) -> dict[str, Any]:
    cohort = problem.problem_set.cohort
    access = viewer_access_for_lab(user=request.user, lab=cohort.lab)
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "problem": problem,
        "problem_set": problem.problem_set,
        "label": services.problem_label(problem),
        "rows": selectors.problem_solve_rows(problem=problem),
        "labels": _status_labels(),
        "marks": STATUS_MARKS,
        "form": form,
        "can_manage": access.can_manage(cohort),
        "can_tick": is_active_member(access, cohort),
        "back_url": board_url(cohort, problem.problem_set.week),
        "solve_action": reverse("trackers:coding_solve", args=[problem.pk]),
    }


def _solve_initial(problem: Problem, user: User) -> dict[str, Any]:
    solve = selectors.solve_for(problem=problem, user=user)
    if solve is None:
        return {"status": SolveStatus.NOT_STARTED}
    return {
        "status": solve.status,
        "solution_url": solve.solution_url,
        "language": solve.language,
        "notes": solve.notes,
        "presented": solve.presented,
    }


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A problem with each member's solve of it, and my own solve's form."""
    user = request_user(request)
    problem = selectors.problem_get_for_user(user=user, pk=pk)
    context = _problem_context(request, problem, None)
    if context["can_tick"]:
        context["form"] = SolveForm(initial=_solve_initial(problem, user))
    return render(request, "trackers/coding_problem.html", context)


@login_required
@require_POST
def solve_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save my solve's status and details (never anyone else's: there is no user field)."""
    user = request_user(request)
    problem = selectors.problem_get_for_user(user=user, pk=pk)
    form = SolveForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.solve_save(actor=user, problem=problem, **data),
        success_url=lambda _solve: reverse("trackers:coding_problem", args=[problem.pk]),
        notice=_("Your solve is saved."),
        show_errors=_apply_errors,
    )
    if response is not None:
        return response
    context = _problem_context(request, problem, form)
    if not context["can_tick"]:
        return forbidden(request, _("Only active members of this cohort can tick problems."))
    template = template_for(request, "trackers/coding_problem.html", "solve-form")
    return render(request, template, context)


# --- history -----------------------------------------------------------------------------------


@login_required
@require_GET
def member_history(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """A member's weeks in every cohort of the lab: solved, on time, presented, streaks.
    Lab members only (a public lab's visitors get 404 too)."""
    try:
        lab = Lab.objects.get(slug=slug)
    except Lab.DoesNotExist:
        raise Http404 from None
    if not viewer_access_for_lab(user=request.user, lab=lab).can_view_private_lab:
        raise Http404
    member = selectors.lab_member_get(lab=lab, user_id=user_id)
    context = {
        "lab": lab,
        "member": member,
        "is_me": member.pk == request.user.pk,
        "history": selectors.member_history(lab=lab, user=member),
    }
    return render(request, "trackers/coding_history.html", context)


# --- export ------------------------------------------------------------------------------------


def _export(cohort: Cohort, layout: str) -> StreamingHttpResponse:
    stem = f"{cohort.lab.slug}-{cohort.number}-coding"
    if layout == "sheet":
        header, rows = selectors.board_sheet(cohort=cohort)
        return csv_response(f"{stem}-board.csv", header, rows)
    return csv_response(
        f"{stem}-solves.csv", selectors.EXPORT_HEADER, selectors.board_export_rows(cohort=cohort)
    )


@login_required
@require_GET
def export(request: HttpRequest, slug: str, number: int) -> StreamingHttpResponse:
    """The board as CSV: every solve, one row per member and problem (what the import reads
    back), or with `?layout=sheet` one row per member and one column per problem."""
    cohort, _access = cohort_get_with_access_for_user(
        user=request_user(request), slug=slug, number=number
    )
    return _export(cohort, request.GET.get("layout", ""))


@require_GET
def feed(request: HttpRequest, slug: str, number: int, key: str) -> StreamingHttpResponse:
    """The same CSV at a secret read-only address, for a spreadsheet's IMPORTDATA (no login).
    A wrong key is a 404, like an unknown cohort."""
    cohort = Cohort.objects.select_related("lab").filter(lab__slug=slug, number=number).first()
    if cohort is None or not constant_time_compare(key, feed_key(cohort)):
        raise Http404
    return _export(cohort, request.GET.get("layout", ""))


# --- import ------------------------------------------------------------------------------------


class UploadForm(imports.CsvUploadForm):
    kind = forms.ChoiceField(
        label=_lazy("What the file holds"),
        choices=list(services.IMPORT_KINDS.items()),
        widget=forms.RadioSelect,
        initial="problems",
    )
    field_order = ("kind", "file")


def _import_scope(cohort: Cohort) -> str:
    return f"coding:{cohort.pk}"


def _import_urls(cohort: Cohort, token: str = "") -> dict[str, str]:
    kwargs = {"slug": cohort.lab.slug, "number": cohort.number}
    urls = {"upload_url": reverse("trackers:coding_import", kwargs=kwargs)}
    if token:
        urls["preview_url"] = reverse(
            "trackers:coding_import_preview", kwargs={**kwargs, "token": token}
        )
    return urls


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Step 1: choose what the file holds and upload it (leaders and facilitators)."""
    cohort, refusal = imports.importing_cohort(request, slug, number)
    if refusal is not None:
        return refusal
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    context = {
        "kinds": [
            (value, label, services.import_fields(value))
            for value, label in services.IMPORT_KINDS.items()
        ],
        "back_url": board_url(cohort),
        **_import_urls(cohort),
    }
    return imports.upload_page(
        request,
        cohort=cohort,
        form=form,
        scope=_import_scope(cohort),
        kind_of=lambda data: data["kind"],
        preview_url=lambda token: _import_urls(cohort, token)["preview_url"],
        context=context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, slug: str, number: int, token: str) -> HttpResponse:
    """Step 2: map the columns and preview; "Import" writes everything or nothing."""
    cohort, refusal = imports.importing_cohort(request, slug, number)
    if refusal is not None:
        return refusal
    user = request_user(request)
    return imports.preview_page(
        request,
        cohort=cohort,
        upload=csv_import.load_upload(token=token, user_id=user.pk, scope=_import_scope(cohort)),
        token=token,
        fields=lambda upload: services.import_fields(upload.kind),
        run=lambda upload, mapping, commit: services.coding_import(
            actor=user,
            cohort=cohort,
            kind=upload.kind,
            table=upload.table,
            mapping=mapping,
            commit=commit,
        ),
        kind_label=lambda upload: services.IMPORT_KINDS[upload.kind],
        upload_url=_import_urls(cohort)["upload_url"],
        done_url=board_url(cohort),
        context={"back_url": board_url(cohort), **_import_urls(cohort, token)},
    )
