"""htmx helpers: a typed request and the one rule for choosing a partial."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def template_for(request: HttpRequest, template: str, partial: str) -> str:
    """The page template, or only its partial when htmx asks (not on history restore)."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{template}#{partial}"
    return template
