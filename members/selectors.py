"""Reads for members: a member's own personal API tokens."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import Http404

from members.models import ApiToken, User


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """My tokens, live ones first, newest first, with their lab."""
    return (
        ApiToken.objects.filter(user=user)
        .select_related("lab")
        # nulls_first: PostgreSQL sorts NULL last by default, SQLite first.
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")
    )


def api_token_get_for_user(*, user: User, pk: int) -> ApiToken:
    """One of my tokens; someone else's token is a 404, so its existence never leaks."""
    try:
        return ApiToken.objects.select_related("lab").get(user=user, pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
