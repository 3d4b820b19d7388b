from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackersConfig(AppConfig):
    name = "trackers"
    verbose_name = _("Trackers")

    def ready(self) -> None:
        from core.changes import feed_type, shows_member_name, track

        # The changes feed (GET /api/v1/changes/): what each write shows up as, and who sees it.
        feed_type(
            "problem_set",
            model="trackers.ProblemSet",
            viewset="trackers.api.coding.ProblemSetViewSet",
        )
        feed_type("problem", model="trackers.Problem", viewset="trackers.api.coding.ProblemViewSet")
        feed_type("solve", model="trackers.Solve", viewset="trackers.api.coding.SolveViewSet")
        feed_type(
            "interview_topic",
            model="trackers.InterviewTopic",
            viewset="trackers.api.interview.InterviewTopicViewSet",
        )
        feed_type(
            "question", model="trackers.Question", viewset="trackers.api.interview.QuestionViewSet"
        )
        feed_type("answer", model="trackers.Answer", viewset="trackers.api.interview.AnswerViewSet")

        in_cohort = {"lab": "cohort__lab_id", "cohort": "cohort_id"}
        track("trackers.ProblemSet", object_type="problem_set", **in_cohort)
        track("trackers.InterviewTopic", object_type="interview_topic", **in_cohort)
        # A problem shows its set's week, a question its topic's title and week.
        track("trackers.ProblemSet", object_type="problem", object="problems__id", **in_cohort)
        track(
            "trackers.InterviewTopic", object_type="question", object="questions__id", **in_cohort
        )
        in_set = {"lab": "problem_set__cohort__lab_id", "cohort": "problem_set__cohort_id"}
        track("trackers.Problem", object_type="problem", **in_set)
        track(
            "trackers.Solve",
            object_type="solve",
            lab="problem__problem_set__cohort__lab_id",
            cohort="problem__problem_set__cohort_id",
        )
        track(
            "trackers.Question",
            object_type="question",
            lab="topic__cohort__lab_id",
            cohort="topic__cohort_id",
        )
        track(
            "trackers.Answer",
            object_type="answer",
            lab="question__topic__cohort__lab_id",
            cohort="question__topic__cohort_id",
        )
        # The API shows these members' names.
        shows_member_name("trackers.Solve", "user")
        shows_member_name("trackers.Question", "author")
        shows_member_name("trackers.Answer", "author")
