"""The coding-test study (weekly problem sets, problems, solves) and the interview study
(weekly topics, questions with model answers, others' answers, practice marks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def _external_id() -> models.CharField[str | None, str | None]:
    # NULL means "none": unique constraints ignore NULLs, so many rows can have none.
    return models.CharField(_("external id"), max_length=120, null=True, blank=True)


class ProblemSet(TimeStampedModel):
    """The week's problems for a cohort's coding-test study."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="problem_sets")
    week = models.PositiveSmallIntegerField(_("week"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("problem set")
        verbose_name_plural = _("problem sets")
        ordering = ["cohort_id", "week", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "week"], name="problem_set_once_per_week"),
            models.CheckConstraint(
                condition=Q(week__gte=1, week__lte=200), name="problem_set_week_sane"
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="problem_set_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · W{self.week}"


class Platform(models.TextChoices):
    BAEKJOON = "baekjoon", _("Baekjoon")
    PROGRAMMERS = "programmers", _("Programmers")
    LEETCODE = "leetcode", _("LeetCode")
    OTHER = "other", _("Other")


class Problem(TimeStampedModel):
    problem_set = models.ForeignKey(ProblemSet, on_delete=models.CASCADE, related_name="problems")
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    # Baekjoon and Programmers use numbers, LeetCode a slug ("two-sum"); empty for "other".
    number = models.CharField(_("number"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500, blank=True)
    difficulty = models.CharField(_("difficulty"), max_length=40, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    external_id = _external_id()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["problem_set_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(platform__in=[c.value for c in Platform]), name="problem_platform_known"
            ),
            models.UniqueConstraint(
                fields=["problem_set", "platform", "number"],
                condition=~Q(number=""),
                name="problem_once_per_set",
            ),
            models.UniqueConstraint(
                fields=["problem_set", "external_id"], name="problem_external_id_unique_per_set"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SolveStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    SOLVED = "solved", _("Solved")
    STUCK = "stuck", _("Stuck")


class Solve(TimeStampedModel):
    """A member's progress on one problem: one row per (problem, member), made on first touch."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="solves")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="solves"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SolveStatus.choices, default=SolveStatus.NOT_STARTED
    )
    solution_url = models.URLField(_("solution link"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    presented = models.BooleanField(_("presented"), default=False)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    external_id = _external_id()

    class Meta:
        verbose_name = _("solve")
        verbose_name_plural = _("solves")
        constraints = [
            models.UniqueConstraint(fields=["problem", "user"], name="solve_one_per_member"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in SolveStatus]), name="solve_status_known"
            ),
            models.UniqueConstraint(
                fields=["problem", "external_id"], name="solve_external_id_unique_per_problem"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem} · {self.user} · {self.status}"


class InterviewTopic(TimeStampedModel):
    """The week's interview-study topic (e.g. "Gradient descent")."""

    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, related_name="interview_topics"
    )
    week = models.PositiveSmallIntegerField(_("week"))
    title = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("interview topic")
        verbose_name_plural = _("interview topics")
        ordering = ["cohort_id", "week", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "week", "title"], name="interview_topic_once_per_week"
            ),
            models.CheckConstraint(
                condition=Q(week__gte=1, week__lte=200), name="interview_topic_week_sane"
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="topic_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(TimeStampedModel):
    """A member's interview question with their model answer (Markdown) and references."""

    topic = models.ForeignKey(InterviewTopic, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_questions"
    )
    text = models.CharField(_("question"), max_length=1000)
    model_answer = models.TextField(_("model answer"), blank=True, max_length=20000)
    # One http(s) URL per item.
    reference_links = models.JSONField(_("reference links"), default=list, blank=True)
    external_id = _external_id()

    class Meta:
        verbose_name = _("interview question")
        verbose_name_plural = _("interview questions")
        ordering = ["topic_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "external_id"], name="question_external_id_unique_per_topic"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Answer(TimeStampedModel):
    """Another member's answer or comment on a question (Markdown)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_answers"
    )
    body = models.TextField(_("answer"), max_length=20000)
    external_id = _external_id()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "external_id"], name="answer_external_id_unique_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question} · {self.author}"


class Practice(TimeStampedModel):
    """A member practised a question; "draw a question" avoids recent ones."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="practices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    practised_at = models.DateTimeField(_("practised at"), db_index=True)

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="practice_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.question} · {self.user}"
