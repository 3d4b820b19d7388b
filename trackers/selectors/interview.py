"""Reads for the interview study: visibility-scoped topics, questions and answers, the lab's
question bank (search and topic filter), and "draw a question" that avoids recent practice.

Every list here costs a fixed number of queries, whatever the number of rows. The draw's
choice itself (trackers.practice.choose_question) is a pure function of plain data, tested
without a database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from labs.models import Cohort, Lab
from labs.selectors import member_lab_ids
from trackers.models import Answer, InterviewTopic, Practice, Question
from trackers.practice import QuestionChoice, choose_question

# "Draw a question" skips what you practised within this many days, while anything is left.
DRAW_AVOID_DAYS = 14
BANK_PAGE_SIZE = 20
# A search box string becomes at most this many words (each must match).
SEARCH_MAX_TERMS = 8


# --- gatekeepers ---------------------------------------------------------------------------


def interview_lab_list_visible(*, user: Any) -> QuerySet[Lab]:
    """Labs whose interview study this user may read: the labs they belong to. (A public lab
    shows its name and cohorts to everyone, never its members' questions.)"""
    if user.is_superuser:
        return Lab.objects.all()
    if not user.is_authenticated:
        return Lab.objects.none()
    return Lab.objects.filter(id__in=member_lab_ids(user))


def interview_lab_get_for_user(*, user: Any, slug: str) -> Lab:
    try:
        return interview_lab_list_visible(user=user).get(slug=slug)
    except Lab.DoesNotExist:
        raise Http404 from None


def interview_topic_list_visible(*, user: Any) -> QuerySet[InterviewTopic]:
    """Topics of the labs this user belongs to (every cohort of them, past ones included)."""
    qs = InterviewTopic.objects.select_related("cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def interview_topic_get_for_user(*, user: Any, pk: int) -> InterviewTopic:
    try:
        return interview_topic_list_visible(user=user).get(pk=pk)
    except InterviewTopic.DoesNotExist:
        raise Http404 from None


def question_list_visible(*, user: Any) -> QuerySet[Question]:
    qs = Question.objects.select_related("topic__cohort__lab", "author__profile")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(topic__cohort__lab_id__in=member_lab_ids(user))


def question_get_for_user(*, user: Any, pk: int) -> Question:
    try:
        return question_list_visible(user=user).get(pk=pk)
    except Question.DoesNotExist:
        raise Http404 from None


def answer_list_visible(*, user: Any) -> QuerySet[Answer]:
    qs = Answer.objects.select_related("question__topic__cohort__lab", "author__profile")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(question__topic__cohort__lab_id__in=member_lab_ids(user))


def answer_get_for_user(*, user: Any, pk: int) -> Answer:
    try:
        return answer_list_visible(user=user).get(pk=pk)
    except Answer.DoesNotExist:
        raise Http404 from None


# --- pages ---------------------------------------------------------------------------------


def interview_topic_list_for_cohort(*, cohort: Cohort, user: Any) -> QuerySet[InterviewTopic]:
    """The cohort's topics by week, each with its question count and how many are mine."""
    return (
        InterviewTopic.objects.filter(cohort=cohort)
        .annotate(
            question_count=Count("questions"),
            my_question_count=Count("questions", filter=Q(questions__author_id=user.pk)),
        )
        .order_by("week", "id")
    )


def _my_practised_at(user: Any) -> Subquery:
    """When the user last marked the outer question practised (None: never)."""
    return Subquery(
        Practice.objects.filter(question=OuterRef("pk"), user_id=user.pk).values("practised_at")[
            :1
        ],
        output_field=DateTimeField(),
    )


def _count_per_question(model: type[Model]) -> Coalesce:
    """How many rows of `model` point at the outer question: a subquery, so two counts on one
    query never multiply each other's joins."""
    counts = (
        model._default_manager.filter(question=OuterRef("pk"))
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _with_practice(questions: QuerySet[Question], *, user: Any) -> QuerySet[Question]:
    """What the practice box shows: how many practised it, and when I last did."""
    return questions.annotate(
        practice_count=_count_per_question(Practice),
        my_practised_at=_my_practised_at(user),
    )


def _with_discussion(questions: QuerySet[Question], *, user: Any) -> QuerySet[Question]:
    """Authors, answers (with their authors), practice counts and my last practice: two queries
    for any number of questions and answers."""
    answers = Answer.objects.select_related("author__profile").order_by("created_at", "id")
    return _with_practice(questions.select_related("author__profile"), user=user).prefetch_related(
        Prefetch("answers", queryset=answers)
    )


def interview_topic_questions(*, topic: InterviewTopic, user: Any) -> list[Question]:
    """The topic page: its questions, oldest first, with everything the page shows."""
    questions = Question.objects.filter(topic=topic).order_by("created_at", "id")
    return list(_with_discussion(questions, user=user))


def question_get_for_page(*, user: Any, pk: int) -> Question:
    """One question with its topic, cohort, lab, answers and practice marks; 404 if invisible."""
    questions = question_list_visible(user=user).filter(pk=pk)
    question = _with_discussion(questions, user=user).first()
    if question is None:
        raise Http404
    return question


# --- the question bank ---------------------------------------------------------------------


def search_terms(text: str) -> list[str]:
    """The words of a search box, each to be found (case-insensitively) somewhere."""
    return text.split()[:SEARCH_MAX_TERMS]


def question_search(questions: QuerySet[Question], text: str) -> QuerySet[Question]:
    """Questions whose text, model answer or topic title contain every word of `text`.

    icontains is LIKE on SQLite and UPPER() LIKE UPPER() on PostgreSQL: both match Hangul
    substrings ("경사" finds "경사하강법"), and Django escapes % and _ in the words.
    """
    for term in search_terms(text):
        questions = questions.filter(
            Q(text__icontains=term)
            | Q(model_answer__icontains=term)
            | Q(topic__title__icontains=term)
        )
    return questions


def question_bank_for_lab(
    *, lab: Lab, user: Any, search: str = "", topic_id: int | None = None
) -> QuerySet[Question]:
    """Every question of every cohort of the lab, newest cohort first, then by week.

    One query per page (core.pagination.paginate skips the COUNT when one page holds all).
    """
    questions = (
        _with_practice(
            Question.objects.filter(topic__cohort__lab=lab).select_related(
                "topic__cohort", "author__profile"
            ),
            user=user,
        )
        .annotate(answer_count=_count_per_question(Answer))
        .order_by("-topic__cohort__number", "topic__week", "topic_id", "id")
    )
    if topic_id is not None:
        questions = questions.filter(topic_id=topic_id)
    return question_search(questions, search)


def question_bank_topics(*, lab: Lab) -> list[InterviewTopic]:
    """The lab's topics for the bank's filter, newest cohort first (one query)."""
    return list(
        InterviewTopic.objects.filter(cohort__lab=lab)
        .select_related("cohort")
        .order_by("-cohort__number", "week", "id")
    )


BANK_CSV_HEADER = (
    "cohort",
    "week",
    "topic",
    "question",
    "model_answer",
    "reference_links",
    "author",
    "created_at",
    "external_id",
)


def question_bank_csv_rows(
    *, lab: Lab, search: str = "", topic_id: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """The bank as spreadsheet rows (BANK_CSV_HEADER), streamed from one query.

    Links are one per line inside their cell; the author is the display name.
    """
    questions = Question.objects.filter(topic__cohort__lab=lab).order_by(
        "-topic__cohort__number", "topic__week", "topic_id", "id"
    )
    if topic_id is not None:
        questions = questions.filter(topic_id=topic_id)
    rows = question_search(questions, search).values_list(
        "topic__cohort__number",
        "topic__week",
        "topic__title",
        "text",
        "model_answer",
        "reference_links",
        "author__email",
        "author__profile__display_name",
        "created_at",
        "external_id",
    )
    for number, week, title, text, answer, links, email, name, created, external in rows.iterator(
        chunk_size=500
    ):
        yield (
            number,
            week,
            title,
            text,
            answer,
            "\n".join(str(link) for link in links or ()),
            name or email.split("@")[0],
            created.isoformat(),
            external or "",
        )


# --- draw a question -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DrawResult:
    question: Question
    choice: QuestionChoice
    last_practised_at: datetime | None


def question_draw_for_user(
    *,
    lab: Lab,
    user: Any,
    seed: str,
    now: datetime,
    topic_id: int | None = None,
    avoid_days: int = DRAW_AVOID_DAYS,
) -> DrawResult | None:
    """Draw a question of the lab (or of one topic) for this user to practise: three queries."""
    questions = Question.objects.filter(topic__cohort__lab=lab)
    practices = Practice.objects.filter(user_id=user.pk, question__topic__cohort__lab=lab)
    if topic_id is not None:
        questions = questions.filter(topic_id=topic_id)
        practices = practices.filter(question__topic_id=topic_id)
    candidates = list(questions.values_list("pk", flat=True))
    practised = dict(practices.values_list("question_id", "practised_at"))
    choice = choose_question(
        candidates, practised, now=now, avoid=timedelta(days=avoid_days), seed=seed
    )
    if choice is None:
        return None
    question = _with_practice(
        Question.objects.select_related("topic__cohort__lab", "author__profile").filter(
            pk=choice.question_id
        ),
        user=user,
    ).first()
    if question is None:  # deleted between the two reads
        return None
    return DrawResult(
        question=question, choice=choice, last_practised_at=practised.get(question.pk)
    )
