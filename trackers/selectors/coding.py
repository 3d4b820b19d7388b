"""Reads for the coding-test study: the gatekeepers (an outsider gets 404), the board (members x
problems with each member's completion and streak, and who is behind) in a constant number of
queries, one member's row, a problem's solves, a member's history across cohorts, and the
board as CSV rows.

The arithmetic (Seoul weeks, completion, streaks) is trackers.progress, on plain data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from labs.models import Cohort, Lab, Membership, MembershipStatus, Role
from labs.selectors import member_lab_ids
from members.models import User, display_name_for
from trackers import progress
from trackers.models import Problem, ProblemSet, Solve, SolveStatus
from trackers.services.coding import NEXT_STATUS, SHORT_PLATFORM

# --- gatekeepers ---------------------------------------------------------------------------------


def problem_set_list_visible(*, user: Any) -> QuerySet[ProblemSet]:
    """Problem sets of the labs this user belongs to (every cohort of them)."""
    qs = ProblemSet.objects.select_related("cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def problem_set_get_for_user(*, user: Any, pk: int) -> ProblemSet:
    """The set if this user may see it, otherwise 404."""
    try:
        return problem_set_list_visible(user=user).get(pk=pk)
    except ProblemSet.DoesNotExist:
        raise Http404 from None


def problem_list_visible(*, user: Any) -> QuerySet[Problem]:
    qs = Problem.objects.select_related("problem_set__cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(problem_set__cohort__lab_id__in=member_lab_ids(user))


def problem_get_for_user(*, user: Any, pk: int) -> Problem:
    """The problem if this user may see it, otherwise 404."""
    try:
        return problem_list_visible(user=user).get(pk=pk)
    except Problem.DoesNotExist:
        raise Http404 from None


def solve_list_visible(*, user: Any) -> QuerySet[Solve]:
    qs = Solve.objects.select_related("problem__problem_set__cohort__lab", "user__profile")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(problem__problem_set__cohort__lab_id__in=member_lab_ids(user))


def solve_get_for_user(*, user: Any, pk: int) -> Solve:
    try:
        return solve_list_visible(user=user).get(pk=pk)
    except Solve.DoesNotExist:
        raise Http404 from None


# --- the board -----------------------------------------------------------------------------------


@dataclass(slots=True)
class WeekTab:
    problem_set_id: int
    week: int
    title: str
    starts_on: dt.date | None
    due_at: dt.datetime
    problem_count: int
    is_open: bool


@dataclass(slots=True)
class BoardProblem:
    id: int
    problem_set_id: int
    week: int
    label: str  # "BOJ 1931", or the title when the platform has no short name
    title: str
    url: str
    platform: str
    difficulty: str
    tags: list[str]


@dataclass(slots=True)
class BoardCell:
    problem_id: int
    status: str
    # The status one click sets (the cycle not started → solved → stuck → not started).
    next_status: str


@dataclass(slots=True)
class BoardRow:
    user_id: int
    name: str
    is_me: bool
    cells: list[BoardCell]
    solved: int  # of the problems shown
    total: int
    streak: int
    best_streak: int

    @property
    def percent(self) -> int:
        return round(100 * self.solved / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.solved == self.total


@dataclass(slots=True)
class BehindRow:
    user_id: int
    name: str
    missed_weeks: list[int]
    unsolved: int
    streak: int


@dataclass(slots=True)
class CodingBoard:
    cohort: Cohort
    tabs: list[WeekTab]
    # The weeks shown: one (the default) or all of them.
    shown: list[WeekTab]
    problems: list[BoardProblem]
    rows: list[BoardRow]
    behind: list[BehindRow] = field(default_factory=list)

    @property
    def my_row(self) -> BoardRow | None:
        return next((row for row in self.rows if row.is_me), None)

    @property
    def single(self) -> WeekTab | None:
        return self.shown[0] if len(self.shown) == 1 else None


def default_week(tabs: Sequence[WeekTab]) -> WeekTab | None:
    """The week a board opens on: the first set still open, else the latest."""
    if not tabs:
        return None
    return next((tab for tab in tabs if tab.is_open), tabs[-1])


def _tabs(cohort: Cohort, now: dt.datetime) -> list[WeekTab]:
    sets = (
        ProblemSet.objects.filter(cohort=cohort)
        .annotate(problem_count=Count("problems"))
        .order_by("week")
        .values_list("id", "week", "title", "starts_on", "due_at", "problem_count")
    )
    return [
        WeekTab(pk, week, title, starts_on, due_at, count, now <= due_at)
        for pk, week, title, starts_on, due_at, count in sets
    ]


def _problems(cohort: Cohort) -> list[BoardProblem]:
    rows = (
        Problem.objects.filter(problem_set__cohort=cohort)
        .order_by("problem_set__week", "position", "id")
        .values_list(
            "id",
            "problem_set_id",
            "problem_set__week",
            "platform",
            "number",
            "title",
            "url",
            "difficulty",
            "tags",
        )
    )
    problems = []
    for pk, set_id, week, platform, number, title, url, difficulty, tags in rows:
        short = SHORT_PLATFORM.get(platform, "")
        label = f"{short} {number}" if short and number else title
        problems.append(
            BoardProblem(pk, set_id, week, label, title, url, platform, difficulty, tags or [])
        )
    return problems


def _week_sets(tabs: Sequence[WeekTab], problems: Sequence[BoardProblem]) -> list[progress.WeekSet]:
    ids: dict[int, set[int]] = defaultdict(set)
    for problem in problems:
        ids[problem.problem_set_id].add(problem.id)
    return [
        progress.WeekSet(tab.week, tab.due_at, frozenset(ids[tab.problem_set_id])) for tab in tabs
    ]


def _members(cohort: Cohort) -> list[tuple[int, str, bool]]:
    """(user id, display name, is a guest) of the cohort's active members, by name."""
    rows = (
        Membership.objects.filter(cohort=cohort, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email", "user_id")
        .values_list("user_id", "user__email", "user__profile__display_name", "role")
    )
    return [
        (user_id, display_name_for(email, name), role == Role.GUEST)
        for user_id, email, name, role in rows
    ]


def _row(
    user_id: int,
    name: str,
    *,
    viewer_id: int | None,
    shown: Sequence[BoardProblem],
    statuses: dict[int, str],
    solved_at: dict[int, dt.datetime | None],
    week_sets: Sequence[progress.WeekSet],
    now: dt.datetime,
) -> tuple[BoardRow, progress.Standing, list[progress.WeekProgress]]:
    cells = []
    solved = 0
    for problem in shown:
        status = statuses.get(problem.id, SolveStatus.NOT_STARTED)
        solved += status == SolveStatus.SOLVED
        cells.append(BoardCell(problem.id, status, NEXT_STATUS[status]))
    weeks = progress.week_progress(week_sets, solved_at, now=now)
    summary = progress.standing(user_id, weeks)
    row = BoardRow(
        user_id=user_id,
        name=name,
        is_me=user_id == viewer_id,
        cells=cells,
        solved=solved,
        total=len(shown),
        streak=summary.streak,
        best_streak=summary.best_streak,
    )
    return row, summary, weeks


def coding_board(
    *,
    cohort: Cohort,
    viewer: Any,
    week: int | None = None,
    all_weeks: bool = False,
    now: dt.datetime | None = None,
) -> CodingBoard:
    """The board: the cohort's active members (guests only once they tick something) x the
    problems of one week (by default the first
    set still open, else the latest) or of every week, each cell the member's status; each
    member's completion of what is shown and their streak; and who is behind (a past week not
    complete), most behind first. Four queries whatever the size: sets, problems, members,
    solves. 404 for a week without a set."""
    now = now or timezone.now()
    tabs = _tabs(cohort, now)
    if all_weeks:
        shown_tabs = tabs
    elif week is not None:
        shown_tabs = [tab for tab in tabs if tab.week == week]
        if not shown_tabs:
            raise Http404
    else:
        current = default_week(tabs)
        shown_tabs = [current] if current else []
    problems = _problems(cohort) if tabs else []
    shown_ids = {tab.problem_set_id for tab in shown_tabs}
    shown = [p for p in problems if p.problem_set_id in shown_ids]
    members = _members(cohort)
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    solved_at: dict[int, dict[int, dt.datetime | None]] = defaultdict(dict)
    if problems and members:
        solves = Solve.objects.filter(
            problem__problem_set__cohort=cohort,
            user__memberships__cohort=cohort,
            user__memberships__status=MembershipStatus.ACTIVE,
        ).values_list("user_id", "problem_id", "status", "solved_at")
        for user_id, problem_id, status, moment in solves:
            statuses[user_id][problem_id] = status
            if status == SolveStatus.SOLVED:
                solved_at[user_id][problem_id] = moment
    week_sets = _week_sets(tabs, problems)
    viewer_id = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    rows = []
    behind = []
    for user_id, name, is_guest in members:
        # Guests watch; they are not expected to solve: on the board once they tick something
        # (or to see their own row), never on the "behind" list.
        if is_guest and not statuses[user_id] and user_id != viewer_id:
            continue
        row, summary, weeks = _row(
            user_id,
            name,
            viewer_id=viewer_id,
            shown=shown,
            statuses=statuses[user_id],
            solved_at=solved_at[user_id],
            week_sets=week_sets,
            now=now,
        )
        rows.append(row)
        if summary.is_behind and not is_guest:
            behind.append((summary, name, [w.week for w in weeks if w.missed]))
    ordered = progress.behind(summary for summary, _name, _weeks in behind)
    details = {summary.user_id: (name, missed) for summary, name, missed in behind}
    return CodingBoard(
        cohort=cohort,
        tabs=tabs,
        shown=shown_tabs,
        problems=shown,
        rows=rows,
        behind=[
            BehindRow(
                user_id=s.user_id,
                name=details[s.user_id][0],
                missed_weeks=details[s.user_id][1],
                unsolved=s.unsolved_in_missed,
                streak=s.streak,
            )
            for s in ordered
        ],
    )


def board_row_for_member(
    *, cohort: Cohort, user: User, shown_set_ids: Sequence[int], now: dt.datetime | None = None
) -> BoardRow:
    """One member's board row (after they tick a cell): their cells for the given sets, their
    completion of them and their streak. Three queries: sets, problems, the member's solves."""
    now = now or timezone.now()
    tabs = _tabs(cohort, now)
    problems = _problems(cohort) if tabs else []
    wanted = set(shown_set_ids)
    shown = [p for p in problems if p.problem_set_id in wanted]
    statuses: dict[int, str] = {}
    solved_at: dict[int, dt.datetime | None] = {}
    solves = Solve.objects.filter(problem__problem_set__cohort=cohort, user=user).values_list(
        "problem_id", "status", "solved_at"
    )
    for problem_id, status, moment in solves:
        statuses[problem_id] = status
        if status == SolveStatus.SOLVED:
            solved_at[problem_id] = moment
    row, _summary, _weeks = _row(
        user.pk,
        user.display_name,
        viewer_id=user.pk,
        shown=shown,
        statuses=statuses,
        solved_at=solved_at,
        week_sets=_week_sets(tabs, problems),
        now=now,
    )
    return row


# --- one problem, one set ---------------------------------------------------------------------


@dataclass(slots=True)
class ProblemSolveRow:
    user_id: int
    name: str
    status: str
    solution_url: str
    language: str
    notes: str
    presented: bool
    solved_at: dt.datetime | None


def problem_solve_rows(*, problem: Problem) -> list[ProblemSolveRow]:
    """Each active member of the problem's cohort with their solve of it (not started when
    they have none), by name. Two queries."""
    cohort_id = problem.problem_set.cohort_id
    members = (
        Membership.objects.filter(cohort_id=cohort_id, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email", "user_id")
        .values_list("user_id", "user__email", "user__profile__display_name")
    )
    solves = {
        solve.user_id: solve
        for solve in Solve.objects.filter(problem=problem).only(
            "user_id",
            "status",
            "solution_url",
            "language",
            "notes",
            "presented",
            "solved_at",
        )
    }
    rows = []
    for user_id, email, name in members:
        solve = solves.get(user_id)
        rows.append(
            ProblemSolveRow(
                user_id=user_id,
                name=display_name_for(email, name),
                status=solve.status if solve else SolveStatus.NOT_STARTED,
                solution_url=solve.solution_url if solve else "",
                language=solve.language if solve else "",
                notes=solve.notes if solve else "",
                presented=solve.presented if solve else False,
                solved_at=solve.solved_at if solve else None,
            )
        )
    return rows


def solve_for(*, problem: Problem, user: Any) -> Solve | None:
    """The user's own solve of the problem, if they touched it."""
    if not user.is_authenticated:
        return None
    return Solve.objects.filter(problem=problem, user=user).first()


# --- a member's history across weeks and cohorts ---------------------------------------------


@dataclass(slots=True)
class HistoryWeek:
    problem_set_id: int
    week: int
    title: str
    due_at: dt.datetime
    solved: int
    total: int
    complete: bool
    on_time: bool
    is_open: bool
    presented: int


@dataclass(slots=True)
class HistoryCohort:
    cohort: Cohort
    weeks: list[HistoryWeek]
    streak: int
    best_streak: int
    solved: int
    total: int


def lab_member_get(*, lab: Lab, user_id: int) -> User:
    """A user who is or was in one of the lab's cohorts, otherwise 404."""
    member = (
        User.objects.select_related("profile")
        .filter(pk=user_id, memberships__cohort__lab=lab)
        .first()
    )
    if member is None:
        raise Http404
    return member


def member_history(*, lab: Lab, user: User, now: dt.datetime | None = None) -> list[HistoryCohort]:
    """Every cohort of the lab the member was in, newest first, with each week's set: how many
    problems they solved (and presented), whether on time, and their streaks. Four queries."""
    now = now or timezone.now()
    cohorts = list(
        Cohort.objects.filter(lab=lab, memberships__user=user).select_related("lab").distinct()
    )
    cohorts.sort(key=lambda c: -c.number)
    ids = [c.pk for c in cohorts]
    sets = list(
        ProblemSet.objects.filter(cohort_id__in=ids)
        .order_by("cohort_id", "week")
        .values_list("id", "cohort_id", "week", "title", "due_at")
    )
    problems: dict[int, set[int]] = defaultdict(set)
    for problem_id, set_id in Problem.objects.filter(problem_set__cohort_id__in=ids).values_list(
        "id", "problem_set_id"
    ):
        problems[set_id].add(problem_id)
    solved_at: dict[int, dt.datetime | None] = {}
    presented: dict[int, int] = defaultdict(int)
    for problem_id, set_id, status, moment, shown in Solve.objects.filter(
        user=user, problem__problem_set__cohort_id__in=ids
    ).values_list("problem_id", "problem__problem_set_id", "status", "solved_at", "presented"):
        if status == SolveStatus.SOLVED:
            solved_at[problem_id] = moment
        presented[set_id] += bool(shown)
    by_cohort: dict[int, list[tuple[int, int, str, dt.datetime]]] = defaultdict(list)
    for set_id, cohort_id, week, title, due_at in sets:
        by_cohort[cohort_id].append((set_id, week, title, due_at))
    history = []
    for cohort in cohorts:
        rows = by_cohort[cohort.pk]
        week_sets = [
            progress.WeekSet(week, due, frozenset(problems[pk])) for pk, week, _t, due in rows
        ]
        weeks = progress.week_progress(week_sets, solved_at, now=now)
        entries = [
            HistoryWeek(
                problem_set_id=pk,
                week=week,
                title=title,
                due_at=due,
                solved=result.solved,
                total=result.total,
                complete=result.complete,
                on_time=result.on_time,
                is_open=result.is_open,
                presented=presented[pk],
            )
            for (pk, week, title, due), result in zip(rows, weeks, strict=True)
        ]
        history.append(
            HistoryCohort(
                cohort=cohort,
                weeks=list(reversed(entries)),
                streak=progress.current_streak(weeks),
                best_streak=progress.best_streak(weeks),
                solved=sum(w.solved for w in weeks),
                total=sum(w.total for w in weeks),
            )
        )
    return history


# --- export --------------------------------------------------------------------------------------

EXPORT_HEADER = (
    "week",
    "platform",
    "number",
    "problem",
    "member",
    "email",
    "status",
    "solution_url",
    "language",
    "presented",
    "solved_at",
    "external_id",
)


def board_export_rows(*, cohort: Cohort) -> Iterator[tuple[Any, ...]]:
    """Every solve of the cohort, one row per member and problem, in week and problem order:
    the columns the solves import reads back (so an export re-imports as "unchanged").
    Streamed from one query."""
    rows = (
        Solve.objects.filter(problem__problem_set__cohort=cohort)
        .order_by(
            "problem__problem_set__week",
            "problem__position",
            "problem_id",
            "user__profile__display_name",
            "user_id",
        )
        .values_list(
            "problem__problem_set__week",
            "problem__platform",
            "problem__number",
            "problem__title",
            "user__profile__display_name",
            "user__email",
            "status",
            "solution_url",
            "language",
            "presented",
            "solved_at",
            "external_id",
        )
    )
    zone = progress.SEOUL
    for (
        week,
        platform,
        number,
        title,
        name,
        email,
        status,
        solution_url,
        language,
        presented,
        solved_at,
        external_id,
    ) in rows.iterator(chunk_size=2000):
        yield (
            week,
            platform,
            number,
            title,
            display_name_for(email, name),
            email,
            status,
            solution_url,
            language,
            "yes" if presented else "no",
            solved_at.astimezone(zone).isoformat() if solved_at else "",
            external_id or "",
        )


def board_sheet(*, cohort: Cohort) -> tuple[list[str], list[list[Any]]]:
    """The board as a sheet, the way groups keep it: one row per member, one column per problem
    (grouped by week) with O (solved), △ (stuck) or empty, then the member's solved count."""
    board = coding_board(cohort=cohort, viewer=None, all_weeks=True)
    marks: dict[str, str] = {SolveStatus.SOLVED: "O", SolveStatus.STUCK: "△"}
    header = ["member", *(f"W{p.week} {p.label}" for p in board.problems), "solved", "streak"]
    rows = [
        [
            row.name,
            *(marks.get(cell.status, "") for cell in row.cells),
            f"{row.solved}/{row.total}",
            row.streak,
        ]
        for row in board.rows
    ]
    return header, rows
