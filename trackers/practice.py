"""Which interview question to practise next: a pure, seeded choice over plain data (no Django),
so "draw a question" is reproducible and tested without a database."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class QuestionChoice:
    """A drawn question id. `fresh` is False when every candidate was practised recently:
    the choice is then the one practised longest ago."""

    question_id: int
    fresh: bool
    fresh_count: int
    candidate_count: int


def choose_question(
    candidates: Sequence[int],
    last_practised: Mapping[int, datetime],
    *,
    now: datetime,
    avoid: timedelta,
    seed: str,
) -> QuestionChoice | None:
    """Pick one question id for practice; pure (standard library only) and reproducible.

    Candidates not practised since `now - avoid` are "fresh"; one of them is drawn with
    ``random.Random(seed).choice`` over the fresh ids in ascending order. When none is
    fresh, the least recently practised wins (ties drawn the same way). None: no candidates.
    """
    ordered = sorted(set(candidates))
    if not ordered:
        return None
    cutoff = now - avoid
    fresh = [pk for pk in ordered if (at := last_practised.get(pk)) is None or at <= cutoff]
    rng = random.Random(seed)
    if fresh:
        return QuestionChoice(rng.choice(fresh), True, len(fresh), len(ordered))
    oldest = min(last_practised[pk] for pk in ordered)
    stalest = [pk for pk in ordered if last_practised[pk] == oldest]
    return QuestionChoice(rng.choice(stalest), False, 0, len(ordered))
