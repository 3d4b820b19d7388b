"""REST API for the interview study: `interview-topics/`, `questions/` (with practice marks and
"draw a question") and `answers/`.

Reads go through the trackers gatekeepers (an outsider gets 404), writes through
trackers.services.interview, which holds every rule (403: only managers change topics, only
authors change their questions and answers, leaders may delete them).
"""

from __future__ import annotations

import secrets
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    rows_for_list,
    validate_input,
)
from core.errors import ApplicationError
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.api import UNKNOWN_COHORT, VisiblePrimaryKeyField
from labs.models import Cohort
from labs.selectors import cohort_list_visible
from members.models import display_name_for
from trackers.models import Answer, InterviewTopic, Question
from trackers.selectors.interview import (
    DRAW_AVOID_DAYS,
    answer_list_visible,
    interview_lab_list_visible,
    interview_topic_list_visible,
    question_draw_for_user,
    question_list_visible,
    question_search,
    search_terms,
)
from trackers.services.interview import (
    MARKDOWN_MAX,
    QUESTION_TEXT_MAX,
    REFERENCE_LINKS_MAX,
    TOPIC_DESCRIPTION_MAX,
    TOPIC_TITLE_MAX,
    WEEK_MAX,
    WEEK_MIN,
    answer_create,
    answer_delete,
    answer_update,
    interview_topic_create,
    interview_topic_delete,
    interview_topic_update,
    practice_mark,
    practice_unmark,
    question_create,
    question_delete,
    question_update,
)

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
UNKNOWN_TOPIC = _lazy("No such topic.")
UNKNOWN_QUESTION = _lazy("No such question.")
AUTHOR_NAME_SOURCE = (display_name_for, ("author__email", "author__profile__display_name"))


# --- Output -------------------------------------------------------------------------------


class InterviewTopicSerializer(FastReadModelSerializer[InterviewTopic]):
    url = ObjectUrlField(view_name="api:interview-topic-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)

    class Meta:
        model = InterviewTopic
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "week",
            "title",
            "description",
            "due_at",
            "created_by",
        )
        read_only_fields = fields


class QuestionSerializer(FastReadModelSerializer[Question]):
    """A member's question with their model answer (Markdown source) and reference links."""

    url = ObjectUrlField(view_name="api:question-detail")
    cohort = serializers.PrimaryKeyRelatedField[Cohort](source="topic.cohort", read_only=True)
    lab_slug = serializers.CharField(source="topic.cohort.lab.slug", read_only=True)
    topic_title = serializers.CharField(source="topic.title", read_only=True)
    week = serializers.IntegerField(source="topic.week", read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    reference_links = serializers.ListField(child=serializers.URLField(), read_only=True)

    row_sources = {"author_name": AUTHOR_NAME_SOURCE}

    class Meta:
        model = Question
        fields = (
            *OBJECT_FIELDS,
            "topic",
            "cohort",
            "lab_slug",
            "topic_title",
            "week",
            "author",
            "author_name",
            "text",
            "model_answer",
            "reference_links",
        )
        read_only_fields = fields


class AnswerSerializer(FastReadModelSerializer[Answer]):
    url = ObjectUrlField(view_name="api:answer-detail")
    topic = serializers.PrimaryKeyRelatedField[InterviewTopic](
        source="question.topic", read_only=True
    )
    cohort = serializers.PrimaryKeyRelatedField[Cohort](
        source="question.topic.cohort", read_only=True
    )
    lab_slug = serializers.CharField(source="question.topic.cohort.lab.slug", read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    row_sources = {"author_name": AUTHOR_NAME_SOURCE}

    class Meta:
        model = Answer
        fields = (
            *OBJECT_FIELDS,
            "question",
            "topic",
            "cohort",
            "lab_slug",
            "author",
            "author_name",
            "body",
        )
        read_only_fields = fields


class QuestionPracticeSerializer(serializers.Serializer[Any]):
    question = serializers.IntegerField()
    practised_at = serializers.DateTimeField()


class QuestionDrawSerializer(serializers.Serializer[Any]):
    question = QuestionSerializer()
    fresh = serializers.BooleanField(
        help_text=_lazy(
            "False when you practised every candidate recently: then it is the one you "
            "practised longest ago."
        )
    )
    fresh_count = serializers.IntegerField()
    candidate_count = serializers.IntegerField()
    last_practised_at = serializers.DateTimeField(allow_null=True)
    seed = serializers.CharField()


# --- Input (shape only; the services decide the rest) -------------------------------------


def _external_id_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


class TopicUpdateSerializer(serializers.Serializer[Any]):
    week = serializers.IntegerField(min_value=WEEK_MIN, max_value=WEEK_MAX)
    title = serializers.CharField(max_length=TOPIC_TITLE_MAX)
    description = serializers.CharField(
        max_length=TOPIC_DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TopicCreateSerializer(TopicUpdateSerializer):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    external_id = _external_id_field()


class QuestionUpdateSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=QUESTION_TEXT_MAX)
    model_answer = serializers.CharField(
        max_length=MARKDOWN_MAX, required=False, allow_blank=True, default=""
    )
    reference_links = serializers.ListField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        max_length=REFERENCE_LINKS_MAX * 2,
        required=False,
        default=list,
        help_text=_lazy("Up to 10 http:// or https:// links."),
    )


class QuestionCreateSerializer(QuestionUpdateSerializer):
    topic = VisiblePrimaryKeyField(
        queryset=InterviewTopic.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_TOPIC, "incorrect_type": UNKNOWN_TOPIC},
    )
    external_id = _external_id_field()


class AnswerUpdateSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=MARKDOWN_MAX, help_text=_lazy("Markdown."))


class AnswerCreateSerializer(AnswerUpdateSerializer):
    question = VisiblePrimaryKeyField(
        queryset=Question.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_QUESTION, "incorrect_type": UNKNOWN_QUESTION},
    )
    external_id = _external_id_field()


# --- Filters ------------------------------------------------------------------------------


class InterviewTopicFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    week = django_filters.NumberFilter(field_name="week", label=_lazy("Week"))
    search = django_filters.CharFilter(method="filter_search", label=_lazy("Words in the title"))

    class Meta:
        model = InterviewTopic
        fields = ("lab", "cohort", "week", "search")

    def filter_search(
        self, queryset: QuerySet[InterviewTopic], name: str, value: str
    ) -> QuerySet[InterviewTopic]:
        for term in search_terms(value):
            queryset = queryset.filter(title__icontains=term)
        return queryset


class QuestionFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="topic__cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="topic__cohort_id", label=_lazy("Cohort id"))
    topic = django_filters.NumberFilter(field_name="topic_id", label=_lazy("Topic id"))
    author = django_filters.NumberFilter(field_name="author_id", label=_lazy("Author id"))
    search = django_filters.CharFilter(
        method="filter_search",
        label=_lazy("Words in the question, its model answer or its topic (Korean too)"),
    )

    class Meta:
        model = Question
        fields = ("lab", "cohort", "topic", "author", "search")

    def filter_search(
        self, queryset: QuerySet[Question], name: str, value: str
    ) -> QuerySet[Question]:
        return question_search(queryset, value)


class AnswerFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="question__topic__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(
        field_name="question__topic__cohort_id", label=_lazy("Cohort id")
    )
    topic = django_filters.NumberFilter(field_name="question__topic_id", label=_lazy("Topic id"))
    question = django_filters.NumberFilter(field_name="question_id", label=_lazy("Question id"))
    author = django_filters.NumberFilter(field_name="author_id", label=_lazy("Author id"))
    search = django_filters.CharFilter(method="filter_search", label=_lazy("Words in the answer"))

    class Meta:
        model = Answer
        fields = ("lab", "cohort", "topic", "question", "author", "search")

    def filter_search(self, queryset: QuerySet[Answer], name: str, value: str) -> QuerySet[Answer]:
        condition = Q()
        for term in search_terms(value):
            condition &= Q(body__icontains=term)
        return queryset.filter(condition)


# --- Viewsets -----------------------------------------------------------------------------


class InterviewTopicViewSet(
    ETagMixin, ExternalIdUpsertMixin, viewsets.ModelViewSet[InterviewTopic]
):
    """Weekly interview-study topics of your labs' cohorts. Filter with ?lab=<slug>,
    ?cohort=<id>, ?week=<n>, ?search=<words>. The cohort's leaders and facilitators (and the
    lab's leaders) create, change and delete them."""

    serializer_class = InterviewTopicSerializer
    filterset_class = InterviewTopicFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = TopicCreateSerializer

    def get_queryset(self) -> QuerySet[InterviewTopic, Any]:
        topics = limit_to_token_lab(
            interview_topic_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return rows_for_list(topics, self)

    @extend_schema(request=TopicCreateSerializer, responses={201: InterviewTopicSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a week's topic to a cohort you lead or facilitate."""
        user = request_user(request)
        cohorts = limit_to_token_lab(cohort_list_visible(user=user), request, "lab_id")
        data = validate_input(TopicCreateSerializer, request, context={"choices": cohorts})
        topic = interview_topic_create(actor=user, **data)
        return Response(self.get_serializer(topic).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TopicUpdateSerializer, responses=InterviewTopicSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a topic (the cohort's leaders and facilitators)."""
        return self._update(request, partial=False)

    @extend_schema(request=TopicUpdateSerializer, responses=InterviewTopicSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change some of a topic's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        topic = self.get_object()
        data = validate_input(TopicUpdateSerializer, request, partial=partial)
        current: dict[str, Any] = {
            "week": topic.week,
            "title": topic.title,
            "description": topic.description,
            "due_at": topic.due_at,
        }
        topic = interview_topic_update(actor=request_user(request), topic=topic, **(current | data))
        return Response(self.get_serializer(topic).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a topic with its questions and answers (leaders and facilitators)."""
        interview_topic_delete(actor=request_user(request), topic=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionViewSet(ETagMixin, ExternalIdUpsertMixin, viewsets.ModelViewSet[Question]):
    """Interview questions of your labs, across all their cohorts: the question bank. Filter
    with ?lab=<slug>, ?cohort=<id>, ?topic=<id>, ?author=<id>, ?search=<words> (question text,
    model answer and topic; Korean works). Active members of the topic's cohort post
    questions; only the author changes one; the author or the cohort's leaders delete it."""

    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    # External ids are unique per topic (the model's constraint).
    external_id_scope, external_id_scope_lookup = "topic", "topic_id"
    external_id_input = QuestionCreateSerializer

    def get_queryset(self) -> QuerySet[Question, Any]:
        questions = limit_to_token_lab(
            question_list_visible(user=self.request.user), self.request, "topic__cohort__lab_id"
        )
        return rows_for_list(questions, self)

    @extend_schema(request=QuestionCreateSerializer, responses={201: QuestionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Post a question with your model answer (Markdown) and reference links."""
        user = request_user(request)
        topics = limit_to_token_lab(
            interview_topic_list_visible(user=user), request, "cohort__lab_id"
        )
        data = validate_input(QuestionCreateSerializer, request, context={"choices": topics})
        question = question_create(actor=user, **data)
        return Response(self.get_serializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionUpdateSerializer, responses=QuestionSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change your own question."""
        return self._update(request, partial=False)

    @extend_schema(request=QuestionUpdateSerializer, responses=QuestionSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change some fields of your own question."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        question = self.get_object()
        data = validate_input(QuestionUpdateSerializer, request, partial=partial)
        current: dict[str, Any] = {
            "text": question.text,
            "model_answer": question.model_answer,
            "reference_links": list(question.reference_links or ()),
        }
        question = question_update(
            actor=request_user(request), question=question, **(current | data)
        )
        return Response(self.get_serializer(question).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a question with its answers (its author, or the cohort's leaders)."""
        question_delete(actor=request_user(request), question=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["POST"], request=None, responses=QuestionPracticeSerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def practice(self, request: Request, pk: str | None = None) -> Response:
        """POST: mark the question practised now (again moves the time). DELETE: unmark it."""
        question = self.get_object()
        user = request_user(request)
        if request.method == "DELETE":
            practice_unmark(actor=user, question=question)
            return Response(status=status.HTTP_204_NO_CONTENT)
        practice = practice_mark(actor=user, question=question)
        body = QuestionPracticeSerializer(
            {"question": question.pk, "practised_at": practice.practised_at}
        ).data
        return Response(body)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "lab", OpenApiTypes.STR, required=True, description=_lazy("Lab slug.")
            ),
            OpenApiParameter("topic", OpenApiTypes.INT, description=_lazy("Only this topic.")),
            OpenApiParameter("seed", OpenApiTypes.STR, description=_lazy("Repeat a draw.")),
        ],
        responses={200: QuestionDrawSerializer, 204: None},
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def draw(self, request: Request) -> Response:
        """Draw a question of a lab to practise, avoiding those you practised in the last
        14 days; when you practised them all, the one practised longest ago. 204: none."""
        user = request_user(request)
        labs = limit_to_token_lab(interview_lab_list_visible(user=user), request, "id")
        lab = labs.filter(slug=request.query_params.get("lab", "")).first()
        if lab is None:
            raise Http404
        topic_param = request.query_params.get("topic", "")
        topic_id = int(topic_param) if topic_param.isdigit() else None
        if topic_param and topic_id is None:
            raise ApplicationError(str(UNKNOWN_TOPIC), fields={"topic": [str(UNKNOWN_TOPIC)]})
        seed = request.query_params.get("seed", "")[:64] or secrets.token_hex(8)
        result = question_draw_for_user(
            lab=lab,
            user=user,
            seed=seed,
            now=timezone.now(),
            topic_id=topic_id,
            avoid_days=DRAW_AVOID_DAYS,
        )
        if result is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        context = self.get_serializer_context()
        body = {
            "question": QuestionSerializer(result.question, context=context).data,
            "fresh": result.choice.fresh,
            "fresh_count": result.choice.fresh_count,
            "candidate_count": result.choice.candidate_count,
            "last_practised_at": serializers.DateTimeField().to_representation(
                result.last_practised_at
            )
            if result.last_practised_at
            else None,
            "seed": seed,
        }
        return Response(body)


class AnswerViewSet(ETagMixin, ExternalIdUpsertMixin, viewsets.ModelViewSet[Answer]):
    """Answers and comments on interview questions. Filter with ?lab=<slug>, ?cohort=<id>,
    ?topic=<id>, ?question=<id>, ?author=<id>, ?search=<words>. Active members of the
    question's cohort answer; only the author changes an answer; the author or the cohort's
    leaders delete it."""

    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    external_id_scope, external_id_scope_lookup = "question", "question_id"
    external_id_input = AnswerCreateSerializer

    def get_queryset(self) -> QuerySet[Answer, Any]:
        answers = limit_to_token_lab(
            answer_list_visible(user=self.request.user),
            self.request,
            "question__topic__cohort__lab_id",
        )
        return rows_for_list(answers, self)

    @extend_schema(request=AnswerCreateSerializer, responses={201: AnswerSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer or comment on a question (Markdown)."""
        user = request_user(request)
        questions = limit_to_token_lab(
            question_list_visible(user=user), request, "topic__cohort__lab_id"
        )
        data = validate_input(AnswerCreateSerializer, request, context={"choices": questions})
        answer = answer_create(actor=user, **data)
        return Response(self.get_serializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerUpdateSerializer, responses=AnswerSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change your own answer."""
        return self._update(request)

    @extend_schema(request=AnswerUpdateSerializer, responses=AnswerSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change your own answer."""
        return self._update(request)

    def _update(self, request: Request) -> Response:
        answer = self.get_object()
        data = validate_input(AnswerUpdateSerializer, request)
        answer = answer_update(actor=request_user(request), answer=answer, body=data["body"])
        return Response(self.get_serializer(answer).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete an answer (its author, or the cohort's leaders)."""
        answer_delete(actor=request_user(request), answer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
