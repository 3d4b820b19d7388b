"""Page URLs for labs, cohorts, rosters, invitations and joining (names are a contract)."""

from __future__ import annotations

from django.urls import path

from labs import views

app_name = "labs"

urlpatterns = [
    path("", views.my_labs, name="my_labs"),
    path("labs/new/", views.lab_create, name="lab_create"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab_detail"),
    path("labs/<slug:slug>/edit/", views.lab_edit, name="lab_edit"),
    path("labs/<slug:slug>/cohorts/new/", views.cohort_create, name="cohort_create"),
    path("labs/<slug:slug>/<int:number>/", views.cohort_detail, name="cohort_detail"),
    path("labs/<slug:slug>/<int:number>/edit/", views.cohort_edit, name="cohort_edit"),
    path(
        "labs/<slug:slug>/<int:number>/roll-over/", views.cohort_roll_over, name="cohort_roll_over"
    ),
    path("labs/<slug:slug>/<int:number>/invitations/", views.invitations, name="invitations"),
    path(
        "labs/<slug:slug>/<int:number>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("memberships/<int:pk>/manage/", views.membership_manage, name="membership_manage"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("join/<str:token>/", views.join, name="join"),
]
