"""Reads for the calendar feeds: whose feed a secret opens, its version, and its meetings.

A feed request costs one query to find the token's owner, one aggregate for the version
(ETag and Last-Modified, enough to answer 304) and, only when the feed must be rendered,
one query for its meetings. The secret in the URL is the only credential.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Count, F, Max, QuerySet
from django.http import Http404

from labs.models import Cohort, Membership, MembershipStatus
from members.models import Profile
from sessions.feeds import (
    COHORT_FEED,
    FEED_FORMAT_VERSION,
    MEMBER_FEED,
    FeedEvent,
    feed_sources,
)
from sessions.models import Meeting

# A personal feed shows the last 90 days and everything ahead; a cohort feed shows it all.
PERSONAL_FEED_PAST = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class FeedOwner:
    """Whose feed a secret opened, with what its version depends on besides the meetings."""

    kind: str
    owner_id: int
    language: str
    updated_at: datetime
    # Member feeds: the member's memberships (any status) — joining or leaving a cohort
    # changes which meetings the feed holds even when no meeting changed.
    memberships_changed: datetime | None = None
    membership_count: int = 0
    cohort: Cohort | None = None
    # Other apps' events (sessions.feeds.FeedSource): (source name, count, newest updated_at).
    extra: tuple[tuple[str, int, datetime | None], ...] = ()


def _source_annotations(kind: str) -> dict[str, Any]:
    """Each registered source's count and newest stamp, as annotations of the owner's row."""
    annotations: dict[str, Any] = {}
    for source in feed_sources():
        count, changed = source.stamps(kind)
        annotations[f"_feed_{source.name}_count"] = count
        annotations[f"_feed_{source.name}_changed"] = changed
    return annotations


def _source_stamps(values: Any) -> tuple[tuple[str, int, datetime | None], ...]:
    get = values.get if isinstance(values, dict) else lambda key: getattr(values, key)
    return tuple(
        (
            source.name,
            int(get(f"_feed_{source.name}_count") or 0),
            get(f"_feed_{source.name}_changed"),
        )
        for source in feed_sources()
    )


@dataclass(frozen=True, slots=True)
class FeedVersion:
    etag: str
    last_modified: datetime
    meeting_count: int


def feed_owner_for_member_token(*, token: str) -> FeedOwner:
    """The member whose personal feed this secret opens (one query), else 404."""
    extra = _source_annotations(MEMBER_FEED)
    row = (
        Profile.objects.filter(calendar_token=token, user__is_active=True)
        .annotate(
            memberships_changed=Max("user__memberships__updated_at"),
            membership_count=Count("user__memberships"),
            **extra,
        )
        .values(
            "user_id",
            "language",
            "updated_at",
            "memberships_changed",
            "membership_count",
            *extra,
        )
        .first()
    )
    if row is None:
        raise Http404
    return FeedOwner(
        kind=MEMBER_FEED,
        owner_id=row["user_id"],
        language=row["language"],
        updated_at=row["updated_at"],
        memberships_changed=row["memberships_changed"],
        membership_count=row["membership_count"],
        extra=_source_stamps(row),
    )


def feed_owner_for_cohort_token(*, token: str, language: str) -> FeedOwner:
    """The cohort whose feed this secret opens (one query), else 404.

    `language` words the feed (a cohort feed has no owner with a saved language).
    """
    cohort = (
        Cohort.objects.select_related("lab")
        .filter(calendar_token=token)
        .annotate(**_source_annotations(COHORT_FEED))
        .first()
    )
    if cohort is None:
        raise Http404
    return FeedOwner(
        kind=COHORT_FEED,
        owner_id=cohort.pk,
        language=language,
        updated_at=max(cohort.updated_at, cohort.lab.updated_at),
        cohort=cohort,
        extra=_source_stamps(cohort),
    )


def feed_meetings(*, owner: FeedOwner, now: datetime) -> QuerySet[Meeting]:
    """The meetings a feed holds: a cohort's all; a member's of the cohorts they are an active
    member of (a member who left stops seeing them), from 90 days back on."""
    if owner.kind == COHORT_FEED:
        return Meeting.objects.filter(cohort_id=owner.owner_id)
    cohorts = Membership.objects.filter(
        user_id=owner.owner_id, status=MembershipStatus.ACTIVE
    ).values("cohort_id")
    return Meeting.objects.filter(cohort_id__in=cohorts, ends_at__gte=now - PERSONAL_FEED_PAST)


def feed_version(*, owner: FeedOwner, now: datetime) -> FeedVersion:
    """The feed's ETag and Last-Modified from one aggregate query, without rendering it.

    Everything the feed prints comes from the meeting, its place, series, cohort and lab, so
    the newest of their updated_at plus the meeting count (a meeting leaving the window or
    being deleted lowers it) identify the content, together with the language it is worded
    in and, for a member, their memberships.
    """
    stats = feed_meetings(owner=owner, now=now).aggregate(
        count=Count("id"),
        meetings=Max("updated_at"),
        places=Max("location__updated_at"),
        series=Max("series__updated_at"),
        cohorts=Max("cohort__updated_at"),
        labs=Max("cohort__lab__updated_at"),
    )
    stamps_by_source: tuple[datetime | None, ...] = (
        owner.updated_at,
        owner.memberships_changed,
        stats["meetings"],
        stats["places"],
        stats["series"],
        stats["cohorts"],
        stats["labs"],
        *(changed for _name, _count, changed in owner.extra),
    )
    stamps = [stamp for stamp in stamps_by_source if stamp is not None]
    key = "|".join(
        [
            str(FEED_FORMAT_VERSION),
            owner.kind,
            str(owner.owner_id),
            owner.language,
            str(owner.membership_count),
            str(stats["count"]),
            *(f"{name}={count}" for name, count, _changed in owner.extra),
            *(stamp.isoformat() if stamp is not None else "-" for stamp in stamps_by_source),
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    # Weak: DTSTAMP says when the document was made, so two renderings differ in that line.
    return FeedVersion(
        etag=f'W/"{digest}"', last_modified=max(stamps), meeting_count=stats["count"]
    )


def feed_meeting_rows(*, owner: FeedOwner, now: datetime) -> list[dict[str, Any]]:
    """The feed's meetings as plain rows (one query), in a stable order: start, then id."""
    return meeting_rows(meetings=feed_meetings(owner=owner, now=now))


def meeting_rows(*, meetings: QuerySet[Meeting]) -> list[dict[str, Any]]:
    """Meetings as the calendar builders (sessions.feeds) read them: plain rows, one query,
    ordered by start, then id."""
    rows = meetings.order_by("starts_at", "id").values(
        "id",
        "uid",
        "sequence",
        "number",
        "title",
        "starts_at",
        "ends_at",
        "status",
        "online_url",
        "agenda",
        "updated_at",
        cohort_number=F("cohort__number"),
        cohort_name=F("cohort__name"),
        lab_name=F("cohort__lab__name"),
        location_name=F("location__name"),
        location_address=F("location__address"),
        location_online_url=F("location__online_url"),
        series_timezone=F("series__timezone"),
    )
    # The cast only tells the type checker the rows are plain dicts (they are).
    return cast(list[dict[str, Any]], list(rows))


def feed_extra_events(*, owner: FeedOwner, now: datetime) -> list[FeedEvent]:
    """Other apps' events for this feed, worded in the active language: one query per source
    that has any (the owner's row already counted them)."""
    counts = {name: count for name, count, _changed in owner.extra}
    return [
        event
        for source in feed_sources()
        if counts.get(source.name)
        for event in source.events(owner.kind, owner.owner_id, now)
    ]
