"""members.middleware: Korean first, the member's language and time zone when logged in."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation

from members.middleware import MemberPreferencesMiddleware


def _capture(request):
    response = HttpResponse()
    response.seen = (translation.get_language(), timezone.get_current_timezone_name())
    return response


def _run(request):
    return MemberPreferencesMiddleware(_capture)(request)


def test_anonymous_gets_korean_even_with_english_browser(rf: RequestFactory):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    request.user = AnonymousUser()

    response = _run(request)

    assert response.seen == ("ko", "Asia/Seoul")
    assert response["Content-Language"] == "ko"


def test_anonymous_language_cookie_switches_to_english(rf: RequestFactory):
    request = rf.get("/")
    request.COOKIES["django_language"] = "en"
    request.user = AnonymousUser()

    assert _run(request).seen == ("en", "Asia/Seoul")


def test_time_zone_reset_after_request(world, rf: RequestFactory):
    profile = world.member.profile
    profile.timezone = "America/New_York"
    profile.save()
    request = rf.get("/")
    request.user = world.member
    _run(request)
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()

    assert _run(anonymous).seen == ("ko", "Asia/Seoul")


def test_member_language_and_timezone_come_from_profile(world, rf: RequestFactory):
    profile = world.member.profile
    profile.language, profile.timezone = "en", "Europe/Berlin"
    profile.save()
    request = rf.get("/")
    request.COOKIES["django_language"] = "ko"
    request.user = world.member

    response = _run(request)

    assert response.seen == ("en", "Europe/Berlin")
