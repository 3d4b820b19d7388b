"""URLs of the calendar feeds and of resetting their secret addresses."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import feeds as views

urlpatterns: list[URLPattern] = [
    path("calendar/cohort/<str:token>.ics", views.calendar_cohort, name="calendar_cohort"),
    path("calendar/<str:token>.ics", views.calendar_member, name="calendar_member"),
    path("settings/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path(
        "labs/<slug:slug>/<int:number>/calendar/reset/",
        views.cohort_calendar_reset,
        name="cohort_calendar_reset",
    ),
]
