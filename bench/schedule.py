"""The cohort schedule target of the benchmark: 30 meetings of a 40-member cohort, seen by a member.

Import only after django.setup(). The data is the bench's own (lab "bench-schedule", cohort 1,
members schedule-01..40@bench.labmate.test, all active; 15 past and 15 upcoming weekly
meetings, every member has answered every one), created here with bulk_create and left out of
the scale data, so the other targets do not change. It is re-created when absent, when its
counts differ, or when a day has passed and the past/upcoming split moved.

Floor, measured in the same run: the rows the page shows, fetched with three `.values()`
queries (the meetings with their place names, the yes/maybe/no counts grouped by meeting, the
viewer's own answers), merged in Python, split into upcoming and past like the page, and
serialised with orjson. Its stack floor is the same function behind the bench-only URL,
requested by the viewer's own signed-in client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import orjson
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.measure import FLOORS, Target
from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role
from members.models import Profile, User
from sessions.models import Location, Meeting, MeetingStatus, Rsvp, RsvpAnswer

SCHEDULE_LAB_SLUG = "bench-schedule"
SCHEDULE_EMAIL_PREFIX = "schedule-"
SCHEDULE_EMAIL_DOMAIN = "bench.labmate.test"
SCHEDULE_MEMBERS = 40
SCHEDULE_MEETINGS = 30
SCHEDULE_PAST = 15  # meetings 1-15 are over, 16-30 are to come (re-created when that moves)
# The viewer: an ordinary member (member 1 leads, member 2 facilitates).
SCHEDULE_VIEWER = 3
# Against the stack floor (the default gate), as the cohort page.
SCHEDULE_LIMIT = 3.0
ANSWERS = (RsvpAnswer.YES, RsvpAnswer.MAYBE, RsvpAnswer.NO)
MEETING_ID = re.compile(rb'data-testid="meeting-row" id="meeting-(\d+)"')


@dataclass
class ScheduleSubject:
    cohort: Cohort
    viewer: User
    members: int
    meetings: int


def _email(n: int) -> str:
    return f"{SCHEDULE_EMAIL_PREFIX}{n:02d}@{SCHEDULE_EMAIL_DOMAIN}"


def _schedule_users() -> Any:
    return User.objects.filter(
        email__startswith=SCHEDULE_EMAIL_PREFIX, email__endswith=f"@{SCHEDULE_EMAIL_DOMAIN}"
    )


def _first_day() -> Any:
    """Meeting n starts on first_day + 7(n-1) days: 1-15 started 4 or more days ago, 16-30
    start in 3 days or later, so the split holds all day."""
    return timezone.localdate() - timedelta(days=7 * SCHEDULE_PAST - 3)


def _answer(member: int, meeting: int) -> str:
    return ANSWERS[(member * 7 + meeting * 3) % len(ANSWERS)]


@transaction.atomic
def _create_schedule_data(log: Any) -> None:
    Lab.objects.filter(slug=SCHEDULE_LAB_SLUG).delete()
    _schedule_users().delete()
    password = make_password(None)  # unusable: the bench signs in with force_login
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=_email(n), password=password, date_joined=now)
        for n in range(1, SCHEDULE_MEMBERS + 1)
    )
    Profile.objects.bulk_create(
        Profile(user_id=user.pk, display_name=f"스케줄 회원 {n:02d}", language="ko")
        for n, user in enumerate(users, start=1)
    )
    lab = Lab.objects.create(name="서울 논문 읽기 모임", slug=SCHEDULE_LAB_SLUG)
    first_day = _first_day()
    cohort = Cohort.objects.create(
        lab=lab,
        number=1,
        start_date=first_day,
        end_date=first_day + timedelta(days=7 * SCHEDULE_MEETINGS),
        status=CohortStatus.ACTIVE,
    )
    roles = {1: Role.LEADER, 2: Role.FACILITATOR}
    Membership.objects.bulk_create(
        Membership(user_id=user.pk, cohort=cohort, role=roles.get(n, Role.MEMBER))
        for n, user in enumerate(users, start=1)
    )
    places = [
        Location.objects.create(
            lab=lab,
            name=f"강남 스터디룸 {n}",
            address=f"서울 강남구 테헤란로 {n * 10}",
            latitude="37.498000" if n == 1 else None,
            longitude="127.028000" if n == 1 else None,
        )
        for n in (1, 2, 3)
    ]
    seoul = ZoneInfo("Asia/Seoul")
    meetings = []
    for n in range(1, SCHEDULE_MEETINGS + 1):
        starts_at = datetime.combine(first_day + timedelta(days=7 * (n - 1)), time(19), seoul)
        meetings.append(
            Meeting(
                cohort=cohort,
                number=n,
                title=f"Attention Is All You Need — 발표 {n}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                location=places[n % 3] if n % 4 else None,
                online_url="https://meet.example.com/schedule" if n % 4 == 0 else "",
                status=MeetingStatus.CANCELLED if n % 10 == 0 else MeetingStatus.SCHEDULED,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings)
    Rsvp.objects.bulk_create(
        Rsvp(
            meeting_id=meeting.pk,
            user_id=user.pk,
            answer=_answer(member, meeting.number),
            note="조금 늦어요" if (member + meeting.number) % 9 == 0 else "",
        )
        for meeting in meetings
        for member, user in enumerate(users, start=1)
    )
    log(
        f"schedule data: {SCHEDULE_MEETINGS} meetings x {SCHEDULE_MEMBERS} members "
        f"in {SCHEDULE_LAB_SLUG}/1"
    )


def _schedule_is_current(cohort: Cohort) -> bool:
    now = timezone.now()
    meetings = Meeting.objects.filter(cohort=cohort)
    return (
        Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE).count()
        == SCHEDULE_MEMBERS
        and meetings.count() == SCHEDULE_MEETINGS
        and meetings.filter(ends_at__lt=now).count() == SCHEDULE_PAST
        and meetings.filter(starts_at__date=_first_day()).exists()
        and Rsvp.objects.filter(meeting__cohort=cohort).count()
        == SCHEDULE_MEMBERS * SCHEDULE_MEETINGS
    )


def ensure_schedule_data(*, log: Any) -> ScheduleSubject:
    """The cohort, its members, meetings and answers; re-created when absent or moved."""
    cohort = Cohort.objects.select_related("lab").filter(lab__slug=SCHEDULE_LAB_SLUG).first()
    if cohort is None or not _schedule_is_current(cohort):
        _create_schedule_data(log)
        cohort = Cohort.objects.select_related("lab").get(lab__slug=SCHEDULE_LAB_SLUG)
    else:
        log(f"schedule data present: {SCHEDULE_MEETINGS} meetings x {SCHEDULE_MEMBERS} members")
    viewer = User.objects.get(email=_email(SCHEDULE_VIEWER))
    return ScheduleSubject(
        cohort=cohort, viewer=viewer, members=SCHEDULE_MEMBERS, meetings=SCHEDULE_MEETINGS
    )


def _rows(values: Any) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], list(values))


def schedule_floor_rows(cohort_id: int, viewer_id: int) -> dict[str, Any]:
    """The page's rows in three `.values()` queries: upcoming (time order) and past (most
    recent first), each meeting with its place name, its counts and the viewer's answer."""
    meetings = _rows(
        Meeting.objects.filter(cohort_id=cohort_id)
        .order_by("starts_at", "id")
        .values(
            "id",
            "number",
            "title",
            "starts_at",
            "ends_at",
            "status",
            "online_url",
            "rsvp_deadline",
            place=F("location__name"),
        )
    )
    ids = [row["id"] for row in meetings]
    counts = {
        row["meeting_id"]: row
        for row in Rsvp.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(
            yes=Count("id", filter=Q(answer=RsvpAnswer.YES)),
            maybe=Count("id", filter=Q(answer=RsvpAnswer.MAYBE)),
            no=Count("id", filter=Q(answer=RsvpAnswer.NO)),
        )
        .order_by()
    }
    mine = {
        row["meeting_id"]: row
        for row in Rsvp.objects.filter(user_id=viewer_id, meeting_id__in=ids).values(
            "meeting_id", "answer", "note"
        )
    }
    now = timezone.now()
    upcoming: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    none = {"yes": 0, "maybe": 0, "no": 0}
    for row in meetings:
        count = counts.get(row["id"], none)
        row["yes"], row["maybe"], row["no"] = count["yes"], count["maybe"], count["no"]
        answer = mine.get(row["id"])
        row["my_answer"] = answer["answer"] if answer else None
        row["my_note"] = answer["note"] if answer else None
        (upcoming if row["ends_at"] >= now else past).append(row)
    past.reverse()
    return {"upcoming": upcoming, "past": past}


def build_schedule_target(subject: ScheduleSubject) -> Target:
    """The schedule target, with the viewer's signed-in client; its floor is registered for
    the stack-floor URL."""
    cohort = subject.cohort
    cohort_id, viewer_id = cohort.pk, subject.viewer.pk
    # ?past=all: every one of the 30 meetings on the page, the worst case (by default
    # the page shows the upcoming meetings and only the latest five past ones).
    page = (
        reverse(
            "sessions:cohort_schedule", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        )
        + "?past=all"
    )

    def schedule_floor() -> bytes:
        return orjson.dumps(schedule_floor_rows(cohort_id, viewer_id))

    client = Client()
    client.force_login(subject.viewer)
    target = Target(
        "schedule_page", "cohort schedule page", page, schedule_floor, SCHEDULE_LIMIT, client=client
    )
    FLOORS[target.name] = schedule_floor
    return target


def page_meeting_ids(content: bytes) -> list[int]:
    """The meeting ids of the page's cards, in page order (upcoming, then past)."""
    return [int(match) for match in MEETING_ID.findall(content)]


def check_schedule_target(target: Target, response: Any) -> None:
    """The page's meetings against the floor's: the same ids in the same order."""
    floor = orjson.loads(target.floor())
    floor_ids = [row["id"] for row in (*floor["upcoming"], *floor["past"])]
    page_ids = page_meeting_ids(response.content)
    target.rows, target.floor_rows = len(page_ids), len(floor_ids)
    if target.rows != target.floor_rows:
        target.notes.append(f"rows differ: request {target.rows}, floor {target.floor_rows}")
    elif page_ids != floor_ids:
        target.notes.append("meetings differ (ids or order) between page and floor")
