"""Activates each member's language and time zone for the request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def _supported(language: Any) -> bool:
    return any(language == code for code, _name in settings.LANGUAGES)


def member_language(user: Any) -> str | None:
    """The language this signed-in member saved, if it is one Labmate speaks."""
    profile = getattr(user, "profile", None)
    language = getattr(profile, "language", None)
    return str(language) if _supported(language) else None


def member_zone(user: Any) -> zoneinfo.ZoneInfo | None:
    """The time zone this signed-in member saved (None: none, or not a known zone)."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    try:
        return zoneinfo.ZoneInfo(profile.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def request_language(request: HttpRequest) -> str:
    """Korean first: the member's saved choice, else the switch cookie, else Korean.

    Accept-Language is deliberately ignored; Labmate's audience writes Korean, and an
    English browser should not flip the interface for someone who never asked.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        language = member_language(user)
        if language is not None:
            return language
    cookie = request.COOKIES.get(LANGUAGE_COOKIE, "")
    return cookie if _supported(cookie) else settings.LANGUAGE_CODE


def activate_member_preferences(request: HttpRequest, user: Any) -> None:
    """Switch the rest of this request to `user`'s language and zone: for a member who is
    known only later in the request (an API token, see members.authentication). The
    middleware's overrides restore the previous ones when the request ends."""
    language = member_language(user)
    if language is not None:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    zone = member_zone(user)
    if zone is not None:
        timezone.activate(zone)


class MemberPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request_language(request)
        request.LANGUAGE_CODE = language
        user = getattr(request, "user", None)
        zone = member_zone(user) if user is not None and user.is_authenticated else None
        # override() restores the previous language and zone afterwards, so nothing leaks
        # into the next request served by this thread (or into code run after a test request).
        with translation.override(language), timezone.override(zone):
            response = self.get_response(request)
            # The request may have switched (a token's member): say what it answered in.
            language = translation.get_language() or language
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
