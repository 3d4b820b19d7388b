"""API plumbing shared by every viewset: the error shape and its schema, pagination, throttling,
the JSON renderer and the read path of the output serializers."""

from __future__ import annotations

import copy
import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple
from weakref import WeakKeyDictionary

import django_filters
import orjson
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    PermissionDenied,
    SuspiciousOperation,
)
from django.db import DataError
from django.db.models import ForeignKey, Model, QuerySet
from django.db.models.manager import BaseManager
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import ISO_8601, exceptions, relations, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse as drf_reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.encoders import JSONEncoder

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
    # Imported here: rest_framework.views imports this module (for the renderer, throttle
    # and pagination settings) while it defines APIView.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields, a malformed multipart body: Django would answer an HTML 400.
        return Response(error_body("invalid", _("The request could not be read.")), status=400)
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold or compare (a number past 64 bits, a time zone
        # offset past 15:59, a NUL byte in text): bad input that passed the shape checks.
        set_rollback()
        message = _("A value is out of range or contains characters that are not allowed.")
        return Response(error_body("invalid", message), status=400)
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

    def decode_cursor(self, request: Request) -> Any:
        """DRF's cursor, or 400 (not DRF's 404) for one this API did not issue: the list
        exists, the cursor is bad input. The position must be an id, as the order is by id."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            valid = False
        else:
            position = getattr(cursor, "position", None)
            valid = position is None or (
                position.isdigit() and int(position) < 2**63 and position.isascii()
            )
        if not valid:
            message = str(self.invalid_cursor_message)
            raise exceptions.ValidationError({self.cursor_query_param: [message]})
        return cursor

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }


class _Filters(dict[str, Any]):
    """A filter set's filters, copied per request one level deep, not deeply.

    A FilterSet deep-copies its filters per request so it can give each its own parent;
    deep copies of their choices and labels were a third of a list's filtering time. A
    filter keeps nothing per request but its parent and model, which the FilterSet sets.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        copies = {}
        for name, filter_ in self.items():
            copies[name] = copied = copy.copy(filter_)
            if filter_.method is not None:
                copied.method = filter_.method  # binds its FilterMethod to the copy
        return copies


class StaticFilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, cheaper per request: its form class is built once per filter
    set, and its filters are copied shallowly (see _Filters).

    django-filter makes a new form class (and a form field per filter) for every request.
    Only for filter sets whose filters do not depend on the request (no querysets or
    choices computed per request), which is all of ours: the form instance is still made
    per request, from the shared class.
    """

    _form_classes: ClassVar[dict[type[Any], type[Any]]] = {}

    @classmethod
    def get_filters(cls) -> dict[str, Any]:
        return _Filters(super().get_filters())

    def get_form_class(self) -> type[Any]:
        form_class = StaticFilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = StaticFilterSet._form_classes[type(self)] = super().get_form_class()
        return form_class


THROTTLE_CACHE = "throttle"
# INCR, plus EXPIRE on a window's first request: one round trip, atomic on the server.
_REDIS_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class PerTokenThrottle(SimpleRateThrottle):
    """One bucket per personal token (or per user for browser sessions, per IP otherwise).

    A fixed-window counter: one cache key per bucket and window (the clock cut into
    `duration`-long windows), counted up once per request and answering 429 past the
    limit, with Retry-After the time left in the window. DRF's SimpleRateThrottle instead
    reads and rewrites the time of every request in the window, on every request: a list
    that grows with the rate (600 floats at 600/min).

    On Redis the count is one atomic script call. Django's RedisCache would take two round
    trips for incr() and build a new redis-py client (with its ~170 response callbacks) for
    each operation, about 0.2 ms per request in all. Other caches use incr() and add().

    The counters live in the cache named "throttle" when the settings define one, else in
    the default cache. (The file-based default of local development pays a file write,
    about 0.3 ms, per API request.)
    """

    scope = "token"
    num_requests: int | None  # set by SimpleRateThrottle.__init__ from the rate
    duration: int | None
    wait_seconds: float | None = None
    # One registered script per Redis cache backend (Django keeps one backend per thread).
    _redis_scripts: ClassVar[WeakKeyDictionary[RedisCache, Any]] = WeakKeyDictionary()

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

    def allow_request(self, request: Request, view: Any) -> bool:
        limit, duration = self.num_requests, self.duration
        if limit is None or duration is None:
            return True
        now = self.timer()
        window = math.floor(now / duration)
        self.wait_seconds = (window + 1) * duration - now
        # The key lives `duration` seconds from a moment inside its window: past the window.
        key = f"{self.get_cache_key(request, view)}_{window}"
        return self._count(key, duration) <= limit

    def wait(self) -> float | None:
        """Seconds until the next window opens (DRF rounds up for Retry-After)."""
        return self.wait_seconds

    def _count(self, key: str, duration: int) -> int:
        """This request's number in its window."""
        alias = THROTTLE_CACHE if THROTTLE_CACHE in settings.CACHES else DEFAULT_CACHE_ALIAS
        backend = caches[alias]
        if isinstance(backend, RedisCache):
            script = self._redis_scripts.get(backend)
            if script is None:
                client = backend._cache.get_client(write=True)
                script = self._redis_scripts[backend] = client.register_script(_REDIS_COUNT)
            return int(script(keys=[backend.make_and_validate_key(key)], args=[duration]))
        try:
            return backend.incr(key)
        except ValueError:  # the window's first request: no key yet
            pass
        # Why add(): it writes only when the key is absent, so of two first requests at once
        # one creates the key and the other increments it, and both are counted.
        if backend.add(key, 1, duration):
            return 1
        return backend.incr(key)


# --- JSON rendering -----------------------------------------------------------------------

# DRF's encoder handles what orjson hands back: lazy translations, dates and times (DRF
# writes UTC as "Z"; orjson would not), Decimal, sets, querysets and the like.
_DRF_ENCODER = JSONEncoder()
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer with orjson doing the encoding: the same bytes, several times faster.

    The output matches DRF's compact UTF-8 rendering byte for byte (U+2028 and U+2029 are
    escaped as DRF does, so the JSON stays valid JavaScript). An indented rendering (the
    browsable API, `Accept: application/json; indent=4`), an ASCII-only or non-compact
    setting, and anything orjson cannot encode (an integer beyond 64 bits, an object DRF's
    encoder rejects) go to DRF's own renderer, which answers as before. One difference: a
    NaN or infinite float becomes null where DRF's strict mode would fail the response.
    """

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_DRF_ENCODER.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR in rendered or _PARAGRAPH_SEPARATOR in rendered:
            rendered = rendered.replace(_LINE_SEPARATOR, b"\\u2028").replace(
                _PARAGRAPH_SEPARATOR, b"\\u2029"
            )
        return rendered


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


# --- The read path of the output serializers ----------------------------------------------

type _Value = Callable[[Any], Any]
# A list's values of one field from its raw values (see FastReadModelSerializer._represent),
# and its raw values from the list's columns (a function of a column name).
type _Column = Callable[[list[Any]], list[Any]]
type _RawColumn = Callable[[Callable[[str], list[Any]]], list[Any]]
# DRF fields, read through attributes only some field classes have.
type _AnyField = Any
# A list row's value for a field that is not a column: a function of some row columns.
type RowSource = tuple[Callable[..., Any], tuple[str, ...]]

_SLOW = object()  # a converter's answer for "let DRF's own code decide"


class _FieldPlan(NamedTuple):
    name: str
    kind: str
    path: str  # the dotted attribute path on a model instance: "cohort.lab.slug"
    column: str | None  # the .values() lookup with the same value: "cohort__lab__slug"
    field: _AnyField  # a prototype serializer's field, for its settings


def _serializer_model(serializer_class: type[Any]) -> type[Model]:
    model: type[Model] = serializer_class.Meta.model
    return model


def _pk_attname(model: type[Model]) -> str:
    pk = model._meta.pk
    assert pk is not None  # a concrete model always has one
    return pk.attname


def _model_path(model: type[Model], attrs: list[str]) -> type[Model] | None:
    """The model holding the last attribute of `attrs`, following forward relations from
    `model`; None when a step is not a forward foreign key or one-to-one field."""
    for attr in attrs[:-1]:
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            return None
        related = field.related_model
        if not isinstance(related, type):
            return None
        model = related
    return model


def _same(field: _AnyField, base: type[Any], *names: str) -> bool:
    """Whether `field` runs `base`'s own code for these methods (a subclass may override)."""
    return isinstance(field, base) and all(
        getattr(type(field), name) is getattr(base, name) for name in names
    )


_VALUE_KINDS: tuple[tuple[str, type[Any]], ...] = (
    ("bool", serializers.BooleanField),
    ("bigint", serializers.BigIntegerField),
    ("int", serializers.IntegerField),
    ("choice", serializers.ChoiceField),
    ("str", serializers.CharField),
    ("datetime", serializers.DateTimeField),
    ("date", serializers.DateField),
    ("uuid", serializers.UUIDField),
)
# Kinds whose converter always answers (never _SLOW).
_NEVER_SLOW = frozenset({"pk", "int", "bigint", "str", "choice", "uuid"})
# Kinds whose converter gives a value of this exact type back unchanged: a list column of
# them needs no call per value.
_PLAIN_TYPES: dict[str, type[Any]] = {"int": int, "str": str, "bool": bool}
_PK_METHODS = ("to_representation", "get_attribute", "use_pk_only_optimization")


def _field_kind(field: _AnyField, model: type[Model]) -> tuple[str, str, str | None]:
    """How the fast path reads a field: (kind, attribute path, column). Kind "drf" means the
    field's own DRF code does, because the fast path knows no shortcut exactly equal to it."""
    attrs = list(field.source_attrs)
    if _same(field, ObjectUrlField, "to_representation", "get_url", "get_attribute"):
        if field.lookup_field == "pk":
            return "url", "", _pk_attname(model)
        return "drf", "", None
    if _same(field, serializers.SerializerMethodField, "to_representation", "get_attribute"):
        return "method", "", None
    owner = _model_path(model, attrs) if attrs else None  # no attrs: source="*"
    if owner is None:
        return "drf", "", None
    try:
        target = owner._meta.get_field(attrs[-1])
    except FieldDoesNotExist:
        target = None
    if _same(field, relations.PrimaryKeyRelatedField, *_PK_METHODS):
        if field.pk_field is None and isinstance(target, ForeignKey):
            path = [*attrs[:-1], target.attname]
            return "pk", ".".join(path), "__".join(path)
        return "drf", "", None
    if target is None:
        # A property is read like a column (DRF calls only methods); a list row needs a
        # RowSource for it.
        if not isinstance(getattr(owner, attrs[-1], None), property | cached_property):
            return "drf", "", None
        column = None
    elif target.concrete and not target.is_relation:
        column = "__".join(attrs)
    else:
        return "drf", "", None
    if _same(field, Field, "get_attribute"):
        for kind, base in _VALUE_KINDS:
            if _same(field, base, "to_representation"):
                return kind, ".".join(attrs), column
    return "drf", "", None


# A ModelSerializer whose output skips DRF's per-field machinery, from model instances
# or from plain rows (`.values()` dicts, see rows_for_list).
#
# Each readable field is classified once per class (its kind, attribute path and column).
# Once per serializer instance (one per request) the kinds become small functions holding
# what the request fixes: the time zone, formats, and the prefix of `url`, reversed once.
# A row then costs one call per field, and the serializer never builds its fields. A list
# of rows goes column by column instead (represent_rows): a column of plain values needs no
# call per value, and a column of date-times is formatted by orjson in one call. The
# values are the ones DRF computes: a field without an exact shortcut here (a custom field,
# a source through a reverse relation or a method, a non-ISO format) runs its own DRF
# code, and so does any value out of the ordinary (a naive datetime, a missing related
# object, an error). Writes do not come here: they validate with input serializers.
#
# `row_sources` tells how a list row gives a field that reads no column (a property):
# {field name: (function, columns)}; the function gets those columns' values and returns
# what the attribute would be. Without one, such a serializer lists model instances.
# (A comment, not a docstring: drf-spectacular would describe every subclass with it.)
class FastReadModelSerializer[M: Model](serializers.ModelSerializer[M]):
    row_sources: ClassVar[dict[str, RowSource]] = {}
    _plans: ClassVar[dict[type[Any], tuple[_FieldPlan, ...]]] = {}

    @classmethod
    def _plan(cls) -> tuple[_FieldPlan, ...]:
        plan = FastReadModelSerializer._plans.get(cls)
        if plan is None:
            model = _serializer_model(cls)
            plan = tuple(
                _FieldPlan(name, *_field_kind(field, model), field)
                for name, field in cls().fields.items()
                if not field.write_only
            )
            FastReadModelSerializer._plans[cls] = plan
        return plan

    @classmethod
    def row_columns(cls) -> tuple[str, ...] | None:
        """The `.values()` lookups a list row needs, or None when a field needs the model
        instance. The primary key comes first: the cursor paginator reads it."""
        columns: list[str] = [_pk_attname(_serializer_model(cls))]
        for plan in cls._plan():
            if plan.name in cls.row_sources and plan.kind != "method":
                columns.extend(cls.row_sources[plan.name][1])
            elif plan.column is not None:
                columns.append(plan.column)
            else:
                return None
        return tuple(dict.fromkeys(columns))

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> Any:
        listing = super().many_init(*args, **kwargs)
        if type(listing) is serializers.ListSerializer:
            # (Not Meta.list_serializer_class: every subclass writes its own Meta.)
            listing.__class__ = FastListSerializer
        return listing

    def represent_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """to_representation of each list row (`.values()` dicts), column by column."""
        if not rows:
            return []
        return self._represent(lambda column: list(map(itemgetter(column), rows)))

    def represent_values(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> list[dict[str, Any]]:
        """The same for `.values_list(*columns)` rows, `columns` being row_columns()."""
        if not rows:
            return []
        transposed = dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True))
        return self._represent(transposed.__getitem__)

    def _represent(self, column: Callable[[str], list[Any]]) -> list[dict[str, Any]]:
        names = [name for name, _raws, _represent in self._row_fields]
        values = [represent(raws(column)) for _name, raws, represent in self._row_fields]
        # (Every column has one value per row: zip without strict's checks, once per row.)
        return [dict(zip(names, row)) for row in zip(*values)]  # noqa: B905

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if type(instance) is dict:  # a list row: its functions never skip a field
            return self.represent_rows([instance])[0]
        output: dict[str, Any] = {}
        for name, value in self._instance_values:
            # try, not contextlib.suppress: this runs once per field of every row.
            try:  # noqa: SIM105
                output[name] = value(instance)
            except SkipField:
                pass
        return output

    @cached_property
    def _instance_values(self) -> list[tuple[str, _Value]]:
        return [(plan.name, self._instance_value(plan)) for plan in self._plan()]

    @cached_property
    def _row_fields(self) -> list[tuple[str, _RawColumn, _Column]]:
        """Per field of a list row: its name, how to get its raw values from the rows'
        columns, and how to turn them into its values."""
        return [
            (plan.name, self._raw_column(plan), self._row_column(plan)) for plan in self._plan()
        ]

    def _raw_column(self, plan: _FieldPlan) -> _RawColumn:
        """A field's raw values: its column's, or what its row source makes of its columns."""
        source = self.row_sources.get(plan.name)
        if source is None:
            name = plan.column
            assert name is not None  # row_columns() gives no rows otherwise
            return lambda column: column(name)
        function, names = source
        return lambda column: list(map(function, *map(column, names)))

    def _row_column(self, plan: _FieldPlan) -> _Column:
        """A field's values from its raw values: what _row_value gives for each, with no
        call per value where a column of ordinary values allows it."""
        one = self._row_value(plan)
        if plan.kind == "pk":
            return _same_value
        elif plain := _PLAIN_TYPES.get(plan.kind):

            def plain_column(raws: list[Any]) -> list[Any]:
                if all(raw is None or type(raw) is plain for raw in raws):
                    return raws
                return list(map(one, raws))

            return plain_column
        elif plan.kind == "uuid" and self._converter(plan) is str:

            def uuid_texts(raws: list[Any]) -> list[Any]:
                if all(type(raw) is uuid.UUID for raw in raws):
                    # orjson writes a UUID as str() does (UUID.__str__ is Python code).
                    texts: list[Any] = orjson.loads(orjson.dumps(raws))
                    return texts
                return list(map(one, raws))

            return uuid_texts
        elif plan.kind == "datetime" and (texts := datetime_column(plan.field)) is not None:
            return lambda raws: texts(raws, lambda index: one(raws[index]))
        return lambda raws: list(map(one, raws))

    def _row_value(self, plan: _FieldPlan) -> _Value:
        """A field's value from its raw value in a list row (see _raw_column)."""
        if plan.kind == "url":
            return self._row_url(plan)
        if plan.kind == "pk":
            return _same_value
        convert = self._converter(plan)
        if plan.kind in _NEVER_SLOW and convert is not None:
            plain = convert
            return lambda raw: None if raw is None else plain(raw)

        def value(raw: Any) -> Any:
            if raw is None:
                return None
            result = _SLOW if convert is None else convert(raw)
            return self.fields[plan.name].to_representation(raw) if result is _SLOW else result

        return value

    def _row_url(self, plan: _FieldPlan) -> _Value:
        """A list row's `url` from its pk: what ObjectUrlField gives for the row's object."""
        prefix = self._url_prefix(plan)
        if prefix is not None:
            # A plain string: DRF's Hyperlink only adds the object, for HTML renderers of
            # instances, and would put one more garbage-collected object in every row.
            return lambda pk: f"{prefix}{pk}/"
        # A format suffix, or a URL that does not end in the pk: reverse each row, as DRF does.
        field, request = plan.field, self.context.get("request")
        format_ = self.context.get("format")
        if format_ and field.format and field.format != format_:
            format_ = field.format

        def url(pk: Any) -> Any:
            kwargs = {field.lookup_url_kwarg: pk}
            return drf_reverse(field.view_name, kwargs=kwargs, request=request, format=format_)

        return url

    def _drf_value(self, name: str, instance: Any) -> Any:
        """What DRF's Serializer.to_representation puts under `name` (SkipField: nothing)."""
        field = self.fields[name]
        attribute = field.get_attribute(instance)
        if isinstance(attribute, relations.PKOnlyObject):
            return None if attribute.pk is None else field.to_representation(attribute)
        return None if attribute is None else field.to_representation(attribute)

    def _instance_value(self, plan: _FieldPlan) -> _Value:
        def slow(instance: Any) -> Any:
            return self._drf_value(plan.name, instance)

        if plan.kind == "method":
            method: _Value = getattr(self, plan.field.method_name)
            return method
        prefix = self._url_prefix(plan) if plan.kind == "url" else None
        if prefix is not None:

            def url(instance: Any) -> Any:
                pk = instance.pk
                if pk is None or pk == "":
                    return slow(instance)
                return relations.Hyperlink(f"{prefix}{pk}/", instance)

            return url
        convert = self._converter(plan)
        if convert is None:
            return slow
        read = attrgetter(plan.path)

        def value(instance: Any) -> Any:
            try:
                raw = read(instance)
                if raw is None:
                    return None
                result = convert(raw)
            except Exception:  # DRF's own code decides: skip, default, None, or the same error
                return slow(instance)
            return slow(instance) if result is _SLOW else result

        return value

    def _url_prefix(self, plan: _FieldPlan) -> str | None:
        """The part of `url` before the pk, as ObjectUrlField builds it; None: no shortcut."""
        request = self.context.get("request")
        if request is None or self.context.get("format"):
            return None
        field = plan.field
        sample = drf_reverse(
            field.view_name, kwargs={field.lookup_url_kwarg: 0}, request=request, format=None
        )
        return sample.removesuffix("0/") if sample.endswith("/0/") else None

    def _converter(self, plan: _FieldPlan) -> Callable[[Any], Any] | None:
        """A non-None value's representation (or _SLOW); None when the field has no shortcut."""
        field = plan.field
        match plan.kind:
            case "pk":
                return _same_value
            case "int":
                return int
            case "bigint":
                coerce = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
                return str if coerce else int
            case "str":
                return str
            case "bool":
                return _bool
            case "choice":
                choices: dict[str, Any] = field.choice_strings_to_values
                return lambda value: value if value == "" else choices.get(str(value), value)
            case "datetime":
                return _datetime_converter(field)
            case "date":
                return _date_converter(field)
            case "uuid":
                return str if field.uuid_format == "hex_verbose" else None
        return None


class FastListSerializer(serializers.ListSerializer[Any]):
    """The list serializer of FastReadModelSerializer: a page of list rows goes through
    represent_rows (column by column); model instances go one by one, as in DRF."""

    def to_representation(self, data: Any) -> list[Any]:
        items = data.all() if isinstance(data, BaseManager) else data
        rows = items if type(items) is list else list(items)
        child = self.child
        assert isinstance(child, FastReadModelSerializer)  # many_init gives it no other child
        if rows and all(type(row) is dict for row in rows):
            return child.represent_rows(rows)
        return [child.to_representation(item) for item in rows]


def rows_for_list[M: Model](queryset: QuerySet[M], view: Any) -> QuerySet[M, Any]:
    """What a viewset's get_queryset gives list(): plain rows (`.values()`, no model
    instances) when its serializer can represent them, the queryset itself otherwise and for
    every other action. A page of 50 memberships built 250 model instances (with the user,
    profile, cohort and lab of each): three quarters of the time the list spent in the ORM."""
    if getattr(view, "action", None) != "list":
        return queryset
    serializer_class = view.get_serializer_class()
    if not issubclass(serializer_class, FastReadModelSerializer):
        return queryset
    columns = serializer_class.row_columns()
    return queryset if columns is None else queryset.values(*columns)


def _same_value(value: Any) -> Any:
    return value


def _bool(value: Any) -> Any:
    return value if value is True or value is False else _SLOW


def _iso_8601(field: _AnyField, default: str | None) -> bool:
    output_format = getattr(field, "format", default)
    return output_format is not None and output_format.lower() == ISO_8601


def _iso_zone(field: _AnyField) -> Any:
    """The zone an ISO 8601 DateTimeField writes in (None: no shortcut for this field)."""
    if not _iso_8601(field, api_settings.DATETIME_FORMAT):
        return None
    return field.timezone if hasattr(field, "timezone") else field.default_timezone()


def datetime_column(
    field: _AnyField,
) -> Callable[[list[Any], Callable[[int], Any]], list[Any]] | None:
    """DRF's DateTimeField output for a whole column of values at once, or None when the
    field has no shortcut. The function takes the raw values and `slow(index)`, the exact
    representation of one value, which answers for every value out of the ordinary.

    The common value, an aware UTC datetime from the database of 1973 or later, is moved
    to the zone in Python and written by orjson in one call for the column: its RFC 3339
    text is isoformat()'s (UTC as "Z"), at a tenth of the cost of isoformat per value.
    """
    zone = _iso_zone(field)
    if zone is None:
        return None

    def texts(raws: list[Any], slow: Callable[[int], Any]) -> list[Any]:
        # Earlier years may have offsets with seconds (see _datetime_converter).
        fast = [
            local
            if type(raw) is dt.datetime
            and raw.tzinfo is dt.UTC
            and (local := raw.astimezone(zone)).year >= 1973
            else None
            for raw in raws
        ]
        out: list[Any] = orjson.loads(orjson.dumps(fast, option=orjson.OPT_UTC_Z))
        if fast.count(None) != raws.count(None):  # some value took no shortcut
            for index, (value, raw) in enumerate(zip(fast, raws, strict=True)):
                if value is None and raw is not None:
                    out[index] = slow(index)
        return out

    return texts


def _datetime_converter(field: _AnyField) -> Callable[[Any], Any] | None:
    """DRF's DateTimeField output for aware datetimes: in the request's zone, UTC as "Z"."""
    zone = _iso_zone(field)
    if zone is None:
        return None

    def convert(value: Any) -> Any:
        if type(value) is not dt.datetime or value.utcoffset() is None:
            return _SLOW
        local = value.astimezone(zone)
        # (Offsets with seconds ended by 1973, Monrovia's last: later years skip the check.)
        offset = local.utcoffset() if local.year < 1973 else None
        if offset is not None and offset.seconds % 60:
            # A zone's local mean time before standard time (Seoul before 1908: +08:27:52):
            # RFC 3339 has no seconds in an offset, so such a moment is given in UTC.
            local = value.astimezone(dt.UTC)
        text = local.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _date_converter(field: _AnyField) -> Callable[[Any], Any] | None:
    if not _iso_8601(field, api_settings.DATE_FORMAT):
        return None
    return lambda value: value.isoformat() if type(value) is dt.date else _SLOW


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
