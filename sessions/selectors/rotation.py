"""Reads for the rotation: the engine's input for a cohort's next meetings, in six queries,
and a fingerprint of the board it was read from."""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Max

from labs.models import Cohort, Membership, MembershipStatus, Role
from members.models import display_name_for
from sessions import rotation
from sessions.models import AwayPeriod, Meeting, MeetingStatus, Slot, SlotAssignment

# Guests come to listen; everyone else takes their turn at presenting.
ROTATION_ROLES = (Role.LEADER, Role.FACILITATOR, Role.MEMBER)


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    id: int
    number: int
    title: str
    starts_at: datetime
    day: date
    index: int


@dataclass(frozen=True, slots=True)
class SlotInfo:
    id: int
    meeting_id: int
    kind: str
    title: str
    capacity: int
    presenters: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RotationBoard:
    """What the rotation reads: the engine input (seed 0; the caller sets its own), names
    and details to show, and the fingerprint of the cohort's whole upcoming board."""

    input: rotation.RotationInput
    meetings: tuple[MeetingInfo, ...]
    slots: dict[int, SlotInfo]
    names: dict[int, str]
    fingerprint: str


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _site_day(moment: datetime) -> date:
    return moment.astimezone(_zone(None)).date()


def rotation_board(*, cohort: Cohort, meetings_ahead: int | None, now: datetime) -> RotationBoard:
    """The cohort's next `meetings_ahead` scheduled meetings that have not started (all of
    them for None), with their slots, and everything the engine weighs, in six queries
    whatever the board's size.

    A meeting's date is its local date in its series' time zone (the site's without one):
    the day an away period is compared with. Presentations count every place held in the
    cohort's meetings that are not cancelled; "last presented" is the latest meeting that
    has started, in any cohort. The fingerprint covers every upcoming slot (not only the
    next `meetings_ahead` meetings), all the cohort's assignments, away periods, members
    and their last presentation, so any change a preview depended on changes it.
    """
    memberships = list(
        Membership.objects.filter(
            cohort=cohort, status=MembershipStatus.ACTIVE, role__in=ROTATION_ROLES
        )
        .order_by("user_id")
        .values("user_id", "joined_on", "user__email", "user__profile__display_name")
    )
    meetings = list(
        Meeting.objects.filter(cohort=cohort)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at", "id")
        .values("id", "number", "title", "starts_at", "series__timezone")
    )
    upcoming_slots = list(
        Slot.objects.filter(
            meeting__cohort=cohort,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__gt=now,
        )
        .order_by("meeting__starts_at", "meeting_id", "kind", "position", "id")
        .values("id", "meeting_id", "kind", "title", "capacity")
    )
    assignments = list(
        SlotAssignment.objects.filter(slot__meeting__cohort=cohort)
        .exclude(slot__meeting__status=MeetingStatus.CANCELLED)
        .order_by("id")
        .values_list(
            "id",
            "slot_id",
            "user_id",
            "slot__meeting_id",
            "user__email",
            "user__profile__display_name",
        )
    )
    member_ids = [row["user_id"] for row in memberships]
    last_rows = (
        SlotAssignment.objects.filter(
            user_id__in=member_ids,
            slot__meeting__starts_at__lte=now,
            slot__meeting__status=MeetingStatus.SCHEDULED,
        )
        .values("user_id")
        .annotate(last=Max("slot__meeting__starts_at"))
        .order_by("user_id")
        .values_list("user_id", "last")
    )
    last_presented = {user_id: _site_day(last) for user_id, last in last_rows}
    away_rows = list(
        AwayPeriod.objects.filter(cohort=cohort)
        .order_by("user_id", "start", "id")
        .values_list("id", "user_id", "start", "end")
    )

    infos: dict[int, MeetingInfo] = {}
    for index, row in enumerate(meetings, start=1):
        infos[row["id"]] = MeetingInfo(
            id=row["id"],
            number=row["number"],
            title=row["title"],
            starts_at=row["starts_at"],
            day=row["starts_at"].astimezone(_zone(row["series__timezone"])).date(),
            index=index,
        )
    first_meeting_date = infos[meetings[0]["id"]].day if meetings else None

    presenters: dict[int, list[int]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    indexes: dict[int, set[int]] = defaultdict(set)
    # Presenters who are no longer rotation members (left, or guests) still show by name.
    names = {
        user_id: display_name_for(email, display_name)
        for _id, _slot, user_id, _meeting, email, display_name in assignments
    }
    for _id, slot_id, user_id, meeting_id, _email, _name in assignments:
        presenters[slot_id].append(user_id)
        counts[user_id] += 1
        indexes[user_id].add(infos[meeting_id].index)
    away: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for _id, user_id, start, end in away_rows:
        away[user_id].append((start, end))

    names.update(
        (row["user_id"], display_name_for(row["user__email"], row["user__profile__display_name"]))
        for row in memberships
    )
    members = tuple(
        rotation.Member(
            id=row["user_id"],
            name=names[row["user_id"]],
            joined_on=row["joined_on"],
            presentations=counts[row["user_id"]],
            last_presented=last_presented.get(row["user_id"]),
            away=tuple(away[row["user_id"]]),
            presented_indexes=frozenset(indexes[row["user_id"]]),
        )
        for row in memberships
    )
    slot_infos = {
        row["id"]: SlotInfo(
            id=row["id"],
            meeting_id=row["meeting_id"],
            kind=row["kind"],
            title=row["title"],
            capacity=row["capacity"],
            presenters=tuple(presenters[row["id"]]),
        )
        for row in upcoming_slots
    }
    # The next meetings, counting those without slots too: "4 meetings ahead" means the
    # next four meetings on the calendar.
    upcoming_meetings = [info for info in infos.values() if info.starts_at > now]
    horizon = tuple(
        upcoming_meetings if meetings_ahead is None else upcoming_meetings[: max(0, meetings_ahead)]
    )
    horizon_set = {info.id for info in horizon}
    engine_slots = tuple(
        rotation.SlotPlaces(
            slot_id=slot.id,
            meeting_id=slot.meeting_id,
            meeting_date=infos[slot.meeting_id].day,
            meeting_index=infos[slot.meeting_id].index,
            open_places=max(0, slot.capacity - len(slot.presenters)),
            presenters=slot.presenters,
        )
        for slot in slot_infos.values()
        if slot.meeting_id in horizon_set
    )
    data = rotation.RotationInput(
        members=members,
        slots=engine_slots,
        median=rotation.cohort_median(members, first_meeting_date),
        first_meeting_date=first_meeting_date,
        seed=0,
    )
    state = {
        "meetings": [[m.id, m.starts_at.isoformat(), m.day.isoformat()] for m in infos.values()],
        "slots": [[s.id, s.meeting_id, s.capacity] for s in slot_infos.values()],
        "assignments": [list(row[:3]) for row in assignments],
        "away": [[i, u, s.isoformat(), e.isoformat()] for i, u, s, e in away_rows],
        "members": [
            [m.id, m.joined_on.isoformat(), m.last_presented and m.last_presented.isoformat()]
            for m in members
        ],
    }
    digest = hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()
    return RotationBoard(
        input=data,
        meetings=horizon,
        slots={slot.slot_id: slot_infos[slot.slot_id] for slot in engine_slots},
        names=names,
        fingerprint=digest[:32],
    )
