"""OpenAPI schema generation: drf-spectacular's AutoSchema plus the API's shared error responses.

Kept apart from core.api because DRF imports core.api (throttle, pagination) while it is
still defining APIView, and drf-spectacular's AutoSchema needs APIView to exist.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry

from core.api import ErrorResponseSerializer

_ERROR_DESCRIPTIONS = {
    "400": _lazy("Invalid input; `fields` says which."),
    "401": _lazy("Missing, malformed, invalid or revoked credentials."),
    "403": _lazy("Visible but not allowed (or a read-only token tried to write)."),
    "404": _lazy("Not found, or not visible to you."),
    "409": _lazy("Conflicts with the current state."),
    "429": _lazy("Throttled; retry after `Retry-After` seconds."),
}


class LabmateAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error responses every operation can give.

    Errors share one component (ErrorResponse), so a client generator gets one error type.
    An operation that already documents a code keeps its own description.
    """

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        ref = self.resolve_serializer(ErrorResponseSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(path):
            response: dict[str, Any] = {
                "description": str(_ERROR_DESCRIPTIONS[code]),
                "content": {"application/json": {"schema": ref}},
            }
            if code == "429":
                response["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": str(_lazy("Seconds to wait before the next request.")),
                    }
                }
            responses.setdefault(code, response)
        return operation

    def _error_codes(self, path: str) -> list[str]:
        codes = ["401", "403"]
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if writes or self._is_list_view():
            codes.insert(0, "400")  # invalid input or an invalid filter value
        if "{" in path:
            codes.append("404")
        if writes:
            codes.append("409")
        codes.append("429")
        return codes
