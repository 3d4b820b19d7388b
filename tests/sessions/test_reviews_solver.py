"""Property tests of the review-assignment solver (sessions/assignment.py) against a brute force."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.assignment import (
    AssignmentInput,
    Existing,
    InvalidPairs,
    Paper,
    Reviewer,
    Weights,
    explain,
    objective,
    solve,
)

BIDS = ("very_high", "high", "neutral", "low", "very_low", "conflict")
SCORES = {"very_high": 6, "high": 3, "neutral": 0, "low": -3, "very_low": -6}
LOAD_STEP, SPREAD, STAY = 3, 2, 1


@st.composite
def instances(draw, *, max_reviewers: int = 4, max_papers: int = 3, with_existing: bool = True):
    reviewers = tuple(
        Reviewer(id=100 + i, cap=draw(st.integers(0, 3)))
        for i in range(draw(st.integers(1, max_reviewers)))
    )
    papers = tuple(
        Paper(id=1 + j, demand=draw(st.integers(0, 3)))
        for j in range(draw(st.integers(1, max_papers)))
    )
    pairs = [(p.id, r.id) for p in papers for r in reviewers]
    bids = {pair: draw(st.sampled_from(BIDS)) for pair in pairs if draw(st.booleans())}
    conflicts = frozenset(pair for pair in pairs if draw(st.integers(0, 9)) == 0)
    existing: list[Existing] = []
    forced: list[tuple[int, int]] = []
    if with_existing:
        for pair in pairs:
            kind = draw(st.sampled_from(("none", "none", "none", "kept", "movable", "leader")))
            if kind != "none":
                existing.append(
                    Existing(pair[0], pair[1], kept=kind != "movable", forced=kind == "leader")
                )
        forced = [pair for pair in pairs if draw(st.integers(0, 11)) == 0]
    return AssignmentInput(
        reviewers=reviewers,
        papers=papers,
        bids=bids,
        conflicts=conflicts,
        existing=tuple(existing),
        forced=tuple(forced),
        mode=draw(st.sampled_from(("adjust", "fill"))),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


# --- an independent reference: the rules written out plainly, solved by enumeration ---------


def reference_fixed(data: AssignmentInput) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(pairs that stay whatever happens, the solver's own pairs it may move)."""
    papers = {p.id for p in data.papers}
    reviewers = {r.id for r in data.reviewers}
    conflicted = {pair for pair, bid in data.bids.items() if bid == "conflict"} | data.conflicts
    fixed = {
        (e.paper_id, e.reviewer_id)
        for e in data.existing
        if e.paper_id in papers and (e.kept or e.forced)
    }
    movable = {
        (e.paper_id, e.reviewer_id)
        for e in data.existing
        if e.paper_id in papers
        and not (e.kept or e.forced)
        and e.reviewer_id in reviewers
        and (e.paper_id, e.reviewer_id) not in conflicted
    }
    for pair in data.forced:
        if pair[0] in papers and pair[1] in reviewers and (pair not in conflicted or pair in fixed):
            fixed.add(pair)
            movable.discard(pair)
    if data.mode == "fill":
        fixed |= movable
        movable = set()
    return fixed, movable


def conflicted_pairs(data: AssignmentInput) -> set[tuple[int, int]]:
    return {pair for pair, bid in data.bids.items() if bid == "conflict"} | set(data.conflicts)


def reference_score(data: AssignmentInput, chosen: set[tuple[int, int]]) -> int:
    fixed, movable = reference_fixed(data)
    fixed_load = Counter(r for _p, r in fixed)
    fixed_count = Counter(p for p, _r in fixed)
    score = 0
    for pair in chosen:
        score += SCORES.get(data.bids.get(pair, "neutral"), 0)
        if pair in movable:
            score += STAY
    for reviewer, count in Counter(r for _p, r in chosen).items():
        for n in range(fixed_load[reviewer], fixed_load[reviewer] + count):
            score -= LOAD_STEP * n
    for paper, count in Counter(p for p, _r in chosen).items():
        for n in range(fixed_count[paper], fixed_count[paper] + count):
            score -= SPREAD * n
    return score


def brute_force(data: AssignmentInput) -> tuple[int, int]:
    """(most reviews that can be added, best score among choices adding that many)."""
    fixed, _movable = reference_fixed(data)
    conflicted = conflicted_pairs(data)
    fixed_load = Counter(r for _p, r in fixed)
    fixed_count = Counter(p for p, _r in fixed)
    room = {r.id: max(0, r.cap - fixed_load[r.id]) for r in data.reviewers}
    options = []
    for paper in data.papers:
        missing = max(0, paper.demand - fixed_count[paper.id])
        candidates = [
            r.id
            for r in data.reviewers
            if (paper.id, r.id) not in fixed and (paper.id, r.id) not in conflicted
        ]
        options.append(
            [
                [(paper.id, r) for r in combo]
                for size in range(min(missing, len(candidates)) + 1)
                for combo in itertools.combinations(candidates, size)
            ]
        )
    best = (-1, 0)
    for choice in itertools.product(*options):
        chosen = {pair for part in choice for pair in part}
        load = Counter(r for _p, r in chosen)
        if any(load[r] > room[r] for r in load):
            continue
        key = (len(chosen), reference_score(data, chosen))
        best = max(best, key)
    return best


def added_pairs(data: AssignmentInput, result) -> set[tuple[int, int]]:
    fixed, _movable = reference_fixed(data)
    return {(p.paper_id, p.reviewer_id) for p in result.pairs} - fixed


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(instances())
def test_solver_is_optimal_against_brute_force(data):
    result = solve(data)

    chosen = added_pairs(data, result)

    assert (len(chosen), reference_score(data, chosen)) == brute_force(data)
    assert result.score == reference_score(data, chosen)
    assert objective(data, chosen) == result.score


@settings(max_examples=150, deadline=None)
@given(instances())
def test_solver_never_violates_a_conflict_a_cap_or_a_demand(data):
    fixed, _movable = reference_fixed(data)
    conflicted = conflicted_pairs(data)

    result = solve(data)

    chosen = added_pairs(data, result)
    load = Counter(p.reviewer_id for p in result.pairs)
    fixed_load = Counter(r for _p, r in fixed)
    count = Counter(p.paper_id for p in result.pairs)
    fixed_count = Counter(p for p, _r in fixed)
    assert chosen & conflicted == set()
    assert all(load[r.id] <= max(r.cap, fixed_load[r.id]) for r in data.reviewers)
    assert all(count[p.id] <= max(p.demand, fixed_count[p.id]) for p in data.papers)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_solver_meets_demand_whenever_it_is_feasible(data):
    fixed, _movable = reference_fixed(data)
    fixed_count = Counter(p for p, _r in fixed)
    total_missing = sum(max(0, p.demand - fixed_count[p.id]) for p in data.papers)
    feasible = brute_force(data)[0] == total_missing

    result = solve(data)

    assert (result.shortfalls == ()) == feasible
    assert len(added_pairs(data, result)) == brute_force(data)[0]


@settings(max_examples=150, deadline=None)
@given(instances())
def test_solver_explains_every_short_paper_truthfully(data):
    conflicted = conflicted_pairs(data)

    result = solve(data)

    load = Counter(p.reviewer_id for p in result.pairs)
    holders = {p.id: set() for p in data.papers}
    for pair in result.pairs:
        holders[pair.paper_id].add(pair.reviewer_id)
    for short in result.shortfalls:
        eligible = {
            r.id for r in data.reviewers if (short.paper_id, r.id) not in conflicted
        } | holders[short.paper_id]
        assert short.assigned == len(holders[short.paper_id]) < short.needed
        assert short.eligible == len(eligible)
        if short.why == "too_few_eligible":
            assert len(eligible) < short.needed
        else:
            # Enough people could review it: every one of them who does not is full.
            caps = {r.id: r.cap for r in data.reviewers}
            assert all(load[r] >= caps.get(r, 0) for r in eligible - holders[short.paper_id])


@settings(max_examples=100, deadline=None)
@given(instances(with_existing=True))
def test_solver_never_drops_a_started_review_or_a_leaders_pair(data):
    kept = {(e.paper_id, e.reviewer_id) for e in data.existing if e.kept or e.forced}
    papers = {p.id for p in data.papers}

    result = solve(data)

    pairs = {(p.paper_id, p.reviewer_id): p for p in result.pairs}
    assert all(pair in pairs and pairs[pair].reason.kept for pair in kept if pair[0] in papers)
    assert set(result.dropped) & kept == set()


@settings(max_examples=100, deadline=None)
@given(instances())
def test_solver_is_deterministic_for_a_seed(data):
    first = solve(data)

    again = solve(replace(data, bids=dict(reversed(list(data.bids.items())))))

    assert again == first


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 8),
    st.integers(1, 12),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 2**31 - 1),
)
def test_solver_balances_loads_within_one_when_bids_are_equal(
    n_reviewers, n_papers, demand, cap, seed
):
    data = AssignmentInput(
        reviewers=tuple(Reviewer(id=i, cap=cap) for i in range(1, n_reviewers + 1)),
        papers=tuple(Paper(id=j, demand=demand) for j in range(1, n_papers + 1)),
        seed=seed,
    )

    result = solve(data)

    load = Counter({r.id: 0 for r in data.reviewers})
    load.update(p.reviewer_id for p in result.pairs)
    assert max(load.values()) - min(load.values()) <= 1


@settings(max_examples=100, deadline=None)
@given(instances())
def test_solver_reason_tells_the_bid_and_the_final_load(data):
    result = solve(data)

    load = Counter(p.reviewer_id for p in result.pairs)
    caps = {r.id: r.cap for r in data.reviewers}
    assert all(
        (p.reason.bid, p.reason.load, p.reason.cap)
        == (
            data.bids.get((p.paper_id, p.reviewer_id), "neutral"),
            load[p.reviewer_id],
            caps.get(p.reviewer_id, 0),
        )
        for p in result.pairs
    )


@settings(max_examples=100, deadline=None)
@given(instances())
def test_explain_gives_back_what_solve_chose(data):
    result = solve(data)

    again = explain(data, [(p.paper_id, p.reviewer_id) for p in result.pairs])

    assert again == result


# --- examples ------------------------------------------------------------------------------


def test_solver_gives_papers_to_those_who_bid_on_them():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 1)),
        papers=(Paper(10, 1), Paper(20, 1)),
        bids={(10, 2): "very_high", (20, 1): "high", (10, 1): "low"},
    )

    result = solve(data)

    assert [(p.paper_id, p.reviewer_id, p.reason.bid) for p in result.pairs] == [
        (10, 2, "very_high"),
        (20, 1, "high"),
    ]
    assert result.score == 9


def test_solver_trades_a_bid_against_a_heavier_load():
    # Reviewer 1 bids very high on both papers; a second review costs 3 < 6: worth it.
    # With a load step of 7 it is not, and reviewer 2 takes the second paper.
    data = AssignmentInput(
        reviewers=(Reviewer(1, 3), Reviewer(2, 3)),
        papers=(Paper(10, 1), Paper(20, 1)),
        bids={(10, 1): "very_high", (20, 1): "very_high"},
    )

    keen = solve(data)
    balanced = solve(replace(data, weights=Weights(load_step=7)))

    assert sorted(p.reviewer_id for p in keen.pairs) == [1, 1]
    assert sorted(p.reviewer_id for p in balanced.pairs) == [1, 2]


def test_solver_reports_short_papers_with_their_reason():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 1), Reviewer(3, 3)),
        papers=(Paper(10, 3), Paper(20, 2)),
        bids={(10, 3): "conflict"},
        conflicts=frozenset({(10, 2)}),
    )

    result = solve(data)

    assert [(s.paper_id, s.needed, s.assigned, s.eligible, s.why) for s in result.shortfalls] == [
        (10, 3, 1, 1, "too_few_eligible"),
    ]


def test_solver_says_caps_are_too_low_when_eligible_reviewers_are_full():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 1)),
        papers=(Paper(10, 2), Paper(20, 2)),
    )

    result = solve(data)

    assert [(s.assigned, s.eligible, s.why) for s in result.shortfalls] == [
        (1, 2, "caps_too_low"),
        (1, 2, "caps_too_low"),
    ]


def test_solver_keeps_reviews_under_way_and_counts_them_in_load():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 2), Reviewer(2, 2)),
        papers=(Paper(10, 1), Paper(20, 1), Paper(30, 1)),
        bids={(20, 1): "very_high", (30, 1): "very_high"},
        existing=(Existing(10, 1, kept=True),),
    )

    result = solve(data)

    assert [(p.paper_id, p.reviewer_id, p.reason.kept, p.new) for p in result.pairs] == [
        (10, 1, True, False),
        (20, 1, False, True),
        (30, 2, False, True),
    ]


def test_solver_adjust_mode_moves_a_not_started_pair_only_for_a_reason():
    # Reviewer 1 was given paper 10 before; nothing changed: it stays (the stay bonus).
    same = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 1)),
        papers=(Paper(10, 1),),
        existing=(Existing(10, 1, kept=False),),
    )
    # Reviewer 2 now bids very high: worth more than the bonus, so the pair moves.
    moved = replace(same, bids={(10, 2): "very_high"})

    assert [(p.reviewer_id, p.new) for p in solve(same).pairs] == [(1, False)]
    assert solve(same).dropped == ()
    assert [(p.reviewer_id, p.new) for p in solve(moved).pairs] == [(2, True)]
    assert solve(moved).dropped == ((10, 1),)
    assert [p.reviewer_id for p in solve(replace(moved, mode="fill")).pairs] == [1]


def test_solver_drops_a_not_started_pair_whose_reviewer_now_declares_a_conflict():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 1)),
        papers=(Paper(10, 1),),
        bids={(10, 1): "conflict"},
        existing=(Existing(10, 1, kept=False),),
        mode="fill",
    )

    result = solve(data)

    assert [(p.reviewer_id, p.new) for p in result.pairs] == [(2, True)]
    assert result.dropped == ((10, 1),)


def test_solver_honours_forced_pairs_and_rejects_impossible_ones():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 0), Reviewer(2, 1)),
        papers=(Paper(10, 1),),
        bids={(10, 2): "conflict"},
        forced=((10, 1), (10, 2), (99, 1), (10, 7)),
    )

    result = solve(data)

    assert [
        (p.reviewer_id, p.reason.forced, p.reason.load, p.reason.cap) for p in result.pairs
    ] == [(1, True, 1, 0)]
    assert [(r.paper_id, r.reviewer_id, r.why) for r in result.rejected] == [
        (10, 2, "conflict"),
        (99, 1, "unknown_paper"),
        (10, 7, "unknown_reviewer"),
    ]


def test_solver_seed_breaks_ties_differently():
    data = AssignmentInput(
        reviewers=tuple(Reviewer(i, 1) for i in range(1, 6)),
        papers=(Paper(10, 1),),
    )

    chosen = {solve(replace(data, seed=seed)).pairs[0].reviewer_id for seed in range(40)}

    assert chosen == {1, 2, 3, 4, 5}


def test_solver_handles_nothing_to_do():
    data = AssignmentInput(reviewers=(), papers=(Paper(10, 0),))

    result = solve(data)

    assert (result.pairs, result.shortfalls, result.score) == ((), (), 0)


def test_explain_lists_every_broken_rule():
    data = AssignmentInput(
        reviewers=(Reviewer(1, 1), Reviewer(2, 2)),
        papers=(Paper(10, 1), Paper(20, 2)),
        conflicts=frozenset({(20, 2)}),
    )
    pairs = [(10, 1), (10, 2), (20, 1), (20, 2), (10, 1), (30, 1), (20, 9)]

    with pytest.raises(InvalidPairs) as caught:
        explain(data, pairs)

    assert caught.value.problems == [
        (1, 10, 2, "over_demand"),
        (2, 20, 1, "over_cap"),
        (3, 20, 2, "conflict"),
        (4, 10, 1, "duplicate"),
        (5, 30, 1, "unknown_paper"),
        (6, 20, 9, "unknown_reviewer"),
    ]
