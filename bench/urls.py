"""URLs of the bench process: the app's own, plus the stack-floor endpoint (never deployed)."""

from __future__ import annotations

from django.urls import include, path

from bench.measure import stack_floor_view

urlpatterns = [
    path("__bench__/floor/<str:name>/", stack_floor_view, name="bench-floor"),
    # The app's own URLs, unchanged: their namespaces (labs:, api:, members:) still reverse.
    path("", include("config.urls")),
]
