"""The changes feed: a log of every create, update and delete of a synced object, written in the
writer's own transaction, and the reads that page through it without ever skipping a change
that commits late or repeating one a client has moved past (GET /api/v1/changes/).

Writing. Apps declare their synced models in AppConfig.ready() with `track()`. A save or a
delete of a tracked model (including Django's cascades, which send signals once anyone
listens) inserts one `Change` row with one INSERT ... SELECT that reads the object's lab and
cohort through its foreign keys. Writes that send no signals (bulk_create, bulk_update,
queryset.update()) call `record_changes()` next to them, in the same transaction.

Reading, on PostgreSQL. Each row carries the id of the transaction that wrote it
(pg_current_xact_id()). Sequence numbers alone are not enough: transaction A may take number
10, transaction B number 11 and commit first; a reader that served 11 and moved its cursor
past it would never see 10. So a reader serves a row only once its transaction is known to be
finished: every transaction id below the current snapshot's xmin is finished, and no row with
such an id can appear afterwards. The cursor carries that horizon:

    (lo, hi, after) = the client has every row with txid < lo, and the rows with
                      lo <= txid < hi up to sequence number `after`; every txid < hi is final.

A request reads the horizon H (>= hi) and serves, in order, the rest of [lo, hi) by sequence,
then [hi, H) by sequence. Both sets are final, so a page is stable and the next cursor is
exact: nothing below it can still appear (no skip) and nothing below it is served again (no
repeat). A long transaction holds the horizon back (the feed waits for it); it never loses it.

On SQLite writers take turns (one write transaction at a time), so sequence order is commit
order: every row gets txid 0 and the horizon is 1, which leaves the sequence as the cursor.

Each served row carries the object as its API serializer shows it now (one query per type and
page, through the type's viewset, so visibility and the token's lab limit apply); a row whose
object is gone or no longer visible is served as a deletion.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.apps import apps
from django.db import connections, models, router
from django.db.models import BigIntegerField, DateTimeField, F, Model, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.models import Change, ChangeOp

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler
    from rest_framework.request import Request

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
_CURSOR_VERSION = "1"


# --- The registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedType:
    """A type of object in the feed and the viewset whose serializer and visibility it uses."""

    name: str
    model: type[Model]
    viewset: str  # dotted path, imported on first use (apps load before their API modules)


@dataclass(frozen=True)
class Tracked:
    """How writes of one model show up in the feed.

    `object` is the lookup (from this model) of the id of the object reported: "id" for the
    object itself, or e.g. "slot_id" for a slot's presenter, whose changes are changes of its
    slot. `lab` and `cohort` are lookups to the ids that decide who sees the change.
    """

    model: type[Model]
    object_type: str
    lab: str
    cohort: str | None
    object: str = "id"

    @property
    def reports_itself(self) -> bool:
        return self.object in ("id", "pk")


_TYPES: dict[str, FeedType] = {}
_TRACKED: dict[type[Model], list[Tracked]] = {}


def feed_type(name: str, *, model: type[Model] | str, viewset: str) -> None:
    """Declare a type of the feed (call from AppConfig.ready())."""
    resolved = apps.get_model(model) if isinstance(model, str) else model
    _TYPES[name] = FeedType(name=name, model=resolved, viewset=viewset)


def track(
    model: type[Model] | str,
    *,
    object_type: str,
    lab: str,
    cohort: str | None = None,
    object: str = "id",
) -> None:
    """Log every save and delete of `model` as a change of `object_type` (AppConfig.ready())."""
    resolved = apps.get_model(model) if isinstance(model, str) else model
    spec = Tracked(resolved, object_type, lab=lab, cohort=cohort, object=object)
    specs = _TRACKED.setdefault(resolved, [])
    if spec in specs:
        return
    specs.append(spec)
    uid = f"core.changes:{resolved._meta.label}"
    post_save.connect(_on_save, sender=resolved, dispatch_uid=uid)
    pre_delete.connect(_on_delete, sender=resolved, dispatch_uid=uid)
    if spec.reports_itself:
        _track_indirect_writes(resolved)


def _track_indirect_writes(model: type[Model]) -> None:
    """Writes Django makes to `model` without saving it, as changes of its objects:

    - a foreign key with on_delete=SET_NULL / SET_DEFAULT, set by a plain UPDATE when the
      row it points to is deleted (a deleted place leaves its meetings without a place);
    - a many-to-many field, written through its intermediate table.
    """
    for field in model._meta.get_fields():
        if field.many_to_one and field.concrete and field.remote_field is not None:
            on_delete = field.remote_field.on_delete
            if on_delete in (models.SET_NULL, models.SET_DEFAULT):
                pre_delete.connect(
                    _referrers_changed(model, field.name),
                    sender=field.related_model,
                    weak=False,
                    dispatch_uid=f"core.changes:{model._meta.label}.{field.name}",
                )
        elif isinstance(field, models.ManyToManyField):
            m2m_changed.connect(
                _m2m_changed(model),
                sender=getattr(field.remote_field, "through", None),
                weak=False,
                dispatch_uid=f"core.changes:{model._meta.label}.{field.name}",
            )


def _referrers_changed(model: type[Model], field_name: str) -> Any:
    def handler(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        record_changes(model, model._base_manager.filter(**{field_name: instance.pk}))

    return handler


def _m2m_changed(model: type[Model]) -> Any:
    def handler(
        sender: type[Model],
        instance: Model,
        action: str,
        reverse: bool,
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        if not reverse:
            if action in ("post_add", "post_remove", "post_clear"):
                record_changes(model, [instance.pk])
        elif action in ("post_add", "post_remove") and pk_set:
            record_changes(model, list(pk_set))
        elif action == "pre_clear":
            # Which of `model`'s rows point at `instance` is only known before the clear.
            columns = sender._meta.concrete_fields
            source = next(f.attname for f in columns if f.related_model is type(instance))
            target = next(f.attname for f in columns if f.related_model is model)
            ids = sender._base_manager.filter(**{source: instance.pk}).values(target)
            record_changes(model, model._base_manager.filter(pk__in=ids))

    return handler


_NAMES_SHOWN: dict[type[Model], tuple[str, ...]] = {}


def shows_member_name(model: type[Model] | str, *user_fields: str) -> None:
    """Declare that the API shows `model`'s rows with the display name of the member in
    each of `user_fields` (foreign keys to the user): a member's new name is then logged as
    a change of every such row (see record_member_renamed). Call from AppConfig.ready()."""
    resolved = apps.get_model(model) if isinstance(model, str) else model
    _NAMES_SHOWN[resolved] = tuple(dict.fromkeys((*_NAMES_SHOWN.get(resolved, ()), *user_fields)))


def record_member_renamed(user_id: int) -> None:
    """Log an upsert of every object whose API representation shows this member's name
    (call in the rename's transaction): a mirror of the roster, the boards or the question
    bank picks the new name up from the feed without waiting for another change."""
    for model, fields in _NAMES_SHOWN.items():
        condition = Q()
        for field in fields:
            condition |= Q(**{field: user_id})
        record_changes(model, model._base_manager.filter(condition))


def feed_types() -> dict[str, FeedType]:
    return dict(_TYPES)


def tracked_models() -> dict[type[Model], list[Tracked]]:
    return {model: list(specs) for model, specs in _TRACKED.items()}


# --- Writing --------------------------------------------------------------------------------


class CurrentTransactionId(Expression):
    """The writing transaction's id on PostgreSQL (64-bit, never wraps); 0 elsewhere."""

    output_field = BigIntegerField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        if connection.vendor == "postgresql":
            return "pg_current_xact_id()::text::bigint", ()
        return "0", ()


_INSERT_COLUMNS = ("object_type", "object_id", "op", "lab_id", "cohort_id", "txid", "changed_at")


def _insert_changes(spec: Tracked, rows: QuerySet[Any], op: str, using: str) -> None:
    """INSERT INTO core_change ... SELECT, one row per row of `rows` (a queryset of spec.model).

    One statement however many rows: it reads lab and cohort through the joins it needs, in
    the same transaction (and snapshot) as the write it logs.
    """
    cohort: Any = F(spec.cohort) if spec.cohort else Value(None, output_field=BigIntegerField())
    not_null: dict[str, Any] = {f"{spec.object}__isnull": False, f"{spec.lab}__isnull": False}
    # The filter's inner joins are reused by the selected columns: a lookup through a
    # reverse relation gives one row per related object, and none when there is none.
    select = (
        rows.filter(**not_null)
        .order_by("pk")  # several rows: sequence numbers in id order
        .values_list(
            Value(spec.object_type),
            F(spec.object),
            Value(op),
            F(spec.lab),
            cohort,
            CurrentTransactionId(),
            Value(timezone.now(), output_field=DateTimeField()),
        )
    )
    connection = connections[using]
    sql, params = select.query.get_compiler(using=using).as_sql()
    table = connection.ops.quote_name(Change._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


def _on_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: related rows may not exist yet
        return
    using = kwargs.get("using") or router.db_for_write(sender)
    for spec in _TRACKED.get(sender, ()):
        _insert_changes(spec, sender._base_manager.filter(pk=instance.pk), ChangeOp.UPSERT, using)


def _on_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    # pre_delete, not post_delete: the row and its parents still exist to read lab and cohort
    # from, and Django sends it inside the deletion's own transaction.
    using = kwargs.get("using") or router.db_for_write(sender)
    for spec in _TRACKED.get(sender, ()):
        op = ChangeOp.DELETE if spec.reports_itself else ChangeOp.UPSERT
        _insert_changes(spec, sender._base_manager.filter(pk=instance.pk), op, using)


def record_changes(model: type[Model], rows: QuerySet[Any] | Iterable[Any]) -> None:
    """Log upserts for rows of `model` written without save(): after bulk_create() or
    bulk_update() (pass the objects or their ids), or before a queryset.update() (pass the
    queryset, inside the same transaction). Does nothing for a model nobody tracks."""
    specs = _TRACKED.get(model)
    if not specs:
        return
    if isinstance(rows, QuerySet):
        queryset = rows
    else:
        ids = [row.pk if isinstance(row, Model) else row for row in rows]
        if not ids:
            return
        queryset = model._base_manager.filter(pk__in=ids)
    using = queryset.db if isinstance(rows, QuerySet) else router.db_for_write(model)
    for spec in specs:
        _insert_changes(spec, queryset, ChangeOp.UPSERT, using)


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a client is in the feed (see the module docstring); opaque to clients."""

    lo: int = 0
    hi: int = 0
    after: int = 0

    def encode(self) -> str:
        text = f"{_CURSOR_VERSION}.{self.lo}.{self.hi}.{self.after}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            version, *numbers = base64.urlsafe_b64decode(padded).decode("ascii").split(".")
            lo, hi, after = (int(number) for number in numbers)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise _invalid_cursor() from None
        if version != _CURSOR_VERSION or not 0 <= lo <= hi or after < 0:
            raise _invalid_cursor()
        return cls(lo=lo, hi=hi, after=after)


def _invalid_cursor() -> ApplicationError:
    message = _("This is not a cursor from this feed; start again without one.")
    return ApplicationError(message, code="invalid_cursor", fields={"since": [message]})


def horizon(using: str = "default") -> int:
    """The lowest transaction id that may still be running: every change row with a smaller
    txid is final (committed or rolled back). SQLite: 1 (all rows have txid 0)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        row = cursor.fetchone()
    return int(row[0])


def cursor_now(using: str = "default") -> Cursor:
    """A cursor past every change that is final now: a client that lists everything after
    taking it and then follows the feed from it misses nothing."""
    h = horizon(using)
    if connections[using].vendor != "postgresql":
        last = Change.objects.using(using).order_by("-id").values_list("id", flat=True).first()
        return Cursor(lo=0, hi=h, after=last or 0)
    return Cursor(lo=h, hi=h, after=0)


class ChangeRow(NamedTuple):
    # (A NamedTuple: a page builds 500 of them, and a frozen dataclass costs 4x more each.)
    seq: int
    object_type: str
    object_id: int
    op: str
    changed_at: dt.datetime


@dataclass(frozen=True)
class FeedPage:
    rows: list[ChangeRow]
    next_cursor: Cursor
    has_more: bool
    # Exactly this page's change rows, without LIMIT (for subqueries; None when empty).
    query: QuerySet[Change] | None = None


def changes_page(
    *,
    lab_ids: QuerySet[Any] | Sequence[int] | None,
    cursor: Cursor,
    limit: int = DEFAULT_PAGE_SIZE,
    using: str = "default",
) -> FeedPage:
    """The next `limit` changes after `cursor` in labs `lab_ids` (None: every lab).

    Up to three queries: the horizon (PostgreSQL), the rest of window [lo, hi) after
    `after`, then window [hi, H).
    """
    h = horizon(using)
    if cursor.hi > h:
        # A horizon from the future (a forged or foreign cursor) would skip rows.
        raise _invalid_cursor()
    first = Q(txid__gte=cursor.lo, txid__lt=cursor.hi, id__gt=cursor.after)
    second = Q(txid__gte=cursor.hi, txid__lt=h)
    base = Change.objects.using(using)
    if lab_ids is not None:
        base = base.filter(lab_id__in=lab_ids)
    columns = ("id", "txid", "object_type", "object_id", "op", "changed_at")
    # Two index-ordered reads, not one sorted by window: the rest of [lo, hi), then (if the
    # page has room) [hi, H). Each stops at the page's end; an empty range costs no query.
    fetched: list[tuple[Any, ...]] = []
    if cursor.lo < cursor.hi:
        fetched = list(base.filter(first).order_by("id").values_list(*columns)[: limit + 1])
    if len(fetched) <= limit and cursor.hi < h:
        room = limit + 1 - len(fetched)
        fetched += base.filter(second).order_by("id").values_list(*columns)[:room]
    has_more = len(fetched) > limit
    page = fetched[:limit]
    if not page:
        return FeedPage(rows=[], next_cursor=cursor, has_more=False)
    last_seq, last_txid = page[-1][0], page[-1][1]
    if last_txid < cursor.hi:
        next_cursor = Cursor(lo=cursor.lo, hi=cursor.hi, after=last_seq)
        exact = first & Q(id__lte=last_seq)
    else:
        # The page went into [hi, H): everything below hi is delivered.
        next_cursor = Cursor(lo=cursor.hi, hi=h, after=last_seq)
        exact = first | (second & Q(id__lte=last_seq))
    return FeedPage(
        rows=[
            ChangeRow(seq, kind, object_id, op, at) for seq, _tx, kind, object_id, op, at in page
        ],
        next_cursor=next_cursor,
        has_more=has_more,
        query=base.filter(exact),
    )


def serialize_objects(request: Request, page: FeedPage) -> dict[tuple[str, int], Any]:
    """The current API representation of each upserted object of the page, one query (plus
    the viewset's prefetches) per type, through the type's viewset: what it cannot show the
    request (gone, outside the token's lab) is missing from the answer."""
    from core.api import FastReadModelSerializer

    types = {row.object_type for row in page.rows if row.op == ChangeOp.UPSERT} & set(_TYPES)
    found: dict[tuple[str, int], Any] = {}
    for name in sorted(types):
        view = _view_for(_TYPES[name], request)
        assert page.query is not None  # a page with rows has its query
        # The page's own rows as a subquery: no list of hundreds of ids to send and parse.
        ids = page.query.filter(object_type=name, op=ChangeOp.UPSERT).values("object_id")
        # No ORDER BY: the rows are matched to the page by id.
        objects = view.get_queryset().filter(pk__in=ids).order_by()
        serializer_class = view.get_serializer_class()
        context = view.get_serializer_context()
        columns = None
        if issubclass(serializer_class, FastReadModelSerializer):
            columns = serializer_class.row_columns()
        if columns is not None:
            # Plain rows, as the type's list reads them: no model instances (see rows_for_list),
            # represented column by column, as its list does.
            rows = list(objects.values_list(*columns))
            represented = serializer_class(context=context).represent_values(columns, rows)
            for row, body in zip(rows, represented, strict=True):
                found[(name, row[0])] = body
        else:
            for obj in objects:
                found[(name, obj.pk)] = serializer_class(obj, context=context).data
    return found


def _view_for(feed: FeedType, request: Request) -> Any:
    """The type's viewset, set up as DRF sets it up for a `retrieve` of this request."""
    view = import_string(feed.viewset)()
    view.request = request
    view.args = ()
    view.kwargs = {}
    view.format_kwarg = None
    view.action = "retrieve"
    view.action_map = {"get": "retrieve"}
    return view
