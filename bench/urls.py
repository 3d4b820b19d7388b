"""URLs of the bench process: the app's own, plus the stack-floor endpoint (never deployed)."""

from __future__ import annotations

from django.urls import include, path

from bench.feeds import public_floor_view
from bench.measure import stack_floor_view

urlpatterns = [
    path("__bench__/floor/<str:name>/", stack_floor_view, name="bench-floor"),
    # Calendar feeds are fetched without a session: their stack floor needs no login.
    path("__bench__/public-floor/<str:name>/", public_floor_view, name="bench-public-floor"),
    # The app's own URLs, unchanged: their namespaces (labs:, api:, members:) still reverse.
    path("", include("config.urls")),
]
