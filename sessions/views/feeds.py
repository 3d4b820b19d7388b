"""Calendar feed endpoints (a secret address, no login) and the pages that reset the secrets.

A feed answers 304 from its version alone (token lookup plus one aggregate query) when the
subscriber's If-None-Match (or If-Modified-Since) still matches; only a changed feed is
rendered. Unknown secrets are 404, as for any object the caller may not see.
"""

from __future__ import annotations

from calendar import timegm
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from core.errors import PermissionDeniedError
from labs.selectors import cohort_get_for_user
from members.models import User
from sessions import feeds
from sessions.selectors import feeds as selectors
from sessions.services.feeds import calendar_token_reset, cohort_calendar_token_reset

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll on their own schedule; five minutes keeps a shared cache from serving a
# stale feed for long, and "private" keeps the secret-addressed body out of shared caches.
CACHE_CONTROL = "private, max-age=300"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _set_headers(response: HttpResponse, version: selectors.FeedVersion) -> HttpResponse:
    response.headers["ETag"] = version.etag
    response.headers["Last-Modified"] = http_date(timegm(version.last_modified.utctimetuple()))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _with_extra_events(
    events: list[feeds.FeedEvent], owner: selectors.FeedOwner, now: datetime
) -> list[feeds.FeedEvent]:
    """The meetings with other apps' events (outside events and deadlines) among them, by
    start; a stable sort keeps the meetings' own order."""
    extra = selectors.feed_extra_events(owner=owner, now=now)
    if not extra:
        return events
    return sorted([*events, *extra], key=lambda event: event.starts_at)


def _serve(request: HttpRequest, owner: selectors.FeedOwner) -> HttpResponse:
    now = timezone.now()
    version = selectors.feed_version(owner=owner, now=now)
    conditional = get_conditional_response(
        request,
        etag=version.etag,
        last_modified=timegm(version.last_modified.utctimetuple()),
    )
    if conditional is not None:
        # 304 (or 412 for an If-Match): answered before a single meeting is read.
        return _set_headers(conditional, version)
    rows = selectors.feed_meeting_rows(owner=owner, now=now)
    with translation.override(owner.language):
        if owner.cohort is not None:
            cohort = owner.cohort
            name = _("Labmate · %(lab)s %(cohort)s") % {
                "lab": cohort.lab.name,
                "cohort": cohort.label,
            }
        else:
            name = _("Labmate · My meetings")
        body = feeds.feed_render(
            calendar=feeds.FeedCalendar(
                name=name,
                uid=feeds.feed_calendar_uid(kind=owner.kind, owner_id=owner.owner_id),
                timezone=timezone.get_default_timezone_name(),
            ),
            events=_with_extra_events(feeds.feed_events_from_rows(rows), owner, now),
            now=now,
        )
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response.headers["Content-Language"] = owner.language
    return _set_headers(response, version)


@require_safe
def calendar_member(request: HttpRequest, token: str) -> HttpResponse:
    """My meetings: those of the cohorts I am an active member of, 90 days back and ahead."""
    return _serve(request, selectors.feed_owner_for_member_token(token=token))


@require_safe
def calendar_cohort(request: HttpRequest, token: str) -> HttpResponse:
    """One cohort's meetings, worded in the language of the request (Korean by default)."""
    language = translation.get_language() or "ko"
    return _serve(request, selectors.feed_owner_for_cohort_token(token=token, language=language))


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """A new secret for my personal feed; the old address stops working."""
    calendar_token_reset(actor=_user(request))
    messages.success(
        request,
        _(
            "Your calendar address was reset. The old address no longer works: "
            "subscribe again with the new one."
        ),
    )
    return _redirect(request, reverse("members:settings") + "#calendar")


@login_required
@require_POST
def cohort_calendar_reset(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A new secret for a cohort's feed (its managers); members must subscribe again."""
    user = _user(request)
    cohort = cohort_get_for_user(user=user, slug=slug, number=number)
    try:
        cohort_calendar_token_reset(actor=user, cohort=cohort)
    except PermissionDeniedError as exc:
        return render(request, "labs/forbidden.html", {"message": exc.message}, status=403)
    messages.success(
        request,
        _(
            "The cohort's calendar address was reset. Members must subscribe again with "
            "the new address."
        ),
    )
    return _redirect(request, cohort.get_absolute_url() + "#calendar")
