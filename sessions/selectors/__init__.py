"""Reads for sessions: visibility-scoped querysets and gatekeepers that 404 outsiders.

Area-specific reads live in the modules beside this one (meetings, places, polls, feeds).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from labs.selectors import member_lab_ids
from sessions.models import Location, Meeting, Poll


def meeting_list_visible(*, user: Any) -> QuerySet[Meeting]:
    """Meetings of the labs this user belongs to."""
    qs = Meeting.objects.select_related("cohort__lab", "location")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def meeting_get_for_user(*, user: Any, pk: int) -> Meeting:
    try:
        return meeting_list_visible(user=user).get(pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


def location_list_visible(*, user: Any) -> QuerySet[Location]:
    qs = Location.objects.select_related("lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(lab_id__in=member_lab_ids(user))


def location_get_for_user(*, user: Any, pk: int) -> Location:
    try:
        return location_list_visible(user=user).get(pk=pk)
    except Location.DoesNotExist:
        raise Http404 from None


def poll_list_visible(*, user: Any) -> QuerySet[Poll]:
    qs = Poll.objects.select_related("cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def poll_get_for_user(*, user: Any, pk: int) -> Poll:
    try:
        return poll_list_visible(user=user).get(pk=pk)
    except Poll.DoesNotExist:
        raise Http404 from None
