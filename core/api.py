"""API plumbing shared by every viewset: the error shape and its schema, pagination, throttling."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError

if TYPE_CHECKING:
    from members.models import User


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item)]
    if isinstance(detail, dict):
        return [message for item in detail.values() for message in _flatten(item)]
    return [str(detail)]


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as {"error": {"code", "message", "fields"?}}."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {name: _flatten(value) for name, value in detail.items()}
            message = _("Some fields are invalid.")
        else:
            fields = {"non_field_errors": _flatten(detail)}
            message = fields["non_field_errors"][0]
        response.data = error_body("invalid", message, fields)
    else:
        response.data = error_body(exc.default_code, " ".join(_flatten(exc.detail)))
    return response


class StableCursorPagination(CursorPagination):
    """Cursor pages ordered by primary key: a unique, immutable order that never skips a row."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }


class PerTokenThrottle(SimpleRateThrottle):
    """One bucket per personal token (or per user for browser sessions, per IP otherwise)."""

    scope = "token"

    def get_rate(self) -> str | None:
        # Read the rate per request, not once at import like DRF does, so a changed
        # REST_FRAMEWORK setting (an override in a test, a reload) takes effect.
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        try:
            rate: str | None = rates[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.") from None
        return rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = getattr(request, "auth", None)
        token_id = getattr(token, "pk", None)
        if token_id is not None:
            ident = f"token:{token_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ObjectUrlField(serializers.HyperlinkedIdentityField):
    """An object's absolute URL (`url` on every API object), reversed once per field, not per row.

    A page holds up to 500 objects, and a reverse() per row was about a quarter of the time
    spent serialising a page. The URL of the object with pk 0 gives the prefix; any other
    shape of URL (a format suffix, a lookup other than pk) falls back to DRF's per-row reverse.
    """

    _prefix: str | None = None

    def get_url(self, obj: Any, view_name: str, request: Request, format: str | None) -> Any:
        pk = getattr(obj, "pk", None)
        if pk in (None, "") or format or self.lookup_field != "pk":
            return super().get_url(obj, view_name, request, format)
        if self._prefix is None:
            sample = self.reverse(
                view_name, kwargs={self.lookup_url_kwarg: 0}, request=request, format=None
            )
            if not sample.endswith("/0/"):
                return super().get_url(obj, view_name, request, format)
            self._prefix = sample.removesuffix("0/")
        return f"{self._prefix}{pk}/"


class ErrorDetailSerializer(serializers.Serializer[Any]):
    """The body of every error."""

    code = serializers.CharField(help_text=_lazy("Stable, machine-readable reason."))
    message = serializers.CharField(help_text=_lazy("Human-readable, in the member's language."))
    # DRF moves declared fields off the class, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_lazy("Per-field messages, for invalid input."),
    )


class ErrorResponseSerializer(serializers.Serializer[Any]):
    """Every error of the API has this one shape: `{"error": {"code", "message", "fields"?}}`."""

    error = ErrorDetailSerializer()


def validate_input(
    serializer_class: type[serializers.Serializer[Any]],
    request: Request,
    *,
    partial: bool = False,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check the shape of a request body with an input serializer; 400 when it does not fit.

    Input serializers only check shape; the services that receive the data decide the rest.
    """
    serializer = serializer_class(
        data=request.data, partial=partial, context={"request": request, **(context or {})}
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def limit_to_token_lab[M: Model](
    queryset: QuerySet[M], request: Request, lab_lookup: str
) -> QuerySet[M]:
    """Narrow a queryset to the lab the request's token is limited to, if it is.

    `lab_lookup` is the path from the model to the lab's id, e.g. "cohort__lab_id".
    Every viewset applies it in get_queryset, so a lab-limited token neither lists nor
    reaches (404) anything outside its lab.
    """
    from members.authentication import token_lab_id

    lab_id = token_lab_id(request)
    return queryset if lab_id is None else queryset.filter(**{lab_lookup: lab_id})


def request_user(request: Request) -> User:
    """The signed-in user of an API request (IsAuthenticated runs before every view)."""
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user
