"""Page URLs of the core app: members' spreadsheet (CSV) links and the CSV addresses."""

from __future__ import annotations

from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("labs/<slug:slug>/<int:number>/sheets/", views.sheet_links, name="sheet_links"),
    path(
        "labs/<slug:slug>/<int:number>/sheets/reset/",
        views.sheet_link_reset,
        name="sheet_link_reset",
    ),
    path("sheets/<str:token>/<slug:board>.csv", views.sheet_csv, name="sheet_csv"),
]
