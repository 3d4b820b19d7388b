"""Paper pool, bids and review assignment pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sessions.views import reviews as views

COHORT = "labs/<slug:slug>/<int:number>"

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{COHORT}/papers/", views.pool, name="reviews_pool"),
    path(f"{COHORT}/papers/add/", views.paper_add, name="paper_add"),
    path(f"{COHORT}/papers/import/", views.paper_import, name="paper_import"),
    path(f"{COHORT}/papers/bids/", views.bids, name="reviews_bids"),
    path(f"{COHORT}/papers/assign/", views.assign, name="reviews_assign"),
    path(f"{COHORT}/papers/assign/apply/", views.assign_apply, name="reviews_apply"),
    path(f"{COHORT}/papers/settings/", views.settings_save, name="reviews_settings"),
    path(f"{COHORT}/papers/caps/", views.cap_save, name="reviews_cap"),
    path(f"{COHORT}/papers/progress/", views.progress, name="reviews_progress"),
    path(f"{COHORT}/papers/progress/assign/", views.progress_assign, name="reviews_hand_assign"),
    path(f"{COHORT}/reviews/", views.mine, name="reviews_mine"),
    path("papers/<int:pk>/edit/", views.paper_edit, name="paper_edit"),
    path("papers/<int:pk>/delete/", views.paper_delete, name="paper_delete"),
    path("papers/<int:pk>/bid/", views.bid, name="paper_bid"),
    path("reviews/<int:pk>/", views.review_update, name="review_update"),
    path("reviews/<int:pk>/unassign/", views.review_unassign, name="review_unassign"),
]
