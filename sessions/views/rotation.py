"""The rotation page: leaders preview fair presenters for the next meetings, then apply them.

Visibility comes from the gatekeeper (outsiders get 404), the rules from
sessions.services.rotation. The apply form carries the preview's fingerprint and picks, so
what the leader saw is what gets written, or nothing when the board changed meanwhile.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.models import Cohort
from labs.selectors import cohort_get_with_access_for_user
from members.models import User
from sessions.services.rotation import (
    DEFAULT_MEETINGS_AHEAD,
    MAX_MEETINGS_AHEAD,
    rotation_apply,
    rotation_preview,
)

TEMPLATE = "sessions/rotation.html"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _int(value: str | None, default: int | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else default


def _page_url(cohort: Cohort, ahead: int) -> str:
    url = reverse("sessions:rotation", kwargs={"slug": cohort.lab.slug, "number": cohort.number})
    return f"{url}?{urlencode({'ahead': ahead})}"


def _render(
    request: HttpRequest,
    user: User,
    cohort: Cohort,
    *,
    ahead: int,
    seed: int | None,
    error: str | None = None,
    notice: str | None = None,
) -> HttpResponse:
    try:
        preview = rotation_preview(actor=user, cohort=cohort, meetings_ahead=ahead, seed=seed)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        # A horizon or seed out of range (typed into the address): say so, show the default.
        error = exc.message
        ahead = DEFAULT_MEETINGS_AHEAD
        preview = rotation_preview(actor=user, cohort=cohort, meetings_ahead=ahead)
    context: dict[str, Any] = {
        "lab": cohort.lab,
        "cohort": cohort,
        "preview": preview,
        "ahead": ahead,
        "ahead_choices": range(1, MAX_MEETINGS_AHEAD + 1),
        "error": error,
        "notice": notice,
    }
    return render(request, template_for(request, TEMPLATE, "preview"), context)


@login_required
@require_GET
def rotation(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _forbidden(request, _("Only leaders and facilitators can run the rotation."))
    ahead = _int(request.GET.get("ahead"), DEFAULT_MEETINGS_AHEAD) or 0
    return _render(request, user, cohort, ahead=ahead, seed=_int(request.GET.get("seed"), None))


def _picks(request: HttpRequest) -> list[tuple[int, int]] | None:
    """The apply form's `pick` inputs, "<slot id>:<member id>"; None when one is malformed."""
    picks = []
    for raw in request.POST.getlist("pick"):
        slot, _sep, member = raw.partition(":")
        if not (slot.isdigit() and member.isdigit()):
            return None
        picks.append((int(slot), int(member)))
    return picks


@login_required
@require_POST
def rotation_apply_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _forbidden(request, _("Only leaders and facilitators can run the rotation."))
    ahead = _int(request.POST.get("ahead"), DEFAULT_MEETINGS_AHEAD) or 0
    seed = _int(request.POST.get("seed"), None)
    picks = _picks(request)
    if picks is None:
        return _render(
            request, user, cohort, ahead=ahead, seed=seed, error=_("These picks are not valid.")
        )
    try:
        created = rotation_apply(
            actor=user,
            cohort=cohort,
            preview_fingerprint=request.POST.get("fingerprint", ""),
            picks=picks,
        )
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        # The board changed (or a pick broke a rule): show why, with a fresh preview.
        return _render(request, user, cohort, ahead=ahead, seed=seed, error=exc.message)
    notice = ngettext(
        "Assigned %(count)d presenter.", "Assigned %(count)d presenters.", len(created)
    ) % {"count": len(created)}
    if getattr(request, "htmx", False):
        return _render(request, user, cohort, ahead=ahead, seed=seed, notice=notice)
    messages.success(request, notice)
    return redirect(_page_url(cohort, ahead))
