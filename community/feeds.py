"""Outside events and deadlines in the calendar feeds, and each meeting's link to its notes.

Registered with sessions.feeds from CommunityConfig.ready(): sessions builds the feeds and
knows nothing of community. A cohort feed holds the cohort's events; a member feed those of
the cohorts the member is active in. Times are the event's own (the feed's zone, Asia/Seoul).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from community.models import EventKind, OutsideEvent
from labs.models import MembershipStatus
from sessions.feeds import (
    COHORT_FEED,
    UID_DOMAIN,
    FeedEvent,
    FeedSource,
    MeetingLink,
    register_feed_source,
    register_meeting_link,
)

SOURCE_NAME = "community_events"
_KIND_LABELS = dict(EventKind.choices)


def _events_for_owner_row(kind: str) -> Any:
    """The events of the feed whose owner is the outer row (a Cohort, or a member's Profile)."""
    if kind == COHORT_FEED:
        return OutsideEvent.objects.filter(cohort_id=OuterRef("pk"))
    return OutsideEvent.objects.filter(
        cohort__memberships__user_id=OuterRef("user_id"),
        cohort__memberships__status=MembershipStatus.ACTIVE,
    )


def _aggregate(events: Any, aggregate: Any) -> Subquery:
    # One row per owner: group the events by a constant and aggregate.
    return Subquery(
        events.order_by().annotate(_one=Value(1)).values("_one").annotate(v=aggregate).values("v")
    )


def feed_stamps(kind: str) -> tuple[Any, Any]:
    events = _events_for_owner_row(kind)
    return Coalesce(_aggregate(events, Count("id")), 0), _aggregate(events, Max("updated_at"))


def _cohort_label(number: int, name: str) -> str:
    base = _("Cohort %(number)s") % {"number": number}
    return f"{base} · {name}" if name else base


def feed_events(kind: str, owner_id: int, now: datetime) -> list[FeedEvent]:
    """The feed's events, worded in the active language (one query)."""
    if kind == COHORT_FEED:
        events = OutsideEvent.objects.filter(cohort_id=owner_id)
    else:
        events = OutsideEvent.objects.filter(
            cohort__memberships__user_id=owner_id,
            cohort__memberships__status=MembershipStatus.ACTIVE,
        )
    rows = events.order_by("starts_at", "id").values(
        "uid",
        "sequence",
        "kind",
        "title",
        "starts_at",
        "ends_at",
        "location",
        "url",
        "description",
        "updated_at",
        cohort_number=F("cohort__number"),
        cohort_name=F("cohort__name"),
        lab_name=F("cohort__lab__name"),
        lab_slug=F("cohort__lab__slug"),
    )
    site = settings.SITE_URL.rstrip("/")
    deadline_alarm = _("Deadline in one hour")
    event_alarm = _("Starts in one hour")
    result = []
    for row in rows:
        page = site + reverse("community:events", kwargs={"slug": row["lab_slug"]})
        lines = [f"{row['lab_name']} · {_cohort_label(row['cohort_number'], row['cohort_name'])}"]
        if row["url"]:
            lines.append(row["url"])
        if row["description"]:
            lines += ["", row["description"]]
        result.append(
            FeedEvent(
                uid=f"{row['uid']}@{UID_DOMAIN}",
                sequence=row["sequence"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                timezone=settings.TIME_ZONE,
                summary=f"{_KIND_LABELS.get(row['kind'], row['kind'])}: {row['title']}",
                location=row["location"],
                url=row["url"] or page,
                description="\n".join(lines),
                cancelled=False,
                last_modified=row["updated_at"],
                alarm_text=deadline_alarm if row["kind"] == EventKind.DEADLINE else event_alarm,
            )
        )
    return result


def _notes_label() -> str:
    return _("Meeting notes")


def register() -> None:
    register_feed_source(FeedSource(name=SOURCE_NAME, stamps=feed_stamps, events=feed_events))
    register_meeting_link(MeetingLink(label=_notes_label, url_name="community:meeting_notes"))
