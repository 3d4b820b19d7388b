"""The community app: lab showcase and recruiting, meeting notes, guest talks, outside events."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # Outside events join the calendar feeds and the reminders; meetings link their notes.
        from community import feeds, reminders
        from core.changes import feed_type, shows_member_name, track

        feeds.register()
        reminders.register()

        # The changes feed (GET /api/v1/changes/): notes, talks, questions and events are seen
        # by the lab's members. (Applications are not: only the applicant and deciders see them.)
        feed_type(
            "meeting_note",
            model="community.MeetingNote",
            viewset="community.api.MeetingNoteViewSet",
        )
        feed_type("talk", model="community.GuestTalk", viewset="community.api.GuestTalkViewSet")
        feed_type(
            "talk_question",
            model="community.TalkQuestion",
            viewset="community.api.TalkQuestionViewSet",
        )
        feed_type(
            "event", model="community.OutsideEvent", viewset="community.api.OutsideEventViewSet"
        )
        in_cohort = {"lab": "cohort__lab_id", "cohort": "cohort_id"}
        track("community.MeetingNote", object_type="meeting_note", **in_cohort)
        track("community.GuestTalk", object_type="talk", **in_cohort)
        track("community.TalkQuestion", object_type="talk_question", **in_cohort)
        track("community.OutsideEvent", object_type="event", **in_cohort)
        # A question's votes are part of the question as the API shows it (its vote_count).
        track(
            "community.TalkVote",
            object_type="talk_question",
            object="question_id",
            lab="question__cohort__lab_id",
            cohort="question__cohort_id",
        )
        shows_member_name("community.TalkQuestion", "author")  # its author_name
