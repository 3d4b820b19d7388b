"""Activates each member's language and time zone for the request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def request_language(request: HttpRequest) -> str:
    """Korean first: the member's saved choice, else the switch cookie, else Korean.

    Accept-Language is deliberately ignored; Labmate's audience writes Korean, and an
    English browser should not flip the interface for someone who never asked.
    """
    supported = {code for code, _ in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        profile = getattr(user, "profile", None)
        if profile is not None and profile.language in supported:
            return str(profile.language)
    cookie = request.COOKIES.get(LANGUAGE_COOKIE, "")
    return cookie if cookie in supported else settings.LANGUAGE_CODE


class MemberPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        request.LANGUAGE_CODE = language
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user and user.is_authenticated else None
        zone = None
        if profile is not None:
            try:
                zone = zoneinfo.ZoneInfo(profile.timezone)
            except zoneinfo.ZoneInfoNotFoundError:
                zone = None
        # override() restores the previous language and zone afterwards, so nothing leaks
        # into the next request served by this thread (or into code run after a test request).
        with translation.override(language), timezone.override(zone):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
