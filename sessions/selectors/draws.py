"""Reads for draws: visibility-scoped lists, the gatekeeper, the slots a pick can fill, and a
draw as its page shows it (participants with their result, and a ladder's SVG geometry)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.utils import timezone

from labs.models import Cohort
from labs.selectors import member_lab_ids
from sessions import draws
from sessions.models import Draw, DrawKind, MeetingStatus, Slot

# SVG geometry of a ladder, in user units of the viewBox (the SVG scales to its box).
COLUMN_GAP = 90
SIDE = 50
TOP = 46
LEVEL_GAP = 24
FOOT_TEXT = 26
BOTTOM_SPACE = 44
NAME_MAX = 8
PALETTE_SIZE = 8


def draw_list_visible(*, user: Any) -> QuerySet[Draw]:
    """Draws of the labs this user belongs to, with what their rows show."""
    qs = Draw.objects.select_related("cohort__lab", "slot__meeting", "created_by__profile")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def draw_get_for_user(*, user: Any, pk: int) -> Draw:
    """The draw if this user may see it, otherwise 404."""
    try:
        return draw_list_visible(user=user).get(pk=pk)
    except Draw.DoesNotExist:
        raise Http404 from None


def draw_list_for_cohort(*, cohort: Cohort) -> QuerySet[Draw]:
    return (
        Draw.objects.filter(cohort=cohort)
        .select_related("slot", "created_by__profile")
        .order_by("-created_at", "-id")
    )


def draw_slot_choices(*, cohort: Cohort) -> list[Slot]:
    """Slots of the cohort's coming meetings that still have room, for a pick to fill."""
    return list(
        Slot.objects.filter(
            meeting__cohort=cohort,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__gt=timezone.now(),
        )
        .annotate(taken=Count("assignments"))
        .filter(taken__lt=F("capacity"))
        .select_related("meeting")
        .order_by("meeting__starts_at", "kind", "position", "id")
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One participant and what the draw gave them."""

    id: int
    name: str
    position: int  # 1-based entry order
    won: bool  # pick: among the winners
    rank: int | None  # pick: 1-based order drawn
    outcome: str  # ladder: their outcome
    colour: int  # ladder: the colour of their path


@dataclass(frozen=True, slots=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True, slots=True)
class Label:
    x: int
    y: int
    text: str
    full: str


@dataclass(frozen=True, slots=True)
class LadderPath:
    """One participant's way down, as polyline points, for the SVG and its animation."""

    participant_id: int
    name: str
    outcome: str
    points: str
    length: int
    colour: int


@dataclass(frozen=True, slots=True)
class LadderSvg:
    width: int
    height: int
    rails: tuple[Line, ...]
    rungs: tuple[Line, ...]
    names: tuple[Label, ...]
    feet: tuple[Label, ...]
    paths: tuple[LadderPath, ...]


@dataclass(frozen=True, slots=True)
class DrawPage:
    draw: Draw
    entries: tuple[Entry, ...]
    winners: tuple[Entry, ...]
    ladder: LadderSvg | None


def _short(text: str) -> str:
    return text if len(text) <= NAME_MAX else f"{text[: NAME_MAX - 1]}…"


def _x(column: int) -> int:
    return SIDE + column * COLUMN_GAP


def _y(level: int) -> int:
    return TOP + (level + 1) * LEVEL_GAP


def ladder_svg(
    *,
    participants: list[dict[str, Any]],
    levels: int,
    rungs: list[tuple[int, int]],
    feet: list[str],
    assignment: dict[int, str],
) -> LadderSvg:
    """Where the lines, rungs, names, outcomes and each participant's path go in the SVG."""
    columns = len(participants)
    bottom = _y(levels)
    paths = []
    for start, participant in enumerate(participants):
        end, crossings = draws.trace(columns, rungs, start)
        points = [(_x(start), TOP)]
        for crossing in crossings:
            points.append((_x(crossing.from_column), _y(crossing.level)))
            points.append((_x(crossing.to_column), _y(crossing.level)))
        points.append((_x(end), bottom))
        length = sum(abs(x2 - x1) + abs(y2 - y1) for (x1, y1), (x2, y2) in pairwise(points))
        paths.append(
            LadderPath(
                participant_id=participant["id"],
                name=participant["name"],
                outcome=assignment.get(participant["id"], ""),
                points=" ".join(f"{x},{y}" for x, y in points),
                length=length,
                colour=start % PALETTE_SIZE,
            )
        )
    return LadderSvg(
        width=2 * SIDE + (columns - 1) * COLUMN_GAP,
        height=bottom + BOTTOM_SPACE,
        rails=tuple(Line(_x(c), TOP, _x(c), bottom) for c in range(columns)),
        rungs=tuple(Line(_x(c), _y(level), _x(c + 1), _y(level)) for level, c in rungs),
        names=tuple(
            Label(_x(c), TOP - 14, _short(p["name"]), p["name"]) for c, p in enumerate(participants)
        ),
        feet=tuple(
            Label(_x(c), bottom + FOOT_TEXT, _short(text), text) for c, text in enumerate(feet)
        ),
        paths=tuple(paths),
    )


def draw_page(*, draw: Draw) -> DrawPage:
    """The draw with each participant's result, and for a ladder the SVG to draw."""
    result = draw.result if isinstance(draw.result, dict) else {}
    participants = [p for p in draw.participants if isinstance(p, dict)]
    winners = [int(pk) for pk in result.get("winners", [])]
    assignment = {int(pk): str(v) for pk, v in (result.get("assignment") or {}).items()}
    entries = tuple(
        Entry(
            id=int(p["id"]),
            name=str(p.get("name", "")),
            position=index + 1,
            won=int(p["id"]) in winners,
            rank=winners.index(int(p["id"])) + 1 if int(p["id"]) in winners else None,
            outcome=assignment.get(int(p["id"]), ""),
            colour=index % PALETTE_SIZE,
        )
        for index, p in enumerate(participants)
    )
    by_id = {entry.id: entry for entry in entries}
    ladder = None
    if draw.kind == DrawKind.LADDER and result.get("rungs") is not None:
        ladder = ladder_svg(
            participants=[{"id": e.id, "name": e.name} for e in entries],
            levels=int(result.get("levels", 0)),
            rungs=[(int(level), int(column)) for level, column in result["rungs"]],
            feet=[str(text) for text in result.get("feet", [])],
            assignment=assignment,
        )
    return DrawPage(
        draw=draw,
        entries=entries,
        winners=tuple(by_id[pk] for pk in winners if pk in by_id),
        ladder=ladder,
    )
