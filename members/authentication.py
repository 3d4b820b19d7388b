"""API authentication with personal tokens (`Authorization: Bearer lm_...`) and scope checks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from members.middleware import activate_member_preferences
from members.models import ApiToken, User, normalize_email
from members.services import api_token_authenticate


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """The login identity django-axes counts failures against: the normalised email."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(str(raw))


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        token = api_token_authenticate(raw=parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        # The session middleware knew no member: answer in this one's language and zone.
        activate_member_preferences(request._request, token.user)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return 'Bearer realm="api"'


class TokenScopePermission(BasePermission):
    """A read token never writes. (Lab limits are applied by each viewset's queryset.)"""

    message = _("This token is read-only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.can_write
        return True


def token_lab_id(request: Request) -> int | None:
    """The lab a token is limited to, if any."""
    token = request.auth
    return token.lab_id if isinstance(token, ApiToken) else None
