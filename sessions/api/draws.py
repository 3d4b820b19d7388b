"""REST API for draws (`draws/`): random picks and ladder games (사다리타기) with their
participants, seed and result; list and read for the lab's members, create for the cohort's
leaders and facilitators.

Reads go through the gatekeepers (a draw outside your labs is a 404); create calls
sessions.services.draws.draw_run, which holds every rule (403 for members, 400 for bad
participants or outcomes, 409 slot_taken when the slot has no room for the winners).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ErrorResponseSerializer,
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    validate_input,
)
from core.sync_api import ETagMixin, SyncFilterSet
from labs.selectors import cohort_list_visible
from sessions import draws as engine
from sessions.models import Draw, DrawKind
from sessions.selectors.draws import draw_list_visible
from sessions.selectors.slots import slot_list_visible
from sessions.services.draws import OUTCOME_MAX_LENGTH, TITLE_MAX_LENGTH, draw_run


class DrawParticipantSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text=_lazy("The member's user id."))
    name = serializers.CharField(help_text=_lazy("Their name when the draw was run."))


class DrawResultSerializer(serializers.Serializer[Any]):
    """Pick: count and winners. Ladder: rungs_per_gap, levels, rungs, feet, ends, assignment."""

    count = serializers.IntegerField(required=False)
    winners = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_lazy("Pick: the winners' user ids, in the order drawn."),
    )
    rungs_per_gap = serializers.IntegerField(required=False)
    levels = serializers.IntegerField(required=False)
    rungs = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        required=False,
        help_text=_lazy("Ladder: [level, column] rungs between line column and column + 1."),
    )
    feet = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_lazy("Ladder: the outcomes in the order written under the lines."),
    )
    ends = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_lazy("Ladder: the line each participant (in order) arrives at."),
    )
    assignment = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text=_lazy("Ladder: user id (as text) → outcome."),
    )


class DrawSerializer(FastReadModelSerializer[Draw]):
    url = ObjectUrlField(view_name="api:draw-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    participants = serializers.SerializerMethodField(
        help_text=_lazy("In the order entered (the order the draw uses).")
    )
    outcomes = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()

    class Meta:
        model = Draw
        fields = (
            "id",
            "url",
            "created_at",
            "updated_at",
            "external_id",
            "cohort",
            "lab_slug",
            "kind",
            "title",
            "participants",
            "outcomes",
            "seed",
            "result",
            "slot",
            "created_by",
        )
        read_only_fields = fields

    @extend_schema_field(DrawParticipantSerializer(many=True))
    def get_participants(self, draw: Draw) -> list[dict[str, Any]]:
        return list(draw.participants)

    def get_outcomes(self, draw: Draw) -> list[str]:
        return list(draw.outcomes or [])

    @extend_schema_field(DrawResultSerializer)
    def get_result(self, draw: Draw) -> dict[str, Any]:
        return dict(draw.result)


class DrawCreateSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(min_value=1, help_text=_lazy("Cohort id."))
    kind = serializers.ChoiceField(choices=DrawKind.choices)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    participants = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=engine.MIN_PARTICIPANTS,
        max_length=engine.MAX_PARTICIPANTS,
        help_text=_lazy("User ids of active members of the cohort, in the order the draw uses."),
    )
    outcomes = serializers.ListField(
        child=serializers.CharField(max_length=OUTCOME_MAX_LENGTH),
        required=False,
        default=list,
        max_length=engine.MAX_PARTICIPANTS,
        help_text=_lazy("Ladder: one per participant; they can repeat."),
    )
    count = serializers.IntegerField(
        min_value=1, required=False, default=1, help_text=_lazy("Pick: how many winners.")
    )
    slot = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Pick: a slot of the cohort to put the winners into."),
    )


class DrawFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    kind = django_filters.ChoiceFilter(choices=DrawKind.choices)

    class Meta:
        model = Draw
        fields = ("lab", "cohort", "kind")


_REFUSALS = {
    400: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}


class DrawViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Draw],
):
    """Random picks and ladder games of your labs' cohorts: participants, seed, result and who
    ran them. Filter with ?lab=<slug>, ?cohort=<id>, ?kind=. Anyone can recompute a result
    from its participants and seed (see sessions/draws.py). Leaders and facilitators run
    draws."""

    serializer_class = DrawSerializer
    filterset_class = DrawFilter

    def get_queryset(self) -> QuerySet[Draw]:
        return limit_to_token_lab(
            draw_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )

    @extend_schema(request=DrawCreateSerializer, responses={201: DrawSerializer, **_REFUSALS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Run a draw: the participants are fixed first, then the server draws the seed."""
        user = request_user(request)
        data = validate_input(DrawCreateSerializer, request)
        cohorts = limit_to_token_lab(cohort_list_visible(user=user), request, "lab_id")
        cohort = cohorts.filter(pk=data["cohort"]).first()
        if cohort is None:
            raise Http404
        slot = None
        if data["slot"] is not None:
            slots = limit_to_token_lab(
                slot_list_visible(user=user), request, "meeting__cohort__lab_id"
            )
            slot = slots.filter(pk=data["slot"]).first()
            if slot is None:
                raise Http404
        draw = draw_run(
            actor=user,
            cohort=cohort,
            kind=data["kind"],
            title=data["title"],
            participant_ids=data["participants"],
            outcomes=data["outcomes"],
            count=data["count"],
            slot=slot,
        )
        body = self.get_serializer(self.get_queryset().get(pk=draw.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)
