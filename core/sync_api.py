"""What a two-way sync client needs from the API: the changes feed, ETag / If-Match on objects,
upsert by external id, and the `updated_since` filter every list shares.

- ChangesView: GET /api/v1/changes/?since=<cursor> (core.changes does the paging).
- ETagMixin: object responses carry an ETag (a hash of the object as the API shows it);
  PUT / PATCH / DELETE / POST on an object with If-Match answer 412 when it changed meanwhile,
  checked under a row lock so no write slips in between; GET with If-None-Match answers 304.
- ExternalIdUpsertMixin: PUT <list>/external/<external_id>/ creates the object, or updates
  the one with that external id (within its cohort, meeting or lab), idempotently.
- SyncFilterSet: a list filter set with `updated_since`.

Viewsets put the mixins first in their bases: `class SlotViewSet(ETagMixin, ..., GenericViewSet)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import django_filters
import orjson
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponseBase, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import changes
from core.api import (
    _DRF_ENCODER,
    ErrorResponseSerializer,
    StaticFilterSet,
    datetime_column,
    request_user,
)
from core.errors import ApplicationError, ConflictError, PreconditionFailedError

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    # The mixins go in front of a GenericViewSet; checked as one, they run as plain classes.
    _ViewBase = GenericAPIView[Any]
else:
    _ViewBase = object

# --- updated_since ------------------------------------------------------------------------------


class _MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC: PostgreSQL refuses offsets past 15:59."""

    def to_python(self, value: Any) -> Any:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError(_("Enter a valid date-time."), code="invalid") from None


class _UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = _MomentField


class SyncFilterSet(StaticFilterSet):
    """A list's filters plus `updated_since` (ISO 8601 date-time): what changed at or after it.

    A sync client keeps the time of its last pull and asks for what changed since. (The
    changes feed is exact under concurrent writes; this filter is the simple alternative and
    needs an overlap of a few seconds, since a transaction's rows carry its start time.)
    """

    updated_since = _UpdatedSinceFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_lazy("Changed at or after this ISO 8601 date-time"),
    )


# --- ETag and If-Match --------------------------------------------------------------------------

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ETAG_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def representation_etag(data: Mapping[str, Any], fields: Iterable[str]) -> str:
    """A strong ETag for an object as the API shows it (its `fields` of `data`, `url` left out
    so the same object has the same ETag whatever the host name)."""
    payload = {name: data[name] for name in fields if name in data}
    encoded = orjson.dumps(payload, option=_ETAG_OPTIONS, default=_DRF_ENCODER.default)
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def _listed_etags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_match_passes(header: str, current: str | None) -> bool:
    """RFC 9110 If-Match: "*" matches any current object; otherwise a strong comparison (a weak
    tag never matches)."""
    tags = _listed_etags(header)
    if current is None:
        return False
    return "*" in tags or current in tags


def if_none_match_hits(header: str, current: str) -> bool:
    """RFC 9110 If-None-Match for GET: a weak comparison; "*" matches any current object."""
    tags = [tag.removeprefix("W/") for tag in _listed_etags(header)]
    return "*" in tags or current in tags


class ETagMixin(_ViewBase):
    """Optimistic concurrency for a viewset's objects (see the module docstring).

    The ETag is computed from the object as the viewset's `serializer_class` shows it, so
    anything a client can see change (a presenter, a count) changes it.
    """

    _etag_field_names: ClassVar[dict[type[Any], tuple[str, ...]]] = {}

    def etag_fields(self) -> tuple[str, ...]:
        serializer_class: Any = type(self).serializer_class
        names = ETagMixin._etag_field_names.get(serializer_class)
        if names is None:
            names = tuple(
                name
                for name, field in serializer_class().fields.items()
                if not field.write_only and name != "url"
            )
            ETagMixin._etag_field_names[serializer_class] = names
        return names

    def etag_for_object(self, obj: Model) -> str:
        serializer_class: Any = type(self).serializer_class
        data = serializer_class(obj, context=self.get_serializer_context()).data
        return representation_etag(data, self.etag_fields())

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in UNSAFE_METHODS and "If-Match" in request.headers:
            # The check (under a row lock) and the write commit together: nobody writes
            # between them.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> Any:
        obj = super().get_object()
        header = self.request.headers.get("If-Match")
        if header and self.request.method in UNSAFE_METHODS:
            model = type(obj)
            # Lock, then read again: the version compared is the one the write will change.
            model._base_manager.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            obj = super().get_object()
            current = self.etag_for_object(obj)
            if not if_match_passes(header, current):
                self._current_etag = current
                raise PreconditionFailedError(
                    _("This object changed since you read it. Read it again, then retry.")
                )
        return obj

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        current = getattr(self, "_current_etag", None)
        if response.status_code == status.HTTP_412_PRECONDITION_FAILED and current:
            response["ETag"] = current
            return response
        data = getattr(response, "data", None)
        if response.status_code not in (200, 201) or not isinstance(data, Mapping):
            return response
        fields = self.etag_fields()
        if "id" not in data or not all(name in data for name in fields):
            return response
        etag = representation_etag(data, fields)
        response["ETag"] = etag
        header = request.headers.get("If-None-Match")
        if request.method in ("GET", "HEAD") and header and if_none_match_hits(header, etag):
            response.status_code = status.HTTP_304_NOT_MODIFIED
            response.data = None
        return response


# --- Upsert by external id ----------------------------------------------------------------------

EXTERNAL_ID_MAX_LENGTH = 120


class ExternalIdUpsertMixin(_ViewBase):
    """PUT <list>/external/<external_id>/: create, or update the object with this external id.

    An external id is unique per cohort, meeting or lab (per the model's constraint), so the
    body names that scope (`external_id_scope`, e.g. "meeting", the same field a create takes).
    Creating goes through the viewset's create(), updating through its partial_update() (fields
    left out keep their values; If-Match applies), so the services decide everything as
    usual. Repeating a PUT changes nothing: an update that would only move `updated_at` (or a
    calendar sequence) is rolled back. Two clients creating the same external id at once: one
    creates, the other updates.
    """

    # The body field naming the scope, and the model lookup it matches; None: unique overall.
    external_id_scope: ClassVar[str | None] = None
    external_id_scope_lookup: ClassVar[str | None] = None
    # The input serializer create() validates (for the schema).
    external_id_input: ClassVar[type[serializers.Serializer[Any]] | None] = None
    # Fields that change on every write even when nothing else does.
    upsert_volatile_fields: ClassVar[tuple[str, ...]] = ("updated_at", "sequence")

    @action(
        detail=False,
        methods=["put"],
        url_path=r"external/(?P<external_id>[^/]+)",
        url_name="external",
    )
    def external(self, request: Request, external_id: str) -> Response:
        """Create or update by external id (idempotent): 201 when created, 200 otherwise."""
        request_user(request)
        if not isinstance(request.data, Mapping):
            message = _("Send the object's fields as a JSON object.")
            raise ApplicationError(message, fields={"non_field_errors": [message]})
        if len(external_id) > EXTERNAL_ID_MAX_LENGTH:
            message = _("At most %(count)d characters.") % {"count": EXTERNAL_ID_MAX_LENGTH}
            raise ApplicationError(message, fields={"external_id": [message]})
        lookup: dict[str, Any] = {"external_id": external_id}
        if self.external_id_scope is not None:
            assert self.external_id_scope_lookup is not None
            lookup[self.external_id_scope_lookup] = self._scope_id(request)
        with transaction.atomic():
            existing = self._external_match(lookup)
            if existing is None:
                if request.headers.get("If-Match"):
                    raise PreconditionFailedError(_("There is no object with this external id."))
                try:
                    with transaction.atomic():
                        return self._external_create(request, external_id)
                except IntegrityError:
                    pass
                except ConflictError as exc:
                    if exc.code != "external_id_taken":
                        raise
                # Someone else created it meanwhile (or it exists where you cannot see it).
                existing = self._external_match(lookup)
                if existing is None:
                    message = _("This external id is already used.")
                    raise ConflictError(
                        message, code="external_id_taken", fields={"external_id": [message]}
                    ) from None
            if request.headers.get("If-None-Match", "").strip() == "*":
                raise PreconditionFailedError(_("An object with this external id exists."))
            return self._external_update(request, existing)

    def get_object(self) -> Any:
        if "external_id" in self.kwargs and "pk" not in self.kwargs:
            # OPTIONS on the external route describes PUT by asking for the object, which
            # this route names by external id, not by pk: there is no object to describe.
            raise Http404
        return super().get_object()

    def _scope_id(self, request: Request) -> int:
        name = self.external_id_scope
        assert name is not None
        raw = request.data.get(name) if isinstance(request.data, Mapping) else None
        if isinstance(raw, bool) or raw is None:
            value = None
        else:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = None
        if value is None or not 0 < value < 2**63:
            message = _("A valid id is required.")
            raise ApplicationError(
                _("Some fields are invalid."), code="invalid", fields={name: [message]}
            )
        return value

    def _external_match(self, lookup: dict[str, Any]) -> Any:
        return self.get_queryset().filter(**lookup).first()

    def _external_create(self, request: Request, external_id: str) -> Response:
        data = request.data.dict() if isinstance(request.data, QueryDict) else dict(request.data)
        data["external_id"] = external_id
        request._full_data = data  # type: ignore[attr-defined]  # create() validates this
        response: Response = self.create(request)  # type: ignore[attr-defined]
        created_id = response.data["id"]
        serializer_class: Any = type(self).serializer_class
        model = serializer_class.Meta.model
        # Not every create takes an external id: tag the new object (a unique constraint
        # refuses an id already used in its scope).
        model._base_manager.filter(pk=created_id).exclude(external_id=external_id).update(
            external_id=external_id
        )
        if "external_id" in response.data:
            response.data["external_id"] = external_id
        return response

    def _external_update(self, request: Request, existing: Model) -> Response:
        self.kwargs["pk"] = str(existing.pk)
        fields = [
            name
            for name in self.etag_fields()  # type: ignore[attr-defined]
            if name not in self.upsert_volatile_fields
        ]
        serializer_class: Any = type(self).serializer_class
        before = dict(serializer_class(existing, context=self.get_serializer_context()).data)
        savepoint = transaction.savepoint_create()
        # Partial: fields the body leaves out keep their values (a create's defaults would
        # otherwise wipe what someone set elsewhere).
        response: Response = self.partial_update(request, pk=str(existing.pk))  # type: ignore[attr-defined]
        after = response.data
        if all(name in after and after[name] == before.get(name) for name in fields):
            # Nothing a client can see changed: keep the object (and the feed) untouched.
            transaction.savepoint_rollback(savepoint)
            return Response(before, status=status.HTTP_200_OK)
        transaction.savepoint_commit(savepoint)
        return response


# --- The changes feed ---------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer[Any]):
    """One change (schema only)."""

    seq = serializers.IntegerField(help_text=_lazy("Position in the feed; increases."))
    type = serializers.CharField(help_text=_lazy("The object's type, e.g. slot or meeting."))
    id = serializers.IntegerField(help_text=_lazy("The object's id."))
    op = serializers.ChoiceField(choices=[c.value for c in changes.ChangeOp])
    object = serializers.DictField(
        allow_null=True,
        help_text=_lazy(
            "For an upsert, the object now, as its own endpoint shows it; null for a delete."
        ),
    )
    changed_at = serializers.DateTimeField()


class ChangesPageSerializer(serializers.Serializer[Any]):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(
        help_text=_lazy("Pass as `since` next time (store it: it is where you are).")
    )
    has_more = serializers.BooleanField(help_text=_lazy("True: ask again at once."))


def _changed_at_texts(values: list[dt.datetime]) -> list[Any]:
    """DRF's DateTimeField output for each of the page's change times, through the
    serializers' own fast column path (the same text, quicker)."""
    field = serializers.DateTimeField()
    texts = datetime_column(field)
    if texts is None:
        return [field.to_representation(value) for value in values]
    return texts(values, lambda index: field.to_representation(values[index]))


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return changes.DEFAULT_PAGE_SIZE
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= changes.MAX_PAGE_SIZE:
        message = _("A number from 1 to %(max)d.") % {"max": changes.MAX_PAGE_SIZE}
        raise ApplicationError(_("Some fields are invalid."), fields={"page_size": [message]})
    return value


class ChangesView(APIView):
    """Every create, update and delete you can see, oldest first (GET /api/v1/changes/)."""

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.STR,
                description=str(
                    _lazy(
                        "The next_cursor of your previous call; leave out to start from the "
                        "beginning, or `now` for a cursor past everything that exists now "
                        "(then list the boards you mirror, then follow the feed)."
                    )
                ),
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=str(_lazy("1 to 500; 100 when left out.")),
            ),
        ],
        responses={200: ChangesPageSerializer, 400: ErrorResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        """The changes after `since` in the labs you belong to (only the token's lab for a
        token limited to one), oldest first: each with the object as it is now, or null for
        a deletion. Never skips a change that commits while you page, never repeats one you
        have moved past. Keep `next_cursor`; when `has_more` is false you are up to date."""
        from labs.selectors import lab_ids_known, lab_ids_of_member
        from members.authentication import token_lab_id

        user = request_user(request)
        since = request.query_params.get("since", "")
        limit = _page_size(request)
        if since == "now":
            body = {"results": [], "next_cursor": changes.cursor_now().encode(), "has_more": False}
            return Response(body)
        cursor = changes.Cursor.decode(since) if since else changes.Cursor()
        lab_limit = token_lab_id(request)
        lab_ids: list[int] | None
        if user.is_superuser:
            lab_ids = None if lab_limit is None else [lab_limit]
        else:
            # A short list read first: the rows query then filters on plain values, and so do
            # the visibility filters of the page's objects (see lab_ids_known).
            member_of = lab_ids_of_member(user=user)
            lab_ids = [lab for lab in member_of if lab_limit in (None, lab)]
        page = changes.changes_page(lab_ids=lab_ids, cursor=cursor, limit=limit)
        if user.is_superuser:
            objects = changes.serialize_objects(request, page)
        else:
            with lab_ids_known(user=user, lab_ids=member_of):
                objects = changes.serialize_objects(request, page)
        results = []
        changed_at = _changed_at_texts([row.changed_at for row in page.rows])
        upsert, delete = changes.ChangeOp.UPSERT.value, changes.ChangeOp.DELETE.value
        for row, when in zip(page.rows, changed_at, strict=True):
            obj = objects.get((row.object_type, row.object_id))
            results.append(
                {
                    "seq": row.seq,
                    "type": row.object_type,
                    "id": row.object_id,
                    # Gone or out of sight by now: for this client, it is deleted.
                    "op": upsert if obj is not None else delete,
                    "object": obj,
                    "changed_at": when,
                }
            )
        body = {
            "results": results,
            "next_cursor": page.next_cursor.encode(),
            "has_more": page.has_more,
        }
        return Response(body)
