"""REST API for places (`locations/`): a lab's saved meeting places.

Reads go through the sessions gatekeepers (a place outside your labs is a 404), writes
through sessions.services.places, which holds every rule (403 unless you lead or facilitate
in the lab). Members' home areas are never part of any API.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
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
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.api import UNKNOWN_LAB, VisiblePrimaryKeyField
from labs.models import Lab
from labs.selectors import lab_list_visible
from sessions.models import Location
from sessions.selectors import location_list_visible
from sessions.services.places import location_create, location_delete, location_update

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
PLACE_FIELDS = ("name", "address", "latitude", "longitude", "capacity", "online_url", "notes")


class LocationSerializer(FastReadModelSerializer[Location]):
    url = ObjectUrlField(view_name="api:location-detail")
    lab_slug = serializers.CharField(source="lab.slug", read_only=True)
    map_url = serializers.CharField(
        read_only=True, help_text=_lazy("A Kakao Map link, from the coordinates or the address.")
    )

    class Meta:
        model = Location
        fields = (*OBJECT_FIELDS, "lab", "lab_slug", *PLACE_FIELDS, "map_url")
        read_only_fields = fields


def _coordinate(help_text: Any) -> serializers.DecimalField:
    # No digit limits here: the service checks the range and rounds to 6 decimal places.
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
    )


class LocationUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    latitude = _coordinate(_lazy("Degrees, -90 to 90; give both coordinates or neither."))
    longitude = _coordinate(_lazy("Degrees, -180 to 180; give both coordinates or neither."))
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class LocationCreateSerializer(LocationUpdateSerializer):
    lab = VisiblePrimaryKeyField(
        queryset=Lab.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_LAB, "incorrect_type": UNKNOWN_LAB},
    )
    external_id = serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


class LocationFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="lab__slug", label=_lazy("Lab slug"))

    class Meta:
        model = Location
        fields = ("lab",)


class LocationViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Location],
):
    """Places of the labs you belong to. Filter with ?lab=<slug>. Leaders and facilitators
    create, change and delete them; deleting a place keeps its meetings, without a place."""

    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    external_id_scope, external_id_scope_lookup = "lab", "lab_id"
    external_id_input = LocationCreateSerializer

    def get_queryset(self) -> QuerySet[Location, Any]:
        places = limit_to_token_lab(
            location_list_visible(user=self.request.user), self.request, "lab_id"
        )
        return rows_for_list(places, self)

    @extend_schema(request=LocationCreateSerializer, responses={201: LocationSerializer})
    def create(self, request: Request) -> Response:
        """Save a place for a lab you lead or facilitate in."""
        labs = limit_to_token_lab(lab_list_visible(user=request.user), request, "id")
        data = validate_input(LocationCreateSerializer, request, context={"choices": labs})
        location = location_create(actor=request_user(request), **data)
        return Response(self.get_serializer(location).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LocationUpdateSerializer, responses=LocationSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a place (the lab's leaders and facilitators)."""
        return self._update(request, partial=False)

    @extend_schema(request=LocationUpdateSerializer, responses=LocationSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a place's fields (the lab's leaders and facilitators)."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        location = self.get_object()
        data = validate_input(LocationUpdateSerializer, request, partial=partial)
        current = {field: getattr(location, field) for field in PLACE_FIELDS}
        location = location_update(
            actor=request_user(request), location=location, **(current | data)
        )
        return Response(self.get_serializer(location).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete a place; its meetings stay, without a place."""
        location_delete(actor=request_user(request), location=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
