"""Reproducible draws: a random pick and a ladder game (사다리타기), computed from a seed string.

Pure module (no Django, standard library only): copy this file anywhere with Python 3 and
re-run a stored draw from its participants (user ids, in the stored order), its outcomes
and its seed; you get the stored result.

Every draw uses one generator, ``random.Random(seed)`` with the seed *string* as stored
(CPython hashes a str seed with SHA-512, so the sequence does not depend on the process,
the platform or PYTHONHASHSEED). The procedures, call by call:

pick(participants, count, seed)
    ``winners = random.Random(seed).sample(participants, count)``: ``count`` distinct
    participants, each equally likely, in the order drawn.

ladder(participants, outcomes, seed, rungs_per_gap)
    ``n`` vertical lines, one per participant in order (column 0 is the first participant).
    1. ``feet = list(outcomes); rng.shuffle(feet)``: the outcomes are written under the
       ladder in a seeded order, as when the bottom of a paper ladder is folded away before
       anyone chooses. Whatever the rungs, every participant then has the same chance of
       every outcome.
    2. Rungs: ``levels = 3 * rungs_per_gap`` rows, from the top. For each level in order,
       for each gap ``column`` from 0 to n - 2 (between lines ``column`` and ``column + 1``)
       draw ``r = rng.random()``; a rung is placed at ``(level, column)`` when ``r < 0.5``
       and the gap to the left has no rung at this level. (One draw per level and gap,
       always; two rungs side by side at one level would share a line, so never.) About one
       gap in three gets a rung per level: ``rungs_per_gap`` rungs per gap on average.
    3. Each participant starts at the top of their line and walks down; at every level
       where a rung touches their line they cross it. The line they reach at the bottom is
       their foot, and ``feet[foot]`` their outcome. Crossing rungs swaps two neighbours, so
       the feet are a permutation: every outcome goes to exactly one participant.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_RUNGS_PER_GAP = 4
MIN_PARTICIPANTS = 2
MAX_PARTICIPANTS = 40
RUNG_CHANCE = 0.5


class DrawInputError(ValueError):
    """The participants, count or outcomes cannot make a draw."""


@dataclass(frozen=True, slots=True)
class Crossing:
    """A participant crossing a rung at `level`, from line `from_column` to `to_column`."""

    level: int
    from_column: int
    to_column: int


@dataclass(frozen=True, slots=True)
class Ladder:
    """A drawn ladder: its rungs, the outcomes at its feet, and where everyone arrives."""

    participants: tuple[int, ...]
    levels: int
    # (level, column): a rung between line `column` and line `column + 1`, top to bottom.
    rungs: tuple[tuple[int, int], ...]
    # The outcomes in the order written under the lines (feet[c] is under line c).
    feet: tuple[str, ...]
    # ends[i]: the line participant i (who starts on line i) arrives at.
    ends: tuple[int, ...]

    @property
    def assignment(self) -> dict[int, str]:
        """Participant id → outcome."""
        return {
            participant: self.feet[end]
            for participant, end in zip(self.participants, self.ends, strict=True)
        }

    def path(self, start: int) -> tuple[int, tuple[Crossing, ...]]:
        """The line participant `start` arrives at, and the rungs they cross on the way."""
        return trace(len(self.participants), self.rungs, start)


def _check_participants(participants: Sequence[int]) -> tuple[int, ...]:
    people = tuple(participants)
    if len(people) < MIN_PARTICIPANTS:
        raise DrawInputError(f"A draw needs at least {MIN_PARTICIPANTS} participants.")
    if len(people) > MAX_PARTICIPANTS:
        raise DrawInputError(f"A draw takes at most {MAX_PARTICIPANTS} participants.")
    if len(set(people)) != len(people):
        raise DrawInputError("Each participant can take part once.")
    return people


def pick(participants: Sequence[int], count: int, seed: str) -> list[int]:
    """`count` winners among `participants`, drawn with random.Random(seed).sample."""
    people = _check_participants(participants)
    if not 1 <= count < len(people):
        raise DrawInputError("Pick at least one and fewer than the participants.")
    return random.Random(seed).sample(people, count)


def trace(
    columns: int, rungs: Sequence[tuple[int, int]], start: int
) -> tuple[int, tuple[Crossing, ...]]:
    """Walk down from the top of line `start`, crossing every rung that touches the line."""
    by_level: dict[int, set[int]] = {}
    for level, column in rungs:
        by_level.setdefault(level, set()).add(column)
    column = start
    crossings: list[Crossing] = []
    for level in sorted(by_level):
        gaps = by_level[level]
        if column in gaps and column + 1 < columns:
            crossings.append(Crossing(level, column, column + 1))
            column += 1
        elif column - 1 in gaps:
            crossings.append(Crossing(level, column, column - 1))
            column -= 1
    return column, tuple(crossings)


def ladder(
    participants: Sequence[int],
    outcomes: Sequence[str],
    seed: str,
    rungs_per_gap: int = DEFAULT_RUNGS_PER_GAP,
) -> Ladder:
    """A ladder game for `participants` (one line each, in order) ending in `outcomes`."""
    people = _check_participants(participants)
    if len(outcomes) != len(people):
        raise DrawInputError("A ladder needs one outcome per participant.")
    if not 1 <= rungs_per_gap <= 20:
        raise DrawInputError("Between 1 and 20 rungs per gap.")
    rng = random.Random(seed)
    feet = list(outcomes)
    rng.shuffle(feet)
    levels = 3 * rungs_per_gap
    rungs: list[tuple[int, int]] = []
    for level in range(levels):
        left_has_rung = False
        for column in range(len(people) - 1):
            draw = rng.random()  # one draw per level and gap, placed or not
            placed = draw < RUNG_CHANCE and not left_has_rung
            if placed:
                rungs.append((level, column))
            left_has_rung = placed
    ends = tuple(trace(len(people), rungs, start)[0] for start in range(len(people)))
    return Ladder(
        participants=people, levels=levels, rungs=tuple(rungs), feet=tuple(feet), ends=ends
    )
