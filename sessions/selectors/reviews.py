"""Reads for paper review: the pool, bids, assignments and the solver's input, each page in a
constant number of queries, and the gatekeepers that 404 outsiders.

Visibility: a lab's members see its pools; a member sees their own bids and assignments, the
cohort's leaders and facilitators (and the lab's leaders) see everyone's.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy

from labs.models import Cohort, CohortStatus, Membership, MembershipStatus, Role
from labs.selectors import member_lab_ids
from members.models import display_name_for
from sessions import assignment
from sessions.models import (
    Bid,
    BidPreference,
    Paper,
    PaperStatus,
    ReviewAssignment,
    ReviewerCap,
    ReviewSettings,
    ReviewSource,
    ReviewStatus,
)

# Guests come to listen; everyone else may review.
REVIEWER_ROLES = (Role.LEADER, Role.FACILITATOR, Role.MEMBER)


# --- visibility -----------------------------------------------------------------------------


def _managed(user: Any, cohort_path: str) -> Q:
    """Rows of the cohorts this user manages: as their leader or facilitator, or as a leader
    of the lab (a cohort that is not finished), as labs.rules has it."""
    managed = Membership.objects.filter(
        user=user,
        status=MembershipStatus.ACTIVE,
        role__in=(Role.LEADER, Role.FACILITATOR),
    ).values("cohort_id")
    led_labs = (
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE, role=Role.LEADER)
        .exclude(cohort__status=CohortStatus.FINISHED)
        .values("cohort__lab_id")
    )
    return Q(**{f"{cohort_path}_id__in": managed}) | Q(**{f"{cohort_path}__lab_id__in": led_labs})


def paper_list_visible(*, user: Any) -> QuerySet[Paper]:
    """Papers of the labs this user belongs to."""
    qs = Paper.objects.select_related("cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(cohort__lab_id__in=member_lab_ids(user))


def paper_get_for_user(*, user: Any, pk: int) -> Paper:
    try:
        return paper_list_visible(user=user).get(pk=pk)
    except Paper.DoesNotExist:
        raise Http404 from None


def bid_list_visible(*, user: Any) -> QuerySet[Bid]:
    """My bids, plus every bid in the cohorts I manage."""
    qs = Bid.objects.select_related("paper__cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(
        Q(user=user, paper__cohort__lab_id__in=member_lab_ids(user))
        | _managed(user, "paper__cohort")
    )


def review_assignment_list_visible(*, user: Any) -> QuerySet[ReviewAssignment]:
    """My review assignments, plus every assignment in the cohorts I manage."""
    qs = ReviewAssignment.objects.select_related("paper__cohort__lab")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(
        Q(reviewer=user, paper__cohort__lab_id__in=member_lab_ids(user))
        | _managed(user, "paper__cohort")
    )


def review_assignment_get_for_user(*, user: Any, pk: int) -> ReviewAssignment:
    try:
        return review_assignment_list_visible(user=user).get(pk=pk)
    except ReviewAssignment.DoesNotExist:
        raise Http404 from None


def review_settings_for(*, cohort: Cohort) -> ReviewSettings:
    """The cohort's settings, or the defaults (unsaved) before anyone changed them."""
    found = ReviewSettings.objects.filter(cohort=cohort).first()
    return found if found is not None else ReviewSettings(cohort=cohort)


def _bid_label(preference: str) -> str:
    return str(BidPreference(preference).label) if preference in BidPreference.values else ""


def _name(email: str, display_name: str | None) -> str:
    return display_name_for(email, display_name)


def reviewer_names_for_cohort(*, cohort: Cohort) -> list[tuple[int, str]]:
    """(user id, name) of the active members who may review, by name (one query)."""
    rows = (
        Membership.objects.filter(
            cohort=cohort, status=MembershipStatus.ACTIVE, role__in=REVIEWER_ROLES
        )
        .order_by("user__profile__display_name", "user__email", "user_id")
        .values_list("user_id", "user__email", "user__profile__display_name")
    )
    return [(user_id, _name(email, name)) for user_id, email, name in rows]


def reviewer_rows_for_cohort(*, cohort: Cohort) -> list[dict[str, Any]]:
    """Active members who may review, by name: {"id", "name", "cap"} with their own cap (None:
    the cohort's default). Two queries."""
    caps = dict(ReviewerCap.objects.filter(cohort=cohort).values_list("user_id", "cap"))
    return [
        {"id": user_id, "name": name, "cap": caps.get(user_id)}
        for user_id, name in reviewer_names_for_cohort(cohort=cohort)
    ]


# --- the pool ---------------------------------------------------------------------------------


@dataclass(slots=True)
class PoolRow:
    paper: Paper
    needed: int
    assigned: int
    bids: int
    my_bid: str
    my_bid_label: str
    suggested_by: str
    member_authors: list[str] = field(default_factory=list)
    i_am_author: bool = False


def paper_pool(*, cohort: Cohort, user: Any, settings: ReviewSettings) -> list[PoolRow]:
    """The cohort's papers with their review and bid counts, my bid and their member authors,
    proposed and scheduled first (three queries)."""
    papers = list(
        Paper.objects.filter(cohort=cohort)
        .select_related("suggested_by__profile", "slot__meeting")
        .annotate(
            assigned_total=Count("assignments", distinct=True),
            bid_total=Count("bids", distinct=True),
        )
        .order_by("status", "title", "id")
    )
    mine = dict(
        Bid.objects.filter(paper__cohort=cohort, user_id=user.pk).values_list(
            "paper_id", "preference"
        )
    )
    authors: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for paper_id, user_id, email, name in (
        Paper.member_authors.through.objects.filter(paper__cohort=cohort)
        .order_by("id")
        .values_list("paper_id", "user_id", "user__email", "user__profile__display_name")
    ):
        authors[paper_id].append((user_id, _name(email, name)))
    order = {PaperStatus.PROPOSED: 0, PaperStatus.SCHEDULED: 1, PaperStatus.REVIEWED: 2}
    papers.sort(key=lambda p: (order.get(PaperStatus(p.status), 3), p.title.lower(), p.pk))
    return [
        PoolRow(
            paper=paper,
            needed=(
                paper.reviews_needed
                if paper.reviews_needed is not None
                else settings.reviews_per_paper
            ),
            assigned=paper.assigned_total,
            bids=paper.bid_total,
            my_bid=mine.get(paper.pk, ""),
            my_bid_label=_bid_label(mine.get(paper.pk, "")),
            suggested_by=paper.suggested_by.display_name if paper.suggested_by else "",
            member_authors=[name for _id, name in authors[paper.pk]],
            i_am_author=any(author_id == user.pk for author_id, _n in authors[paper.pk]),
        )
        for paper in papers
    ]


# --- the bid grid -----------------------------------------------------------------------------


@dataclass(slots=True)
class GridPaper:
    id: int
    title: str
    status: str
    my_bid: str
    i_am_author: bool


@dataclass(slots=True)
class GridMember:
    id: int
    name: str
    # One (value, label) per paper, in the grid's order: a preference, "author" or "" (no bid).
    cells: list[tuple[str, str]]


@dataclass(slots=True)
class BidGrid:
    papers: list[GridPaper]
    members: list[GridMember]  # empty unless everyone's bids were asked for


def bid_grid(*, cohort: Cohort, user: Any, everyone: bool) -> BidGrid:
    """The papers open for review with my bid on each (three queries), and with `everyone`
    the members x papers grid of all bids (two more)."""
    papers = list(
        Paper.objects.filter(cohort=cohort)
        .exclude(status=PaperStatus.REVIEWED)
        .order_by("title", "id")
        .values_list("id", "title", "status")
    )
    authored = set(
        Paper.member_authors.through.objects.filter(paper__cohort=cohort).values_list(
            "paper_id", "user_id"
        )
    )
    mine = dict(
        Bid.objects.filter(paper__cohort=cohort, user_id=user.pk).values_list(
            "paper_id", "preference"
        )
    )
    grid = BidGrid(
        papers=[
            GridPaper(pk, title, status, mine.get(pk, ""), (pk, user.pk) in authored)
            for pk, title, status in papers
        ],
        members=[],
    )
    if not everyone:
        return grid
    author_label = str(_lazy("Author"))
    bids = {
        (paper_id, user_id): preference
        for paper_id, user_id, preference in Bid.objects.filter(paper__cohort=cohort).values_list(
            "paper_id", "user_id", "preference"
        )
    }
    for member_id, name in reviewer_names_for_cohort(cohort=cohort):
        cells = [
            ("author", author_label)
            if (pk, member_id) in authored
            else (bids.get((pk, member_id), ""), _bid_label(bids.get((pk, member_id), "")))
            for pk, _title, _status in papers
        ]
        grid.members.append(GridMember(member_id, name, cells))
    return grid


# --- progress -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ReviewLine:
    """One review as the progress page and "my reviews" show it."""

    id: int
    paper_id: int
    paper_title: str
    paper_url: str
    reviewer_id: int
    reviewer_name: str
    status: str
    source: str
    due_at: datetime | None
    overdue: bool
    reason: dict[str, Any]
    writeup_url: str
    writeup_notes: str
    submitted_at: datetime | None

    @property
    def status_label(self) -> str:
        return str(ReviewStatus(self.status).label)


@dataclass(slots=True)
class PaperProgress:
    id: int
    title: str
    status: str
    needed: int
    reviews: list[ReviewLine] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(1 for line in self.reviews if line.status == ReviewStatus.SUBMITTED)

    @property
    def short(self) -> int:
        return max(0, self.needed - len(self.reviews))


@dataclass(slots=True)
class MemberProgress:
    id: int
    name: str
    cap: int
    assigned: int = 0
    started: int = 0
    submitted: int = 0
    overdue: int = 0

    @property
    def load(self) -> int:
        return self.assigned + self.started + self.submitted


@dataclass(slots=True)
class Progress:
    papers: list[PaperProgress]
    members: list[MemberProgress]


def _line(row: ReviewAssignment, now: datetime) -> ReviewLine:
    return ReviewLine(
        id=row.pk,
        paper_id=row.paper_id,
        paper_title=row.paper.title,
        paper_url=row.paper.url,
        reviewer_id=row.reviewer_id,
        reviewer_name=row.reviewer.display_name,
        status=row.status,
        source=row.source,
        due_at=row.due_at,
        overdue=(
            row.status != ReviewStatus.SUBMITTED and row.due_at is not None and row.due_at < now
        ),
        reason=dict(row.reason or {}),
        writeup_url=row.writeup_url,
        writeup_notes=row.writeup_notes,
        submitted_at=row.submitted_at,
    )


def review_progress(*, cohort: Cohort, settings: ReviewSettings, now: datetime) -> Progress:
    """Per paper (its reviews, with status, due date and write-up) and per member (their load
    by status, overdue ones): four queries whatever the pool's size."""
    papers = list(
        Paper.objects.filter(cohort=cohort)
        .order_by("title", "id")
        .values_list("id", "title", "status", "reviews_needed")
    )
    rows = (
        ReviewAssignment.objects.filter(paper__cohort=cohort)
        .select_related("paper", "reviewer__profile")
        .order_by("paper__title", "paper_id", "reviewer__profile__display_name", "id")
    )
    by_paper = {
        pk: PaperProgress(
            pk, title, status, needed if needed is not None else settings.reviews_per_paper
        )
        for pk, title, status, needed in papers
    }
    members = {
        row["id"]: MemberProgress(
            row["id"], row["name"], row["cap"] if row["cap"] is not None else settings.load_cap
        )
        for row in reviewer_rows_for_cohort(cohort=cohort)
    }
    for row in rows:
        line = _line(row, now)
        by_paper[row.paper_id].reviews.append(line)
        member = members.get(row.reviewer_id)
        if member is None:  # someone who left: still listed, with the default cap
            member = members[row.reviewer_id] = MemberProgress(
                row.reviewer_id, line.reviewer_name, settings.load_cap
            )
        if line.status == ReviewStatus.ASSIGNED:
            member.assigned += 1
        elif line.status == ReviewStatus.STARTED:
            member.started += 1
        else:
            member.submitted += 1
        member.overdue += int(line.overdue)
    return Progress(papers=list(by_paper.values()), members=list(members.values()))


def review_lines_for_reviewer(*, cohort: Cohort, user: Any, now: datetime) -> list[ReviewLine]:
    """My reviews in this cohort, soonest due first (one query)."""
    rows = (
        ReviewAssignment.objects.filter(paper__cohort=cohort, reviewer_id=user.pk)
        .select_related("paper", "reviewer__profile")
        .order_by("status", "due_at", "paper__title", "id")
    )
    order = {ReviewStatus.ASSIGNED: 1, ReviewStatus.STARTED: 0, ReviewStatus.SUBMITTED: 2}
    lines = [_line(row, now) for row in rows]
    lines.sort(key=lambda line: (order.get(ReviewStatus(line.status), 3), line.due_at is None))
    return lines


# --- the solver's input -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewBoard:
    """What the solver reads (seed 0, adjust mode: the caller sets its own), names and titles
    to show, and a fingerprint of everything the answer depends on: settings, reviewers and
    their caps, papers, bids, authors and the assignments with their status."""

    input: assignment.AssignmentInput
    settings: ReviewSettings
    reviewer_names: dict[int, str]
    papers: dict[int, tuple[str, int]]  # id → (title, reviews needed)
    fingerprint: str


def review_board(*, cohort: Cohort) -> ReviewBoard:
    """The solver's input for the cohort's papers that are not yet reviewed, in seven queries
    whatever the pool's size. Kept pairs: reviews started or submitted, and a leader's."""
    settings = review_settings_for(cohort=cohort)
    reviewers = reviewer_rows_for_cohort(cohort=cohort)
    papers = list(
        Paper.objects.filter(cohort=cohort)
        .exclude(status=PaperStatus.REVIEWED)
        .order_by("id")
        .values_list("id", "title", "reviews_needed")
    )
    paper_ids = [pk for pk, _title, _needed in papers]
    bids = list(
        Bid.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "user_id")
        .values_list("paper_id", "user_id", "preference")
    )
    authors = list(
        Paper.member_authors.through.objects.filter(paper_id__in=paper_ids)
        .order_by("paper_id", "user_id")
        .values_list("paper_id", "user_id")
    )
    existing = list(
        ReviewAssignment.objects.filter(paper_id__in=paper_ids)
        .order_by("id")
        .values_list(
            "id", "paper_id", "reviewer_id", "status", "source", "reviewer__email",
            "reviewer__profile__display_name",
        )
    )  # fmt: skip
    names = {row["id"]: row["name"] for row in reviewers}
    for _id, _paper, reviewer_id, _status, _source, email, name in existing:
        names.setdefault(reviewer_id, _name(email, name))
    data = assignment.AssignmentInput(
        reviewers=tuple(
            assignment.Reviewer(
                row["id"], row["cap"] if row["cap"] is not None else settings.load_cap
            )
            for row in reviewers
        ),
        papers=tuple(
            assignment.Paper(pk, needed if needed is not None else settings.reviews_per_paper)
            for pk, _title, needed in papers
        ),
        bids={(paper_id, user_id): preference for paper_id, user_id, preference in bids},
        conflicts=frozenset((paper_id, user_id) for paper_id, user_id in authors),
        existing=tuple(
            assignment.Existing(
                paper_id,
                reviewer_id,
                kept=status != ReviewStatus.ASSIGNED or source == ReviewSource.LEADER,
                forced=source == ReviewSource.LEADER,
            )
            for _id, paper_id, reviewer_id, status, source, _email, _name in existing
        ),
    )
    state = {
        "settings": [settings.reviews_per_paper, settings.load_cap],
        "reviewers": [[row["id"], row["cap"]] for row in reviewers],
        "papers": [[pk, needed] for pk, _title, needed in papers],
        "bids": [list(row) for row in bids],
        "authors": [list(row) for row in authors],
        "assignments": [list(row[:5]) for row in existing],
    }
    digest = hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()
    return ReviewBoard(
        input=data,
        settings=settings,
        reviewer_names=names,
        papers={
            pk: (title, needed if needed is not None else settings.reviews_per_paper)
            for pk, title, needed in papers
        },
        fingerprint=digest[:32],
    )
