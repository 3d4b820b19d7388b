"""OpenAPI schema generation: drf-spectacular's AutoSchema plus the API's shared error responses.

Kept apart from core.api because DRF imports core.api (throttle, pagination) while it is
still defining APIView, and drf-spectacular's AutoSchema needs APIView to exist.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry
from rest_framework import serializers

from core.api import ErrorResponseSerializer

_ERROR_DESCRIPTIONS = {
    "400": _lazy("Invalid input; `fields` says which."),
    "401": _lazy("Missing, malformed, invalid or revoked credentials."),
    "403": _lazy("Visible but not allowed (or a read-only token tried to write)."),
    "404": _lazy("Not found, or not visible to you."),
    "409": _lazy("Conflicts with the current state."),
    "412": _lazy("If-Match names a version that is no longer current (the ETag header has it)."),
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
        if hasattr(self.view, "etag_fields"):
            self._document_etags(path, operation, ref)
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

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # A blank link or email ("" in the model) is a valid value, and not a "uri" or an
        # "email": say so, or every validating client rejects a blank one. (DRF leaves
        # allow_blank off read-only fields, even for blank=True model fields.)
        if (
            isinstance(field, serializers.URLField | serializers.EmailField)
            and (getattr(field, "allow_blank", False) or field.read_only)
            and schema.get("format") in ("uri", "email")
        ):
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]

    def get_request_serializer(self) -> Any:
        if self._is_external_upsert():
            return getattr(self.view, "external_id_input", None)
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        if self._is_external_upsert():
            serializer_class = getattr(self.view, "serializer_class", None)
            return {200: serializer_class, 201: serializer_class}
        return super().get_response_serializers()

    def _is_external_upsert(self) -> bool:
        return (
            getattr(self.view, "action", None) == "external"
            and getattr(self.view, "external_id_input", None) is not None
        )

    def _document_etags(self, path: str, operation: dict[str, Any], error_ref: Any) -> None:
        """ETag on object reads (with If-None-Match and 304); If-Match and 412 on writes."""
        if "{" not in path:
            return
        parameters = operation.setdefault("parameters", [])
        responses = operation["responses"]
        if self.method == "GET":
            parameters.append(
                _header(
                    "If-None-Match",
                    _lazy("An ETag you have: 304 (no body) while the object still has it."),
                )
            )
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["ETag"] = {
                        "schema": {"type": "string"},
                        "description": str(_lazy("The object's version, for If-Match.")),
                    }
            responses.setdefault("304", {"description": str(_lazy("Not modified."))})
            return
        if self.method in ("PUT", "PATCH", "DELETE", "POST"):
            parameters.append(
                _header(
                    "If-Match",
                    _lazy("The ETag you read: 412 if the object changed since (or `*`)."),
                )
            )
            if self._is_external_upsert():
                parameters.append(
                    _header("If-None-Match", _lazy("`*`: only create; 412 if it exists."))
                )
            responses.setdefault(
                "412",
                {
                    "description": str(_ERROR_DESCRIPTIONS["412"]),
                    "content": {"application/json": {"schema": error_ref}},
                    "headers": {"ETag": {"schema": {"type": "string"}}},
                },
            )

    def _error_codes(self, path: str) -> list[str]:
        # 400 everywhere: besides invalid input and filters, any request can carry what no
        # field accepts (a NUL byte, a number past 64 bits, too many form fields).
        codes = ["400", "401", "403"]
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if "{" in path or not self._is_list_view():
            # Not only objects in the path: an id in the body or the query (a meeting to
            # answer, an invitation token) can name something the caller may not see.
            codes.append("404")
        if writes:
            codes.append("409")
        codes.append("429")
        return codes


def _header(name: str, description: Any) -> dict[str, Any]:
    return {
        "in": "header",
        "name": name,
        "required": False,
        "schema": {"type": "string"},
        "description": str(description),
    }
