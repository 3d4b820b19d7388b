"""URLs of the community pages (namespace "community")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "community"

urlpatterns: list[URLPattern | URLResolver] = []
