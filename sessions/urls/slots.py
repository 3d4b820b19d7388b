"""URLs of the presenters board and the slot actions."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import slots as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/<int:number>/board/", views.board, name="board"),
    path("labs/<slug:slug>/<int:number>/board/syllabus/", views.syllabus, name="slot_syllabus"),
    path("labs/<slug:slug>/<int:number>/board/away/", views.away_create, name="away_create"),
    path("away/<int:pk>/delete/", views.away_delete, name="away_delete"),
    path("meetings/<int:pk>/slots/new/", views.slot_create, name="slot_create"),
    path("slots/<int:pk>/edit/", views.slot_edit, name="slot_edit"),
    path("slots/<int:pk>/materials/", views.slot_materials, name="slot_materials"),
    path("slots/<int:pk>/delete/", views.slot_delete, name="slot_delete"),
    path("slots/<int:pk>/claim/", views.slot_claim, name="slot_claim"),
    path("slots/<int:pk>/release/", views.slot_release, name="slot_release"),
    path("slots/<int:pk>/waitlist/", views.slot_waitlist, name="slot_waitlist"),
    path("slots/<int:pk>/assign/", views.slot_assign, name="slot_assign"),
    path("slots/<int:pk>/unassign/", views.slot_unassign, name="slot_unassign"),
]
