"""REST API for presentation slots (`slots/`): list, read, and for leaders create / change /
delete; members claim and give back their own place (`claim/`, `release/`).

Reads go through the sessions gatekeepers (a slot outside your labs is a 404), writes through
sessions.services.slots, which holds every rule (403 outside the cohort or for non-leaders,
409 slot_taken / already_claimed / release_closed).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
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
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from sessions.models import Meeting, Slot, SlotAssignment, SlotKind
from sessions.selectors import meeting_list_visible
from sessions.selectors.slots import slot_list_visible
from sessions.services import slots as services

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
SLOT_FIELDS = ("kind", "title", "description", "materials_url", "capacity")


class SlotPresenterSerializer(serializers.Serializer[Any]):
    """One presenter of a slot."""

    id = serializers.IntegerField(help_text=_lazy("The member's user id."))
    display_name = serializers.CharField()


class SlotSerializer(FastReadModelSerializer[Slot]):
    url = ObjectUrlField(view_name="api:slot-detail")
    cohort = serializers.IntegerField(source="meeting.cohort_id", read_only=True)
    lab_slug = serializers.CharField(source="meeting.cohort.lab.slug", read_only=True)
    presenters = serializers.SerializerMethodField(
        help_text=_lazy("Who presents, first come first.")
    )
    waitlist_count = serializers.SerializerMethodField()

    class Meta:
        model = Slot
        fields = (
            *OBJECT_FIELDS,
            "meeting",
            "cohort",
            "lab_slug",
            *SLOT_FIELDS,
            "position",
            "presenters",
            "waitlist_count",
        )
        read_only_fields = fields

    @extend_schema_field(SlotPresenterSerializer(many=True))
    def get_presenters(self, slot: Slot) -> list[dict[str, Any]]:
        return [
            {"id": a.user_id, "display_name": a.user.display_name} for a in slot.assignments.all()
        ]

    def get_waitlist_count(self, slot: Slot) -> int:
        return int(getattr(slot, "waitlist_total", 0))


class SlotUpdateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SlotKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    materials_url = serializers.URLField(required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, max_value=20, default=1)


class SlotCreateSerializer(SlotUpdateSerializer):
    meeting = serializers.IntegerField(min_value=1)
    external_id = serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


class SlotFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="meeting__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(field_name="meeting__cohort_id", label=_lazy("Cohort id"))
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_lazy("Meeting id"))
    kind = django_filters.ChoiceFilter(choices=SlotKind.choices)

    class Meta:
        model = Slot
        fields = ("lab", "cohort", "meeting", "kind")


_REFUSALS = {
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}


class SlotViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Slot],
):
    """Presentation slots of the meetings of your labs, with their presenters. Filter with
    ?lab=<slug>, ?cohort=<id>, ?meeting=<id>, ?kind=. Leaders and facilitators create, change
    and delete slots; members claim and give back their own place."""

    serializer_class = SlotSerializer
    filterset_class = SlotFilter
    external_id_scope, external_id_scope_lookup = "meeting", "meeting_id"
    external_id_input = SlotCreateSerializer

    def get_queryset(self) -> QuerySet[Slot]:
        presenters = SlotAssignment.objects.select_related("user__profile").order_by(
            "created_at", "id"
        )
        slots = (
            slot_list_visible(user=self.request.user)
            .annotate(waitlist_total=Count("waitlist", distinct=True))
            .prefetch_related(Prefetch("assignments", queryset=presenters))
        )
        return limit_to_token_lab(slots, self.request, "meeting__cohort__lab_id")

    def _fresh(self, slot: Slot) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=slot.pk)).data)

    @extend_schema(request=SlotCreateSerializer, responses={201: SlotSerializer, **_REFUSALS})
    def create(self, request: Request) -> Response:
        """Add a slot to a meeting (the cohort's leaders and facilitators)."""
        user = request_user(request)
        data = validate_input(SlotCreateSerializer, request)
        meetings = limit_to_token_lab(meeting_list_visible(user=user), request, "cohort__lab_id")
        try:
            meeting = meetings.get(pk=data.pop("meeting"))
        except Meeting.DoesNotExist:
            raise Http404 from None
        slot = services.slot_create(actor=user, meeting=meeting, **data)
        data_out = self.get_serializer(self.get_queryset().get(pk=slot.pk)).data
        return Response(data_out, status=status.HTTP_201_CREATED)

    @extend_schema(request=SlotUpdateSerializer, responses={200: SlotSerializer, **_REFUSALS})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a slot (leaders and facilitators)."""
        return self._update(request, partial=False)

    @extend_schema(request=SlotUpdateSerializer, responses={200: SlotSerializer, **_REFUSALS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a slot's fields (leaders and facilitators)."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        slot = self.get_object()
        data = validate_input(SlotUpdateSerializer, request, partial=partial)
        current = {name: getattr(slot, name) for name in SLOT_FIELDS}
        slot = services.slot_update(actor=request_user(request), slot=slot, **(current | data))
        return self._fresh(slot)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete a slot with its presenters and waitlist (leaders and facilitators)."""
        services.slot_delete(actor=request_user(request), slot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: SlotSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Claim a place in this slot for yourself (there is no user field: never for someone
        else). 409 slot_taken when it is full ("Just taken by …"), already_claimed when you
        already present in it; 403 when you are not an active member of its cohort."""
        slot = services.slot_claim(actor=request_user(request), slot=self.get_object())
        return self._fresh(slot)

    @extend_schema(request=None, responses={200: SlotSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        """Give your place back, until the cohort's cutoff before the meeting (409
        release_closed after it); the first member on the waitlist gets it."""
        slot = services.slot_release(actor=request_user(request), slot=self.get_object())
        return self._fresh(slot)
