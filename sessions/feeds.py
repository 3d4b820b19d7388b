"""Calendar feeds (RFC 5545): meeting rows in, iCalendar bytes out, built with `icalendar`.

The feed is what Google Calendar and Apple Calendar subscribe to, so its identity rules matter
more than its looks: every meeting keeps one UID for life ("<meeting.uid>@labmate"; the
schedule service regenerates meetings in place), SEQUENCE is the meeting's own counter, and a
cancelled meeting stays in the feed with STATUS:CANCELLED so subscribers drop it. Times carry
the meeting's own zone (its series' zone, else Asia/Seoul), never the viewer's.

`icalendar` is imported on first use: it takes about 0.1 s to import and only feeds need it.

Other apps add to the feeds without sessions knowing them: `register_feed_source()` adds
events of their own (community's outside events and deadlines), `register_meeting_link()`
adds a line with a link to each meeting's description (community's meeting notes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from icalendar import Timezone

PRODID = "-//Labmate//Labmate calendar feed//EN"
UID_DOMAIN = "labmate"
# Suggested refresh for subscribers (RFC 7986 REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=1)
ALARM_BEFORE = timedelta(hours=1)
# Bumped whenever the rendered shape changes, so every cached ETag stops matching.
# 2: a meeting's description links to its notes; outside events and deadlines join the feeds.
FEED_FORMAT_VERSION = 2

MEMBER_FEED = "member"
COHORT_FEED = "cohort"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One meeting (or another app's event) as the feed prints it (plain, already-worded data).

    `ends_at` None: a moment, such as a deadline (no DTEND: it ends when it starts).
    `alarm_text` None: the meeting reminder; "": no alarm.
    """

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    summary: str
    location: str
    url: str
    description: str
    cancelled: bool
    last_modified: datetime
    alarm_text: str | None = None


@dataclass(frozen=True, slots=True)
class FeedSource:
    """Events another app adds to the feeds, registered from its AppConfig.ready().

    `stamps(kind)` gives two expressions over the feed owner's row (a labs Cohort for a
    cohort feed, a members Profile for a member feed): how many events the feed holds, and
    the newest updated_at among them. They ride on the query that finds the owner, so the
    feed's version (ETag) follows the events at no extra query. `events(kind, owner_id, now)`
    reads and words them (one query); it is called only when the count is not zero.
    """

    name: str
    stamps: Callable[[str], tuple[Any, Any]]
    events: Callable[[str, int, datetime], list[FeedEvent]]


@dataclass(frozen=True, slots=True)
class MeetingLink:
    """A line "<label>: <url>" in every meeting's description; the URL pattern takes `pk`."""

    label: Callable[[], str]
    url_name: str


_FEED_SOURCES: dict[str, FeedSource] = {}
_MEETING_LINKS: dict[str, MeetingLink] = {}


def register_feed_source(source: FeedSource) -> FeedSource:
    _FEED_SOURCES[source.name] = source
    return source


def feed_sources() -> tuple[FeedSource, ...]:
    return tuple(_FEED_SOURCES.values())


def register_meeting_link(link: MeetingLink) -> MeetingLink:
    _MEETING_LINKS[link.url_name] = link
    return link


@dataclass(frozen=True, slots=True)
class FeedCalendar:
    """The calendar around the events: its name, zone and a stable identity."""

    name: str
    uid: str
    timezone: str = "Asia/Seoul"


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """A feed's subscription addresses: https:// to copy, webcal:// to open a calendar app."""

    https: str
    webcal: str
    google: str


def feed_links(*, kind: str, token: str) -> FeedLinks:
    """The absolute addresses of a member ("member") or cohort ("cohort") feed, from SITE_URL."""
    name = "sessions:calendar_member" if kind == MEMBER_FEED else "sessions:calendar_cohort"
    url = settings.SITE_URL.rstrip("/") + reverse(name, kwargs={"token": token})
    webcal = "webcal://" + url.split("://", 1)[1]
    return FeedLinks(
        https=url,
        webcal=webcal,
        google="https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
    )


def feed_calendar_uid(*, kind: str, owner_id: int) -> str:
    """A calendar UID that stays the same for one member's (or cohort's) feed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/calendar/{kind}/{owner_id}"))


def _meeting_url_parts(name: str = "sessions:meeting_detail") -> tuple[str, str]:
    # One reverse() per feed: every event's URL is head + pk + tail.
    sentinel = 2147483647
    url = settings.SITE_URL.rstrip("/") + reverse(name, kwargs={"pk": sentinel})
    head, _sentinel, tail = url.partition(str(sentinel))
    return head, tail


def _summary(row: Mapping[str, Any]) -> str:
    # "5기 3회 · 제목" in Korean.
    summary = _("Cohort %(cohort)s · Meeting %(number)s") % {
        "cohort": row["cohort_number"],
        "number": row["number"],
    }
    if row["title"]:
        summary = f"{summary} · {row['title']}"
    if row["status"] == "cancelled":
        # Some clients ignore STATUS:CANCELLED; the word keeps the event honest there.
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    return summary


def _location(row: Mapping[str, Any], online_url: str) -> str:
    parts = [part for part in (row["location_name"], row["location_address"]) if part]
    if parts:
        return ", ".join(parts)
    return online_url


def _description(
    row: Mapping[str, Any],
    online_url: str,
    cohort_label: str,
    links: Sequence[tuple[str, str, str]] = (),
) -> str:
    lines = [f"{row['lab_name']} · {cohort_label}"]
    if online_url:
        lines.append(_("Online: %(url)s") % {"url": online_url})
    lines += [f"{label}: {head}{row['id']}{tail}" for label, head, tail in links]
    if row["agenda"]:
        lines += ["", row["agenda"]]
    return "\n".join(lines)


def _cohort_label(number: int, name: str) -> str:
    # The wording of labs.models.Cohort.label, from plain values.
    base = _("Cohort %(number)s") % {"number": number}
    return f"{base} · {name}" if name else base


def feed_events_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[FeedEvent]:
    """Word meeting rows (sessions.selectors.feeds.feed_meeting_rows) in the active language."""
    head, tail = _meeting_url_parts()
    links = [(link.label(), *_meeting_url_parts(link.url_name)) for link in _MEETING_LINKS.values()]
    default_zone = settings.TIME_ZONE
    events = []
    for row in rows:
        online_url = row["online_url"] or row["location_online_url"] or ""
        events.append(
            FeedEvent(
                uid=f"{row['uid']}@{UID_DOMAIN}",
                sequence=row["sequence"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                timezone=row["series_timezone"] or default_zone,
                summary=_summary(row),
                location=_location(row, online_url),
                url=f"{head}{row['id']}{tail}",
                description=_description(
                    row,
                    online_url,
                    _cohort_label(row["cohort_number"], row["cohort_name"]),
                    links,
                ),
                cancelled=row["status"] == "cancelled",
                last_modified=row["updated_at"],
            )
        )
    return events


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone | None:
    """The VTIMEZONE of one zone over whole years, computed once per process.

    Building one takes several milliseconds (Asia/Seoul: about 9 ms), as much as forty
    events, so it is cached; the component is only ever serialised, never changed.
    """
    from icalendar import Timezone

    try:
        return Timezone.from_tzid(
            tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
        )
    except ValueError:
        return None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def feed_render(*, calendar: FeedCalendar, events: Sequence[FeedEvent], now: datetime) -> bytes:
    """The iCalendar document (VCALENDAR, VTIMEZONEs, one VEVENT per event), as UTF-8 bytes.

    Events appear in the order given; pass them sorted for a stable feed. Text is escaped
    and long lines folded by icalendar, as RFC 5545 asks.
    """
    from icalendar import Alarm, Calendar, Event, vDuration
    from icalendar.enums import STATUS

    cal = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=calendar.name,
        uid=calendar.uid,
    )
    # RFC 7986 requires the VALUE=DURATION parameter, which the `refresh_interval` setter omits.
    cal.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    cal.add("X-WR-TIMEZONE", calendar.timezone)

    # Every zone an event uses gets its VTIMEZONE (RFC 5545 3.2.19), trimmed to the years the
    # feed spans plus one on each side, as add_missing_timezones() would add them.
    zones = {event.timezone for event in events}
    if events:
        first_year = min(event.starts_at for event in events).year - 1
        last_year = max(event.ends_at or event.starts_at for event in events).year + 2
        for tzid in sorted(zones):
            component = _vtimezone(tzid, first_year, last_year)
            if component is not None:
                cal.add_component(component)

    stamp = _utc(now)
    alarm_text = _("Meeting in one hour")
    for event in events:
        zone = _zone(event.timezone)
        vevent = Event.new(
            uid=event.uid,
            sequence=event.sequence,
            stamp=stamp,
            start=event.starts_at.astimezone(zone),
            end=event.ends_at.astimezone(zone) if event.ends_at is not None else None,
            summary=event.summary,
            location=event.location or None,
            url=event.url,
            description=event.description or None,
            status=STATUS.CANCELLED if event.cancelled else STATUS.CONFIRMED,
            last_modified=_utc(event.last_modified),
        )
        text = alarm_text if event.alarm_text is None else event.alarm_text
        if text and not event.cancelled:
            # No reminder for a meeting that will not happen.
            vevent.add_component(Alarm.new_display(description=text, trigger=-ALARM_BEFORE))
        cal.add_component(vevent)
    # Anything our trimmed components did not cover (an unknown zone is skipped, as before).
    cal.add_missing_timezones()
    return cal.to_ical()
