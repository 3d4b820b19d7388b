"""Paper-review pages: the pool, the bid grid, the leaders' assignment and progress pages, and
each member's reviews with their write-ups.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
sessions.services.reviews, whose refusals are shown here. htmx swaps one region (a bid row,
a review card, the pool, the preview); every form also works as a plain POST.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.views_helpers import forbidden, is_htmx, request_user
from labs.forms import apply_application_error
from labs.models import Cohort, MembershipStatus
from labs.selectors import ViewerAccess, cohort_get_with_access_for_user, viewer_access_for_lab
from sessions.models import BidPreference, Paper, PaperStatus, ReviewStatus, Slot
from sessions.review_forms import (
    AssignForm,
    CapForm,
    PaperEditForm,
    PaperForm,
    PasteForm,
    ReviewSettingsForm,
    WriteupForm,
)
from sessions.selectors import reviews as selectors
from sessions.selectors.reviews import REVIEWER_ROLES
from sessions.services import reviews as services

POOL = "sessions/reviews_pool.html"
BIDS = "sessions/reviews_bids.html"
ASSIGN = "sessions/reviews_assign.html"
PROGRESS = "sessions/reviews_progress.html"
MINE = "sessions/reviews_mine.html"
PAPER_FORM = "sessions/reviews_paper_form.html"


def _url(name: str, cohort: Cohort) -> str:
    return reverse(f"sessions:{name}", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


def _write_and_return(
    request: HttpRequest,
    write: Callable[[], object],
    *,
    notice: str,
    url: str,
    refusal_page: bool = True,
) -> HttpResponse:
    """A plain POST's write: its refusal (or `notice`) is flashed on the page at `url`. A
    refusal of the role is a 403 page, unless the view has checked the role already."""
    try:
        write()
    except PermissionDeniedError as exc:
        if refusal_page:
            return forbidden(request, exc.message)
        messages.error(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, notice)
    return redirect(url)


def _is_reviewer(access: ViewerAccess, cohort: Cohort) -> bool:
    membership = access.my_membership(cohort)
    return (
        membership is not None
        and membership.status == MembershipStatus.ACTIVE
        and membership.role in REVIEWER_ROLES
    )


def _nav(cohort: Cohort, access: ViewerAccess) -> dict[str, Any]:
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "can_manage": access.can_manage(cohort),
        "is_reviewer": _is_reviewer(access, cohort),
        "pool_url": _url("reviews_pool", cohort),
        "bids_url": _url("reviews_bids", cohort),
        "mine_url": _url("reviews_mine", cohort),
        "assign_url": _url("reviews_assign", cohort),
        "progress_url": _url("reviews_progress", cohort),
    }


# --- the pool ----------------------------------------------------------------------------------


def _pool_response(
    request: HttpRequest,
    cohort: Cohort,
    access: ViewerAccess,
    *,
    add_form: PaperForm | None = None,
    paste_form: PasteForm | None = None,
    notice: str = "",
    report: services.ImportResult | None = None,
) -> HttpResponse:
    user = request_user(request)
    settings = selectors.review_settings_for(cohort=cohort)
    context = {
        **_nav(cohort, access),
        "settings": settings,
        "rows": selectors.paper_pool(cohort=cohort, user=user, settings=settings),
        "add_form": add_form or PaperForm(),
        "paste_form": paste_form or PasteForm(),
        "notice": notice,
        "report": report,
        "can_suggest": access.can_manage(cohort) or _is_reviewer(access, cohort),
    }
    return render(request, template_for(request, POOL, "pool"), context)


@login_required
@require_GET
def pool(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, access = cohort_get_with_access_for_user(
        user=request_user(request), slug=slug, number=number
    )
    return _pool_response(request, cohort, access)


def _pool_done(request: HttpRequest, cohort: Cohort, access: ViewerAccess, **kw: Any) -> Any:
    if is_htmx(request):
        return _pool_response(request, cohort, access, **kw)
    notice = kw.get("notice")
    if notice:
        messages.success(request, notice)
    report: services.ImportResult | None = kw.get("report")
    if report is not None:
        for line in [*report.problems, *_duplicate_lines(report)]:
            messages.warning(request, line)
    return redirect(_url("reviews_pool", cohort))


def _duplicate_lines(report: services.ImportResult) -> list[str]:
    if not report.duplicates:
        return []
    return [
        _("Already in the pool, skipped: %(titles)s") % {"titles": ", ".join(report.duplicates)}
    ]


@login_required
@require_POST
def paper_add(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    form = PaperForm(request.POST)
    if form.is_valid():
        try:
            paper = services.paper_create(
                actor=user, cohort=cohort, fields=form.fields_for_service()
            )
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            notice = _("Added “%(title)s” to the pool.") % {"title": paper.title}
            return _pool_done(request, cohort, access, notice=notice)
    return _pool_response(request, cohort, access, add_form=form)


@login_required
@require_POST
def paper_import(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    form = PasteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = services.papers_import(
                actor=user,
                cohort=cohort,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
            )
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            notice = ngettext(
                "Added %(count)d paper to the pool.",
                "Added %(count)d papers to the pool.",
                len(report.created),
            ) % {"count": len(report.created)}
            return _pool_done(request, cohort, access, notice=notice, report=report)
    return _pool_response(request, cohort, access, paste_form=form)


def _paper_choices(paper: Paper) -> dict[str, Any]:
    cohort = paper.cohort
    slots = (
        Slot.objects.filter(meeting__cohort=cohort)
        .select_related("meeting")
        .order_by("meeting__starts_at", "position", "id")
    )
    return {
        "members": selectors.reviewer_names_for_cohort(cohort=cohort),
        "slots": [
            (
                slot.pk,
                _("Meeting %(number)d · %(date)s · %(title)s")
                % {
                    "number": slot.meeting.number,
                    "date": timezone.localtime(slot.meeting.starts_at).date().isoformat(),
                    "title": slot.title,
                },
            )
            for slot in slots
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def paper_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    paper = selectors.paper_get_for_user(user=user, pk=pk)
    cohort = paper.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    if not access.can_manage(cohort):
        return forbidden(request, _("Only leaders and facilitators can change papers in the pool."))
    choices = _paper_choices(paper)
    if request.method == "POST":
        form = PaperEditForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            slot = Slot.objects.filter(pk=data["slot"]).select_related("meeting").first()
            try:
                services.paper_update(
                    actor=user,
                    paper=paper,
                    fields=form.fields_for_service(
                        track=data["track"],
                        reviews_needed=data["reviews_needed"],
                        member_author_ids=tuple(data["member_authors"]),
                    ),
                    status=data["status"],
                    slot=slot,
                    writeup_url=data["writeup_url"] or "",
                )
            except PermissionDeniedError as exc:
                return forbidden(request, exc.message)
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, _("Saved “%(title)s”.") % {"title": paper.title})
                return redirect(_url("reviews_pool", cohort))
    else:
        form = PaperEditForm(
            initial={
                "title": paper.title,
                "url": paper.url,
                "authors": paper.authors,
                "venue": paper.venue,
                "year": paper.year,
                "tags": ", ".join(paper.tags or []),
                "abstract": paper.abstract,
                "track": paper.track,
                "status": paper.status,
                "reviews_needed": paper.reviews_needed,
                "member_authors": list(paper.member_authors.values_list("pk", flat=True)),
                "slot": paper.slot_id,
                "writeup_url": paper.writeup_url,
            },
            **choices,
        )
    context = {**_nav(cohort, access), "paper": paper, "form": form}
    return render(request, template_for(request, PAPER_FORM, "form"), context)


@login_required
@require_POST
def paper_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    paper = selectors.paper_get_for_user(user=user, pk=pk)
    cohort = paper.cohort
    return _write_and_return(
        request,
        lambda: services.paper_delete(actor=user, paper=paper),
        notice=_("Removed “%(title)s” from the pool.") % {"title": paper.title},
        url=_url("reviews_pool", cohort),
    )


# --- bids ----------------------------------------------------------------------------------


def _bid_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in BidPreference.choices]


@login_required
@require_GET
def bids(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """My bids, one row per paper and one click per cell; leaders also see everyone's."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    can_manage = access.can_manage(cohort)
    context = {
        **_nav(cohort, access),
        "settings": selectors.review_settings_for(cohort=cohort),
        "grid": selectors.bid_grid(cohort=cohort, user=user, everyone=can_manage),
        "choices": _bid_choices(),
        "labels": dict(_bid_choices()),
    }
    return render(request, BIDS, context)


@login_required
@require_POST
def bid(request: HttpRequest, pk: int) -> HttpResponse:
    """Set (or, with an empty preference, take back) my bid on one paper."""
    user = request_user(request)
    paper = selectors.paper_get_for_user(user=user, pk=pk)
    cohort = paper.cohort
    preference = request.POST.get("preference", "")
    error = notice = ""
    try:
        services.bid_set(actor=user, paper=paper, preference=preference)
    except PermissionDeniedError as exc:
        if not is_htmx(request):
            return forbidden(request, exc.message)
        error = exc.message
    except ApplicationError as exc:
        error = exc.message
    else:
        notice = _("Saved.")
    if is_htmx(request):
        grid = selectors.bid_grid(cohort=cohort, user=user, everyone=False)
        row = next((item for item in grid.papers if item.id == paper.pk), None)
        context = {
            "lab": cohort.lab,
            "cohort": cohort,
            "row": row,
            "choices": _bid_choices(),
            "labels": dict(_bid_choices()),
            "is_reviewer": True,
            "settings": selectors.review_settings_for(cohort=cohort),
            "row_error": error,
            "row_notice": notice,
        }
        return render(request, f"{BIDS}#bid-row", context)
    if error:
        messages.error(request, error)
    return redirect(_url("reviews_bids", cohort) + f"#paper-{paper.pk}")


# --- the assignment (leaders) -----------------------------------------------------------------


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _assign_page_url(cohort: Cohort, *, seed: int | None = None, mode: str = "adjust") -> str:
    query = {"mode": mode} | ({"seed": str(seed)} if seed is not None else {})
    return f"{_url('reviews_assign', cohort)}?{urlencode(query)}"


def _assign_response(
    request: HttpRequest,
    cohort: Cohort,
    access: ViewerAccess,
    *,
    seed: int | None,
    mode: str,
    error: str = "",
    notice: str = "",
) -> HttpResponse:
    user = request_user(request)
    try:
        preview = services.review_assignment_preview(
            actor=user, cohort=cohort, seed=seed, mode=mode
        )
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        error = exc.message
        mode = "adjust"
        preview = services.review_assignment_preview(actor=user, cohort=cohort, mode=mode)
    settings = selectors.review_settings_for(cohort=cohort)
    reviewers = selectors.reviewer_rows_for_cohort(cohort=cohort)
    members = [(row["id"], row["name"]) for row in reviewers]
    context = {
        **_nav(cohort, access),
        "preview": preview,
        "mode": preview.mode,
        "error": error,
        "notice": notice,
        "settings_form": ReviewSettingsForm(
            initial={
                "reviews_per_paper": settings.reviews_per_paper,
                "load_cap": settings.load_cap,
                "due_days": settings.due_days,
                "bidding_open": settings.bidding_open,
            }
        ),
        "cap_form": CapForm(members=members),
        "caps": [row for row in reviewers if row["cap"] is not None],
        "settings": settings,
    }
    return render(request, template_for(request, ASSIGN, "preview"), context)


def _manager_cohort(
    request: HttpRequest, slug: str, number: int
) -> tuple[Cohort, ViewerAccess, HttpResponse | None]:
    cohort, access = cohort_get_with_access_for_user(
        user=request_user(request), slug=slug, number=number
    )
    if not access.can_manage(cohort):
        message = _("Only leaders and facilitators can run the review assignment.")
        return cohort, access, forbidden(request, message)
    return cohort, access, None


@login_required
@require_GET
def assign(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    mode = request.GET.get("mode", "adjust")
    return _assign_response(request, cohort, access, seed=_int(request.GET.get("seed")), mode=mode)


def _pairs(request: HttpRequest) -> list[tuple[int, int]] | None:
    """The apply form's `pair` inputs, "<paper id>:<member id>"; None when one is malformed."""
    pairs = []
    for raw in request.POST.getlist("pair"):
        paper, _sep, member = raw.partition(":")
        if not (paper.isdigit() and member.isdigit()):
            return None
        pairs.append((int(paper), int(member)))
    return pairs


@login_required
@require_POST
def assign_apply(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    user = request_user(request)
    seed = _int(request.POST.get("seed"))
    mode = request.POST.get("mode", "adjust")
    pairs = _pairs(request)
    if pairs is None:
        error = _("These pairs are not valid.")
        return _assign_response(request, cohort, access, seed=seed, mode=mode, error=error)
    try:
        result = services.review_assignment_apply(
            actor=user,
            cohort=cohort,
            preview_fingerprint=request.POST.get("fingerprint", ""),
            pairs=pairs,
            mode=mode,
        )
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        # Something changed (or a pair broke a rule): say so, with a fresh preview.
        return _assign_response(request, cohort, access, seed=seed, mode=mode, error=exc.message)
    notice = ngettext(
        "Assigned %(count)d review; the reviewers have been told.",
        "Assigned %(count)d reviews; the reviewers have been told.",
        len(result.created),
    ) % {"count": len(result.created)}
    if result.removed:
        notice += " " + ngettext(
            "%(count)d not-started review was moved.",
            "%(count)d not-started reviews were moved.",
            result.removed,
        ) % {"count": result.removed}
    if is_htmx(request):
        return _assign_response(request, cohort, access, seed=seed, mode=mode, notice=notice)
    messages.success(request, notice)
    return redirect(_assign_page_url(cohort, seed=seed, mode=mode))


@login_required
@require_POST
def settings_save(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, _access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    form = ReviewSettingsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_url("reviews_assign", cohort))
    return _write_and_return(
        request,
        lambda: services.review_settings_update(
            actor=request_user(request), cohort=cohort, **form.cleaned_data
        ),
        notice=_("Review settings saved."),
        url=_url("reviews_assign", cohort),
        refusal_page=False,
    )


@login_required
@require_POST
def cap_save(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, _access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    form = CapForm(request.POST, members=selectors.reviewer_names_for_cohort(cohort=cohort))
    if not form.is_valid():
        messages.error(request, _("Choose a member and a number from 0 to 50."))
        return redirect(_url("reviews_assign", cohort))
    return _write_and_return(
        request,
        lambda: services.reviewer_cap_set(
            actor=request_user(request),
            cohort=cohort,
            user_id=form.cleaned_data["user"],
            cap=form.cleaned_data["cap"],
        ),
        notice=_("Load cap saved."),
        url=_url("reviews_assign", cohort),
        refusal_page=False,
    )


# --- progress (leaders) ---------------------------------------------------------------------


@login_required
@require_GET
def progress(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Per paper and per member: who reviews what, how far they are, what is overdue."""
    cohort, access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    settings = selectors.review_settings_for(cohort=cohort)
    report = selectors.review_progress(cohort=cohort, settings=settings, now=timezone.now())
    for paper in report.papers:
        for line in paper.reviews:
            line.reason["text"] = services.reason_text(line.reason)
    open_papers = [(p.id, p.title) for p in report.papers if p.status != PaperStatus.REVIEWED]
    members = [(m.id, m.name) for m in report.members]
    context = {
        **_nav(cohort, access),
        "report": report,
        "settings": settings,
        "assign_form": AssignForm(papers=open_papers, members=members),
    }
    return render(request, PROGRESS, context)


@login_required
@require_POST
def progress_assign(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, _access, refused = _manager_cohort(request, slug, number)
    if refused is not None:
        return refused
    user = request_user(request)
    papers = list(Paper.objects.filter(cohort=cohort).values_list("id", "title"))
    form = AssignForm(
        request.POST, papers=papers, members=selectors.reviewer_names_for_cohort(cohort=cohort)
    )
    if not form.is_valid():
        messages.error(request, _("Choose a paper and a member."))
        return redirect(_url("reviews_progress", cohort))
    paper = Paper.objects.select_related("cohort__lab").get(pk=form.cleaned_data["paper"])
    return _write_and_return(
        request,
        lambda: services.review_assign(
            actor=user, paper=paper, reviewer_id=form.cleaned_data["reviewer"]
        ),
        notice=_("Assigned; the reviewer has been told."),
        url=_url("reviews_progress", cohort),
        refusal_page=False,
    )


@login_required
@require_POST
def review_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    review = selectors.review_assignment_get_for_user(user=user, pk=pk)
    cohort = review.paper.cohort
    return _write_and_return(
        request,
        lambda: services.review_unassign(actor=user, review=review),
        notice=_("The review was taken back."),
        url=_url("reviews_progress", cohort),
    )


# --- my reviews ------------------------------------------------------------------------------


def _card_context(line: selectors.ReviewLine) -> dict[str, Any]:
    return {
        "line": line,
        "reason": services.reason_text(line.reason),
        "form": WriteupForm(
            initial={"writeup_url": line.writeup_url, "writeup_notes": line.writeup_notes},
            prefix=f"review-{line.id}",
        ),
    }


@login_required
@require_GET
def mine(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """My reviews in this cohort: due dates, why I got each, and the write-up forms."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    lines = selectors.review_lines_for_reviewer(cohort=cohort, user=user, now=timezone.now())
    context = {
        **_nav(cohort, access),
        "cards": [_card_context(line) for line in lines],
    }
    return render(request, MINE, context)


ACTIONS = {
    "save": None,
    "start": ReviewStatus.STARTED,
    "submit": ReviewStatus.SUBMITTED,
    "reopen": ReviewStatus.STARTED,
}


@login_required
@require_POST
def review_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer saves a write-up and/or moves the review on (start, submit, reopen)."""
    user = request_user(request)
    review = selectors.review_assignment_get_for_user(user=user, pk=pk)
    cohort = review.paper.cohort
    action = request.POST.get("action", "save")
    form = WriteupForm(request.POST, prefix=f"review-{review.pk}")
    error = notice = ""
    if action not in ACTIONS or not form.is_valid():
        error = _("Please correct the marked fields.")
    else:
        try:
            services.review_update(
                actor=user,
                review=review,
                status=ACTIONS[action],
                writeup_url=form.cleaned_data["writeup_url"],
                writeup_notes=form.cleaned_data["writeup_notes"],
            )
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            error = exc.message
            apply_application_error(form, exc)
        else:
            notice = {
                "submit": _("Submitted. Thank you!"),
                "start": _("Marked as in progress."),
                "reopen": _("Reopened."),
            }.get(action, _("Saved."))
    if is_htmx(request):
        line = next(
            item
            for item in selectors.review_lines_for_reviewer(
                cohort=cohort, user=user, now=timezone.now()
            )
            if item.id == review.pk
        )
        context = {
            "lab": cohort.lab,
            "cohort": cohort,
            "card": {**_card_context(line), **({"form": form} if error else {})},
            "card_error": error,
            "card_notice": notice,
        }
        return render(request, f"{MINE}#review-card", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_url("reviews_mine", cohort) + f"#review-{review.pk}")
