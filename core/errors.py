"""The one application error: services raise it, views and the API turn it into a response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A refusal that the user can act on; `code` is stable, `message` is translated."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code is not None:
            self.code = code
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}


class NotFoundError(ApplicationError):
    code = "not_found"
    status = 404


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    status = 403


class ConflictError(ApplicationError):
    code = "conflict"
    status = 409


class PreconditionFailedError(ApplicationError):
    """If-Match named a version of the object that is no longer current."""

    code = "precondition_failed"
    status = 412
