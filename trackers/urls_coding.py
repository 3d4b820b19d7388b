"""URLs of the coding-test study pages: the board, problem sets and problems, solves, history,
CSV export and import."""

from __future__ import annotations

from django.urls import URLPattern, path

from trackers.views import coding as views

COHORT = "labs/<slug:slug>/<int:number>/coding/"

urlpatterns: list[URLPattern] = [
    path(COHORT, views.board, name="coding_board"),
    path(f"{COHORT}weeks/<int:week>/", views.board_week, name="coding_week"),
    path(f"{COHORT}all/", views.board_all, name="coding_all"),
    path(f"{COHORT}sets/new/", views.set_create, name="coding_set_create"),
    path(f"{COHORT}export.csv", views.export, name="coding_export"),
    path(f"{COHORT}feed/<str:key>.csv", views.feed, name="coding_feed"),
    path(f"{COHORT}import/", views.import_upload, name="coding_import"),
    path(f"{COHORT}import/<str:token>/", views.import_preview, name="coding_import_preview"),
    path(
        "labs/<slug:slug>/coding/members/<int:user_id>/",
        views.member_history,
        name="coding_member_history",
    ),
    path("coding/sets/<int:pk>/edit/", views.set_edit, name="coding_set_edit"),
    path("coding/sets/<int:pk>/delete/", views.set_delete, name="coding_set_delete"),
    path("coding/sets/<int:pk>/problems/new/", views.problem_create, name="coding_problem_create"),
    path("coding/problems/<int:pk>/", views.problem_detail, name="coding_problem"),
    path("coding/problems/<int:pk>/edit/", views.problem_edit, name="coding_problem_edit"),
    path("coding/problems/<int:pk>/delete/", views.problem_delete, name="coding_problem_delete"),
    path("coding/problems/<int:pk>/status/", views.cell, name="coding_cell"),
    path("coding/problems/<int:pk>/solve/", views.solve_save, name="coding_solve"),
]
