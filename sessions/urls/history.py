"""URLs of a member's presentation history and the lab's presentation archive."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import history as views

urlpatterns: list[URLPattern] = [
    path(
        "labs/<slug:slug>/members/<int:user_id>/presentations/",
        views.member_history,
        name="member_history",
    ),
    path("labs/<slug:slug>/archive/", views.archive, name="archive"),
]
