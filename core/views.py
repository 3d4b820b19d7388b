"""Views that belong to no app: the health check and the boards as CSV for spreadsheets."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect

from core import sheets
from core.api import error_body
from core.spreadsheet import csv_response
from labs.selectors import cohort_get_for_user
from members.models import User


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for compose and load balancers: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a URL nothing answers: the API's error shape under /api/, else the page."""
    if request.path.startswith("/api/"):
        body = error_body("not_found", _("Not found."))
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception or Http404())


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required lets only members through"
    return user


def _zone(user: User) -> zoneinfo.ZoneInfo:
    profile = getattr(user, "profile", None)
    try:
        return zoneinfo.ZoneInfo(profile.timezone if profile else settings.TIME_ZONE)
    except zoneinfo.ZoneInfoNotFoundError:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _in_language(language: str, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows, worded (labels of choices) in `language`: they are read while the response
    streams, after the view (and its language) is gone."""
    with translation.override(language):
        yield from rows


@require_safe
def sheet_csv(request: HttpRequest, token: str, board: str) -> HttpResponseBase:
    """One board of the link's cohort as CSV, streamed; 404 for an unknown or dead link.

    No login (a spreadsheet's import sends no credentials): the secret is the key. Headers
    and dates are in the link owner's language and time zone.
    """
    chosen = sheets.board_get(board)
    link = sheets.sheet_link_resolve(token=token)
    owner = link.user
    profile = getattr(owner, "profile", None)
    language = profile.language if profile else settings.LANGUAGE_CODE
    with translation.override(language):
        header = [str(name) for name in chosen.header]
    rows = _in_language(language, chosen.rows(link.cohort, _zone(owner)))
    filename = f"{link.cohort.lab.slug}-{link.cohort.number}-{chosen.slug}.csv"
    response = csv_response(filename, header, rows)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


SHEETS_TEMPLATE = "core/sheet_links.html"


def _sheets_context(request: HttpRequest, cohort: Any, link: Any) -> dict[str, Any]:
    boards = []
    for board in sheets.available_boards():
        url = ""
        if link is not None:
            path = reverse("core:sheet_csv", kwargs={"token": link.token, "board": board.slug})
            url = request.build_absolute_uri(path)
        boards.append({"slug": board.slug, "title": board.title, "url": url})
    return {"lab": cohort.lab, "cohort": cohort, "link": link, "boards": boards}


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def sheet_links(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """My secret CSV addresses for this cohort's boards; POST makes them (lab members)."""
    user = _member(request)
    cohort = cohort_get_for_user(user=user, slug=slug, number=number)
    if request.method == "POST":
        sheets.sheet_link_create(actor=user, cohort=cohort)
        return redirect(reverse("core:sheet_links", args=[slug, number]))
    link = sheets.sheet_link_for(user=user, cohort=cohort)
    return render(request, SHEETS_TEMPLATE, _sheets_context(request, cohort, link))


@login_required
@require_POST
def sheet_link_reset(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A new secret; sheets importing the old addresses stop updating."""
    user = _member(request)
    cohort = cohort_get_for_user(user=user, slug=slug, number=number)
    sheets.sheet_link_reset(actor=user, cohort=cohort)
    messages.success(
        request, _("Your spreadsheet addresses were reset. The old ones no longer work.")
    )
    url = reverse("core:sheet_links", args=[slug, number])
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
