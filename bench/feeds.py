"""The calendar-feed targets of the benchmark: a personal feed of 200 events, and its 304 path.

Import only after django.setup(). The data is the bench's own (lab "bench-feed", member
feed@bench.labmate.test: four cohorts of 50 meetings each, all inside the personal feed's
window), created here and left out of the scale data, so the other targets do not change.
Feeds are fetched without a session, as calendar apps do, through an anonymous client.

Floors, measured in the same run:
- personal feed: the same 200 meetings read with one `.values()` query and written out with a
  hand-written VEVENT template (no icalendar, no VTIMEZONE, no alarm, no line folding);
- 304 path: one `.values()` query that finds the token's owner, and an empty body (the least
  any answer addressed by a secret can cost).
Their stack floors are the same functions behind a bench-only URL without login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role
from members.models import Profile, User
from sessions.models import Location, Meeting, MeetingStatus
from sessions.selectors import feeds as feed_selectors

FEED_LAB_SLUG = "bench-feed"
FEED_EMAIL = "feed@bench.labmate.test"
FEED_COHORTS = 4
FEED_MEETINGS_PER_COHORT = 50
FEED_EVENTS = FEED_COHORTS * FEED_MEETINGS_PER_COHORT
# Limits, against the stack floor (the default gate). icalendar's own work (property encoding,
# RFC line folding) is about nine tenths of a rendered feed, about 0.2 ms per event (research
# B3); the limit catches what we add on top: a query per event, a VTIMEZONE rebuilt per request
# (9 ms each for Asia/Seoul), wording done per event instead of per feed.
FEED_LIMIT = 20.0
# The 304 answer runs the token lookup and one aggregate; its floor runs the lookup alone.
# Its hard limit is the query count (the issue: at most 3).
NOT_MODIFIED_LIMIT = 8.0
NOT_MODIFIED_MAX_QUERIES = 3
# Filled by build_feed_targets, served by public_floor_view.
PUBLIC_FLOORS: dict[str, Any] = {}


def public_floor_view(request: HttpRequest, name: str) -> HttpResponse:
    """A feed floor served like the feed: the middleware stack, no session, no login."""
    return HttpResponse(PUBLIC_FLOORS[name](), content_type="text/calendar; charset=utf-8")


@dataclass
class FeedSubject:
    user: User
    token: str
    events: int


def _feed_event_count(user: User) -> int:
    owner = feed_selectors.feed_owner_for_member_token(token=user.profile.calendar_token)
    return feed_selectors.feed_meetings(owner=owner, now=timezone.now()).count()


@transaction.atomic
def _create_feed_data(log: Any) -> None:
    Lab.objects.filter(slug=FEED_LAB_SLUG).delete()
    User.objects.filter(email=FEED_EMAIL).delete()
    user = User.objects.create_user(email=FEED_EMAIL, password="labmate-bench-feed-2026")
    Profile.objects.create(user=user, display_name="피드 벤치", language="ko")
    lab = Lab.objects.create(name="서울 AI 논문 연구실", slug=FEED_LAB_SLUG)
    places = [
        Location.objects.create(
            lab=lab,
            name=f"강남 스터디룸 {n}",
            address=f"서울 강남구 테헤란로 {n * 10}",
            online_url="https://meet.example.com/bench" if n == 1 else "",
        )
        for n in (1, 2, 3)
    ]
    seoul = ZoneInfo("Asia/Seoul")
    # The first meetings are 60 days old, inside the personal feed's 90-day window.
    first_day = timezone.localdate() - timedelta(days=60)
    for number in range(1, FEED_COHORTS + 1):
        cohort = Cohort.objects.create(
            lab=lab,
            number=number,
            start_date=first_day,
            end_date=first_day + timedelta(days=400),
            status=CohortStatus.ACTIVE,
        )
        Membership.objects.create(user=user, cohort=cohort, role=Role.MEMBER)
        meetings = []
        for n in range(1, FEED_MEETINGS_PER_COHORT + 1):
            starts_at = datetime.combine(
                first_day + timedelta(days=3 * n + number), time(19, 0), tzinfo=seoul
            )
            meetings.append(
                Meeting(
                    cohort=cohort,
                    number=n,
                    title=f"Attention Is All You Need — 발표 {n}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=3),
                    location=places[n % 3] if n % 4 else None,
                    online_url="https://meet.example.com/online" if n % 4 == 0 else "",
                    agenda=f"1. 논문 발표 ({n}회)\n2. 토론, 질의응답; 정리",
                    status=MeetingStatus.CANCELLED if n % 10 == 0 else MeetingStatus.SCHEDULED,
                    sequence=n % 3,
                )
            )
        Meeting.objects.bulk_create(meetings)
    log(f"feed data: {FEED_EVENTS} meetings in {FEED_COHORTS} cohorts of {FEED_LAB_SLUG}")


def ensure_feed_data(*, log: Any) -> FeedSubject:
    """The feed member and their 200 in-window meetings; re-created when the window moved."""
    user = User.objects.filter(email=FEED_EMAIL).select_related("profile").first()
    if user is None or _feed_event_count(user) != FEED_EVENTS:
        _create_feed_data(log)
        user = User.objects.select_related("profile").get(email=FEED_EMAIL)
    else:
        log(f"feed data present: {FEED_EVENTS} meetings")
    return FeedSubject(user=user, token=user.profile.calendar_token, events=FEED_EVENTS)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


_VEVENT = (
    "BEGIN:VEVENT\r\nUID:{uid}@labmate\r\nSEQUENCE:{sequence}\r\nDTSTAMP:{stamp}\r\n"
    "DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nLOCATION:{location}\r\n"
    "URL:{url}{id}/\r\nDESCRIPTION:{description}\r\nSTATUS:{status}\r\n"
    "LAST-MODIFIED:{modified}\r\nEND:VEVENT\r\n"
)


def build_feed_targets(subject: FeedSubject, target_class: Any) -> list[Any]:
    """The two feed targets (Target instances of bench.measure), with anonymous clients."""
    token = subject.token
    feed_path = reverse("sessions:calendar_member", kwargs={"token": token})
    user_id = subject.user.pk
    meeting_url = "http://testserver" + reverse("sessions:meeting_detail", args=[0]).removesuffix(
        "0/"
    )

    def feed_floor() -> bytes:
        now = timezone.now()
        cohorts = Membership.objects.filter(user_id=user_id, status=MembershipStatus.ACTIVE).values(
            "cohort_id"
        )
        rows = cast(
            list[dict[str, Any]],
            list(
                Meeting.objects.filter(
                    cohort_id__in=cohorts,
                    ends_at__gte=now - feed_selectors.PERSONAL_FEED_PAST,
                )
                .order_by("starts_at", "id")
                .values(
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
                    location_name=F("location__name"),
                    location_address=F("location__address"),
                )
            ),
        )
        stamp = _utc(now)
        parts = [
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Labmate//bench floor//EN\r\n"
            "METHOD:PUBLISH\r\n"
        ]
        for row in rows:
            parts.append(
                _VEVENT.format(
                    uid=row["uid"],
                    sequence=row["sequence"],
                    stamp=stamp,
                    start=_utc(row["starts_at"]),
                    end=_utc(row["ends_at"]),
                    summary=_escape(f"{row['cohort_number']}기 {row['number']}회 · {row['title']}"),
                    location=_escape(f"{row['location_name']}, {row['location_address']}"),
                    url=meeting_url,
                    id=row["id"],
                    description=_escape(f"{row['online_url']}\n\n{row['agenda']}"),
                    status="CANCELLED" if row["status"] == "cancelled" else "CONFIRMED",
                    modified=_utc(row["updated_at"]),
                )
            )
        parts.append("END:VCALENDAR\r\n")
        return "".join(parts).encode()

    def not_modified_floor() -> bytes:
        # The token lookup alone: the least a secret-addressed answer can cost.
        list(Profile.objects.filter(calendar_token=token).values("user_id"))
        return b""

    anonymous = Client()
    etag = anonymous.get(feed_path)["ETag"]
    targets = [
        target_class(
            "feed_200",
            f"personal feed ({subject.events} ev)",
            feed_path,
            feed_floor,
            FEED_LIMIT,
            client=anonymous,
            public_floor=True,
        ),
        target_class(
            "feed_304",
            "personal feed 304",
            feed_path,
            not_modified_floor,
            NOT_MODIFIED_LIMIT,
            client=anonymous,
            headers={"If-None-Match": etag},
            status=304,
            max_queries=NOT_MODIFIED_MAX_QUERIES,
            public_floor=True,
        ),
    ]
    PUBLIC_FLOORS.update({target.name: target.floor for target in targets})
    return targets


def check_feed_target(target: Any, response: Any) -> None:
    """Rows of the feed (VEVENTs) against its floor's; the 304 has none on either side."""
    if target.status == 304:
        target.rows = target.floor_rows = 0
        if response.content:
            target.notes.append("304 answered with a body")
        return
    target.rows = response.content.count(b"BEGIN:VEVENT")
    target.floor_rows = target.floor().count(b"BEGIN:VEVENT")
