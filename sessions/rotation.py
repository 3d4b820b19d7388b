"""Fair presenter rotation: propose presenters for a cohort's open slots, each with its reason.

Pure module (no Django): plain data in, plain data out. Greedy in meeting order, one open
place at a time; for each place the eligible members are ranked by

1. not already presenting at this meeting (soft: only when nobody else can),
2. not presenting at the meeting right before or after (soft: only when nobody else can),
3. fewest presentations this cohort (the *load*, see below),
4. longest since they last presented, across cohorts (never presented = longest),
5. a seeded random draw (random.Random(seed)), so the same input and seed give the same output.

Hard rules: a member away on the meeting's date is never picked; a member is never put twice
into one slot; a slot never gets more presenters than its open places; presenters already
there (claims, earlier assignments) are kept and count toward their load.

Load. `presentations` is every place a member holds in this cohort's meetings, past and
future, claims included. A *late joiner* — someone who joined after the cohort's first
meeting (`joined_on > first_meeting_date`) — is credited with the cohort's median once:
their load starts at `max(presentations, median)`, i.e. `presentations + credit` with
`credit = max(0, median - presentations)` fixed at the start, and grows by one per pick
like everyone else's, so they are not flooded with the presentations they "missed". The
median is taken over the members who were there from the start (all members when there
are none), see `cohort_median`.

Last presented. A member's `last_presented` is their latest presentation before the
rotation's meetings (any cohort); while filling a meeting, presentations at earlier
meetings of the rotation (kept claims and this run's picks) count too.

Meeting indexes number the cohort's meetings (cancelled ones left out) in time order, so
"consecutive" means index ± 1.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

UnfilledWhy = Literal["no_members", "everyone_away", "nobody_eligible"]
PickProblem = Literal["unknown_slot", "unknown_member", "away", "already_presenting", "full"]


@dataclass(frozen=True, slots=True)
class Member:
    """A member who may present. `away` holds inclusive (start, end) date ranges;
    `presented_indexes` the cohort meeting indexes they present at (past and future)."""

    id: int
    name: str
    joined_on: date
    presentations: int
    last_presented: date | None = None
    away: tuple[tuple[date, date], ...] = ()
    presented_indexes: frozenset[int] = frozenset()

    def is_away(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.away)


@dataclass(frozen=True, slots=True)
class SlotPlaces:
    """A slot of a meeting in the rotation: its open places and who presents there already."""

    slot_id: int
    meeting_id: int
    meeting_date: date
    meeting_index: int
    open_places: int
    presenters: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RotationInput:
    members: tuple[Member, ...]
    slots: tuple[SlotPlaces, ...]
    median: float
    first_meeting_date: date | None
    seed: int


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a member was picked, as data (the caller words it in the reader's language).

    `presentations` counts this run's earlier picks too; `credit` is the late-joiner credit
    (0 for everyone else); `adjacent` / `same_meeting` say a soft rule gave way (nobody
    else could take the place)."""

    presentations: int
    median: float
    credit: float
    last_presented: date | None
    available: bool = True
    adjacent: bool = False
    same_meeting: bool = False


@dataclass(frozen=True, slots=True)
class Pick:
    slot_id: int
    meeting_id: int
    member_id: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class Unfilled:
    """Places of a slot the rotation left open, and why: nobody in the cohort, everyone
    away that day, or everyone available already presents in this slot."""

    slot_id: int
    meeting_id: int
    places: int
    why: UnfilledWhy


@dataclass(frozen=True, slots=True)
class Rotation:
    picks: tuple[Pick, ...]
    unfilled: tuple[Unfilled, ...]


class InvalidPicks(ValueError):
    """Picks handed to `explain` that break a hard rule: (position, slot id, problem)."""

    def __init__(self, problems: list[tuple[int, int, PickProblem]]) -> None:
        super().__init__(problems)
        self.problems = problems


def is_late_joiner(member: Member, first_meeting_date: date | None) -> bool:
    return first_meeting_date is not None and member.joined_on > first_meeting_date


def cohort_median(members: Iterable[Member], first_meeting_date: date | None) -> float:
    """The median presentation count of the members there from the start (all members when
    everyone joined late; 0 for nobody)."""
    members = list(members)
    founders = [m.presentations for m in members if not is_late_joiner(m, first_meeting_date)]
    counts = founders or [m.presentations for m in members]
    return float(statistics.median(counts)) if counts else 0.0


def late_joiner_credit(member: Member, median: float, first_meeting_date: date | None) -> float:
    if not is_late_joiner(member, first_meeting_date):
        return 0.0
    return max(0.0, median - member.presentations)


@dataclass(slots=True)
class _Board:
    """The running state both `propose` and `explain` update pick by pick."""

    data: RotationInput
    members: dict[int, Member] = field(default_factory=dict)
    count: dict[int, int] = field(default_factory=dict)
    load: dict[int, float] = field(default_factory=dict)
    credit: dict[int, float] = field(default_factory=dict)
    dates: dict[int, list[date]] = field(default_factory=dict)
    indexes: dict[int, set[int]] = field(default_factory=dict)
    at_meeting: dict[int, set[int]] = field(default_factory=dict)
    in_slot: dict[int, set[int]] = field(default_factory=dict)
    left: dict[int, int] = field(default_factory=dict)

    @classmethod
    def start(cls, data: RotationInput) -> _Board:
        board = cls(data)
        for member in data.members:
            credit = late_joiner_credit(member, data.median, data.first_meeting_date)
            board.members[member.id] = member
            board.count[member.id] = member.presentations
            board.credit[member.id] = credit
            board.load[member.id] = member.presentations + credit
            board.dates[member.id] = [member.last_presented] if member.last_presented else []
            board.indexes[member.id] = set(member.presented_indexes)
        for slot in data.slots:
            board.in_slot[slot.slot_id] = set(slot.presenters)
            board.left[slot.slot_id] = max(0, slot.open_places)
            meeting = board.at_meeting.setdefault(slot.meeting_id, set())
            for member_id in slot.presenters:
                meeting.add(member_id)
                if member_id in board.members:
                    board.dates[member_id].append(slot.meeting_date)
                    board.indexes[member_id].add(slot.meeting_index)
        return board

    def last_before(self, member_id: int, day: date) -> date | None:
        return max((d for d in self.dates[member_id] if d < day), default=None)

    def is_adjacent(self, member_id: int, index: int) -> bool:
        indexes = self.indexes[member_id]
        return index - 1 in indexes or index + 1 in indexes

    def reason(self, member_id: int, slot: SlotPlaces) -> Reason:
        return Reason(
            presentations=self.count[member_id],
            median=self.data.median,
            credit=self.credit[member_id],
            last_presented=self.last_before(member_id, slot.meeting_date),
            adjacent=self.is_adjacent(member_id, slot.meeting_index),
            same_meeting=member_id in self.at_meeting[slot.meeting_id],
        )

    def take(self, member_id: int, slot: SlotPlaces) -> Pick:
        pick = Pick(slot.slot_id, slot.meeting_id, member_id, self.reason(member_id, slot))
        self.count[member_id] += 1
        self.load[member_id] += 1
        self.dates[member_id].append(slot.meeting_date)
        self.indexes[member_id].add(slot.meeting_index)
        self.at_meeting[slot.meeting_id].add(member_id)
        self.in_slot[slot.slot_id].add(member_id)
        self.left[slot.slot_id] -= 1
        return pick


def _in_order(slots: Sequence[SlotPlaces]) -> list[SlotPlaces]:
    # Stable: slots of one meeting keep the order they were given in (the board's order).
    return sorted(slots, key=lambda s: (s.meeting_index, s.meeting_date))


def propose(data: RotationInput) -> Rotation:
    """Fill every open place of `data.slots` as fairly as the rules allow (see the module)."""
    board = _Board.start(data)
    rng = random.Random(data.seed)
    member_ids = sorted(board.members)
    picks: list[Pick] = []
    unfilled: list[Unfilled] = []
    for slot in _in_order(data.slots):
        available = [m for m in member_ids if not board.members[m].is_away(slot.meeting_date)]
        while board.left[slot.slot_id] > 0:
            candidates = [m for m in available if m not in board.in_slot[slot.slot_id]]
            if not candidates:
                why: UnfilledWhy = (
                    "no_members"
                    if not member_ids
                    else "everyone_away"
                    if not available
                    else "nobody_eligible"
                )
                unfilled.append(
                    Unfilled(slot.slot_id, slot.meeting_id, board.left[slot.slot_id], why)
                )
                break
            at_meeting = board.at_meeting[slot.meeting_id]
            # One draw per candidate, in id order: the draws depend on the seed alone.
            ranked = []
            for member_id in candidates:
                last = board.last_before(member_id, slot.meeting_date)
                key = (
                    member_id in at_meeting,
                    board.is_adjacent(member_id, slot.meeting_index),
                    board.load[member_id],
                    last.toordinal() if last else 0,
                    rng.random(),
                )
                ranked.append((key, member_id))
            best = min(ranked)[1]
            picks.append(board.take(best, slot))
    return Rotation(tuple(picks), tuple(unfilled))


def explain(data: RotationInput, picks: Sequence[tuple[int, int]]) -> tuple[Pick, ...]:
    """Check chosen (slot id, member id) pairs against the hard rules and give each its
    reason, as `propose` would have worded it. Raises InvalidPicks listing every problem."""
    board = _Board.start(data)
    slots = {slot.slot_id: slot for slot in data.slots}
    order = {slot.slot_id: n for n, slot in enumerate(_in_order(data.slots))}
    problems: list[tuple[int, int, PickProblem]] = []
    for position, (slot_id, member_id) in enumerate(picks):
        if slot_id not in slots:
            problems.append((position, slot_id, "unknown_slot"))
        elif member_id not in board.members:
            problems.append((position, slot_id, "unknown_member"))
    if problems:
        raise InvalidPicks(problems)
    ordered = sorted(enumerate(picks), key=lambda item: (order[item[1][0]], item[0]))
    result: list[Pick] = []
    for position, (slot_id, member_id) in ordered:
        slot = slots[slot_id]
        if board.members[member_id].is_away(slot.meeting_date):
            problems.append((position, slot_id, "away"))
        elif member_id in board.in_slot[slot_id]:
            problems.append((position, slot_id, "already_presenting"))
        elif board.left[slot_id] <= 0:
            problems.append((position, slot_id, "full"))
        else:
            result.append(board.take(member_id, slot))
    if problems:
        raise InvalidPicks(sorted(problems))
    return tuple(result)
