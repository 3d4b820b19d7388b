"""Demo content for the sessions app: places in Seoul, the 5기 biweekly series with RSVPs and
attendance, members' home areas, a date poll and the presenters board. Called by
`manage.py seed_demo`; idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from labs.models import Cohort
from members.models import User
from sessions.models import (
    Attendance,
    DrawKind,
    Location,
    MeetingSeries,
    Poll,
    Rsvp,
    Slot,
    SlotKind,
)
from sessions.services.attendance import attendance_record
from sessions.services.draws import draw_run
from sessions.services.meetings import meeting_series_create
from sessions.services.places import home_area_set, location_create
from sessions.services.polls import poll_create, poll_vote
from sessions.services.slots import (
    away_period_set,
    slot_claim,
    slot_waitlist_join,
    slots_layout_syllabus,
)
from sessions.services.swaps import swap_request_accept, swap_request_create


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    latitude: str | None
    longitude: str | None
    capacity: int | None = None
    online_url: str = ""
    notes: str = ""


PLACES = (
    Place(
        "강남역 스터디카페",
        "서울 강남구 강남대로 396",
        "37.497942",
        "127.027621",
        12,
        notes="6번 출구에서 3분. 4인실 3개를 붙여 씁니다.",
    ),
    Place(
        "시청 공유오피스",
        "서울 중구 세종대로 110",
        "37.566295",
        "126.977945",
        20,
        notes="주말에는 1층 보안데스크에서 방문 등록이 필요해요.",
    ),
    Place("성수 코워킹 라운지", "서울 성동구 성수이로 113", "37.544581", "127.055961", 16),
    Place("온라인 (Zoom)", "", None, None, online_url="https://zoom.us/j/5550100"),
)

# Home areas (rounded to ~1 km by the service): where the whiteboard said people live.
HOME_AREAS = {
    "jiwoo": ("마포구 망원동", "37.556", "126.905"),
    "minjun": ("송파구 잠실동", "37.511", "127.086"),
    "siwoo": ("성남시 분당구", "37.382", "127.119"),
    "hyunwoo": ("노원구 상계동", "37.654", "127.061"),
    "yejun": ("관악구 신림동", "37.484", "126.929"),
    "seoyeon": ("성동구 성수동", "37.544", "127.056"),
    "yuna": ("고양시 일산동구", "37.658", "126.775"),
}

# Who answers what: most come, a few maybe, one regularly absent before exams.
RSVP_PATTERN = {
    "jiwoo": "yes",
    "minjun": "yes",
    "siwoo": "yes",
    "hyunwoo": "maybe",
    "yejun": "yes",
    "seoyeon": "yes",
    "yuna": "no",
    "gunwoo": "maybe",
    "chaewon": "yes",
}
ATTENDANCE_FROM_RSVP = {"yes": "present", "maybe": "late", "no": "excused"}


def seed_sessions_demo(*, cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    """Places, the biweekly Saturday series (past and future meetings), RSVPs, attendance."""
    places = _places(cohort, leader)
    for local, (area, lat, lng) in HOME_AREAS.items():
        # Only when unset: a second run must not touch the profiles (nor their updated_at).
        if users[local].profile.home_area != area:
            home_area_set(
                actor=users[local], area=area, latitude=Decimal(lat), longitude=Decimal(lng)
            )
    if not MeetingSeries.objects.filter(cohort=cohort).exists():
        meeting_series_create(
            actor=leader,
            cohort=cohort,
            interval_weeks=2,
            weekday=cohort.start_date.weekday(),
            start_time=time(14, 0),
            duration_minutes=240,
            first_date=cohort.start_date,
            until=cohort.end_date,
            location=places["강남역 스터디카페"],
            online_url=places["온라인 (Zoom)"].online_url,
        )
    now = timezone.now()
    members = {local: users[local] for local in RSVP_PATTERN if local in users}
    meetings = list(cohort.meetings.order_by("starts_at"))
    upcoming = [m for m in meetings if m.starts_at > now][:2]
    held = [m for m in meetings if m.starts_at <= now]
    for meeting in held + upcoming:
        for local, user in members.items():
            # Joined later than this meeting: no answer. (Past answers are history, so they
            # are written directly; rsvp_set refuses answers after the deadline.)
            if meeting.starts_at.date() < _joined(cohort, user):
                continue
            answer = RSVP_PATTERN[local] if meeting.number % 3 else "yes"
            Rsvp.objects.update_or_create(meeting=meeting, user=user, defaults={"answer": answer})
    for meeting in held:
        if Attendance.objects.filter(meeting=meeting).exists():
            continue
        statuses = {
            rsvp.user_id: ATTENDANCE_FROM_RSVP[rsvp.answer]
            for rsvp in Rsvp.objects.filter(meeting=meeting)
        }
        attendance_record(actor=leader, meeting=meeting, statuses=statuses)
    _poll(cohort, leader, members, places)
    _presenters(cohort, leader, users)


BOOK_CHAPTERS = (
    "1장 LLM 에이전트 개요",
    "2장 도구 사용과 함수 호출",
    "3장 계획과 추론",
)
PAPERS = ("ReAct (2022)", "Toolformer (2023)", "Reflexion (2023)")


def _presenters(cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    """A book track and a paper track on the coming meetings: claimed, open and waitlisted
    slots, and one member away for exams (the rotation page then has something to fill)."""
    if Slot.objects.filter(meeting__cohort=cohort).exists():
        return
    book = slots_layout_syllabus(
        actor=leader,
        cohort=cohort,
        kind=SlotKind.CHAPTER,
        titles=list(BOOK_CHAPTERS),
        per_meeting=1,
    )
    papers = slots_layout_syllabus(
        actor=leader, cohort=cohort, kind=SlotKind.PAPER, titles=list(PAPERS), per_meeting=1
    )
    slot_claim(actor=users["seoyeon"], slot=book[0])
    slot_waitlist_join(actor=users["yejun"], slot=book[0])  # full: 윤예준 waits for it
    slot_claim(actor=users["siwoo"], slot=papers[0])
    slot_claim(actor=users["minjun"], slot=book[2])
    # 박민준 and 이서연 swap chapters 1 and 3 (asked, then accepted: both in the change log).
    swap = swap_request_create(
        actor=users["minjun"],
        requester_slot=book[2],
        target_slot=book[0],
        message="첫 주는 출장이라 3장과 바꿔 주실 수 있을까요?",
    )
    swap_request_accept(actor=users["seoyeon"], swap=swap)
    # The ladder game the cohort used to pick who leads the next cohort (사다리타기).
    draw_run(
        actor=leader,
        cohort=cohort,
        kind=DrawKind.LADDER,
        title="6기 랩장 뽑기",
        participant_ids=[users[local].pk for local in ("minjun", "siwoo", "yejun", "seoyeon")],
        outcomes=["6기 랩장", "꽝", "꽝", "꽝"],
    )
    first = book[0].meeting.starts_at.date()
    away_period_set(
        actor=users["yuna"],
        cohort=cohort,
        user=users["yuna"],
        start=first,
        end=first + timedelta(days=14),
        reason="기말고사",
    )


def _places(cohort: Cohort, leader: User) -> dict[str, Location]:
    found = {}
    for place in PLACES:
        location = Location.objects.filter(lab=cohort.lab, name=place.name).first()
        if location is None:
            location = location_create(
                actor=leader,
                lab=cohort.lab,
                name=place.name,
                address=place.address,
                latitude=Decimal(place.latitude) if place.latitude else None,
                longitude=Decimal(place.longitude) if place.longitude else None,
                capacity=place.capacity,
                online_url=place.online_url,
                notes=place.notes,
            )
        found[place.name] = location
    return found


def _joined(cohort: Cohort, user: User) -> date:
    return cohort.memberships.get(user=user).joined_on


def _poll(
    cohort: Cohort, leader: User, members: dict[str, User], places: dict[str, Location]
) -> None:
    title = "송년회 날짜 정하기"
    if Poll.objects.filter(cohort=cohort, title=title).exists():
        return
    base = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    options = [base + timedelta(days=days) for days in (20, 22, 27)]
    poll = poll_create(
        actor=leader,
        cohort=cohort,
        title=title,
        starts_at_options=options,
        duration_minutes=180,
        location=places["성수 코워킹 라운지"],
    )
    ids = [option.pk for option in poll.options.order_by("starts_at")]
    answers = ("yes", "if_need_be", "no")
    for index, user in enumerate(members.values()):
        poll_vote(
            actor=user,
            poll=poll,
            answers={option: answers[(index + k) % 3] for k, option in enumerate(ids)},
        )
