"""Micro-benchmark of the review-assignment solver (sessions/assignment.py).

Run: `.venv/bin/python -m bench.reviews` (no database, no Django: the solver is pure).

Two instances, each timed as the median of several runs of `sessions.assignment.solve`, input
to answer (graph build, OR-Tools min-cost flow, reasons and shortfalls):

- conference scale: 200 reviewers x 1000 papers x 3 reviews each (limit 1 s);
- a lab: 40 reviewers x 60 papers x 3 reviews each (limit 50 ms).

Each is printed next to floors measured in the same run on the same input: the bare
min-cost-flow solve of the prebuilt network (`solve_network` alone: what OR-Tools costs), and
building the network's arc arrays alone (`network_for`). The script exits 1 when a solve
is over its limit.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessions.assignment import (
    AssignmentInput,
    Existing,
    Paper,
    Reviewer,
    network_for,
    solve,
    solve_network,
)

PREFERENCES = ("very_high", "high", "neutral", "low", "very_low")


@dataclass(frozen=True)
class Scale:
    name: str
    reviewers: int
    papers: int
    reviews: int
    cap: int
    bids_per_reviewer: int
    runs: int
    limit_ms: float


SCALES = (
    Scale("conference", 200, 1000, 3, 16, 40, 7, 1000.0),
    Scale("lab", 40, 60, 3, 6, 25, 30, 50.0),
)


def build_input(scale: Scale, seed: int = 2026) -> AssignmentInput:
    """Bids on a few dozen papers per reviewer (3% conflicts), one author in 50, and a tenth of
    the reviews already under way (kept, as on a re-run)."""
    rng = random.Random(seed)
    reviewers = tuple(Reviewer(id=r, cap=scale.cap) for r in range(1, scale.reviewers + 1))
    papers = tuple(Paper(id=p, demand=scale.reviews) for p in range(1, scale.papers + 1))
    bids: dict[tuple[int, int], str] = {}
    for reviewer in reviewers:
        for paper_id in rng.sample(range(1, scale.papers + 1), scale.bids_per_reviewer):
            bids[paper_id, reviewer.id] = (
                "conflict" if rng.random() < 0.03 else rng.choice(PREFERENCES)
            )
    conflicts = frozenset(
        (paper.id, rng.randrange(1, scale.reviewers + 1)) for paper in papers if rng.random() < 0.02
    )
    existing = []
    for paper in papers:
        if rng.random() < 0.1:
            reviewer_id = rng.randrange(1, scale.reviewers + 1)
            if bids.get((paper.id, reviewer_id)) != "conflict":
                existing.append(Existing(paper.id, reviewer_id, kept=True))
    return AssignmentInput(
        reviewers=reviewers,
        papers=papers,
        bids=bids,
        conflicts=conflicts,
        existing=tuple(existing),
        seed=7,
    )


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(scale: Scale) -> dict[str, float | int | str | bool]:
    data = build_input(scale)
    network = network_for(data)
    result = solve(data)
    solve_ms = median_ms(lambda: solve(data), scale.runs)
    flow_ms = median_ms(lambda: solve_network(network), scale.runs)
    build_ms = median_ms(lambda: network_for(data), scale.runs)
    return {
        "name": scale.name,
        "size": f"{scale.reviewers} x {scale.papers} x {scale.reviews}",
        "arcs": len(network.tails),
        "assigned": len(result.pairs),
        "short": len(result.shortfalls),
        "solve_ms": round(solve_ms, 2),
        "flow_floor_ms": round(flow_ms, 2),
        "build_floor_ms": round(build_ms, 2),
        "limit_ms": scale.limit_ms,
        "passed": solve_ms < scale.limit_ms,
    }


def main() -> int:
    rows = [measure(scale) for scale in SCALES]
    for row in rows:
        print(
            f"review assignment, {row['name']}: {row['size']} reviews "
            f"({row['arcs']} arcs; {row['assigned']} pairs, {row['short']} papers short)"
        )
        print(f"  solve median:  {row['solve_ms']:.2f} ms (graph build included)")
        print(f"  floor, bare min-cost flow on the prebuilt graph: {row['flow_floor_ms']:.2f} ms")
        print(f"  floor, building the arc arrays alone:           {row['build_floor_ms']:.2f} ms")
        ratio = float(row["solve_ms"]) / max(float(row["flow_floor_ms"]), 1e-9)
        verdict = "ok" if row["passed"] else "OVER"
        print(f"  {ratio:.2f}x the flow floor; limit {row['limit_ms']:.0f} ms: {verdict}")
    return 0 if all(row["passed"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
