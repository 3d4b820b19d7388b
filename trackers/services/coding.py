"""Writes for the coding-test study: problem sets and problems (leaders), solves (each member
their own), upserts by external id, and the CSV importers of problems and solves.

Every function checks the actor's permission itself (trackers.rules), so the pages, the API
and the importer refuse the same things with the same messages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError
from labs.models import Cohort, Membership, MembershipStatus
from members.models import User, display_name_for
from notifications.services import notify
from trackers import progress
from trackers.csv_import import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Field,
    ImportResult,
    Outcome,
    Row,
    RowProblem,
    Table,
    run_import,
)
from trackers.models import Platform, Problem, ProblemSet, Solve, SolveStatus
from trackers.services.common import require, row_problem, save_changed

TITLE_MAX_LENGTH = 200
NUMBER_MAX_LENGTH = 120
DIFFICULTY_MAX_LENGTH = 40
LANGUAGE_MAX_LENGTH = 40
NOTES_MAX_LENGTH = 10000
URL_MAX_LENGTH = 500
EXTERNAL_ID_MAX_LENGTH = 120
MAX_TAGS = 12
TAG_MAX_LENGTH = 40
MAX_WEEK = 200

PLATFORM_URLS: dict[str, str] = {
    Platform.BAEKJOON: "https://www.acmicpc.net/problem/{}",
    Platform.PROGRAMMERS: "https://school.programmers.co.kr/learn/courses/30/lessons/{}",
    Platform.LEETCODE: "https://leetcode.com/problems/{}/",
}
# Where a pasted problem URL says which platform and number it is.
_URL_PATTERNS = (
    (Platform.BAEKJOON, re.compile(r"^(?:www\.)?acmicpc\.net/problem/(\d+)")),
    (Platform.PROGRAMMERS, re.compile(r"^(?:school\.)?programmers\.co\.kr/.*lessons/(\d+)")),
    (Platform.LEETCODE, re.compile(r"^(?:www\.)?leetcode\.(?:com|cn)/problems/([a-z0-9-]+)")),
)
_LEETCODE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# How a sheet may write a platform (compared lower-cased, without spaces).
PLATFORM_ALIASES: dict[str, tuple[str, ...]] = {
    Platform.BAEKJOON: ("baekjoon", "boj", "백준", "acmicpc", "solved.ac"),
    Platform.PROGRAMMERS: ("programmers", "프로그래머스", "pgs", "prgms"),
    Platform.LEETCODE: ("leetcode", "리트코드", "lc"),
    Platform.OTHER: ("other", "기타", "etc"),
}
# Column heads: "BOJ 1931". LeetCode's number is its slug, so its column shows the title.
SHORT_PLATFORM: dict[str, str] = {
    Platform.BAEKJOON: "BOJ",
    Platform.PROGRAMMERS: "PGS",
}
# The one-click cycle of a board cell.
NEXT_STATUS: dict[str, str] = {
    SolveStatus.NOT_STARTED: SolveStatus.SOLVED,
    SolveStatus.SOLVED: SolveStatus.STUCK,
    SolveStatus.STUCK: SolveStatus.NOT_STARTED,
}


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(_("Please correct the marked fields."), fields={field: [message]})


def _external_id(value: str | None) -> str | None:
    """NULL, not "", means "none": unique constraints ignore NULLs."""
    value = (value or "").strip()
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise _invalid("external_id", _("At most 120 characters."))
    return value or None


def _check_url(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if len(value) > URL_MAX_LENGTH:
        raise _invalid(field, _("At most 500 characters."))
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise _invalid(field, _("Enter a web address starting with http:// or https://.")) from None
    return value


def _check_length(value: str, limit: int, field: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise _invalid(field, _("At most %(limit)d characters.") % {"limit": limit})
    return value


def _board_url(cohort: Cohort, week: int | None = None) -> str:
    kwargs = {"slug": cohort.lab.slug, "number": cohort.number}
    if week is None:
        return reverse("trackers:coding_board", kwargs=kwargs)
    return reverse("trackers:coding_week", kwargs={**kwargs, "week": week})


# --- problems: platforms, numbers and links ---------------------------------------------------


def platform_from_text(text: str) -> str | None:
    """A platform written the way a sheet might ("백준", "BOJ", "LeetCode"), else None."""
    key = re.sub(r"\s+", "", text).casefold()
    if not key:
        return None
    for platform, aliases in PLATFORM_ALIASES.items():
        if key == platform or key in aliases:
            return str(platform)
    return None


def problem_from_url(url: str) -> tuple[str, str] | None:
    """(platform, number) when a URL points at a known platform's problem."""
    parts = urlsplit(url.strip())
    where = f"{parts.netloc}{parts.path}".lower()
    for platform, pattern in _URL_PATTERNS:
        match = pattern.match(where)
        if match:
            return str(platform), match.group(1)
    return None


def normalize_number(platform: str, number: str) -> str:
    """A platform's problem number as stored: digits for Baekjoon and Programmers (a leading
    "#" or a pasted URL is accepted), a slug for LeetCode ("Two Sum" → "two-sum")."""
    text = number.strip()
    if not text:
        return ""
    found = problem_from_url(text) if "/" in text else None
    if found is not None and found[0] == platform:
        return found[1]
    if platform in (Platform.BAEKJOON, Platform.PROGRAMMERS):
        digits = text.removeprefix("#").strip()
        if not digits.isdigit() or len(digits) > 12:
            raise _invalid("number", _("Enter the problem number (digits only)."))
        return str(int(digits))
    if platform == Platform.LEETCODE:
        slug = re.sub(r"[\s_]+", "-", text.casefold()).strip("-/")
        if not _LEETCODE_SLUG.match(slug) or len(slug) > NUMBER_MAX_LENGTH:
            raise _invalid(
                "number", _("Enter the problem's address name, e.g. two-sum (from its URL).")
            )
        return slug
    return _check_length(text, NUMBER_MAX_LENGTH, "number")


def problem_url(platform: str, number: str) -> str:
    """The problem's page on its platform, or "" when the platform has no pattern."""
    pattern = PLATFORM_URLS.get(platform)
    return pattern.format(number) if pattern and number else ""


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Tags from a list or from text separated by commas, semicolons, "|" or "#" (not by
    slashes: "스택/큐" is one of Programmers' categories):
    trimmed, without duplicates (case-insensitive), in the order given."""
    items = re.split(r"[,;#|]", value) if isinstance(value, str) else list(value)
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = str(item).strip()
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            raise _invalid("tags", _("A tag has at most 40 characters."))
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise _invalid("tags", _("At most %(count)d tags.") % {"count": MAX_TAGS})
    return tags


@dataclass(frozen=True, slots=True)
class ProblemFields:
    platform: str
    number: str
    title: str
    url: str
    difficulty: str
    tags: list[str]


def clean_problem(
    *,
    platform: str,
    number: str = "",
    title: str = "",
    url: str = "",
    difficulty: str = "",
    tags: str | Iterable[str] = (),
) -> ProblemFields:
    """A problem's fields checked and completed: the platform and number read from a pasted
    URL when the platform is not given, the URL built from them when it is not, and a title
    made from them when none is given."""
    url = _check_url(url, "url")
    platform = (platform or "").strip()
    if not platform and url:
        found = problem_from_url(url)
        platform, number = (found[0], number or found[1]) if found else (Platform.OTHER, number)
    platform = platform or Platform.OTHER
    if platform not in Platform.values:
        raise _invalid("platform", _("Choose Baekjoon, Programmers, LeetCode or Other."))
    number = normalize_number(platform, number)
    title = _check_length(title, TITLE_MAX_LENGTH, "title")
    if not title:
        if not number:
            raise _invalid("title", _("Give the problem a title or a number."))
        title = f"{Platform(platform).label} {number}"
    return ProblemFields(
        platform=platform,
        number=number,
        title=title,
        url=url or problem_url(platform, number),
        difficulty=_check_length(difficulty, DIFFICULTY_MAX_LENGTH, "difficulty"),
        tags=parse_tags(tags),
    )


def problem_label(problem: Problem) -> str:
    """A short label for a column head: "BOJ 1931" or the title."""
    short = SHORT_PLATFORM.get(problem.platform, "")
    return f"{short} {problem.number}" if short and problem.number else problem.title


# --- problem sets ------------------------------------------------------------------------------


def _check_week(week: int) -> int:
    if not 1 <= int(week) <= MAX_WEEK:
        raise _invalid("week", _("The week is a number from 1 to 200."))
    return int(week)


def _set_dates(
    cohort: Cohort, week: int, starts_on: dt.date | None, due_at: dt.datetime | None
) -> tuple[dt.date, dt.datetime]:
    """The start and due of a week's set: by default the Monday of the cohort's week `week`
    and the last moment of that Seoul week."""
    starts_on = starts_on or progress.week_starts_on(cohort.start_date, week)
    due_at = due_at or progress.default_due(starts_on)
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    start_of_day = dt.datetime.combine(starts_on, dt.time.min, progress.SEOUL)
    if due_at < start_of_day:
        raise _invalid("due_at", _("The due must not be before the start."))
    return starts_on, due_at


def _week_taken(week: int) -> ConflictError:
    return ConflictError(
        _("Week %(week)d already has a problem set.") % {"week": week},
        code="week_taken",
        fields={"week": [_("Week %(week)d already has a problem set.") % {"week": week}]},
    )


def _external_id_taken() -> ConflictError:
    return ConflictError(
        _("Another item already has this external id."),
        code="external_id_taken",
        fields={"external_id": [_("Already in use.")]},
    )


def _active_members(cohort: Cohort) -> list[User]:
    return list(
        User.objects.filter(
            memberships__cohort=cohort, memberships__status=MembershipStatus.ACTIVE
        ).distinct()
    )


@transaction.atomic
def problem_set_create(
    *,
    actor: User,
    cohort: Cohort,
    week: int,
    title: str = "",
    starts_on: dt.date | None = None,
    due_at: dt.datetime | None = None,
    external_id: str | None = None,
    announce: bool = True,
) -> ProblemSet:
    """Open a week's problem set (the cohort's leaders and facilitators).

    Without dates it starts on the Monday of the cohort's week `week` and is due at the end of
    that Seoul week. Refused when the week already has a set (409 week_taken).
    Side effects: with `announce`, a "coding_set_published" notification to the cohort's
    other active members.
    """
    require(
        actor,
        "trackers.manage_board",
        cohort,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    week = _check_week(week)
    starts_on, due_at = _set_dates(cohort, week, starts_on, due_at)
    try:
        with transaction.atomic():
            problem_set = ProblemSet.objects.create(
                cohort=cohort,
                week=week,
                title=_check_length(title, TITLE_MAX_LENGTH, "title"),
                starts_on=starts_on,
                due_at=due_at,
                created_by=actor,
                external_id=_external_id(external_id),
            )
    except IntegrityError:
        if ProblemSet.objects.filter(cohort=cohort, week=week).exists():
            raise _week_taken(week) from None
        raise _external_id_taken() from None
    if announce:
        notify(
            kind="coding_set_published",
            recipients=[user for user in _active_members(cohort) if user.pk != actor.pk],
            cohort=cohort,
            target=problem_set,
            params={"week": week, "title": problem_set.title, "due_at": due_at.isoformat()},
            url=_board_url(cohort, week),
        )
    return problem_set


@transaction.atomic
def problem_set_update(
    *,
    actor: User,
    problem_set: ProblemSet,
    week: int,
    title: str,
    starts_on: dt.date | None,
    due_at: dt.datetime,
) -> ProblemSet:
    """Change a set's week, title or dates (leaders and facilitators)."""
    require(
        actor,
        "trackers.manage_board",
        problem_set,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    week = _check_week(week)
    starts_on, due_at = _set_dates(problem_set.cohort, week, starts_on, due_at)
    fields = {
        "week": week,
        "title": _check_length(title, TITLE_MAX_LENGTH, "title"),
        "starts_on": starts_on,
        "due_at": due_at,
    }
    return save_changed(problem_set, fields, conflict=lambda: _week_taken(week))


def problem_set_delete(*, actor: User, problem_set: ProblemSet) -> None:
    """Delete a set with its problems and everyone's solves of them (leaders)."""
    require(
        actor,
        "trackers.manage_board",
        problem_set,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    problem_set.delete()


# --- problems ----------------------------------------------------------------------------------


def _problem_exists() -> ConflictError:
    return ConflictError(
        _("This problem is already in the set."),
        code="problem_exists",
        fields={"number": [_("This problem is already in the set.")]},
    )


@transaction.atomic
def problem_create(
    *,
    actor: User,
    problem_set: ProblemSet,
    platform: str,
    number: str = "",
    title: str = "",
    url: str = "",
    difficulty: str = "",
    tags: str | Iterable[str] = (),
    position: int | None = None,
    external_id: str | None = None,
) -> Problem:
    """Add a problem to a set (leaders and facilitators); its URL is built from the platform
    and number when not given. Refused when the set has it already (409 problem_exists)."""
    require(
        actor,
        "trackers.manage_board",
        problem_set,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    fields = clean_problem(
        platform=platform,
        number=number,
        title=title,
        url=url,
        difficulty=difficulty,
        tags=tags,
    )
    if position is None:
        last = Problem.objects.filter(problem_set=problem_set).aggregate(last=Max("position"))
        position = (last["last"] or 0) + 1
    try:
        with transaction.atomic():
            return Problem.objects.create(
                problem_set=problem_set,
                platform=fields.platform,
                number=fields.number,
                title=fields.title,
                url=fields.url,
                difficulty=fields.difficulty,
                tags=fields.tags,
                position=position,
                external_id=_external_id(external_id),
            )
    except IntegrityError:
        if (
            external_id
            and Problem.objects.filter(
                problem_set=problem_set, external_id=_external_id(external_id)
            ).exists()
        ):
            raise _external_id_taken() from None
        raise _problem_exists() from None


@transaction.atomic
def problem_update(
    *,
    actor: User,
    problem: Problem,
    platform: str,
    number: str,
    title: str,
    url: str,
    difficulty: str,
    tags: str | Iterable[str],
    position: int | None = None,
) -> Problem:
    """Change a problem (leaders and facilitators). An empty URL is rebuilt from the platform
    and number."""
    require(
        actor,
        "trackers.manage_board",
        problem,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    fields = clean_problem(
        platform=platform,
        number=number,
        title=title,
        url=url,
        difficulty=difficulty,
        tags=tags,
    )
    values: dict[str, Any] = {
        "platform": fields.platform,
        "number": fields.number,
        "title": fields.title,
        "url": fields.url,
        "difficulty": fields.difficulty,
        "tags": fields.tags,
    }
    if position is not None:
        values["position"] = position
    return save_changed(problem, values, conflict=_problem_exists)


def problem_delete(*, actor: User, problem: Problem) -> None:
    """Delete a problem with everyone's solves of it (leaders and facilitators)."""
    require(
        actor,
        "trackers.manage_board",
        problem,
        _("Only the cohort's leaders and facilitators can manage problem sets."),
    )
    problem.delete()


# --- solves ------------------------------------------------------------------------------------


def _status(value: str) -> str:
    if value not in SolveStatus.values:
        raise _invalid("status", _("Choose not started, solved or stuck."))
    return value


def _own_solve_locked(
    problem: Problem, user: User, *, status: str, now: dt.datetime
) -> tuple[Solve, bool]:
    """The member's solve of the problem, locked until the transaction ends; made on first
    touch, with `status` already set. Why the lock: two quick clicks on one cell are applied
    one after the other, and the unique constraint (solve_one_per_member) decides between two
    first touches."""
    solve = Solve.objects.select_for_update().filter(problem=problem, user=user).first()
    if solve is not None:
        return solve, False
    solved_at = now if status == SolveStatus.SOLVED else None
    try:
        with transaction.atomic():
            made = Solve.objects.create(
                problem=problem, user=user, status=status, solved_at=solved_at
            )
            return made, True
    except IntegrityError:
        return Solve.objects.select_for_update().get(problem=problem, user=user), False


def _apply_status(solve: Solve, status: str, now: dt.datetime) -> list[str]:
    """Set the status (and when it was solved); the names of the fields that changed."""
    if solve.status == status:
        return []
    solve.status = status
    solve.solved_at = now if status == SolveStatus.SOLVED else None
    return ["status", "solved_at"]


def _take_part(actor: User, problem: Problem) -> None:
    require(
        actor,
        "trackers.take_part",
        problem,
        _("Only active members of this cohort can tick problems."),
    )


@transaction.atomic
def solve_set_status(*, actor: User, problem: Problem, status: str) -> Solve:
    """Set one's own status on a problem (the board's one click): never someone else's.

    Solving records when; leaving "solved" clears it. Setting the status it already has
    writes nothing (a double click is harmless).
    """
    _take_part(actor, problem)
    status = _status(status)
    now = timezone.now()
    solve, _created = _own_solve_locked(problem, actor, status=status, now=now)
    changed = _apply_status(solve, status, now)
    if changed:
        solve.save(update_fields=[*changed, "updated_at"])
    solve.problem = problem
    return solve


@transaction.atomic
def solve_save(
    *,
    actor: User,
    problem: Problem,
    status: str,
    solution_url: str = "",
    language: str = "",
    notes: str = "",
    presented: bool = False,
    external_id: str | None = None,
) -> Solve:
    """Save one's own solve of a problem with its details: status, solution link, language,
    notes and whether one presented it (and an external id, when one is given). Only the
    member themself writes their solve. Refused: an external id another solve of the problem
    has (409 external_id_taken)."""
    _take_part(actor, problem)
    values: dict[str, Any] = {
        "solution_url": _check_url(solution_url, "solution_url"),
        "language": _check_length(language, LANGUAGE_MAX_LENGTH, "language"),
        "notes": _check_length(notes, NOTES_MAX_LENGTH, "notes"),
        "presented": bool(presented),
    }
    if external_id:
        values["external_id"] = _external_id(external_id)
    status = _status(status)
    now = timezone.now()
    solve, _created = _own_solve_locked(problem, actor, status=status, now=now)
    changed = _apply_status(solve, status, now)
    for name, value in values.items():
        if getattr(solve, name) != value:
            setattr(solve, name, value)
            changed.append(name)
    if changed:
        try:
            with transaction.atomic():
                solve.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise _external_id_taken() from None
    solve.problem = problem
    return solve


@transaction.atomic
def solve_update(*, actor: User, solve: Solve, **fields: Any) -> Solve:
    """Change an existing solve: only its owner, while an active member of the cohort."""
    require(actor, "trackers.edit_own", solve, _("You can only change your own solves."))
    current: dict[str, Any] = {
        "status": solve.status,
        "solution_url": solve.solution_url,
        "language": solve.language,
        "notes": solve.notes,
        "presented": solve.presented,
    }
    return solve_save(actor=actor, problem=solve.problem, **(current | fields))


def solve_delete(*, actor: User, solve: Solve) -> None:
    """Clear one's own solve (back to "not started", details gone)."""
    require(actor, "trackers.edit_own", solve, _("You can only change your own solves."))
    solve.delete()


# --- CSV import: problems and solves -----------------------------------------------------------

IMPORT_KINDS = {"problems": _lazy("Problems"), "solves": _lazy("Solves")}

_TRUE = {"1", "y", "yes", "true", "o", "○", "◯", "v", "✓", "✔", "✅", "예", "네", "발표", "했음"}
_FALSE = {"", "0", "n", "no", "false", "x", "✗", "✘", "❌", "-", "아니오", "아니요", "안함"}
STATUS_WORDS = {
    SolveStatus.SOLVED: _TRUE
    | {"solved", "done", "ac", "해결", "완료", "풀이완료", "풀었음", "성공", "맞음", "통과"},
    SolveStatus.STUCK: {"stuck", "△", "▲", "?", "막힘", "실패", "보류", "wa", "tle", "어려움"},
    SolveStatus.NOT_STARTED: _FALSE
    | {"not_started", "notstarted", "todo", "미해결", "안풂", "안풀었음", "미제출", "시작안함"},
}


def parse_status(text: str) -> str:
    key = re.sub(r"\s+", "", text).casefold()
    for status, words in STATUS_WORDS.items():
        if key in words or key == str(status):
            return str(status)
    raise RowProblem(
        _("“%(value)s” is not a status: write solved, stuck or not started (or O, △, X).")
        % {"value": text},
        field="status",
    )


def parse_bool(text: str, field: str) -> bool:
    key = re.sub(r"\s+", "", text).casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise RowProblem(_("“%(value)s” is not yes or no (O / X).") % {"value": text}, field=field)


_LOCAL_MOMENT = re.compile(
    r"^(\d{4})[-./ ]\s*(\d{1,2})[-./ ]\s*(\d{1,2})\.?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_moment(text: str, field: str) -> dt.datetime | None:
    """A date-time or a date (its midnight) from a cell, in Seoul time unless it names an
    offset: 2026-10-07, 2026.10.07, 2026/10/7 21:00, or ISO 8601. None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    match = _LOCAL_MOMENT.match(text)
    try:
        if match:
            year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=progress.SEOUL)
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise RowProblem(
            _("“%(value)s” is not a date (write 2026-10-07 or 2026-10-07 21:00).")
            % {"value": text},
            field=field,
        )
    return moment.replace(tzinfo=progress.SEOUL) if timezone.is_naive(moment) else moment


def parse_week(text: str) -> int:
    digits = re.sub(r"(?i)^(w|week|주차)\s*|\s*(주차|주)$", "", text.strip())
    if not digits.isdigit() or not 1 <= int(digits) <= MAX_WEEK:
        raise RowProblem(_("The week is a number from 1 to 200."), field="week")
    return int(digits)


class ProblemImporter:
    """Problems of a cohort's weekly sets, one row per problem; a week without a set gets one
    (due at the end of its Seoul week, unless the row gives a due). Keyed by external id, else
    by week + platform + number, else by week + title."""

    fields = (
        Field("week", _lazy("Week"), required=True, aliases=("주차", "주", "wk")),
        Field(
            "platform",
            _lazy("Platform"),
            aliases=("플랫폼", "사이트", "site", "judge", "출처"),
            help_text=_lazy("Baekjoon (백준, BOJ), Programmers, LeetCode or Other."),
        ),
        Field(
            "number",
            _lazy("Number"),
            aliases=("문제번호", "번호", "no", "problem number", "id", "slug"),
        ),
        Field("title", _lazy("Title"), aliases=("문제", "문제명", "제목", "problem", "name")),
        Field("url", _lazy("Link"), aliases=("링크", "주소", "url", "문제링크")),
        Field("difficulty", _lazy("Difficulty"), aliases=("난이도", "level", "레벨", "티어")),
        Field("tags", _lazy("Tags"), aliases=("태그", "유형", "분류", "알고리즘", "type")),
        Field("due", _lazy("Due"), aliases=("마감", "마감일", "기한", "due date", "deadline")),
        Field("set_title", _lazy("Set title"), aliases=("세트", "세트 제목", "주제")),
        Field("external_id", _lazy("External id"), aliases=("외부 id", "external", "uid")),
    )

    def __init__(self, *, actor: User, cohort: Cohort) -> None:
        self.actor, self.cohort = actor, cohort
        self.sets: dict[int, ProblemSet] = {}
        self.by_external: dict[tuple[int, str], Problem] = {}
        self.by_number: dict[tuple[int, str, str], Problem] = {}
        self.by_title: dict[tuple[int, str], Problem] = {}
        self.positions: dict[int, int] = {}
        self.created: list[Problem] = []
        # Translated once, not once per row.
        self.summary = _("Week %(week)d · %(title)s")

    def key(self, row: Row) -> Hashable | None:
        week = row.get("week")
        if row.get("external_id"):
            return ("external", week, row.get("external_id"))
        if row.get("number"):
            platform = platform_from_text(row.get("platform")) or row.get("platform")
            return ("number", week, platform, row.get("number").casefold())
        return ("title", week, row.get("title"))

    def prepare(self, rows: Sequence[Row]) -> None:
        for problem_set in ProblemSet.objects.filter(cohort=self.cohort):
            self.sets[problem_set.week] = problem_set
        for problem in Problem.objects.filter(problem_set__cohort=self.cohort):
            self._index(problem)
            self.positions[problem.problem_set_id] = max(
                self.positions.get(problem.problem_set_id, 0), problem.position
            )

    def _index(self, problem: Problem) -> None:
        set_id = problem.problem_set_id
        if problem.external_id:
            self.by_external[set_id, problem.external_id] = problem
        if problem.number:
            self.by_number[set_id, problem.platform, problem.number] = problem
        else:
            self.by_title[set_id, problem.title] = problem

    def _set_for(self, week: int, row: Row) -> ProblemSet:
        problem_set = self.sets.get(week)
        due = parse_moment(row.get("due"), "due")
        if problem_set is None:
            try:
                problem_set = problem_set_create(
                    actor=self.actor,
                    cohort=self.cohort,
                    week=week,
                    title=row.get("set_title"),
                    due_at=due,
                    announce=False,
                )
            except ApplicationError as exc:
                raise row_problem(exc, "due") from None
            self.sets[week] = problem_set
        return problem_set

    def upsert(self, row: Row) -> Outcome:
        week = parse_week(row.get("week"))
        platform = row.get("platform")
        if platform:
            known = platform_from_text(platform)
            if known is None:
                raise RowProblem(
                    _("“%(value)s” is not a platform: Baekjoon, Programmers, LeetCode or Other.")
                    % {"value": platform},
                    field="platform",
                )
            platform = known
        try:
            fields = clean_problem(
                platform=platform,
                number=row.get("number"),
                title=row.get("title"),
                url=row.get("url"),
                difficulty=row.get("difficulty"),
                tags=row.get("tags"),
            )
        except ApplicationError as exc:
            raise row_problem(exc) from None
        external_id = row.get("external_id") or None
        problem_set = self._set_for(week, row)
        set_id = problem_set.pk
        existing = (self.by_external.get((set_id, external_id)) if external_id else None) or (
            self.by_number.get((set_id, fields.platform, fields.number))
            if fields.number
            else self.by_title.get((set_id, fields.title))
        )
        summary = self.summary % {"week": week, "title": fields.title}
        values: dict[str, Any] = {
            "platform": fields.platform,
            "number": fields.number,
            "title": fields.title,
            "url": fields.url,
        }
        for name in ("difficulty", "tags"):
            if row.has(name):
                values[name] = getattr(fields, name)
        if external_id:
            values["external_id"] = external_id
        if existing is None:
            self.positions[set_id] = self.positions.get(set_id, 0) + 1
            problem = Problem(problem_set=problem_set, position=self.positions[set_id], **values)
            problem._imported_at_line = row.line  # type: ignore[attr-defined]
            self.created.append(problem)
            self._index(problem)
            return Outcome(row.line, CREATED, summary)
        if getattr(existing, "_imported_at_line", None):
            raise RowProblem(
                _("Same problem as line %(line)d.") % {"line": existing._imported_at_line}  # type: ignore[attr-defined]
            )
        existing._imported_at_line = row.line  # type: ignore[attr-defined]
        changed = [name for name, value in values.items() if getattr(existing, name) != value]
        if not changed:
            return Outcome(row.line, UNCHANGED, summary)
        for name in changed:
            setattr(existing, name, values[name])
        existing.save(update_fields=[*changed, "updated_at"])
        return Outcome(row.line, UPDATED, summary)

    def finish(self) -> None:
        Problem.objects.bulk_create(self.created, batch_size=500)
        # bulk_create sends no signals: tell the changes feed (a no-op for untracked models).
        record_changes(Problem, self.created)


@dataclass(frozen=True, slots=True)
class _ProblemRef:
    id: int
    week: int
    platform: str
    number: str
    title: str
    external_id: str | None


class SolveImporter:
    """Members' solves, one row per member and problem (a leader moving the group's sheet in;
    the one place where someone writes others' solves). The member is named by email or
    display name; the problem by its external id, number, LeetCode slug, URL or title, with
    the week (and platform) to tell apart problems that share a number."""

    fields = (
        Field(
            "member",
            _lazy("Member"),
            required=True,
            aliases=("이름", "멤버", "랩원", "email", "이메일", "name", "user"),
            help_text=_lazy("Email or display name."),
        ),
        Field(
            "problem",
            _lazy("Problem"),
            required=True,
            aliases=("문제", "문제번호", "번호", "number", "title", "문제명", "problem id"),
            help_text=_lazy("Number, LeetCode slug, link, title or external id of the problem."),
        ),
        Field("week", _lazy("Week"), aliases=("주차", "주", "wk")),
        Field("platform", _lazy("Platform"), aliases=("플랫폼", "사이트", "site")),
        Field(
            "status",
            _lazy("Status"),
            aliases=("상태", "풀이", "해결", "solved", "done", "결과"),
            help_text=_lazy("solved / stuck / not started, or O / △ / X. Unmapped: solved."),
        ),
        Field("solution_url", _lazy("Solution link"), aliases=("풀이링크", "코드", "code", "링크")),
        Field("language", _lazy("Language"), aliases=("언어", "lang")),
        Field("notes", _lazy("Notes"), aliases=("메모", "비고", "노트", "comment")),
        Field("presented", _lazy("Presented"), aliases=("발표", "발표여부")),
        Field("solved_at", _lazy("Solved at"), aliases=("푼날짜", "날짜", "date", "해결일")),
        Field("external_id", _lazy("External id"), aliases=("외부 id", "external", "uid")),
    )

    def __init__(self, *, actor: User, cohort: Cohort) -> None:
        self.actor, self.cohort = actor, cohort
        self.members_by_email: dict[str, int] = {}
        self.members_by_name: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        # Problems by each text that may name them: external id, number or slug, title.
        self.problems: dict[str, list[_ProblemRef]] = {}
        self.solves: dict[tuple[int, int], Solve] = {}
        self.seen: dict[tuple[int, int], int] = {}
        self.created: list[Solve] = []
        self.updated: list[Solve] = []
        self.updated_fields: set[str] = set()
        self.now = timezone.now()
        self.summary = _("%(name)s · week %(week)d · %(title)s")

    def key(self, row: Row) -> Hashable | None:
        if row.get("external_id"):
            return ("external", row.get("external_id"))
        return (
            row.get("member").casefold(),
            row.get("week"),
            row.get("platform").casefold(),
            row.get("problem").casefold(),
        )

    def prepare(self, rows: Sequence[Row]) -> None:
        memberships = Membership.objects.filter(cohort=self.cohort).values_list(
            "user_id", "user__email", "user__profile__display_name"
        )
        for user_id, email, name in memberships:
            self.members_by_email[email.casefold()] = user_id
            shown = display_name_for(email, name)
            self.names[user_id] = shown
            self.members_by_name.setdefault(shown.casefold(), []).append(user_id)
        problems = Problem.objects.filter(problem_set__cohort=self.cohort).values_list(
            "id", "problem_set__week", "platform", "number", "title", "external_id"
        )
        for values in problems:
            ref = _ProblemRef(*values)
            names = {ref.title.casefold(), ref.number.casefold(), ref.external_id or ""}
            for name in names - {""}:
                self.problems.setdefault(name, []).append(ref)
        for solve in Solve.objects.filter(problem__problem_set__cohort=self.cohort):
            self.solves[solve.problem_id, solve.user_id] = solve

    def _member(self, text: str) -> int:
        key = text.strip().casefold()
        if key in self.members_by_email:
            return self.members_by_email[key]
        found = self.members_by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise RowProblem(
                _("Two members are called “%(name)s”: use their email.") % {"name": text},
                field="member",
            )
        raise RowProblem(
            _("“%(name)s” is not a member of this cohort.") % {"name": text}, field="member"
        )

    def _problem(self, row: Row) -> _ProblemRef:
        text = row.get("problem")
        week = parse_week(row.get("week")) if row.get("week") else None
        platform = platform_from_text(row.get("platform")) if row.get("platform") else None
        from_url = problem_from_url(text) if "/" in text else None
        if from_url is not None:
            platform, text = from_url
        key = text.casefold().removeprefix("#").strip()
        found = {
            ref.id: ref
            for name in (text, key, re.sub(r"[\s_]+", "-", key))
            for ref in self.problems.get(name, ())
            if (week is None or ref.week == week) and (platform is None or ref.platform == platform)
        }
        candidates = list(found.values())
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise RowProblem(
                _("“%(problem)s” matches several problems: add the week or the platform.")
                % {"problem": row.get("problem")},
                field="problem",
            )
        raise RowProblem(
            _("No problem “%(problem)s” in this cohort's sets (import the problems first).")
            % {"problem": row.get("problem")},
            field="problem",
        )

    def upsert(self, row: Row) -> Outcome:
        user_id = self._member(row.get("member"))
        problem = self._problem(row)
        first = self.seen.setdefault((problem.id, user_id), row.line)
        if first != row.line:
            raise RowProblem(_("Same member and problem as line %(line)d.") % {"line": first})
        status = parse_status(row.get("status")) if row.has("status") else SolveStatus.SOLVED
        values: dict[str, Any] = {"status": status}
        if row.has("solution_url"):
            try:
                values["solution_url"] = _check_url(row.get("solution_url"), "solution_url")
            except ApplicationError as exc:
                raise row_problem(exc) from None
        for name, limit in (("language", LANGUAGE_MAX_LENGTH), ("notes", NOTES_MAX_LENGTH)):
            if row.has(name):
                if len(row.get(name)) > limit:
                    raise RowProblem(
                        _("At most %(limit)d characters.") % {"limit": limit}, field=name
                    )
                values[name] = row.get(name)
        if row.has("presented"):
            values["presented"] = parse_bool(row.get("presented"), "presented")
        if row.get("external_id"):
            values["external_id"] = row.get("external_id")
        solved_at = parse_moment(row.get("solved_at"), "solved_at")
        summary = self.summary % {
            "name": self.names[user_id],
            "week": problem.week,
            "title": problem.title,
        }
        existing = self.solves.get((problem.id, user_id))
        if status != SolveStatus.SOLVED:
            values["solved_at"] = None
        elif solved_at is not None:
            values["solved_at"] = solved_at
        if existing is None:
            self.created.append(Solve(problem_id=problem.id, user_id=user_id, **values))
            return Outcome(row.line, CREATED, summary)
        changed = [name for name, value in values.items() if getattr(existing, name) != value]
        if not changed:
            return Outcome(row.line, UNCHANGED, summary)
        for name in changed:
            setattr(existing, name, values[name])
        existing.updated_at = self.now
        self.updated.append(existing)
        self.updated_fields.update(changed)
        return Outcome(row.line, UPDATED, summary)

    def finish(self) -> None:
        Solve.objects.bulk_create(self.created, batch_size=500)
        if self.updated:
            # bulk_update skips auto_now: updated_at was set per row in upsert.
            fields = sorted(self.updated_fields | {"updated_at"})
            Solve.objects.bulk_update(self.updated, fields, batch_size=500)
        # Neither sends signals: tell the changes feed (a no-op for untracked models).
        record_changes(Solve, [*self.created, *self.updated])


def coding_importer(kind: str, *, actor: User, cohort: Cohort) -> ProblemImporter | SolveImporter:
    if kind == "problems":
        return ProblemImporter(actor=actor, cohort=cohort)
    if kind == "solves":
        return SolveImporter(actor=actor, cohort=cohort)
    raise ApplicationError(_("Choose problems or solves."), code="import_kind")


def import_fields(kind: str) -> Sequence[Field]:
    return ProblemImporter.fields if kind == "problems" else SolveImporter.fields


def coding_import(
    *,
    actor: User,
    cohort: Cohort,
    kind: str,
    table: Table,
    mapping: dict[str, int | None],
    commit: bool,
) -> ImportResult:
    """Preview (`commit=False`) or run a CSV import of problems or solves into a cohort, all or
    nothing (leaders and facilitators). Importing the same file again changes nothing."""
    require(
        actor,
        "trackers.manage_board",
        cohort,
        _("Only the cohort's leaders and facilitators can import."),
    )
    importer = coding_importer(kind, actor=actor, cohort=cohort)
    return run_import(importer, table, mapping, commit=commit)
