"""REST API for the coding-test study: `problem-sets/`, `problems/` and `solves/`, each with
ETags (If-Match → 412) and `PUT …/external/<external_id>/` (an idempotent upsert for sync
clients; core.sync_api).

Reads go through the trackers gatekeepers (an outsider gets 404), writes through
trackers.services.coding, which holds every rule: leaders and facilitators manage sets and
problems (403 otherwise); members write only their own solves (there is no user field:
a solve is always the caller's; changing someone else's is 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ErrorResponseSerializer,
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    rows_for_list,
    validate_input,
)
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.api import UNKNOWN_COHORT, VisiblePrimaryKeyField
from labs.models import Cohort
from labs.selectors import cohort_list_visible
from members.models import display_name_for
from trackers.models import Platform, Problem, ProblemSet, Solve, SolveStatus
from trackers.selectors.coding import (
    problem_list_visible,
    problem_set_list_visible,
    solve_list_visible,
)
from trackers.services import coding as services

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
UNKNOWN_SET = _lazy("No such problem set.")
UNKNOWN_PROBLEM = _lazy("No such problem.")

_REFUSALS = {
    400: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}


def _tags(value: Any) -> list[str]:
    return list(value or [])


# --- output -----------------------------------------------------------------------------------


class ProblemSetSerializer(FastReadModelSerializer[ProblemSet]):
    url = ObjectUrlField(view_name="api:problem-set-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)

    class Meta:
        model = ProblemSet
        fields = (*OBJECT_FIELDS, "cohort", "lab_slug", "week", "title", "starts_on", "due_at")
        read_only_fields = fields


class ProblemSerializer(FastReadModelSerializer[Problem]):
    url = ObjectUrlField(view_name="api:problem-detail")
    cohort = serializers.PrimaryKeyRelatedField[Cohort](source="problem_set.cohort", read_only=True)
    week = serializers.IntegerField(source="problem_set.week", read_only=True)
    # The model's `url` is the problem's page on its platform: here `link`, since `url` is
    # the API object's own address, as on every object.
    link = serializers.URLField(source="url", read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    row_sources = {"tags": (_tags, ("tags",))}

    class Meta:
        model = Problem
        fields = (
            *OBJECT_FIELDS,
            "problem_set",
            "cohort",
            "week",
            "platform",
            "number",
            "title",
            "link",
            "difficulty",
            "tags",
            "position",
        )
        read_only_fields = fields


class SolveSerializer(FastReadModelSerializer[Solve]):
    url = ObjectUrlField(view_name="api:solve-detail")
    problem_set = serializers.PrimaryKeyRelatedField[ProblemSet](
        source="problem.problem_set", read_only=True
    )
    cohort = serializers.PrimaryKeyRelatedField[Cohort](
        source="problem.problem_set.cohort", read_only=True
    )
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    row_sources = {
        "display_name": (display_name_for, ("user__email", "user__profile__display_name"))
    }

    class Meta:
        model = Solve
        fields = (
            *OBJECT_FIELDS,
            "problem",
            "problem_set",
            "cohort",
            "user",
            "display_name",
            "status",
            "solution_url",
            "language",
            "notes",
            "presented",
            "solved_at",
        )
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------------


def _external_id_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


class ProblemSetUpdateSerializer(serializers.Serializer[Any]):
    week = serializers.IntegerField(min_value=1, max_value=services.MAX_WEEK)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Empty: the Monday of the cohort's week."),
    )
    due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Empty: Sunday 23:59:59 (Asia/Seoul) of the set's week."),
    )


class ProblemSetCreateSerializer(ProblemSetUpdateSerializer):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    external_id = _external_id_field()


class ProblemUpdateSerializer(serializers.Serializer[Any]):
    platform = serializers.ChoiceField(choices=Platform.choices)
    number = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("Baekjoon and Programmers: the number; LeetCode: the slug (two-sum)."),
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("Empty: the platform and number."),
    )
    link = serializers.URLField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("Empty: built from the platform and number."),
    )
    difficulty = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    position = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class ProblemCreateSerializer(ProblemUpdateSerializer):
    problem_set = VisiblePrimaryKeyField(
        queryset=ProblemSet.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_SET, "incorrect_type": UNKNOWN_SET},
    )
    external_id = _external_id_field()


class SolveUpdateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=SolveStatus.choices, default=SolveStatus.SOLVED)
    solution_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    language = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    presented = serializers.BooleanField(required=False, default=False)


class SolveCreateSerializer(SolveUpdateSerializer):
    problem = VisiblePrimaryKeyField(
        queryset=Problem.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_PROBLEM, "incorrect_type": UNKNOWN_PROBLEM},
    )
    external_id = _external_id_field()


# --- filters ----------------------------------------------------------------------------------


class ProblemSetFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    week = django_filters.NumberFilter(field_name="week")

    class Meta:
        model = ProblemSet
        fields = ("lab", "cohort", "week")


class ProblemFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="problem_set__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(
        field_name="problem_set__cohort_id", label=_lazy("Cohort id")
    )
    problem_set = django_filters.NumberFilter(
        field_name="problem_set_id", label=_lazy("Problem set id")
    )
    week = django_filters.NumberFilter(field_name="problem_set__week")
    platform = django_filters.ChoiceFilter(choices=Platform.choices)

    class Meta:
        model = Problem
        fields = ("lab", "cohort", "problem_set", "week", "platform")


class SolveFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="problem__problem_set__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(
        field_name="problem__problem_set__cohort_id", label=_lazy("Cohort id")
    )
    problem_set = django_filters.NumberFilter(
        field_name="problem__problem_set_id", label=_lazy("Problem set id")
    )
    problem = django_filters.NumberFilter(field_name="problem_id", label=_lazy("Problem id"))
    user = django_filters.NumberFilter(field_name="user_id", label=_lazy("User id"))
    status = django_filters.ChoiceFilter(choices=SolveStatus.choices)

    class Meta:
        model = Solve
        fields = ("lab", "cohort", "problem_set", "problem", "user", "status")


# --- viewsets ---------------------------------------------------------------------------------


def _cohorts(request: Request) -> QuerySet[Cohort]:
    return limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")


def _sets(request: Request) -> QuerySet[ProblemSet]:
    return limit_to_token_lab(
        problem_set_list_visible(user=request.user), request, "cohort__lab_id"
    )


def _problems(request: Request) -> QuerySet[Problem]:
    return limit_to_token_lab(
        problem_list_visible(user=request.user), request, "problem_set__cohort__lab_id"
    )


def _solves(request: Request) -> QuerySet[Solve]:
    return limit_to_token_lab(
        solve_list_visible(user=request.user), request, "problem__problem_set__cohort__lab_id"
    )


class _Base[M: Any](
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[M],
):
    """What the three viewsets share: ETags and the upsert by external id (core.sync_api),
    list and read of what `visible` lets the request see, and answering a write with the
    object as a read shows it."""

    visible: Callable[[Request], QuerySet[Any]]

    def get_queryset(self) -> QuerySet[Any, Any]:
        return rows_for_list(type(self).visible(self.request), self)

    def _fresh(self, obj: Any, status_code: int = status.HTTP_200_OK) -> Response:
        queryset = type(self).visible(self.request)
        return Response(self.get_serializer(queryset.get(pk=obj.pk)).data, status=status_code)


class ProblemSetViewSet(_Base[ProblemSet]):
    """Weekly problem sets of the cohorts of your labs. Filter with ?lab=<slug>, ?cohort=<id>,
    ?week=. The cohort's leaders and facilitators create, change and delete them."""

    serializer_class = ProblemSetSerializer
    filterset_class = ProblemSetFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = ProblemSetCreateSerializer

    visible = staticmethod(_sets)

    @extend_schema(
        request=ProblemSetCreateSerializer, responses={201: ProblemSetSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Open a week's set (409 week_taken when the week has one)."""
        data = validate_input(
            ProblemSetCreateSerializer, request, context={"choices": _cohorts(request)}
        )
        problem_set = services.problem_set_create(actor=request_user(request), **data)
        return self._fresh(problem_set, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProblemSetUpdateSerializer, responses={200: ProblemSetSerializer, **_REFUSALS}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a set's week, title and dates."""
        return self._update(request, partial=False)

    @extend_schema(
        request=ProblemSetUpdateSerializer, responses={200: ProblemSetSerializer, **_REFUSALS}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a set's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        problem_set = self.get_object()
        data = validate_input(ProblemSetUpdateSerializer, request, partial=partial)
        current = {
            "week": problem_set.week,
            "title": problem_set.title,
            "starts_on": problem_set.starts_on,
            "due_at": problem_set.due_at,
        }
        problem_set = services.problem_set_update(
            actor=request_user(request), problem_set=problem_set, **(current | data)
        )
        return self._fresh(problem_set)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a set with its problems and everyone's solves of them."""
        services.problem_set_delete(actor=request_user(request), problem_set=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _problem_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    fields["url"] = fields.pop("link", "")
    return fields


class ProblemViewSet(_Base[Problem]):
    """Problems of the weekly sets, with their platform, number, link, difficulty and tags.
    Filter with ?lab=<slug>, ?cohort=<id>, ?problem_set=<id>, ?week=, ?platform=. The cohort's
    leaders and facilitators add, change and delete them; the link is built from the platform
    and number when not given."""

    serializer_class = ProblemSerializer
    filterset_class = ProblemFilter
    external_id_scope, external_id_scope_lookup = "problem_set", "problem_set_id"
    external_id_input = ProblemCreateSerializer

    visible = staticmethod(_problems)

    @extend_schema(request=ProblemCreateSerializer, responses={201: ProblemSerializer, **_REFUSALS})
    def create(self, request: Request) -> Response:
        """Add a problem to a set (409 problem_exists when the set has it)."""
        data = validate_input(ProblemCreateSerializer, request, context={"choices": _sets(request)})
        problem = services.problem_create(actor=request_user(request), **_problem_fields(data))
        return self._fresh(problem, status.HTTP_201_CREATED)

    @extend_schema(request=ProblemUpdateSerializer, responses={200: ProblemSerializer, **_REFUSALS})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a problem."""
        return self._update(request, partial=False)

    @extend_schema(request=ProblemUpdateSerializer, responses={200: ProblemSerializer, **_REFUSALS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a problem's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        problem = self.get_object()
        data = validate_input(ProblemUpdateSerializer, request, partial=partial)
        current = {
            "platform": problem.platform,
            "number": problem.number,
            "title": problem.title,
            "url": problem.url,
            "difficulty": problem.difficulty,
            "tags": problem.tags,
        }
        problem = services.problem_update(
            actor=request_user(request), problem=problem, **(current | _problem_fields(data))
        )
        return self._fresh(problem)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a problem with everyone's solves of it."""
        services.problem_delete(actor=request_user(request), problem=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SolveViewSet(_Base[Solve]):
    """Members' solves: status, solution link, language, notes, presented. Filter with
    ?lab=<slug>, ?cohort=<id>, ?problem_set=<id>, ?problem=<id>, ?user=<id>, ?status=.
    You write only your own: POST creates or updates your solve of a problem (201 / 200);
    changing or deleting someone else's is 403. An external id is unique per problem."""

    serializer_class = SolveSerializer
    filterset_class = SolveFilter
    external_id_scope, external_id_scope_lookup = "problem", "problem_id"
    external_id_input = SolveCreateSerializer

    visible = staticmethod(_solves)

    @extend_schema(
        request=SolveCreateSerializer,
        responses={200: SolveSerializer, 201: SolveSerializer, **_REFUSALS},
    )
    def create(self, request: Request) -> Response:
        """Save your own solve of a problem (403 when you are not an active member of its
        cohort)."""
        user = request_user(request)
        data = validate_input(
            SolveCreateSerializer, request, context={"choices": _problems(request)}
        )
        problem = data.pop("problem")
        existed = Solve.objects.filter(problem=problem, user=user).exists()
        solve = services.solve_save(actor=user, problem=problem, **data)
        return self._fresh(solve, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=SolveUpdateSerializer, responses={200: SolveSerializer, **_REFUSALS})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change your solve."""
        return self._update(request, partial=False)

    @extend_schema(request=SolveUpdateSerializer, responses={200: SolveSerializer, **_REFUSALS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of your solve's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        solve = self.get_object()
        data = validate_input(SolveUpdateSerializer, request, partial=partial)
        solve = services.solve_update(actor=request_user(request), solve=solve, **data)
        return self._fresh(solve)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Clear your solve (back to not started)."""
        services.solve_delete(actor=request_user(request), solve=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
