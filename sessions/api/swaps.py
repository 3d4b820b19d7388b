"""REST API for swap requests (`swap-requests/`): list mine (made or received, ?status=), ask
for a swap, and `accept/`, `decline/`, `cancel/`.

Reads go through the gatekeeper (a request outside your labs is a 404; a request in your lab
that is not yours can be read but not answered: 403), writes through
sessions.services.swaps (409 swap_pending, swap_stale, swap_not_pending).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
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
    rows_for_list,
    validate_input,
)
from core.sync_api import ETagMixin, SyncFilterSet
from members.models import User, display_name_for
from sessions.models import Slot, SwapRequest, SwapStatus
from sessions.selectors.slots import slot_list_visible
from sessions.selectors.swaps import swap_request_list_for_user, swap_request_list_visible
from sessions.services import swaps as services


class SwapRequestSerializer(FastReadModelSerializer[SwapRequest]):
    url = ObjectUrlField(view_name="api:swap-request-detail")
    cohort = serializers.IntegerField(source="requester_slot.meeting.cohort_id", read_only=True)
    lab_slug = serializers.CharField(
        source="requester_slot.meeting.cohort.lab.slug", read_only=True
    )
    requester_name = serializers.CharField(source="requester.display_name", read_only=True)
    target_name = serializers.CharField(source="target.display_name", read_only=True)

    # A list row has no User to ask: the same rule runs on the row's columns.
    row_sources = {
        "requester_name": (
            display_name_for,
            ("requester__email", "requester__profile__display_name"),
        ),
        "target_name": (display_name_for, ("target__email", "target__profile__display_name")),
    }

    class Meta:
        model = SwapRequest
        fields = (
            "id",
            "url",
            "created_at",
            "updated_at",
            "external_id",
            "cohort",
            "lab_slug",
            "requester",
            "requester_name",
            "requester_slot",
            "target",
            "target_name",
            "target_slot",
            "message",
            "status",
            "decided_at",
        )
        read_only_fields = fields


class SwapRequestCreateSerializer(serializers.Serializer[Any]):
    requester_slot = serializers.IntegerField(
        min_value=1, help_text=_lazy("Your slot (you present in it).")
    )
    target_slot = serializers.IntegerField(min_value=1, help_text=_lazy("The slot you want."))
    target_user = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Whom you ask, when several members present in the target slot."),
    )
    message = serializers.CharField(
        max_length=services.MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class SwapRequestFilter(SyncFilterSet):
    status = django_filters.ChoiceFilter(choices=SwapStatus.choices)
    lab = django_filters.CharFilter(
        field_name="requester_slot__meeting__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(
        field_name="requester_slot__meeting__cohort_id", label=_lazy("Cohort id")
    )

    class Meta:
        model = SwapRequest
        fields = ("status", "lab", "cohort")


_REFUSALS = {
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}
_LAB = "requester_slot__meeting__cohort__lab_id"


class SwapRequestViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[SwapRequest],
):
    """Swap requests you made or received (filter with ?status=, ?lab=<slug>, ?cohort=<id>).
    Ask another presenter of your cohort to exchange slots; they accept or decline, you may
    withdraw (cancel) while it waits."""

    serializer_class = SwapRequestSerializer
    filterset_class = SwapRequestFilter

    def get_queryset(self) -> QuerySet[SwapRequest, Any]:
        user = self.request.user
        if self.action == "list":
            swaps = swap_request_list_for_user(user=user)
        else:
            # Any request of your labs can be reached: answering one that is not yours is a
            # 403 from the services, not a 404.
            swaps = swap_request_list_visible(user=user)
        return rows_for_list(limit_to_token_lab(swaps, self.request, _LAB), self)

    def _fresh(self, swap: SwapRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = swap_request_list_visible(user=self.request.user).get(pk=swap.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _slot(self, request: Request, pk: int) -> Slot:
        slots = limit_to_token_lab(
            slot_list_visible(user=request.user), request, "meeting__cohort__lab_id"
        )
        try:
            return slots.get(pk=pk)
        except Slot.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        request=SwapRequestCreateSerializer, responses={201: SwapRequestSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Ask the presenter of `target_slot` to exchange it for your `requester_slot` (409
        swap_pending when the same request already waits, not_claimed when the first slot
        is not yours; 403 outside the cohort)."""
        user = request_user(request)
        data = validate_input(SwapRequestCreateSerializer, request)
        requester_slot = self._slot(request, data["requester_slot"])
        target_slot = self._slot(request, data["target_slot"])
        target_user = None
        if data["target_user"] is not None:
            target_user = User.objects.filter(pk=data["target_user"]).first()
            if target_user is None:
                raise serializers.ValidationError({"target_user": [_lazy("Unknown member.")]})
        swap = services.swap_request_create(
            actor=user,
            requester_slot=requester_slot,
            target_slot=target_slot,
            target_user=target_user,
            message=data["message"],
        )
        return self._fresh(swap, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SwapRequestSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a request made to you: both slots change hands at once (409 swap_stale when
        either side changed meanwhile: the request is then withdrawn)."""
        swap = services.swap_request_accept(actor=request_user(request), swap=self.get_object())
        return self._fresh(swap)

    @extend_schema(request=None, responses={200: SwapRequestSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """Decline a request made to you."""
        swap = services.swap_request_decline(actor=request_user(request), swap=self.get_object())
        return self._fresh(swap)

    @extend_schema(request=None, responses={200: SwapRequestSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a request you made while it waits for an answer."""
        swap = services.swap_request_cancel(actor=request_user(request), swap=self.get_object())
        return self._fresh(swap)
