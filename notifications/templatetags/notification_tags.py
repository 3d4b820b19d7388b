"""Template tags: the notification-preferences section of the member's settings page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("notifications/_preferences.html", takes_context=True)
def notification_preferences(context: template.Context) -> dict[str, Any]:
    """The section with its form filled from the member's saved choices (one query)."""
    from notifications.forms import PreferencesForm
    from notifications.views import preferences_initial

    request = context["request"]
    return {
        "notification_form": PreferencesForm(initial=preferences_initial(request.user)),
        "csrf_token": context.get("csrf_token"),
        "saved": False,
    }
