"""Pages of the "who presented what" history: a member's presentations across the lab's
cohorts, and the lab's archive of past presentations (search by title, filter by track and
cohort, 50 a page). Lab members only: anyone else gets 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.htmx import template_for
from labs.models import Lab
from labs.selectors import viewer_access_for_lab
from sessions.models import SlotKind
from sessions.selectors import history as selectors


def _lab_for_member(request: HttpRequest, slug: str) -> Lab:
    """The lab, if the viewer is one of its members (or a superuser); 404 otherwise, even
    for a public lab: presentation history is private to the lab."""
    try:
        lab = Lab.objects.get(slug=slug)
    except Lab.DoesNotExist:
        raise Http404 from None
    if not viewer_access_for_lab(user=request.user, lab=lab).can_view_private_lab:
        raise Http404
    return lab


@login_required
@require_GET
def member_history(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """Everything a member presented in every cohort of the lab, newest first."""
    lab = _lab_for_member(request, slug)
    member = selectors.lab_member_get(lab=lab, user_id=user_id)
    context = {
        "lab": lab,
        "member": member,
        "presentations": selectors.presentation_list_for_member(lab=lab, user=member),
    }
    return render(request, "sessions/history_member.html", context)


def _cohort_number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's past presentations; htmx asks for the results region alone."""
    lab = _lab_for_member(request, slug)
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in SlotKind.values else ""
    cohort_number = _cohort_number(request.GET.get("cohort"))
    slots = selectors.archive_slots(lab=lab, q=q, kind=kind, cohort_number=cohort_number)
    page = Paginator(slots, selectors.ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"q": q, "kind": kind, "cohort": cohort_number or ""}
    context = {
        "lab": lab,
        "page": page,
        "entries": selectors.archive_entries(list(page.object_list)),
        "q": q,
        "kind": kind,
        "cohort_number": cohort_number,
        "kinds": SlotKind.choices,
        "cohorts": selectors.cohort_choices_for_lab(lab=lab),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
    }
    return render(
        request, template_for(request, "sessions/history_archive.html", "results"), context
    )
