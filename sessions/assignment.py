"""Paper-review assignment: who reviews which paper, solved optimally with min-cost flow.

Pure module (no Django): plain data in, plain data out. The network is HotCRP's and the
OpenReview matcher's: source → reviewer → paper → sink.

- source → reviewer: one arc of capacity 1 per review the reviewer may still take (their cap
  minus the reviews they keep), the n-th review of a reviewer costing `load_step * (n - 1)`.
  The marginal cost grows with each review (a convex load cost), so work is spread evenly
  unless bids say otherwise; kept reviews count, so they push a busy reviewer's next one up.
- reviewer → paper: capacity 1 for every pair that may be assigned, costing minus the bid's
  score (very high 6 … very low -6; no bid is neutral), minus a small `stay` bonus for a pair
  the solver assigned before and nobody started (so a re-run moves reviews only for a reason).
  A conflict (declared with a "conflict" bid, or given in `conflicts`: the paper's authors) has
  no arc: never assigned.
- paper → sink: one arc of capacity 1 per review it still needs (its demand minus the kept
  ones), the n-th review of a paper costing `spread * (n - 1)`. When demand is met this is the
  same for every answer; when it cannot be, short papers share the reviews there are (two
  papers with one review each rather than one with two and one with none).

The trade-off, with the default weights: a reviewer's next review costs 3 more than their
previous one, so member A gets a paper over member B only when A's bid beats B's by at least
3 for each review A already has beyond B (by exactly that much, the seed decides). A very
high bid against a neutral one (6 apart) lets A get at most 3 reviews ahead of B; bids are at
most 12 apart, so nobody gets more than 5 ahead. With equal bids loads differ by at most one.

OR-Tools' SimpleMinCostFlow finds, among the flows of maximum size (as many reviews as the caps
and conflicts allow), one of least cost: demand first, then bids, then balance. Costs are
scaled by a factor M larger than the sum of any solution's tie-breaks, and each pair gets a
tie-break in [0, T) from a hash of (seed, paper, reviewer): among equally good answers the seed
picks one, and the same input and seed always give the same answer.

Kept pairs: existing reviews that are under way (started or submitted) and pairs a leader
chose are never moved; they count toward the paper's demand and the reviewer's load. In
"adjust" mode (the default) the solver's own not-yet-started pairs may move (the `stay` bonus
keeps them unless something is better by more than the bonus); in "fill" mode every existing
pair stays and only the missing reviews are added. A kept pair may exceed a cap or a demand
(a leader decided it); the solver never adds reviews beyond either.

When demand cannot be met, each short paper says why: fewer reviewers could review it at all
than it needs ("too_few_eligible": conflicts and authorship), or enough could but their caps
are used up ("caps_too_low"). By max-flow optimality no short paper has an eligible reviewer
with room left, so the second reason is exact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from ortools.graph.python import min_cost_flow

Mode = Literal["adjust", "fill"]
ShortWhy = Literal["too_few_eligible", "caps_too_low"]
Problem = Literal[
    "unknown_paper", "unknown_reviewer", "conflict", "duplicate", "over_cap", "over_demand"
]

NEUTRAL = "neutral"
CONFLICT = "conflict"
PREFERENCES = ("very_high", "high", "neutral", "low", "very_low")
# Tie-breaks are drawn in [0, TIE_RANGE); costs are scaled so they never outweigh a real cost.
TIE_RANGE = 1024
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer scores: bids are what a member asked for; `load_step` makes each further review
    of a reviewer cost this much more than the one before, `spread` the same for a paper's
    reviews; `stay` is the bonus for not moving a pair."""

    very_high: int = 6
    high: int = 3
    neutral: int = 0
    low: int = -3
    very_low: int = -6
    load_step: int = 3
    spread: int = 2
    stay: int = 1

    def bid(self, preference: str) -> int:
        return int(getattr(self, preference)) if preference in PREFERENCES else self.neutral

    def load_cost(self, first: int, count: int) -> int:
        """The cost of `count` more reviews for a reviewer who already has `first`."""
        return sum(self.load_step * n for n in range(first, first + count))

    def spread_cost(self, first: int, count: int) -> int:
        """The cost of `count` more reviews for a paper that already has `first`."""
        return sum(self.spread * n for n in range(first, first + count))


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: int
    cap: int


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper to review; `demand` counts every review it needs, kept ones included."""

    id: int
    demand: int


@dataclass(frozen=True, slots=True)
class Existing:
    """A review that exists already. `kept`: under way (started, submitted) or a leader's
    (`forced`): never moved. Otherwise the solver's own pair that nobody started."""

    paper_id: int
    reviewer_id: int
    kept: bool
    forced: bool = False


@dataclass(frozen=True, slots=True)
class AssignmentInput:
    """Everything the solver weighs. Pairs are (paper id, reviewer id) everywhere.

    `bids` maps a pair to a preference (very_high … very_low, or conflict); a missing bid is
    neutral. `conflicts` lists other pairs that must never be assigned (authors). `forced`
    lists new pairs a leader imposes. Existing pairs of papers not in `papers` are ignored.
    """

    reviewers: tuple[Reviewer, ...]
    papers: tuple[Paper, ...]
    bids: Mapping[tuple[int, int], str] = field(default_factory=dict)
    conflicts: frozenset[tuple[int, int]] = frozenset()
    existing: tuple[Existing, ...] = ()
    forced: tuple[tuple[int, int], ...] = ()
    mode: Mode = "adjust"
    seed: int = 0
    weights: Weights = Weights()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a pair, as data (the caller words it): the reviewer's bid, their load after this
    run out of their cap, and whether the pair was kept as it was or chosen by a leader."""

    bid: str
    load: int
    cap: int
    kept: bool
    forced: bool


@dataclass(frozen=True, slots=True)
class Pair:
    paper_id: int
    reviewer_id: int
    reason: Reason
    new: bool  # True: not an existing review (to be created)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A paper that still lacks `needed - assigned` reviews, and why (see the module)."""

    paper_id: int
    needed: int
    assigned: int
    eligible: int
    why: ShortWhy


@dataclass(frozen=True, slots=True)
class Rejected:
    """A forced pair that cannot be: its paper or reviewer is unknown, or it is a conflict."""

    paper_id: int
    reviewer_id: int
    why: Problem


@dataclass(frozen=True, slots=True)
class Assignment:
    """The result: every pair after the run (kept and new, by paper then reviewer), the
    existing not-started pairs it removes, the short papers, refused forced pairs, and the
    objective `score` (bid scores and stay bonuses of the pairs it may choose, minus their
    load costs; higher is better)."""

    pairs: tuple[Pair, ...]
    dropped: tuple[tuple[int, int], ...]
    shortfalls: tuple[Shortfall, ...]
    rejected: tuple[Rejected, ...]
    score: int

    @property
    def new_pairs(self) -> tuple[Pair, ...]:
        return tuple(pair for pair in self.pairs if pair.new)


class InvalidPairs(ValueError):
    """Pairs handed to `explain` that break a rule: (position, paper id, reviewer id, problem)."""

    def __init__(self, problems: list[tuple[int, int, int, Problem]]) -> None:
        super().__init__(problems)
        self.problems = problems


# --- the board: what both `solve` and `explain` start from ------------------------------------


@dataclass(slots=True)
class _Board:
    data: AssignmentInput
    caps: dict[int, int]
    demand: dict[int, int]
    conflicted: set[tuple[int, int]]
    # Pairs that stay whatever happens, with their (kept, forced) flags.
    fixed: dict[tuple[int, int], tuple[bool, bool]]
    # The solver's own not-started pairs it may move (adjust mode).
    movable: set[tuple[int, int]]
    # Not-started pairs that cannot stay: their reviewer left or declared a conflict since.
    stale: set[tuple[int, int]]
    rejected: list[Rejected]
    fixed_load: Counter[int]
    fixed_count: Counter[int]

    @classmethod
    def start(cls, data: AssignmentInput) -> _Board:
        caps = {r.id: max(0, r.cap) for r in data.reviewers}
        demand = {p.id: max(0, p.demand) for p in data.papers}
        conflicted = {pair for pair, pref in data.bids.items() if pref == CONFLICT}
        conflicted |= data.conflicts
        fixed: dict[tuple[int, int], tuple[bool, bool]] = {}
        movable: set[tuple[int, int]] = set()
        stale: set[tuple[int, int]] = set()
        for item in data.existing:
            pair = (item.paper_id, item.reviewer_id)
            if item.paper_id not in demand:
                continue
            if item.kept or item.forced:
                fixed[pair] = (True, item.forced)
            elif item.reviewer_id in caps and pair not in conflicted:
                movable.add(pair)
            else:
                stale.add(pair)
        rejected: list[Rejected] = []
        for pair in dict.fromkeys(data.forced):
            paper_id, reviewer_id = pair
            why: Problem | None = None
            if paper_id not in demand:
                why = "unknown_paper"
            elif reviewer_id not in caps:
                why = "unknown_reviewer"
            elif pair in conflicted and pair not in fixed:
                why = "conflict"
            if why is not None:
                rejected.append(Rejected(paper_id, reviewer_id, why))
                continue
            kept = fixed.get(pair, (False, False))[0] or pair in movable
            fixed[pair] = (kept, True)
            movable.discard(pair)
        if data.mode == "fill":
            for pair in movable:
                fixed[pair] = (True, False)
            movable = set()
        fixed_load: Counter[int] = Counter(reviewer for _paper, reviewer in fixed)
        fixed_count: Counter[int] = Counter(paper for paper, _reviewer in fixed)
        return cls(
            data=data,
            caps=caps,
            demand=demand,
            conflicted=conflicted,
            fixed=fixed,
            movable=movable,
            stale=stale,
            rejected=rejected,
            fixed_load=fixed_load,
            fixed_count=fixed_count,
        )

    def room(self, reviewer_id: int) -> int:
        return max(0, self.caps.get(reviewer_id, 0) - self.fixed_load[reviewer_id])

    def missing(self, paper_id: int) -> int:
        return max(0, self.demand[paper_id] - self.fixed_count[paper_id])

    def pair_score(self, pair: tuple[int, int]) -> int:
        weights = self.data.weights
        score = weights.bid(self.data.bids.get(pair, NEUTRAL))
        return score + weights.stay if pair in self.movable else score

    def score(self, chosen: Iterable[tuple[int, int]]) -> int:
        """The objective of a choice of pairs beyond the fixed ones (what `solve` maximises)."""
        chosen = list(chosen)
        added: Counter[int] = Counter(reviewer for _paper, reviewer in chosen)
        reviews: Counter[int] = Counter(paper for paper, _reviewer in chosen)
        weights = self.data.weights
        load = sum(weights.load_cost(self.fixed_load[r], n) for r, n in added.items())
        spread = sum(weights.spread_cost(self.fixed_count[p], n) for p, n in reviews.items())
        return sum(self.pair_score(pair) for pair in chosen) - load - spread

    def result(self, chosen: Sequence[tuple[int, int]]) -> Assignment:
        chosen_set = set(chosen)
        everything = dict(self.fixed)
        for pair in chosen_set:
            everything[pair] = (False, False)
        load: Counter[int] = Counter(reviewer for _paper, reviewer in everything)
        existing = {(e.paper_id, e.reviewer_id) for e in self.data.existing}
        pairs = tuple(
            Pair(
                paper_id=paper,
                reviewer_id=reviewer,
                reason=Reason(
                    bid=self.data.bids.get((paper, reviewer), NEUTRAL),
                    load=load[reviewer],
                    cap=self.caps.get(reviewer, 0),
                    kept=kept,
                    forced=forced,
                ),
                new=(paper, reviewer) not in existing,
            )
            for (paper, reviewer), (kept, forced) in sorted(everything.items())
        )
        dropped = tuple(sorted((self.movable - chosen_set) | self.stale))
        holders: dict[int, set[int]] = defaultdict(set)
        for paper_id, reviewer_id in everything:
            holders[paper_id].add(reviewer_id)
        shortfalls = []
        for item in self.data.papers:
            assigned = len(holders[item.id])
            if assigned >= self.demand[item.id]:
                continue
            eligible = {
                r.id for r in self.data.reviewers if (item.id, r.id) not in self.conflicted
            } | holders[item.id]
            why: ShortWhy = (
                "too_few_eligible" if len(eligible) < self.demand[item.id] else "caps_too_low"
            )
            shortfalls.append(
                Shortfall(item.id, self.demand[item.id], assigned, len(eligible), why)
            )
        return Assignment(
            pairs=pairs,
            dropped=dropped,
            shortfalls=tuple(shortfalls),
            rejected=tuple(self.rejected),
            score=self.score(chosen_set),
        )


# --- solving ------------------------------------------------------------------------------------


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """A fixed, well-mixed hash of 64-bit integers (wrapping arithmetic), element-wise."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def tie_breaks(seed: int, papers: np.ndarray, reviewers: np.ndarray) -> np.ndarray:
    """Each pair's tie-break in [0, TIE_RANGE), from the seed and the two ids alone (not from
    their order), so a pair keeps its draw whatever else is in the input."""
    base = np.uint64((seed * 0xD1B54A32D192ED03) & _MASK64)
    with np.errstate(over="ignore"):
        mixed = _splitmix64(
            base
            ^ (papers.astype(np.uint64) * np.uint64(0xA24BAED4963EE407))
            ^ _splitmix64(reviewers.astype(np.uint64))
        )
    return (mixed % np.uint64(TIE_RANGE)).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Network:
    """The flow network as arc arrays (built by `build_network`, solved by `solve_network`)."""

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    supply: int
    # The reviewer → paper arcs: their index range in the arrays and their pairs.
    pair_start: int
    pair_papers: np.ndarray
    pair_reviewers: np.ndarray


SOURCE, SINK = 0, 1


def build_network(board: _Board) -> Network:
    data = board.data
    reviewer_ids = [r.id for r in data.reviewers]
    paper_ids = [p.id for p in data.papers]
    room = np.array([board.room(rid) for rid in reviewer_ids], dtype=np.int64)
    missing = np.array([board.missing(pid) for pid in paper_ids], dtype=np.int64)
    supply = int(missing.sum())
    # Any solution holds at most `supply` chosen pairs, each tie-break below TIE_RANGE: scaled
    # costs differ by at least `scale`, which their tie-breaks together never reach.
    scale = TIE_RANGE * (supply + 1)
    weights = data.weights

    # Reviewer → paper: every pair, minus conflicts, fixed pairs and full rows or columns.
    n_r, n_p = len(reviewer_ids), len(paper_ids)
    score = np.full((n_r, n_p), weights.neutral, dtype=np.int64)
    allowed = np.ones((n_r, n_p), dtype=bool)
    allowed[room == 0, :] = False
    allowed[:, missing == 0] = False
    col = {pid: j for j, pid in enumerate(paper_ids)}
    row = {rid: i for i, rid in enumerate(reviewer_ids)}
    for (paper, reviewer), preference in data.bids.items():
        i, j = row.get(reviewer), col.get(paper)
        if i is not None and j is not None:
            score[i, j] = weights.bid(preference)
    for paper, reviewer in (*board.conflicted, *board.fixed):
        i, j = row.get(reviewer), col.get(paper)
        if i is not None and j is not None:
            allowed[i, j] = False
    for paper, reviewer in board.movable:
        score[row[reviewer], col[paper]] += weights.stay
    ri, pj = np.nonzero(allowed)
    pair_reviewers = np.array(reviewer_ids, dtype=np.int64)[ri]
    pair_papers = np.array(paper_ids, dtype=np.int64)[pj]
    pair_costs = -score[ri, pj] * scale + tie_breaks(data.seed, pair_papers, pair_reviewers)

    # Source → reviewer: one unit arc per review left, the n-th costing load_step * (n - 1).
    unit_reviewers = np.repeat(np.arange(n_r), room)
    offsets = np.arange(len(unit_reviewers)) - np.repeat(np.cumsum(room) - room, room)
    fixed_load = np.array([board.fixed_load[rid] for rid in reviewer_ids], dtype=np.int64)
    unit_costs = weights.load_step * (fixed_load[unit_reviewers] + offsets) * scale

    # Paper → sink: one unit arc per review missing, the n-th costing spread * (n - 1).
    unit_papers = np.repeat(np.arange(n_p), missing)
    paper_offsets = np.arange(supply) - np.repeat(np.cumsum(missing) - missing, missing)
    fixed_count = np.array([board.fixed_count[pid] for pid in paper_ids], dtype=np.int64)
    spread_costs = weights.spread * (fixed_count[unit_papers] + paper_offsets) * scale

    tails = np.concatenate(
        [np.full(len(unit_reviewers), SOURCE), 2 + ri, 2 + n_r + unit_papers]
    ).astype(np.int32)
    heads = np.concatenate([2 + unit_reviewers, 2 + n_r + pj, np.full(supply, SINK)]).astype(
        np.int32
    )
    capacities = np.ones(len(tails), dtype=np.int64)
    costs = np.concatenate([unit_costs, pair_costs, spread_costs])
    return Network(
        tails=tails,
        heads=heads,
        capacities=capacities,
        costs=costs.astype(np.int64),
        supply=supply,
        pair_start=len(unit_reviewers),
        pair_papers=pair_papers,
        pair_reviewers=pair_reviewers,
    )


def network_for(data: AssignmentInput) -> Network:
    """The flow network `solve` builds for this input (for benchmarks and inspection)."""
    return build_network(_Board.start(data))


def solve_network(network: Network) -> list[tuple[int, int]]:
    """The chosen (paper, reviewer) pairs of a minimum-cost maximum flow."""
    if network.supply == 0 or len(network.pair_papers) == 0:
        return []
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        network.tails, network.heads, network.capacities, network.costs
    )
    flow.set_node_supply(SOURCE, network.supply)
    flow.set_node_supply(SINK, -network.supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:  # pragma: no cover -- integer costs and capacities: always optimal
        raise RuntimeError(f"min-cost flow failed with status {status}")
    start = network.pair_start
    arcs = np.arange(start, start + len(network.pair_papers), dtype=np.int32)
    used = np.asarray(flow.flows(arcs)) > 0
    return list(
        zip(
            network.pair_papers[used].tolist(),
            network.pair_reviewers[used].tolist(),
            strict=True,
        )
    )


def solve(data: AssignmentInput) -> Assignment:
    """Assign reviewers to every paper as well as the rules allow (see the module)."""
    board = _Board.start(data)
    chosen = solve_network(build_network(board))
    return board.result(chosen)


def explain(data: AssignmentInput, pairs: Sequence[tuple[int, int]]) -> Assignment:
    """Check a chosen final set of (paper, reviewer) pairs against the rules and give each its
    reason, as `solve` would have. Fixed pairs (kept, forced) stay whether listed or not; the
    solver's own not-started pairs that are not listed are dropped (adjust mode). Raises
    InvalidPairs listing every problem: unknown paper or reviewer, a conflict, a pair listed
    twice, or a reviewer or paper taken beyond their cap or demand."""
    board = _Board.start(data)
    problems: list[tuple[int, int, int, Problem]] = []
    seen: set[tuple[int, int]] = set()
    chosen: list[tuple[int, int]] = []
    load: Counter[int] = Counter()
    count: Counter[int] = Counter()
    for position, (paper, reviewer) in enumerate(pairs):
        pair = (paper, reviewer)
        problem: Problem | None = None
        if pair in seen:
            problem = "duplicate"
        elif pair in board.fixed:
            seen.add(pair)
            continue
        elif paper not in board.demand:
            problem = "unknown_paper"
        elif reviewer not in board.caps:
            problem = "unknown_reviewer"
        elif pair in board.conflicted:
            problem = "conflict"
        elif load[reviewer] >= board.room(reviewer):
            problem = "over_cap"
        elif count[paper] >= board.missing(paper):
            problem = "over_demand"
        seen.add(pair)
        if problem is not None:
            problems.append((position, paper, reviewer, problem))
            continue
        load[reviewer] += 1
        count[paper] += 1
        chosen.append(pair)
    if problems:
        raise InvalidPairs(problems)
    return board.result(chosen)


def objective(data: AssignmentInput, chosen: Iterable[tuple[int, int]]) -> int:
    """The score `solve` maximises (after the number of reviews) for pairs beyond the fixed
    ones; for tests and explanations."""
    return _Board.start(data).score(chosen)
