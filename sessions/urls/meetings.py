"""URLs of the schedule and meeting pages (names are a contract)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import meetings as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/<int:number>/schedule/", views.cohort_schedule, name="cohort_schedule"),
    path(
        "labs/<slug:slug>/<int:number>/schedule/series/new/",
        views.series_create,
        name="series_create",
    ),
    path(
        "labs/<slug:slug>/<int:number>/schedule/meetings/new/",
        views.meeting_create,
        name="meeting_create",
    ),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("series/<int:pk>/edit/", views.series_edit, name="series_edit"),
]
