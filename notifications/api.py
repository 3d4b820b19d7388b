"""REST API: `notifications/` (my inbox; `read/`, `read-all/`) and `reminder-rules/` (a cohort's
reminder rules; members read, leaders change them).

An inbox is private: another member's notification is a 404. Rules follow the cohort: an
outsider gets 404, a member 403 on a change (from the services).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    ErrorResponseSerializer,
    ObjectUrlField,
    StableCursorPagination,
    limit_to_token_lab,
    request_user,
    validate_input,
)
from core.sync_api import ETagMixin, SyncFilterSet
from notifications import selectors, services, texts
from notifications.models import Notification, ReminderRule
from notifications.sources import registry


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    url = ObjectUrlField(view_name="api:notification-detail")
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    link = serializers.CharField(source="url", read_only=True)
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = (
            "id",
            "url",
            "created_at",
            "updated_at",
            "kind",
            "title",
            "body",
            "params",
            "link",
            "cohort",
            "read",
            "read_at",
        )
        read_only_fields = fields

    def _rendered(self, entry: Notification) -> texts.Rendered:
        # Worded in the request's language and the member's zone (set by the middleware).
        return texts.render(entry.kind, entry.params, zone=timezone.get_current_timezone_name())

    def get_title(self, entry: Notification) -> str:
        return self._rendered(entry).title

    def get_body(self, entry: Notification) -> str:
        return self._rendered(entry).body


class NotificationFilter(SyncFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_lazy("Only unread")
    )
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    kind = django_filters.CharFilter(field_name="kind")

    class Meta:
        model = Notification
        fields = ("unread", "cohort", "lab", "kind", "updated_since")


_NOT_FOUND = {404: ErrorResponseSerializer}


class NewestFirstPagination(StableCursorPagination):
    """Cursor pages by id, descending: an inbox reads newest first."""

    ordering = "-id"


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Notification]
):
    """My in-app inbox, newest first (filter with ?unread=true, ?cohort=<id>, ?lab=<slug>).
    Mark one read, or all of them."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = NewestFirstPagination

    def get_queryset(self) -> QuerySet[Notification]:
        entries = selectors.notification_list_for_user(user=self.request.user)
        # Notifications without a cohort are the member's own, whatever lab a token is for.
        lab_limited = limit_to_token_lab(entries, self.request, "cohort__lab_id")
        if lab_limited is not entries:
            lab_limited = lab_limited | entries.filter(cohort__isnull=True)
        return lab_limited.order_by("-id")

    @extend_schema(request=None, responses={200: NotificationSerializer, **_NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark this notification read (idempotent)."""
        entry = self.get_object()
        entry = services.notification_mark_read(
            user=request_user(request), notification_id=entry.pk
        )
        return Response(self.get_serializer(entry).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification read; answers how many changed."""
        marked = services.notifications_mark_all_read(user=request_user(request))
        return Response({"marked": marked})


class ReminderRuleSerializer(serializers.ModelSerializer[ReminderRule]):
    url = ObjectUrlField(view_name="api:reminder-rule-detail")
    description = serializers.SerializerMethodField()
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)

    class Meta:
        model = ReminderRule
        fields = (
            "id",
            "url",
            "created_at",
            "updated_at",
            "cohort",
            "lab_slug",
            "kind",
            "description",
            "minutes_before",
            "enabled",
            "to_webhook",
        )
        read_only_fields = fields

    def get_description(self, rule: ReminderRule) -> str:
        return registry.label(rule.kind)


class ReminderRuleUpdateSerializer(serializers.Serializer[Any]):
    minutes_before = serializers.IntegerField(min_value=1, max_value=60 * 24 * 60, required=False)
    enabled = serializers.BooleanField(required=False)
    to_webhook = serializers.BooleanField(required=False)


class ReminderRuleFilter(SyncFilterSet):
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    kind = django_filters.CharFilter(field_name="kind")

    class Meta:
        model = ReminderRule
        fields = ("cohort", "lab", "kind", "updated_since")


_REFUSALS = {
    400: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
}


class ReminderRuleViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[ReminderRule],
):
    """The reminder rules of the cohorts in your labs (filter with ?cohort=<id>, ?lab=<slug>).
    Every cohort starts with the defaults; its leaders change the offset (minutes before the
    meeting or deadline), turn a rule off, or also post it to the cohort's chat webhook."""

    serializer_class = ReminderRuleSerializer
    filterset_class = ReminderRuleFilter

    def get_queryset(self) -> QuerySet[ReminderRule]:
        rules = selectors.reminder_rules_visible(user=self.request.user)
        return limit_to_token_lab(rules, self.request, "cohort__lab_id")

    @extend_schema(
        request=ReminderRuleUpdateSerializer, responses={200: ReminderRuleSerializer, **_REFUSALS}
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a rule (leaders and facilitators of its cohort; 403 for other members)."""
        rule = self.get_object()
        data = validate_input(
            ReminderRuleUpdateSerializer, request, partial=kwargs.get("partial", False)
        )
        rule = services.reminder_rule_update(actor=request_user(request), rule=rule, **data)
        return Response(self.get_serializer(rule).data)

    @extend_schema(
        request=ReminderRuleUpdateSerializer, responses={200: ReminderRuleSerializer, **_REFUSALS}
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)
