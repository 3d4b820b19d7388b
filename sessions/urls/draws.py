"""URLs of the draw pages: a cohort's draws, running one, and a draw's page."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import draws as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/<int:number>/draws/", views.draw_list, name="draws"),
    path("labs/<slug:slug>/<int:number>/draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
]
