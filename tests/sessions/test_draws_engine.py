"""The draw procedures (sessions.draws): properties (hypothesis) and worked examples, no DB."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.draws import DrawInputError, ladder, pick, trace

participant_lists = st.lists(
    st.integers(min_value=1, max_value=10_000), min_size=2, max_size=12, unique=True
)
seeds = st.text(min_size=0, max_size=40)


@given(participants=participant_lists, seed=seeds, data=st.data())
def test_pick_is_deterministic_for_the_same_input_and_seed(participants, seed, data):
    count = data.draw(st.integers(min_value=1, max_value=len(participants) - 1))

    first = pick(participants, count, seed)
    second = pick(list(participants), count, seed)

    assert first == second


@given(participants=participant_lists, seed=seeds, data=st.data())
def test_pick_returns_distinct_participants(participants, seed, data):
    count = data.draw(st.integers(min_value=1, max_value=len(participants) - 1))

    winners = pick(participants, count, seed)

    assert len(winners) == count
    assert len(set(winners)) == count
    assert set(winners) <= set(participants)


def test_pick_follows_the_documented_procedure():
    participants = [11, 22, 33, 44, 55]

    winners = pick(participants, 2, "0123456789abcdef0123456789abcdef")

    assert winners == random.Random("0123456789abcdef0123456789abcdef").sample(participants, 2)


def test_pick_every_participant_wins_over_200_seeds():
    participants = [101, 102, 103, 104, 105]

    wins = Counter(pick(participants, 1, f"seed-{n}")[0] for n in range(200))

    assert sorted(wins) == participants
    # 40 expected each; a biased draw (e.g. never the last one) would be far off.
    assert min(wins.values()) >= 20


def test_pick_refuses_a_count_not_below_the_participants():
    with pytest.raises(DrawInputError):
        pick([1, 2, 3], 3, "s")
    with pytest.raises(DrawInputError):
        pick([1, 2, 3], 0, "s")


def test_pick_refuses_fewer_than_two_or_repeated_participants():
    with pytest.raises(DrawInputError):
        pick([1], 1, "s")
    with pytest.raises(DrawInputError):
        pick([1, 1, 2], 1, "s")


@given(participants=participant_lists, seed=seeds)
def test_ladder_is_deterministic_for_the_same_input_and_seed(participants, seed):
    outcomes = [f"o{n}" for n in range(len(participants))]

    assert ladder(participants, outcomes, seed) == ladder(list(participants), outcomes, seed)


@given(
    participants=participant_lists,
    seed=seeds,
    rungs_per_gap=st.integers(min_value=1, max_value=8),
)
def test_ladder_mapping_is_a_bijection(participants, seed, rungs_per_gap):
    outcomes = [f"o{n}" for n in range(len(participants))]

    drawn = ladder(participants, outcomes, seed, rungs_per_gap)

    assert sorted(drawn.ends) == list(range(len(participants)))
    assert sorted(drawn.assignment.values()) == sorted(outcomes)
    assert list(drawn.assignment) == list(participants)


@given(participants=participant_lists, seed=seeds)
def test_ladder_never_has_two_adjacent_rungs_at_one_level(participants, seed):
    outcomes = ["x"] * len(participants)

    drawn = ladder(participants, outcomes, seed)

    rungs = set(drawn.rungs)
    assert len(rungs) == len(drawn.rungs)
    assert all((level, column + 1) not in rungs for level, column in rungs)
    assert all(0 <= column < len(participants) - 1 for _level, column in rungs)
    assert all(0 <= level < drawn.levels for level, _column in rungs)


@given(participants=participant_lists, seed=seeds)
def test_ladder_tracing_matches_the_stored_assignment(participants, seed):
    outcomes = [f"o{n}" for n in range(len(participants))]
    drawn = ladder(participants, outcomes, seed)

    traced = {
        participant: drawn.feet[trace(len(participants), list(drawn.rungs), start)[0]]
        for start, participant in enumerate(participants)
    }

    assert traced == drawn.assignment


@given(participants=participant_lists, seed=seeds)
def test_ladder_path_crosses_each_rung_it_meets(participants, seed):
    drawn = ladder(participants, ["x"] * len(participants), seed)

    for start in range(len(participants)):
        end, crossings = drawn.path(start)
        column = start
        for crossing in crossings:
            assert crossing.from_column == column
            assert abs(crossing.to_column - column) == 1
            assert (crossing.level, min(column, crossing.to_column)) in drawn.rungs
            column = crossing.to_column
        assert column == end == drawn.ends[start]


@settings(max_examples=30)
@given(seed=seeds)
def test_ladder_levels_follow_rungs_per_gap(seed):
    drawn = ladder(list(range(1, 11)), ["x"] * 10, seed, rungs_per_gap=4)

    assert drawn.levels == 12
    # 9 gaps, about 4 rungs each on average; at most one per gap and level.
    assert 9 <= len(drawn.rungs) <= 12 * 9


def test_ladder_every_participant_can_get_the_single_prize():
    participants = [1, 2, 3, 4]
    outcomes = ["랩장", "꽝", "꽝", "꽝"]

    leaders = Counter(
        next(
            p
            for p, outcome in ladder(participants, outcomes, f"s{n}").assignment.items()
            if outcome == "랩장"
        )
        for n in range(200)
    )

    assert sorted(leaders) == participants
    assert min(leaders.values()) >= 25


def test_ladder_keeps_repeated_outcomes():
    drawn = ladder([7, 8, 9, 10], ["랩장", "꽝", "꽝", "꽝"], "abc")

    assert Counter(drawn.assignment.values()) == Counter({"꽝": 3, "랩장": 1})


def test_ladder_refuses_outcomes_that_do_not_match_the_participants():
    with pytest.raises(DrawInputError):
        ladder([1, 2, 3], ["a", "b"], "s")


def test_trace_walks_a_known_ladder():
    # Lines 0..2; rungs at level 0 between 0-1, level 1 between 1-2.
    rungs = [(0, 0), (1, 1)]

    ends = [trace(3, rungs, start)[0] for start in range(3)]

    assert ends == [2, 0, 1]
