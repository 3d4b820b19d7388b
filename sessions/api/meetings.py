"""REST API for meetings: list and read them, schedule one or a whole series, change,
cancel, and record attendance.

Reads go through the sessions gatekeepers (an invisible meeting is a 404), writes through
sessions.services.meetings (403 for members who may not schedule, 400 for impossible
input); conflicts never block an API write, they come back as warnings with the result.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
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
from sessions.models import Attendance, AttendanceStatus, Location, Meeting, MeetingStatus
from sessions.selectors import location_list_visible, meeting_list_visible
from sessions.services.meetings import (
    Conflict,
    meeting_cancel,
    meeting_conflicts,
    meeting_create,
    meeting_series_create,
    meeting_series_preview,
    meeting_update,
)

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
UNKNOWN_LOCATION = _lazy("No such place.")


# --- output -----------------------------------------------------------------------------------


MEETING_FIELDS: tuple[str, ...] = (
    *OBJECT_FIELDS,
    "cohort",
    "number",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "agenda",
    "status",
    "rsvp_deadline",
    "uid",
    "sequence",
    "series",
)


class MeetingSerializer(FastReadModelSerializer[Meeting]):
    url = ObjectUrlField(view_name="api:meeting-detail")

    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        read_only_fields = fields


class ConflictSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["cohort_overlap", "place_booked", "outside_cohort"])
    message = serializers.CharField()
    meeting = serializers.SerializerMethodField(
        help_text=_lazy("The meeting in the way, when it is in your lab.")
    )
    starts_at = serializers.DateTimeField(
        allow_null=True, help_text=_lazy("The planned start it is about.")
    )

    def get_meeting(self, conflict: Conflict) -> int | None:
        return conflict.meeting.pk if conflict.meeting is not None else None


class MeetingWriteResultSerializer(MeetingSerializer):
    """A meeting, with the warnings about its time and place."""

    conflicts = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields: tuple[str, ...] = (*MEETING_FIELDS, "conflicts")
        read_only_fields = fields

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, meeting: Meeting) -> list[dict[str, Any]]:
        conflicts: list[Conflict] = self.context.get("conflicts", [])
        return list(ConflictSerializer(conflicts, many=True).data)


class SeriesResultSerializer(serializers.Serializer[Any]):
    series = serializers.IntegerField()
    meetings = MeetingSerializer(many=True)
    conflicts = ConflictSerializer(many=True)


class AttendanceOutSerializer(serializers.ModelSerializer[Attendance]):
    class Meta:
        model = Attendance
        fields = ("user", "status", "recorded_by", "updated_at")
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------------


class _LocationField(VisiblePrimaryKeyField):
    """A place among those the caller may see (`context["locations"]`)."""

    def get_queryset(self) -> QuerySet[Any] | None:
        choices: QuerySet[Any] | None = self.context.get("locations")
        return choices if choices is not None else super().get_queryset()


def _location_field() -> _LocationField:
    return _LocationField(
        queryset=Location.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": UNKNOWN_LOCATION, "incorrect_type": UNKNOWN_LOCATION},
    )


class MeetingCreateSerializer(serializers.Serializer[Any]):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    location = _location_field()
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    agenda = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    rsvp_deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MeetingUpdateSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, allow_blank=True)
    location = _location_field()
    online_url = serializers.URLField(allow_blank=True)
    agenda = serializers.CharField(max_length=10000, allow_blank=True)
    rsvp_deadline = serializers.DateTimeField(allow_null=True)


class SeriesCreateSerializer(serializers.Serializer[Any]):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    interval_weeks = serializers.IntegerField(default=2, help_text=_lazy("Every N weeks (1-12)."))
    weekday = serializers.IntegerField(help_text=_lazy("0 is Monday, 6 is Sunday."))
    start_time = serializers.TimeField(help_text=_lazy("Local time in the series' time zone."))
    duration_minutes = serializers.IntegerField(default=240)
    first_date = serializers.DateField()
    count = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Meetings actually held; skipped dates push the series later."),
    )
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_lazy("Last date, inclusive.")
    )
    skip_dates = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    timezone = serializers.CharField(max_length=64, default="Asia/Seoul")
    location = _location_field()
    online_url = serializers.URLField(required=False, allow_blank=True, default="")


class AttendanceInputSerializer(serializers.Serializer[Any]):
    statuses = serializers.DictField(
        child=serializers.ChoiceField(choices=AttendanceStatus.choices),
        allow_empty=False,
        help_text=_lazy('User id → status, e.g. {"12": "present", "15": "excused"}.'),
    )


# --- filters ----------------------------------------------------------------------------------


def _moment(value: str) -> datetime | None:
    """An ISO date-time (a naive one is in the current zone) or a date (its midnight)."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            return None
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class MeetingFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)

    class Meta:
        model = Meeting
        fields = ("lab", "cohort", "status")

    def filter_from(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        moment = _moment(value)
        return queryset.none() if moment is None else queryset.filter(ends_at__gt=moment)

    def filter_to(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        moment = _moment(value)
        return queryset.none() if moment is None else queryset.filter(starts_at__lt=moment)


# "from" is a Python keyword, so these two are added after the class is made.
MeetingFilter.base_filters["from"] = django_filters.CharFilter(
    method="filter_from", label=_lazy("Meetings ending after this date or ISO date-time")
)
MeetingFilter.base_filters["to"] = django_filters.CharFilter(
    method="filter_to", label=_lazy("Meetings starting before this date or ISO date-time")
)


# --- viewset ----------------------------------------------------------------------------------


def _visible_cohorts(request: Request) -> QuerySet[Cohort]:
    return limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")


def _visible_locations(request: Request) -> QuerySet[Location]:
    return limit_to_token_lab(location_list_visible(user=request.user), request, "lab_id")


def _write_context(request: Request) -> dict[str, Any]:
    return {"choices": _visible_cohorts(request), "locations": _visible_locations(request)}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, description="Date or ISO date-time."),
            OpenApiParameter("to", OpenApiTypes.STR, description="Date or ISO date-time."),
        ]
    )
)
class MeetingViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Meeting],
):
    """Meetings of the labs you belong to, numbered per cohort. Filter with ?lab=<slug>,
    ?cohort=<id>, ?status=, ?from= and ?to= (a date or an ISO date-time)."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = MeetingCreateSerializer

    def get_queryset(self) -> QuerySet[Meeting, Any]:
        meetings = limit_to_token_lab(
            meeting_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return rows_for_list(meetings, self)

    def _result(self, meeting: Meeting, conflicts: list[Conflict]) -> dict[str, Any]:
        context = {**self.get_serializer_context(), "conflicts": conflicts}
        return dict(MeetingWriteResultSerializer(meeting, context=context).data)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingWriteResultSerializer})
    def create(self, request: Request) -> Response:
        """Schedule one meeting (the cohort's leaders and facilitators). Conflicts do not
        stop it; they come back as `conflicts`."""
        data = validate_input(MeetingCreateSerializer, request, context=_write_context(request))
        cohort = data.pop("cohort")
        meeting = meeting_create(actor=request_user(request), cohort=cohort, **data)
        conflicts = meeting_conflicts(
            cohort=cohort,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            exclude_pk=meeting.pk,
        )
        return Response(self._result(meeting, conflicts), status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingUpdateSerializer, responses=MeetingWriteResultSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a meeting by hand; a later cadence change leaves it alone."""
        return self._update(request, partial=False)

    @extend_schema(request=MeetingUpdateSerializer, responses=MeetingWriteResultSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a meeting's fields by hand."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        meeting = self.get_object()
        data = validate_input(
            MeetingUpdateSerializer, request, partial=partial, context=_write_context(request)
        )
        current: dict[str, Any] = {
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "title": meeting.title,
            "location": meeting.location,
            "online_url": meeting.online_url,
            "agenda": meeting.agenda,
            "rsvp_deadline": meeting.rsvp_deadline,
        }
        meeting = meeting_update(actor=request_user(request), meeting=meeting, **(current | data))
        conflicts = meeting_conflicts(
            cohort=meeting.cohort,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            exclude_pk=meeting.pk,
        )
        return Response(self._result(meeting, conflicts))

    @extend_schema(request=SeriesCreateSerializer, responses={201: SeriesResultSerializer})
    @action(detail=False, methods=["post"])
    def series(self, request: Request) -> Response:
        """Schedule a cohort's series from a cadence. Meetings are numbered after the
        cohort's existing ones; `conflicts` lists warnings found before saving."""
        data = validate_input(SeriesCreateSerializer, request, context=_write_context(request))
        cohort = data.pop("cohort")
        data["timezone_name"] = data.pop("timezone")
        cadence = {key: value for key, value in data.items() if key != "online_url"}
        actor = request_user(request)
        _slots, conflicts = meeting_series_preview(cohort=cohort, **cadence)
        series, meetings = meeting_series_create(actor=actor, cohort=cohort, **data)
        context = self.get_serializer_context()
        body = {
            "series": series.pk,
            "meetings": MeetingSerializer(meetings, many=True, context=context).data,
            "conflicts": ConflictSerializer(conflicts, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a meeting; it stays, as cancelled, so calendars drop it. Idempotent."""
        meeting = meeting_cancel(actor=request_user(request), meeting=self.get_object())
        return Response(self.get_serializer(meeting).data)

    @extend_schema(request=AttendanceInputSerializer, responses=AttendanceOutSerializer(many=True))
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        """Record attendance for everyone at once: {"statuses": {"<user id>": "present"}}
        (present / late / absent / excused), for active members of the cohort."""
        # Imported here: the attendance services are written alongside this module.
        from sessions.services.attendance import attendance_record

        meeting = self.get_object()
        data = validate_input(AttendanceInputSerializer, request)
        statuses: dict[int, str] = {}
        for key, value in data["statuses"].items():
            try:
                statuses[int(key)] = value
            except (TypeError, ValueError):
                message = _("Keys must be user ids.")
                raise ApplicationError(message, fields={"statuses": [message]}) from None
        records = attendance_record(actor=request_user(request), meeting=meeting, statuses=statuses)
        return Response(AttendanceOutSerializer(records, many=True).data)
