"""Fair meeting place: rank places by the longest trip any attendee makes (minimax), then total.

Pure module (no Django): plain data in, plain data out.

Units. A ranking is in one unit only, never a mix:
- minutes, from the lab's travel-time table, when the table has an entry for every pair of
  (counted attendee's area, candidate place); the candidate places are those with
  coordinates or with at least one table entry (a place with neither, e.g. online only, is
  skipped);
- otherwise straight-line (great-circle) kilometres for every trip, and then only places
  with coordinates can be ranked; the others are skipped.
One missing table entry therefore switches the whole ranking to kilometres; the result
says which places lacked entries, so a leader can complete the table.

Attendees. Someone without a home area (no area label and no coordinates) is not counted;
in kilometres, someone with an area label but no coordinates is not counted either. Both
are counted separately, for the explanation.

Order. Places sort by (worst trip, total of trips, name, key): the worst trip is what made
one group move its meetings (a 3-hour round trip for a few); the total breaks ties in
favour of everyone else; name and key make every tie deterministic. Kilometre totals are
summed with math.fsum, so the order of attendees never changes a total by a rounding bit.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Unit = Literal["min", "km"]
# How the top pick beat the runner-up: the only candidate, a shorter worst trip, the same
# worst trip but a shorter total, or a full tie decided by name.
DecidedBy = Literal["only", "worst", "total", "name"]

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


@dataclass(frozen=True, slots=True)
class Attendee:
    """Someone expected at the meeting. `area` is their home-area label (may be empty)."""

    key: Hashable
    area: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def has_home_area(self) -> bool:
        return bool(normalize_area(self.area)) or self.has_coordinates


@dataclass(frozen=True, slots=True)
class Place:
    key: Hashable
    name: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True, slots=True)
class PlaceScore:
    """One ranked place: its longest trip, the sum of trips and how many people were counted."""

    key: Hashable
    name: str
    worst: float
    total: float
    counted: int
    unit: Unit

    def sort_key(self) -> tuple[float, float, str, str]:
        return (self.worst, self.total, self.name, repr(self.key))


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the top pick won, as data; the caller words it (in the member's language)."""

    best: PlaceScore
    runner_up: PlaceScore | None
    decided_by: DecidedBy


@dataclass(frozen=True, slots=True)
class Ranking:
    unit: Unit
    scores: tuple[PlaceScore, ...]  # best first
    counted: int  # attendees whose trips were measured
    without_home_area: int  # attendees with no area label and no coordinates
    without_coordinates: int  # (kilometres only) attendees with a label but no coordinates
    skipped: tuple[Place, ...]  # places that could not be measured in this unit
    # Places the travel-time table does not cover for every counted attendee (why the
    # ranking fell back to kilometres although the lab has a table); empty otherwise.
    missing_travel_times: tuple[Place, ...] = field(default=())

    @property
    def best(self) -> PlaceScore | None:
        return self.scores[0] if self.scores else None

    @property
    def reason(self) -> Reason | None:
        if not self.scores:
            return None
        best = self.scores[0]
        if len(self.scores) == 1:
            return Reason(best=best, runner_up=None, decided_by="only")
        runner = self.scores[1]
        if best.worst < runner.worst:
            decided: DecidedBy = "worst"
        elif best.total < runner.total:
            decided = "total"
        else:
            decided = "name"
        return Reason(best=best, runner_up=runner, decided_by=decided)


def normalize_area(area: str) -> str:
    """The form in which area labels are compared: NFC, trimmed, single spaces, case-folded.

    "성수동", " 성수동 " and a decomposed (NFD) "성수동" typed on a Mac are the same area.
    """
    return " ".join(unicodedata.normalize("NFC", area).split()).casefold()


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    # min(): rounding can push `a` a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def rank_places(
    attendees: Iterable[Attendee],
    places: Iterable[Place],
    travel_minutes: Mapping[tuple[str, Any], int] | None = None,
) -> Ranking:
    """Rank `places` for `attendees`, best first (see the module docstring for the rules).

    `travel_minutes` maps (area label, place key) to minutes; labels are compared after
    normalize_area, so the table and the members may write an area differently.
    """
    people = list(attendees)
    candidates = list(places)
    table = {
        (normalize_area(area), key): minutes
        for (area, key), minutes in (travel_minutes or {}).items()
    }
    located = [a for a in people if a.has_home_area]
    without_home_area = len(people) - len(located)

    ranking = _rank_in_minutes(located, candidates, table, without_home_area)
    if ranking is not None:
        return ranking

    counted = [a for a in located if a.has_coordinates]
    measurable = [p for p in candidates if p.has_coordinates]
    scores = [_score(p, [_km(a, p) for a in counted], "km") for p in measurable] if counted else []
    missing: tuple[Place, ...] = ()
    if table and located:
        missing = tuple(
            p for p in _table_candidates(candidates, table) if not _covers(table, located, p)
        )
    return Ranking(
        unit="km",
        scores=_ordered(scores),
        counted=len(counted),
        without_home_area=without_home_area,
        without_coordinates=len(located) - len(counted),
        skipped=tuple(p for p in candidates if not p.has_coordinates),
        missing_travel_times=missing,
    )


def _table_candidates(
    places: Sequence[Place], table: Mapping[tuple[str, Hashable], int]
) -> list[Place]:
    """Places a minutes ranking would consider: with coordinates, or with a table entry."""
    keys = {key for _area, key in table}
    return [p for p in places if p.has_coordinates or p.key in keys]


def _covers(
    table: Mapping[tuple[str, Hashable], int], people: Sequence[Attendee], place: Place
) -> bool:
    return all((normalize_area(a.area), place.key) in table for a in people)


def _rank_in_minutes(
    located: Sequence[Attendee],
    places: Sequence[Place],
    table: Mapping[tuple[str, Hashable], int],
    without_home_area: int,
) -> Ranking | None:
    """The ranking in minutes, or None when the table does not cover every trip."""
    if not table or not located:
        return None
    candidates = _table_candidates(places, table)
    if not candidates or not all(_covers(table, located, p) for p in candidates):
        return None
    scores = [
        _score(p, [table[(normalize_area(a.area), p.key)] for a in located], "min")
        for p in candidates
    ]
    chosen = {p.key for p in candidates}
    return Ranking(
        unit="min",
        scores=_ordered(scores),
        counted=len(located),
        without_home_area=without_home_area,
        without_coordinates=0,
        skipped=tuple(p for p in places if p.key not in chosen),
    )


def _km(attendee: Attendee, place: Place) -> float:
    # Only called for attendees and places that have both coordinates.
    return haversine_km(
        attendee.latitude or 0.0,
        attendee.longitude or 0.0,
        place.latitude or 0.0,
        place.longitude or 0.0,
    )


def _score(place: Place, trips: Sequence[float], unit: Unit) -> PlaceScore:
    return PlaceScore(
        key=place.key,
        name=place.name,
        worst=max(trips),
        # fsum is exactly rounded, so the total does not depend on the attendees' order.
        total=math.fsum(trips),
        counted=len(trips),
        unit=unit,
    )


def _ordered(scores: Iterable[PlaceScore]) -> tuple[PlaceScore, ...]:
    return tuple(sorted(scores, key=PlaceScore.sort_key))
