"""REST API for RSVPs: list the answers to the meetings you can see, answer for yourself.

Reads go through the sessions gatekeepers (an invisible meeting is a 404), the answer
through sessions.services.attendance.rsvp_set, which holds every rule (403 outside the
meeting's cohort, 409 after the deadline or for a cancelled meeting).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
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
from core.sync_api import ETagMixin, SyncFilterSet
from members.models import display_name_for
from sessions.models import Meeting, Rsvp, RsvpAnswer
from sessions.selectors import meeting_list_visible
from sessions.selectors.attendance import rsvp_list_visible
from sessions.services.attendance import NOTE_MAX_LENGTH, rsvp_set

# A member's answer is identified by (meeting, user); external_id is for sync clients.
RSVP_OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")


class RsvpSerializer(FastReadModelSerializer[Rsvp]):
    url = ObjectUrlField(view_name="api:rsvp-detail")
    cohort = serializers.PrimaryKeyRelatedField[Any](source="meeting.cohort", read_only=True)
    lab_slug = serializers.CharField(source="meeting.cohort.lab.slug", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    # A list row has no User to ask: the same rule runs on the row's columns.
    row_sources = {
        "display_name": (display_name_for, ("user__email", "user__profile__display_name"))
    }

    class Meta:
        model = Rsvp
        fields = (
            *RSVP_OBJECT_FIELDS,
            "meeting",
            "cohort",
            "lab_slug",
            "user",
            "display_name",
            "answer",
            "note",
        )
        read_only_fields = fields


class RsvpInputSerializer(serializers.Serializer[Any]):
    """My answer to a meeting. There is no user field: you only ever answer for yourself."""

    meeting = serializers.IntegerField(min_value=1)
    answer = serializers.ChoiceField(choices=RsvpAnswer.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RsvpFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="meeting__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(field_name="meeting__cohort_id", label=_lazy("Cohort id"))
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_lazy("Meeting id"))
    answer = django_filters.ChoiceFilter(choices=RsvpAnswer.choices)

    class Meta:
        model = Rsvp
        fields = ("lab", "cohort", "meeting", "answer")


class RsvpViewSet(
    ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Rsvp]
):
    """Answers (going / maybe / not going) to the meetings of your labs. Filter with
    ?lab=<slug>, ?cohort=<id>, ?meeting=<id>, ?answer=. POST answers for yourself."""

    serializer_class = RsvpSerializer
    filterset_class = RsvpFilter

    def get_queryset(self) -> QuerySet[Rsvp, Any]:
        rsvps = limit_to_token_lab(
            rsvp_list_visible(user=self.request.user).select_related(
                "meeting__cohort__lab", "user__profile"
            ),
            self.request,
            "meeting__cohort__lab_id",
        )
        return rows_for_list(rsvps, self)

    @extend_schema(
        request=RsvpInputSerializer, responses={200: RsvpSerializer, 201: RsvpSerializer}
    )
    def create(self, request: Request) -> Response:
        """Answer a meeting for yourself: 201 for a first answer, 200 when it replaces your
        previous one. 404 for a meeting you cannot see, 403 when you are not an active member
        of its cohort, 409 after the RSVP deadline or for a cancelled meeting."""
        user = request_user(request)
        data = validate_input(RsvpInputSerializer, request)
        meetings = limit_to_token_lab(meeting_list_visible(user=user), request, "cohort__lab_id")
        try:
            meeting = meetings.get(pk=data["meeting"])
        except Meeting.DoesNotExist:
            raise Http404 from None
        existed = Rsvp.objects.filter(meeting=meeting, user=user).exists()
        rsvp = rsvp_set(actor=user, meeting=meeting, answer=data["answer"], note=data["note"])
        rsvp = self.get_queryset().get(pk=rsvp.pk)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(rsvp).data, status=code)
