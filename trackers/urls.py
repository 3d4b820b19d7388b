"""URLs of the trackers pages (namespace "trackers")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "trackers"

urlpatterns: list[URLPattern | URLResolver] = []
