"""The presenters board target of the benchmark: 26 meetings x 3 tracks of a 40-member cohort.

Import only after django.setup(). The data is the bench's own (lab "bench-board", cohort 1,
members board-01..40@bench.labmate.test, all active; 13 past and 13 upcoming weekly meetings,
each with one slot per track — chapter, paper, implementation — of capacity 1, two of every
three slots claimed, six waitlist entries and two away periods), created here with bulk_create
and left out of the scale data, so the other targets do not change. It is re-created when
absent, when a count differs, or when a day has passed and the past/upcoming split moved.

The board shows the next 12 and the last 4 scheduled meetings (sessions.selectors.slots), so
16 rows x 3 tracks: every cell of the board is filled.

Floor, measured in the same run: the rows the board shows, fetched with five `.values()`
queries, one per table (the 16 meetings, their slots, the presenters with their names, the
waitlists, the away periods), merged in Python into upcoming and past rows like the board, and
serialised with orjson. Its stack floor is the same function behind the bench-only URL,
requested by the viewer's own signed-in client.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import orjson
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.measure import FLOORS, Target
from labs.models import Cohort, CohortStatus, Lab, Membership, MembershipStatus, Role
from members.models import Profile, User, display_name_for
from sessions.models import (
    AwayPeriod,
    Meeting,
    MeetingStatus,
    Slot,
    SlotAssignment,
    SlotKind,
    WaitlistEntry,
)
from sessions.selectors.slots import PAST_LIMIT, UPCOMING_LIMIT

BOARD_LAB_SLUG = "bench-board"
BOARD_EMAIL_PREFIX = "board-"
BOARD_EMAIL_DOMAIN = "bench.labmate.test"
BOARD_MEMBERS = 40
BOARD_MEETINGS = 26
BOARD_PAST = 13  # meetings 1-13 are over, 14-26 are to come (re-created when that moves)
TRACKS = (SlotKind.CHAPTER, SlotKind.PAPER, SlotKind.IMPLEMENTATION)
# The viewer: an ordinary member (member 1 leads, member 2 facilitates).
BOARD_VIEWER = 3
# Against the stack floor (the default gate), as the other pages.
BOARD_LIMIT = 3.0
# (meeting number, track index) -> waiting members, first come first. All four slots are
# claimed; the viewer waits on meeting 17's chapter. Meeting 11 is one of the four past rows.
WAITLIST = {(14, 0): (5, 6), (17, 0): (BOARD_VIEWER, 7), (20, 0): (8,), (11, 0): (9,)}
# (member, first meeting, last meeting): member 10 is away for meetings 14-15, member 25 for 12.
AWAY = ((10, 14, 15), (25, 12, 12))

TOKEN = re.compile(
    r'data-testid="board-row-(?P<row>\d+)"'
    r'|data-testid="slot-(?P<slot>\d+)"'
    r'|data-testid="slot-presenter-link-\d+-\d+">(?P<presenter>[^<]*)<'
    r'|data-testid="slot-waitlist-count-\d+">\D*(?P<waiting>\d+)'
    r'|data-testid="board-away-\d+">(?P<away>.*?)</td>',
    re.DOTALL,
)
BADGE = re.compile(r'<span class="badge">([^<]*)</span>')


@dataclass
class BoardSubject:
    cohort: Cohort
    viewer: User
    members: int
    meetings: int
    slots: int


def _email(n: int) -> str:
    return f"{BOARD_EMAIL_PREFIX}{n:02d}@{BOARD_EMAIL_DOMAIN}"


def _board_users() -> Any:
    return User.objects.filter(
        email__startswith=BOARD_EMAIL_PREFIX, email__endswith=f"@{BOARD_EMAIL_DOMAIN}"
    )


def _first_day() -> date:
    """Meeting n starts on first_day + 7(n-1) days: 1-13 started 4 or more days ago, 14-26
    start in 3 days or later, so the split holds all day."""
    return timezone.localdate() - timedelta(days=7 * BOARD_PAST - 3)


def presenter(meeting: int, track: int) -> int | None:
    """Who holds slot (meeting, track): two of every three slots are claimed."""
    if (meeting + track) % 3 == 0:
        return None
    return ((meeting * 3 + track) * 7) % BOARD_MEMBERS + 1


def expected_assignments() -> int:
    return sum(
        presenter(n, t) is not None
        for n in range(1, BOARD_MEETINGS + 1)
        for t in range(len(TRACKS))
    )


@transaction.atomic
def _create_board_data(log: Any) -> None:
    Lab.objects.filter(slug=BOARD_LAB_SLUG).delete()
    _board_users().delete()
    password = make_password(None)  # unusable: the bench signs in with force_login
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=_email(n), password=password, date_joined=now)
        for n in range(1, BOARD_MEMBERS + 1)
    )
    user_ids = {n: user.pk for n, user in enumerate(users, start=1)}
    Profile.objects.bulk_create(
        Profile(user_id=user_ids[n], display_name=f"발표 회원 {n:02d}", language="ko")
        for n in user_ids
    )
    lab = Lab.objects.create(name="서울 발표 모임", slug=BOARD_LAB_SLUG)
    first_day = _first_day()
    cohort = Cohort.objects.create(
        lab=lab,
        number=1,
        start_date=first_day,
        end_date=first_day + timedelta(days=7 * BOARD_MEETINGS),
        status=CohortStatus.ACTIVE,
    )
    roles = {1: Role.LEADER, 2: Role.FACILITATOR}
    Membership.objects.bulk_create(
        Membership(user_id=user_ids[n], cohort=cohort, role=roles.get(n, Role.MEMBER))
        for n in user_ids
    )
    seoul = ZoneInfo("Asia/Seoul")
    meetings = []
    for n in range(1, BOARD_MEETINGS + 1):
        starts_at = datetime.combine(first_day + timedelta(days=7 * (n - 1)), time(19), seoul)
        meetings.append(
            Meeting(
                cohort=cohort,
                number=n,
                title=f"딥러닝 스터디 {n}주차",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=3),
                status=MeetingStatus.SCHEDULED,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings)
    slots = Slot.objects.bulk_create(
        Slot(
            meeting_id=meeting.pk,
            kind=kind,
            title=f"{meeting.number}주차 · {kind.label}",
            materials_url=f"https://example.com/board/{meeting.number}/{t}" if t == 1 else "",
            capacity=1,
            position=0,
        )
        for meeting in meetings
        for t, kind in enumerate(TRACKS)
    )
    slot_ids = {(n, t): slot.pk for (n, t), slot in zip(_cells(), slots, strict=True)}
    SlotAssignment.objects.bulk_create(
        SlotAssignment(slot_id=slot_ids[n, t], user_id=user_ids[member])
        for n, t in _cells()
        if (member := presenter(n, t)) is not None
    )
    for (n, t), waiting in WAITLIST.items():
        assert presenter(n, t) not in (None, *waiting), (n, t)
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(slot_id=slot_ids[cell], user_id=user_ids[member])
        for cell, waiting in WAITLIST.items()
        for member in waiting
    )
    AwayPeriod.objects.bulk_create(
        AwayPeriod(
            cohort=cohort,
            user_id=user_ids[member],
            start=first_day + timedelta(days=7 * (first - 1)),
            end=first_day + timedelta(days=7 * (last - 1)),
            reason="시험 기간",
        )
        for member, first, last in AWAY
    )
    log(
        f"board data: {BOARD_MEETINGS} meetings x {len(TRACKS)} tracks, "
        f"{BOARD_MEMBERS} members in {BOARD_LAB_SLUG}/1"
    )


def _cells() -> list[tuple[int, int]]:
    """(meeting number, track index) in the order the slots are created."""
    return [(n, t) for n in range(1, BOARD_MEETINGS + 1) for t in range(len(TRACKS))]


def _board_is_current(cohort: Cohort) -> bool:
    now = timezone.now()
    meetings = Meeting.objects.filter(cohort=cohort)
    slots = Slot.objects.filter(meeting__cohort=cohort)
    return (
        Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE).count()
        == BOARD_MEMBERS
        and meetings.count() == BOARD_MEETINGS
        and meetings.filter(ends_at__lt=now).count() == BOARD_PAST
        and meetings.filter(starts_at__date=_first_day()).exists()
        and slots.count() == BOARD_MEETINGS * len(TRACKS)
        and SlotAssignment.objects.filter(slot__in=slots).count() == expected_assignments()
        and WaitlistEntry.objects.filter(slot__in=slots).count() == sum(map(len, WAITLIST.values()))
        and AwayPeriod.objects.filter(cohort=cohort).count() == len(AWAY)
    )


def ensure_board_data(*, log: Any) -> BoardSubject:
    """The cohort, its members, meetings, slots, presenters, waitlists and away dates;
    re-created when absent or moved."""
    cohort = Cohort.objects.select_related("lab").filter(lab__slug=BOARD_LAB_SLUG).first()
    if cohort is None or not _board_is_current(cohort):
        _create_board_data(log)
        cohort = Cohort.objects.select_related("lab").get(lab__slug=BOARD_LAB_SLUG)
    else:
        log(f"board data present: {BOARD_MEETINGS} meetings x {len(TRACKS)} tracks")
    viewer = User.objects.get(email=_email(BOARD_VIEWER))
    return BoardSubject(
        cohort=cohort,
        viewer=viewer,
        members=BOARD_MEMBERS,
        meetings=BOARD_MEETINGS,
        slots=BOARD_MEETINGS * len(TRACKS),
    )


def _rows(values: Any) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], list(values))


def board_floor_rows(cohort_id: int, viewer_id: int) -> dict[str, Any]:
    """The board's rows in five `.values()` queries: the next 12 meetings (time order) and the
    last 4 (most recent first), each with its slots per track (presenters' names, waitlist
    count, whether the viewer holds or waits for it) and the names of who is away that day."""
    now = timezone.now()
    scheduled = Meeting.objects.filter(cohort_id=cohort_id, status=MeetingStatus.SCHEDULED)
    next_ids = scheduled.filter(ends_at__gte=now).order_by("starts_at", "id").values("id")
    last_ids = scheduled.filter(ends_at__lt=now).order_by("-starts_at", "-id").values("id")
    meetings = _rows(
        Meeting.objects.filter(
            Q(id__in=next_ids[:UPCOMING_LIMIT]) | Q(id__in=last_ids[:PAST_LIMIT])
        )
        .order_by("starts_at", "id")
        .values("id", "number", "starts_at", "ends_at")
    )
    ids = [row["id"] for row in meetings]
    slots = _rows(
        Slot.objects.filter(meeting_id__in=ids)
        .order_by("meeting_id", "position", "id")
        .values("id", "meeting_id", "kind", "title", "capacity", "materials_url")
    )
    by_slot = {slot["id"]: slot for slot in slots}
    for slot in slots:
        slot["presenters"], slot["waitlist"] = [], 0
        slot["mine"] = slot["waiting"] = False
    presenters = SlotAssignment.objects.filter(slot_id__in=list(by_slot)).order_by(
        "created_at", "id"
    )
    for held in _rows(
        presenters.values("slot_id", "user_id", "user__email", "user__profile__display_name")
    ):
        slot = by_slot[held["slot_id"]]
        slot["presenters"].append(
            display_name_for(held["user__email"], held["user__profile__display_name"])
        )
        slot["mine"] = slot["mine"] or held["user_id"] == viewer_id
    waiting = WaitlistEntry.objects.filter(slot_id__in=list(by_slot)).order_by()
    for entry in _rows(waiting.values("slot_id", "user_id")):
        slot = by_slot[entry["slot_id"]]
        slot["waitlist"] += 1
        slot["waiting"] = slot["waiting"] or entry["user_id"] == viewer_id
    days = {row["id"]: timezone.localtime(row["starts_at"]).date() for row in meetings}
    away: dict[int, list[str]] = defaultdict(list)
    if days:
        periods = AwayPeriod.objects.filter(
            cohort_id=cohort_id, start__lte=max(days.values()), end__gte=min(days.values())
        ).order_by("start", "id")
        for period in periods.values("start", "end", "user__email", "user__profile__display_name"):
            name = display_name_for(period["user__email"], period["user__profile__display_name"])
            for meeting_id, day in days.items():
                if period["start"] <= day <= period["end"] and name not in away[meeting_id]:
                    away[meeting_id].append(name)
    in_use = {slot["kind"] for slot in slots}
    tracks = [kind for kind in SlotKind.values if kind in in_use]
    grid: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for slot in slots:
        grid[slot["meeting_id"]][slot["kind"]].append(slot)
    upcoming: list[dict[str, Any]] = []
    past: list[dict[str, Any]] = []
    for row in meetings:
        row["tracks"] = [grid[row["id"]][kind] for kind in tracks]
        row["away"] = away[row["id"]]
        (upcoming if row["ends_at"] >= now else past).append(row)
    past.reverse()
    return {"tracks": tracks, "upcoming": upcoming, "past": past}


def floor_board(floor: dict[str, Any]) -> list[dict[str, Any]]:
    """What the board shows, from the floor: per row, its meeting, its slots in column order
    (presenters' names, waitlist count) and its away names."""
    return [
        {
            "meeting": row["id"],
            "slots": [
                {"slot": slot["id"], "presenters": slot["presenters"], "waiting": slot["waitlist"]}
                for cells in row["tracks"]
                for slot in cells
            ],
            "away": row["away"],
        }
        for row in (*floor["upcoming"], *floor["past"])
    ]


def page_board(content: bytes) -> list[dict[str, Any]]:
    """The same, read from the page's HTML (rows, cells, presenter links, waitlist counts,
    away badges, in page order)."""
    rows: list[dict[str, Any]] = []
    for match in TOKEN.finditer(content.decode()):
        if match["row"]:
            rows.append({"meeting": int(match["row"]), "slots": [], "away": []})
        elif match["slot"]:
            rows[-1]["slots"].append({"slot": int(match["slot"]), "presenters": [], "waiting": 0})
        elif match["presenter"] is not None:
            rows[-1]["slots"][-1]["presenters"].append(html.unescape(match["presenter"]))
        elif match["waiting"]:
            rows[-1]["slots"][-1]["waiting"] = int(match["waiting"])
        elif match["away"] is not None:
            rows[-1]["away"] = [html.unescape(name) for name in BADGE.findall(match["away"])]
    return rows


def build_board_target(subject: BoardSubject) -> Target:
    """The board target, with the viewer's signed-in client; its floor is registered for the
    stack-floor URL."""
    cohort = subject.cohort
    cohort_id, viewer_id = cohort.pk, subject.viewer.pk
    page = reverse("sessions:board", kwargs={"slug": cohort.lab.slug, "number": cohort.number})

    def board_floor() -> bytes:
        return orjson.dumps(board_floor_rows(cohort_id, viewer_id))

    client = Client()
    client.force_login(subject.viewer)
    target = Target("board_page", "presenters board", page, board_floor, BOARD_LIMIT, client=client)
    FLOORS[target.name] = board_floor
    return target


def check_board_target(target: Target, response: Any) -> None:
    """The board's rows against the floor's: the same meetings in the same order, the same
    slots in each, with the same presenters, waitlist counts and away names."""
    floor = floor_board(orjson.loads(target.floor()))
    page = page_board(response.content)
    target.rows, target.floor_rows = len(page), len(floor)
    if target.rows != target.floor_rows:
        target.notes.append(f"rows differ: request {target.rows}, floor {target.floor_rows}")
    elif page != floor:
        target.notes.append(
            "board rows differ (meetings, slots, presenters, waitlists or away names)"
        )
