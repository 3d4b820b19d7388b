"""Boards as CSV for spreadsheets: what each board's rows are, and members' secret links.

A Google Sheet's =IMPORTDATA(url) (or Excel's web query) fetches a URL without credentials,
so each member gets one secret, read-only address per cohort: /sheets/<token>/<board>.csv.
The link answers only while its owner can still see the cohort (a member who leaves the lab
loses it), and resetting it gives a new secret. Rows are read with one `values_list` query
and streamed (core.spreadsheet: formula-safe cells, constant memory).

Boards are registered here for every app that has them; one whose model is not installed is
left out.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import F, Q, QuerySet, StringAgg, Value
from django.db.models.functions import Coalesce, Left, NullIf, StrIndex
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.errors import PermissionDeniedError
from core.models import SheetLink, new_sheet_token

# A link's last use is written at most this often: a sheet refreshing every minute does not
# turn every import into a write.
LAST_USED_RESOLUTION = timedelta(minutes=10)
CHUNK_SIZE = 2000
TIME_FORMAT = "%Y-%m-%d %H:%M"

type Rows = Iterator[Sequence[Any]]


@dataclass(frozen=True)
class Board:
    slug: str
    title: Promise
    model: str  # "app_label.Model": the board exists when this model does
    header: tuple[Promise, ...]
    rows: Callable[[Any, zoneinfo.ZoneInfo], Rows]  # (cohort, zone) -> rows


def _member_name(prefix: str) -> Any:
    """SQL for a member's display name (their profile's, else their email's local part), as
    members.models.display_name_for decides it; `prefix` is the path to the user."""
    email = f"{prefix}__email"
    local_part = Left(email, StrIndex(email, Value("@")) - 1)
    return Coalesce(NullIf(F(f"{prefix}__profile__display_name"), Value("")), local_part)


def _local(zone: zoneinfo.ZoneInfo) -> Callable[[datetime | None], str]:
    """Moments as local "YYYY-MM-DD HH:MM". Rows come in meeting order, so a moment usually
    repeats the previous row's: that one is remembered."""
    last: list[Any] = [None, ""]

    def local(moment: datetime | None) -> str:
        if moment is None:
            return ""
        if moment != last[0]:
            last[0], last[1] = moment, moment.astimezone(zone).strftime(TIME_FORMAT)
        return str(last[1])

    return local


def _choices(model: str, field: str) -> dict[str, str]:
    choices = apps.get_model(model)._meta.get_field(field).choices or ()
    return {str(value): str(label) for value, label in choices}


# --- The boards ---------------------------------------------------------------------------------


def slot_rows_query(cohort: Any) -> QuerySet[Any, Any]:
    """One row per slot of the cohort, in meeting order, with its presenters' names joined."""
    slot = apps.get_model("study_sessions", "Slot")
    # First come first where the database can order an aggregate (PostgreSQL, SQLite 3.44+);
    # older SQLite joins the names in whatever order it reads them.
    ordered = connections[router.db_for_read(slot)].features.supports_aggregate_order_by_clause
    presenters = StringAgg(
        _member_name("assignments__user"),
        delimiter=Value("; "),
        order_by=("assignments__created_at", "assignments__id") if ordered else None,
        default=Value(""),
    )
    return (
        slot.objects.filter(meeting__cohort=cohort)
        .annotate(presenter_names=presenters)
        .order_by("meeting__starts_at", "meeting_id", "kind", "position", "id")
        .values_list(
            "meeting__number",
            "meeting__starts_at",
            "kind",
            "title",
            "presenter_names",
            "capacity",
            "materials_url",
            "id",
            "external_id",
        )
    )


def _slot_rows(cohort: Any, zone: zoneinfo.ZoneInfo) -> Rows:
    local, kinds = _local(zone), _choices("study_sessions.Slot", "kind")
    for number, starts_at, kind, title, names, capacity, url, pk, external_id in slot_rows_query(
        cohort
    ).iterator(chunk_size=CHUNK_SIZE):
        yield (number, local(starts_at), kinds.get(kind, kind), title, names, capacity, url, pk,
               external_id)  # fmt: skip


def meeting_rows_query(cohort: Any) -> QuerySet[Any, Any]:
    meeting = apps.get_model("study_sessions", "Meeting")
    return (
        meeting.objects.filter(cohort=cohort)
        .order_by("starts_at", "id")
        .values_list(
            "number",
            "title",
            "starts_at",
            "ends_at",
            "status",
            "location__name",
            "online_url",
            "id",
            "external_id",
        )
    )


def _meeting_rows(cohort: Any, zone: zoneinfo.ZoneInfo) -> Rows:
    local, statuses = _local(zone), _choices("study_sessions.Meeting", "status")
    for (
        number,
        title,
        starts_at,
        ends_at,
        status,
        place,
        url,
        pk,
        external_id,
    ) in meeting_rows_query(cohort).iterator(chunk_size=CHUNK_SIZE):
        yield (number, title, local(starts_at), local(ends_at), statuses.get(status, status),
               place, url, pk, external_id)  # fmt: skip


def solve_rows_query(cohort: Any) -> QuerySet[Any, Any]:
    solve = apps.get_model("trackers", "Solve")
    return (
        solve.objects.filter(problem__problem_set__cohort=cohort)
        .annotate(member=_member_name("user"))
        .order_by("problem__problem_set__week", "problem__position", "problem_id", "member", "id")
        .values_list(
            "problem__problem_set__week",
            "problem__platform",
            "problem__number",
            "problem__title",
            "member",
            "status",
            "presented",
            "solution_url",
            "solved_at",
            "id",
            "external_id",
        )
    )


def _solve_rows(cohort: Any, zone: zoneinfo.ZoneInfo) -> Rows:
    local, statuses = _local(zone), _choices("trackers.Solve", "status")
    platforms = _choices("trackers.Problem", "platform")
    yes, no = _("yes"), _("no")
    for (
        week,
        platform,
        number,
        title,
        member,
        status,
        presented,
        url,
        solved,
        pk,
        ext,
    ) in solve_rows_query(cohort).iterator(chunk_size=CHUNK_SIZE):
        yield (week, platforms.get(platform, platform), number, title, member,
               statuses.get(status, status), yes if presented else no, url, local(solved), pk,
               ext)  # fmt: skip


def question_rows_query(cohort: Any) -> QuerySet[Any, Any]:
    question = apps.get_model("trackers", "Question")
    return (
        question.objects.filter(topic__cohort=cohort)
        .annotate(member=_member_name("author"))
        .order_by("topic__week", "topic_id", "created_at", "id")
        .values_list(
            "topic__week",
            "topic__title",
            "member",
            "text",
            "model_answer",
            "id",
            "external_id",
        )
    )


def _question_rows(cohort: Any, zone: zoneinfo.ZoneInfo) -> Rows:
    return question_rows_query(cohort).iterator(chunk_size=CHUNK_SIZE)


def review_rows_query(cohort: Any) -> QuerySet[Any, Any]:
    review = apps.get_model("study_sessions", "ReviewAssignment")
    return (
        review.objects.filter(paper__cohort=cohort)
        .annotate(member=_member_name("reviewer"))
        .order_by("paper__title", "paper_id", "member", "id")
        .values_list(
            "paper__title",
            "paper__url",
            "member",
            "status",
            "due_at",
            "writeup_url",
            "submitted_at",
            "id",
            "external_id",
        )
    )


def _review_rows(cohort: Any, zone: zoneinfo.ZoneInfo) -> Rows:
    local, statuses = _local(zone), _choices("study_sessions.ReviewAssignment", "status")
    for title, link, member, status, due, writeup, submitted, pk, external_id in review_rows_query(
        cohort
    ).iterator(chunk_size=CHUNK_SIZE):
        yield (title, link, member, statuses.get(status, status), local(due), writeup,
               local(submitted), pk, external_id)  # fmt: skip


BOARDS: dict[str, Board] = {}


def register_board(board: Board) -> None:
    BOARDS[board.slug] = board


register_board(
    Board(
        slug="slots",
        title=_lazy("Presenters"),
        model="study_sessions.Slot",
        header=(
            _lazy("Meeting"),
            _lazy("Date"),
            _lazy("Track"),
            _lazy("Title"),
            _lazy("Presenters"),
            _lazy("Capacity"),
            _lazy("Materials"),
            _lazy("Slot id"),
            _lazy("External id"),
        ),
        rows=_slot_rows,
    )
)
register_board(
    Board(
        slug="meetings",
        title=_lazy("Meetings"),
        model="study_sessions.Meeting",
        header=(
            _lazy("Meeting"),
            _lazy("Title"),
            _lazy("Starts"),
            _lazy("Ends"),
            _lazy("Status"),
            _lazy("Place"),
            _lazy("Online link"),
            _lazy("Meeting id"),
            _lazy("External id"),
        ),
        rows=_meeting_rows,
    )
)


def available_boards() -> list[Board]:
    """The boards whose model is installed, in registration order."""
    installed = []
    for board in BOARDS.values():
        label, _sep, name = board.model.partition(".")
        try:
            apps.get_model(label, name)
        except LookupError:
            continue
        installed.append(board)
    return installed


def board_get(slug: str) -> Board:
    for board in available_boards():
        if board.slug == slug:
            return board
    raise Http404


# --- Links: reads and writes --------------------------------------------------------------------


def sheet_link_for(*, user: Any, cohort: Any) -> SheetLink | None:
    return SheetLink.objects.filter(user=user, cohort=cohort).first()


def _require_view(actor: Any, cohort: Any) -> None:
    if not actor.has_perm("labs.view_cohort", cohort):
        raise PermissionDeniedError(_("Only the lab's members get spreadsheet links."))


@transaction.atomic
def sheet_link_create(*, actor: Any, cohort: Any) -> SheetLink:
    """My link for this cohort's boards: the existing one, or a new one (lab members only)."""
    _require_view(actor, cohort)
    link, _created = SheetLink.objects.get_or_create(user=actor, cohort=cohort)
    return link


@transaction.atomic
def sheet_link_reset(*, actor: Any, cohort: Any) -> SheetLink:
    """A new secret for my link; the old address stops working at once."""
    _require_view(actor, cohort)
    link, created = SheetLink.objects.select_for_update().get_or_create(user=actor, cohort=cohort)
    if not created:
        link.token = new_sheet_token()
        link.save(update_fields=["token"])
    return link


def sheet_link_resolve(*, token: str) -> SheetLink:
    """The link with this secret while its owner may still see its cohort; else 404.

    Side effect: records when it was last used (at most every LAST_USED_RESOLUTION).
    """
    from labs.selectors import cohort_list_visible

    link = (
        SheetLink.objects.select_related("user__profile", "cohort__lab")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if link is None or not cohort_list_visible(user=link.user).filter(pk=link.cohort_id).exists():
        raise Http404
    now = timezone.now()
    if link.last_used_at is None or now - link.last_used_at > LAST_USED_RESOLUTION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        SheetLink.objects.filter(stale, pk=link.pk).update(last_used_at=now)
    return link


register_board(
    Board(
        slug="solves",
        title=_lazy("Coding-test solves"),
        model="trackers.Solve",
        header=(
            _lazy("Week"),
            _lazy("Platform"),
            _lazy("Number"),
            _lazy("Problem"),
            _lazy("Member"),
            _lazy("Status"),
            _lazy("Presented"),
            _lazy("Solution"),
            _lazy("Solved at"),
            _lazy("Solve id"),
            _lazy("External id"),
        ),
        rows=_solve_rows,
    )
)
register_board(
    Board(
        slug="questions",
        title=_lazy("Interview questions"),
        model="trackers.Question",
        header=(
            _lazy("Week"),
            _lazy("Topic"),
            _lazy("Member"),
            _lazy("Question"),
            _lazy("Model answer"),
            _lazy("Question id"),
            _lazy("External id"),
        ),
        rows=_question_rows,
    )
)
register_board(
    Board(
        slug="review-assignments",
        title=_lazy("Paper reviews"),
        model="study_sessions.ReviewAssignment",
        header=(
            _lazy("Paper"),
            _lazy("Link"),
            _lazy("Reviewer"),
            _lazy("Status"),
            _lazy("Due"),
            _lazy("Write-up"),
            _lazy("Submitted at"),
            _lazy("Assignment id"),
            _lazy("External id"),
        ),
        rows=_review_rows,
    )
)
