"""What the coding and interview services share: the permission check, saving only the
fields that changed, and turning a refusal into an import row's problem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from core.errors import ApplicationError, PermissionDeniedError
from trackers.csv_import import RowProblem


def require(actor: Any, perm: str, obj: object, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def save_changed[M: Model](
    obj: M, values: Mapping[str, Any], *, conflict: Callable[[], ApplicationError]
) -> M:
    """Write only the fields whose value differs (nothing at all when none does); a unique
    constraint that refuses the new values raises `conflict()`."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    try:
        # A savepoint: the caller's transaction stays usable after the refused update.
        with transaction.atomic():
            obj.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise conflict() from None
    return obj


def row_problem(exc: ApplicationError, default_field: str = "") -> RowProblem:
    """A service's refusal as an import row's problem, on its first field."""
    field, messages = next(iter(exc.fields.items()), (default_field, [exc.message]))
    return RowProblem(messages[0] if messages else exc.message, field=field)
