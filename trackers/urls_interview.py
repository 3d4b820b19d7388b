"""URLs of the interview study pages (included by trackers/urls.py, namespace "trackers")."""

from __future__ import annotations

from django.urls import URLPattern, path

from trackers.views import interview as views

urlpatterns: list[URLPattern] = [
    path(
        "labs/<slug:slug>/<int:number>/interview/", views.interview_topics, name="interview_topics"
    ),
    path(
        "labs/<slug:slug>/<int:number>/interview/new/",
        views.interview_topic_create_view,
        name="interview_topic_create",
    ),
    path(
        "labs/<slug:slug>/<int:number>/interview/import/",
        views.interview_import,
        name="interview_import",
    ),
    path(
        "labs/<slug:slug>/<int:number>/interview/import/<str:token>/",
        views.interview_import_preview,
        name="interview_import_preview",
    ),
    path("labs/<slug:slug>/interview/questions/", views.interview_bank, name="interview_bank"),
    path(
        "labs/<slug:slug>/interview/questions.csv",
        views.interview_bank_csv,
        name="interview_bank_csv",
    ),
    path("labs/<slug:slug>/interview/draw/", views.interview_draw, name="interview_draw"),
    path("interview/topics/<int:pk>/", views.interview_topic, name="interview_topic"),
    path(
        "interview/topics/<int:pk>/edit/", views.interview_topic_edit, name="interview_topic_edit"
    ),
    path(
        "interview/topics/<int:pk>/delete/",
        views.interview_topic_delete_view,
        name="interview_topic_delete",
    ),
    path(
        "interview/topics/<int:pk>/questions/new/",
        views.interview_question_create,
        name="interview_question_create",
    ),
    path("interview/questions/<int:pk>/", views.interview_question, name="interview_question"),
    path(
        "interview/questions/<int:pk>/edit/",
        views.interview_question_edit,
        name="interview_question_edit",
    ),
    path(
        "interview/questions/<int:pk>/delete/",
        views.interview_question_delete,
        name="interview_question_delete",
    ),
    path(
        "interview/questions/<int:pk>/practice/",
        views.interview_practice,
        name="interview_practice",
    ),
    path(
        "interview/questions/<int:pk>/answers/",
        views.interview_answer_create,
        name="interview_answer_create",
    ),
    path(
        "interview/answers/<int:pk>/edit/",
        views.interview_answer_edit,
        name="interview_answer_edit",
    ),
    path(
        "interview/answers/<int:pk>/delete/",
        views.interview_answer_delete,
        name="interview_answer_delete",
    ),
]
