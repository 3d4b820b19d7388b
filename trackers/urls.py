"""URLs of the trackers pages (namespace "trackers"): the coding-test study and the interview
study, each from its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from trackers import urls_coding as coding
from trackers import urls_interview as interview

app_name = "trackers"

urlpatterns: list[URLPattern | URLResolver] = [*coding.urlpatterns, *interview.urlpatterns]
