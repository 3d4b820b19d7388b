"""Writes for the calendar feeds: resetting the secrets in their addresses."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import PermissionDeniedError
from labs.models import Cohort
from members.models import Profile, User, new_calendar_token
from members.services import profile_ensure


def calendar_token_reset(*, actor: User) -> Profile:
    """Give the actor's personal feed a new secret. Side effect: the old address 404s at once,
    so every calendar subscribed to it stops updating until it subscribes again."""
    profile = profile_ensure(user=actor)
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token", "updated_at"])
    return profile


def cohort_calendar_token_reset(*, actor: User, cohort: Cohort) -> Cohort:
    """Give a cohort's feed a new secret (its leaders and facilitators, and the lab's leaders).

    Side effect: the old address 404s at once, for every member subscribed to it.
    """
    if not actor.has_perm("labs.change_cohort", cohort):
        raise PermissionDeniedError(
            _("Only the cohort's leaders and facilitators can reset its calendar address.")
        )
    cohort.calendar_token = new_calendar_token()
    cohort.save(update_fields=["calendar_token", "updated_at"])
    return cohort
