"""REST API for the rotation: preview fair presenters for a cohort's next meetings, then apply.

`POST cohorts/{id}/rotation/preview/` proposes; `POST cohorts/{id}/rotation/apply/` commits
the picks it was given, or answers 409 board_changed when the board moved since the preview.
Both are for the cohort's leaders and facilitators (403 for its members, 404 for outsiders);
the rules live in sessions.services.rotation.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import limit_to_token_lab, request_user, validate_input
from labs.models import Cohort
from labs.selectors import cohort_list_visible
from sessions.services.rotation import (
    DEFAULT_MEETINGS_AHEAD,
    MAX_MEETINGS_AHEAD,
    SEED_LIMIT,
    Preview,
    rotation_apply,
    rotation_preview,
)

COHORT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_lazy("Cohort id."))


# --- Input --------------------------------------------------------------------------------


class RotationPreviewInputSerializer(serializers.Serializer[Any]):
    meetings_ahead = serializers.IntegerField(
        min_value=1,
        max_value=MAX_MEETINGS_AHEAD,
        default=DEFAULT_MEETINGS_AHEAD,
        help_text=_lazy("How many of the next meetings to fill."),
    )
    seed = serializers.IntegerField(
        min_value=0,
        max_value=SEED_LIMIT - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Tie-break seed; the same board and seed give the same proposal."),
    )


class RotationPickInputSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField(min_value=1)
    member = serializers.IntegerField(min_value=1, help_text=_lazy("User id."))


class RotationApplyInputSerializer(serializers.Serializer[Any]):
    fingerprint = serializers.CharField(
        max_length=64, help_text=_lazy("The preview's fingerprint, as it was given.")
    )
    picks = serializers.ListField(
        child=RotationPickInputSerializer(),
        min_length=1,
        max_length=500,
        help_text=_lazy("The picks to commit; a preview's picks can be sent back as they are."),
    )


# --- Output (schema; built from the service's dataclasses) ---------------------------------


class RotationReasonSerializer(serializers.Serializer[Any]):
    presentations = serializers.IntegerField(
        help_text=_lazy("Presentations this cohort before this pick (earlier picks included).")
    )
    median = serializers.FloatField()
    credit = serializers.FloatField(help_text=_lazy("Late-joiner credit (0 for the others)."))
    last_presented = serializers.DateField(allow_null=True)
    available = serializers.BooleanField()
    adjacent = serializers.BooleanField(
        help_text=_lazy("Also presents at the meeting before or after (nobody else could).")
    )
    same_meeting = serializers.BooleanField(
        help_text=_lazy("Already presents at this meeting (nobody else could).")
    )


class RotationPickSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField()
    meeting = serializers.IntegerField()
    member = serializers.IntegerField(help_text=_lazy("User id."))
    member_name = serializers.CharField()
    reason = serializers.CharField(help_text=_lazy("Why, in words."))
    reason_data = RotationReasonSerializer()


class RotationUnfilledSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField()
    meeting = serializers.IntegerField()
    places = serializers.IntegerField()
    code = serializers.ChoiceField(choices=["no_members", "everyone_away", "nobody_eligible"])
    reason = serializers.CharField()


class RotationPreviewSerializer(serializers.Serializer[Any]):
    fingerprint = serializers.CharField(
        help_text=_lazy("Send it back to apply/: it refuses when the board changed since.")
    )
    seed = serializers.IntegerField()
    meetings_ahead = serializers.IntegerField()
    meetings = serializers.ListField(child=serializers.IntegerField())
    picks = RotationPickSerializer(many=True)
    unfilled = RotationUnfilledSerializer(many=True)


class RotationAssignmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    slot = serializers.IntegerField()
    member = serializers.IntegerField(help_text=_lazy("User id."))
    # DRF moves declared fields off the class, so this does not shadow Field.source.
    source = serializers.CharField()  # type: ignore[assignment]
    reason = serializers.CharField()


class RotationApplySerializer(serializers.Serializer[Any]):
    assignments = RotationAssignmentSerializer(many=True)


def _preview_body(preview: Preview) -> dict[str, Any]:
    return {
        "fingerprint": preview.fingerprint,
        "seed": preview.seed,
        "meetings_ahead": preview.meetings_ahead,
        "meetings": [meeting.id for meeting in preview.meetings],
        "picks": [
            {
                "slot": pick.slot.id,
                "meeting": pick.meeting.id,
                "member": pick.member_id,
                "member_name": pick.member_name,
                "reason": pick.reason,
                "reason_data": {
                    "presentations": pick.data.presentations,
                    "median": pick.data.median,
                    "credit": pick.data.credit,
                    "last_presented": (
                        pick.data.last_presented.isoformat() if pick.data.last_presented else None
                    ),
                    "available": pick.data.available,
                    "adjacent": pick.data.adjacent,
                    "same_meeting": pick.data.same_meeting,
                },
            }
            for pick in preview.picks
        ],
        "unfilled": [
            {
                "slot": item.slot.id,
                "meeting": item.meeting.id,
                "places": item.places,
                "code": item.code,
                "reason": item.reason,
            }
            for item in preview.unfilled
        ],
    }


class _CohortRotationView(APIView):
    def cohort(self, request: Request, pk: int) -> Cohort:
        """The cohort if the caller (and their token's lab) may see it, else 404."""
        cohorts = limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")
        cohort = cohorts.filter(pk=pk).first()
        if cohort is None:
            raise Http404
        return cohort


class RotationPreviewView(_CohortRotationView):
    """Proposed presenters for the open places of a cohort's next meetings, each with its
    reason; writes nothing. Leaders and facilitators of the cohort."""

    @extend_schema(
        operation_id="cohorts_rotation_preview",
        parameters=[COHORT_ID],
        request=RotationPreviewInputSerializer,
        responses=RotationPreviewSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        cohort = self.cohort(request, pk)
        data = validate_input(RotationPreviewInputSerializer, request)
        preview = rotation_preview(
            actor=request_user(request),
            cohort=cohort,
            meetings_ahead=data["meetings_ahead"],
            seed=data["seed"],
        )
        return Response(_preview_body(preview))


class RotationApplyView(_CohortRotationView):
    """Commit a preview's picks (slot, member), each with its reason and an audit row, all or
    none. 409 board_changed when the board changed since the preview; 400 invalid_picks when
    a pick breaks a rule (away, full, not a member, not an upcoming slot of the cohort)."""

    @extend_schema(
        operation_id="cohorts_rotation_apply",
        parameters=[COHORT_ID],
        request=RotationApplyInputSerializer,
        responses=RotationApplySerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        cohort = self.cohort(request, pk)
        data = validate_input(RotationApplyInputSerializer, request)
        created = rotation_apply(
            actor=request_user(request),
            cohort=cohort,
            preview_fingerprint=data["fingerprint"],
            picks=[(pick["slot"], pick["member"]) for pick in data["picks"]],
        )
        return Response(
            {
                "assignments": [
                    {
                        "id": assignment.pk,
                        "slot": assignment.slot_id,
                        "member": assignment.user_id,
                        "source": assignment.source,
                        "reason": assignment.reason,
                    }
                    for assignment in created
                ]
            }
        )
