"""URLs of the rotation page: preview fair presenters and apply them."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import rotation as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/<int:number>/rotation/", views.rotation, name="rotation"),
    path(
        "labs/<slug:slug>/<int:number>/rotation/apply/",
        views.rotation_apply_view,
        name="rotation_apply",
    ),
]
