"""URLs of the notifications pages (namespace "notifications")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = []
