"""REST API for the signed-in member: personal tokens (me/tokens/) and the token auth schema."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    validate_input,
)
from core.errors import PermissionDeniedError
from members.models import ApiToken, TokenScope
from members.selectors import api_token_list_for_user
from members.services import api_token_create, api_token_revoke


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents `Authorization: Bearer lm_...` personal tokens in the schema."""

    target_class = "members.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 -- the auth scheme's name, not a secret
        )
        scheme["description"] = str(
            _lazy(
                "A personal token from the settings page. Read tokens cannot write; "
                "a token limited to a lab sees nothing outside it."
            )
        )
        return scheme


class ApiTokenSerializer(FastReadModelSerializer[ApiToken]):
    """A personal token as listed: never its secret, only a prefix to tell tokens apart."""

    url = ObjectUrlField(view_name="api:token-detail")
    lab = serializers.SlugRelatedField[Any](slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "url",
            "created_at",
            "updated_at",
            "name",
            "prefix",
            "scope",
            "lab",
            "last_used_at",
            "revoked_at",
        )
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """A new personal token, with its secret in `token`: shown this once, never again."""

    token = serializers.SerializerMethodField(
        help_text=_lazy("The secret, shown this once; only a hash is stored.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields: tuple[str, ...] = (*ApiTokenSerializer.Meta.fields, "token")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(OpenApiTypes.STR)
    def get_token(self, token: ApiToken) -> str:
        return str(self.context["secret"])


class ApiTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=80)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    lab = serializers.SlugField(
        max_length=60,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text=_lazy("Limit the token to this lab (its slug)."),
    )


def _require_session(request: Request) -> None:
    # A leaked token must not be able to mint (or manage) more tokens.
    if isinstance(request.auth, ApiToken):
        raise PermissionDeniedError(
            _("Tokens can only be managed from a signed-in browser session.")
        )


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ApiToken]
):
    """My personal API tokens, never with their secrets."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return limit_to_token_lab(
            api_token_list_for_user(user=request_user(self.request)), self.request, "lab_id"
        )

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Create a token; its secret is in `token`, shown this once. Needs a browser session."""
        _require_session(request)
        data = validate_input(ApiTokenCreateSerializer, request)
        token, secret = api_token_create(
            user=request_user(request),
            name=data["name"],
            scope=data["scope"],
            lab_slug=data["lab"] or None,
        )
        context = {**self.get_serializer_context(), "secret": secret}
        return Response(
            ApiTokenCreatedSerializer(token, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Revoke a token; it stops working at once. Needs a browser session."""
        _require_session(request)
        api_token_revoke(actor=request_user(request), token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
