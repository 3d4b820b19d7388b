"""URLs of the community pages (namespace "community"): showcase and recruiting, meeting
notes, guest talks, outside events and deadlines."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from community.views import events, notes, recruiting, showcase, talks

app_name = "community"

urlpatterns: list[URLPattern | URLResolver] = [
    # Showcase and recruiting (the showcase, the listing and the form are public).
    path("recruiting/", recruiting.recruiting, name="recruiting"),
    path("labs/<slug:slug>/showcase/", showcase.showcase, name="showcase"),
    path("labs/<slug:slug>/showcase/edit/", showcase.showcase_edit, name="showcase_edit"),
    path(
        "labs/<slug:slug>/showcase/outputs/",
        showcase.showcase_output_add,
        name="showcase_output_add",
    ),
    path(
        "labs/<slug:slug>/showcase/outputs/<int:pk>/delete/",
        showcase.showcase_output_delete,
        name="showcase_output_delete",
    ),
    path("labs/<slug:slug>/showcase/me/", showcase.showcase_me, name="showcase_me"),
    path(
        "labs/<slug:slug>/<int:number>/recruitment/",
        recruiting.recruitment_edit,
        name="recruitment_edit",
    ),
    path(
        "labs/<slug:slug>/<int:number>/applications/",
        recruiting.applications,
        name="applications",
    ),
    path("apply/<int:pk>/", recruiting.apply, name="apply"),
    path("applications/", recruiting.my_applications, name="my_applications"),
    path("applications/<int:pk>/decide/", recruiting.application_decide, name="application_decide"),
    path(
        "applications/<int:pk>/withdraw/",
        recruiting.application_withdraw,
        name="application_withdraw",
    ),
    # Meeting notes.
    path("meetings/<int:pk>/notes/", notes.meeting_notes, name="meeting_notes"),
    path("meetings/<int:pk>/notes/edit/", notes.meeting_notes_edit, name="meeting_notes_edit"),
    path("labs/<slug:slug>/notes/", notes.lab_notes, name="lab_notes"),
    path("labs/<slug:slug>/<int:number>/note-writers/", notes.note_writers, name="note_writers"),
    path("note-writers/<int:pk>/remove/", notes.note_writer_remove, name="note_writer_remove"),
    # Guest talks.
    path("labs/<slug:slug>/talks/", talks.talk_list, name="talks"),
    path("labs/<slug:slug>/talks/new/", talks.talk_create, name="talk_create"),
    path("talks/<int:pk>/", talks.talk_detail, name="talk_detail"),
    path("talks/<int:pk>/edit/", talks.talk_edit, name="talk_edit"),
    path("talks/<int:pk>/questions/", talks.talk_question_ask, name="talk_question_ask"),
    path("talk-questions/<int:pk>/vote/", talks.talk_question_vote, name="talk_question_vote"),
    path(
        "talk-questions/<int:pk>/answer/",
        talks.talk_question_answer,
        name="talk_question_answer",
    ),
    path(
        "talk-questions/<int:pk>/delete/",
        talks.talk_question_delete,
        name="talk_question_delete",
    ),
    # Outside events and deadlines.
    path("labs/<slug:slug>/events/", events.event_list, name="events"),
    path("labs/<slug:slug>/events/new/", events.event_create, name="event_create"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", events.event_delete, name="event_delete"),
]
