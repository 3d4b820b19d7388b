"""Pure arithmetic of the coding-test study: Seoul week boundaries, each member's completion per
week, streaks and who is falling behind. Plain data in, plain data out; no Django.

A week runs Monday 00:00 to the next Monday 00:00 in Asia/Seoul (unless another zone is given):
a problem ticked at 23:59 on Sunday in Seoul counts for that week even though it is still
Sunday afternoon in UTC. A problem set's default due is the last moment of its Seoul week.

Streak: the number of consecutive weeks, up to now, whose problems a member all solved by the
set's due. A week still open (its due is ahead) never breaks a streak: it only extends it once
complete. A week without problems is skipped. A problem solved at an unknown time (an imported
sheet without dates) counts as solved on time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
WEEK = timedelta(days=7)


def local_week_start(moment: datetime | date, zone: ZoneInfo = SEOUL) -> date:
    """The Monday of the local week a moment (aware) or a calendar day falls in."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_bounds(day: date, zone: ZoneInfo = SEOUL) -> tuple[datetime, datetime]:
    """[start, end) of the local week containing `day`: Monday 00:00 to next Monday 00:00."""
    monday = local_week_start(day, zone)
    start = datetime.combine(monday, time.min, zone)
    end = datetime.combine(monday + WEEK, time.min, zone)
    return start, end


def week_starts_on(first_day: date, week: int) -> date:
    """The Monday that starts study week `week` (1-based) of a cohort that began on `first_day`."""
    return local_week_start(first_day) + (week - 1) * WEEK


def default_due(starts_on: date, zone: ZoneInfo = SEOUL) -> datetime:
    """The last moment of the local week containing `starts_on` (Sunday 23:59:59.999999)."""
    _start, end = week_bounds(starts_on, zone)
    # Built from the local date, not `end - 1 µs` on an aware datetime, so it stays local.
    sunday = end.date() - timedelta(days=1)
    return datetime.combine(sunday, time.max, zone)


@dataclass(frozen=True, slots=True)
class WeekSet:
    """One week's problem set: its week number, due and problems."""

    week: int
    due_at: datetime
    problem_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class WeekProgress:
    """One member's standing in one week."""

    week: int
    solved: int
    total: int
    # Every problem solved (late ones included): what the board's completion shows.
    complete: bool
    # Every problem solved by the due: what streaks count.
    on_time: bool
    # The due is still ahead.
    is_open: bool

    @property
    def percent(self) -> int:
        return round(100 * self.solved / self.total) if self.total else 0

    @property
    def missed(self) -> bool:
        """Over, and not complete even late."""
        return not self.is_open and self.total > 0 and not self.complete


def week_progress(
    sets: Iterable[WeekSet], solved_at: Mapping[int, datetime | None], *, now: datetime
) -> list[WeekProgress]:
    """Per set, in week order: how many of its problems the member solved, and whether all of
    them were solved (at all, and by the due).

    `solved_at` maps each problem the member solved to when (None: unknown, counted on time);
    problems absent from it are not solved.
    """
    result = []
    for week_set in sorted(sets, key=lambda s: s.week):
        solved = [pid for pid in week_set.problem_ids if pid in solved_at]
        total = len(week_set.problem_ids)
        complete = total > 0 and len(solved) == total
        on_time = complete and all(
            (moment := solved_at[pid]) is None or moment <= week_set.due_at for pid in solved
        )
        result.append(
            WeekProgress(
                week=week_set.week,
                solved=len(solved),
                total=total,
                complete=complete,
                on_time=on_time,
                is_open=now <= week_set.due_at,
            )
        )
    return result


def _runs(progress: Sequence[WeekProgress]) -> list[int]:
    """The streak after each week, in week order (open incomplete and empty weeks carry it)."""
    runs, run = [], 0
    for week in sorted(progress, key=lambda p: p.week):
        if week.total == 0:
            pass
        elif week.on_time:
            run += 1
        elif not week.is_open:
            run = 0
        runs.append(run)
    return runs


def current_streak(progress: Sequence[WeekProgress]) -> int:
    """Consecutive weeks complete on time, ending with the latest one."""
    runs = _runs(progress)
    return runs[-1] if runs else 0


def best_streak(progress: Sequence[WeekProgress]) -> int:
    """The longest run of consecutive weeks complete on time."""
    return max(_runs(progress), default=0)


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's summary over a cohort's weeks, for the board and the "behind" list."""

    user_id: int
    streak: int
    best_streak: int
    # Weeks over and not complete (late solves catch a member up).
    missed_weeks: int
    # Problems of those weeks still unsolved.
    unsolved_in_missed: int
    # Problems of open weeks still unsolved.
    open_unsolved: int

    @property
    def is_behind(self) -> bool:
        return self.missed_weeks > 0


def standing(user_id: int, progress: Sequence[WeekProgress]) -> Standing:
    missed = [p for p in progress if p.missed]
    return Standing(
        user_id=user_id,
        streak=current_streak(progress),
        best_streak=best_streak(progress),
        missed_weeks=len(missed),
        unsolved_in_missed=sum(p.total - p.solved for p in missed),
        open_unsolved=sum(p.total - p.solved for p in progress if p.is_open),
    )


def behind(standings: Iterable[Standing]) -> list[Standing]:
    """Members with a missed week, most behind first (more weeks missed, then more problems
    left in them, then the shorter streak), ties by user id for a stable order."""
    late = [s for s in standings if s.is_behind]
    return sorted(late, key=lambda s: (-s.missed_weeks, -s.unsolved_in_missed, s.streak, s.user_id))
