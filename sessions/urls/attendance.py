"""URLs of the RSVP and attendance pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import attendance as views

urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
]
