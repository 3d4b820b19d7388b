"""URLs of the date poll pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from sessions.views import polls as views

urlpatterns: list[URLPattern] = [
    path("labs/<slug:slug>/<int:number>/polls/", views.polls, name="polls"),
    path("labs/<slug:slug>/<int:number>/polls/new/", views.poll_create_view, name="poll_create"),
    path("polls/<int:pk>/", views.poll_detail, name="poll_detail"),
    path("polls/<int:pk>/vote/", views.poll_vote_view, name="poll_vote"),
    path("polls/<int:pk>/reuse-answers/", views.poll_copy_answers_view, name="poll_copy_answers"),
    path("polls/<int:pk>/schedule/", views.poll_to_meeting, name="poll_to_meeting"),
]
