"""Paper review: the pool, bids, caps, the assignment solver's preview and apply, and reviews.

The solver is sessions.assignment (pure); this module reads its input through
sessions.selectors.reviews, words reasons in the reader's language and writes the results.
Apply refuses (409 assignment_changed) when bids, papers, caps or assignments differ from
what the preview was computed from. Assigned members are told through notifications.notify.

Every write that changes what the solver reads (bids, papers, caps, assignments and their
status) first locks the cohort's ReviewSettings row, so apply's fingerprint check and its
writes see no change slip in between.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort, Membership, MembershipStatus
from members.models import User
from sessions import assignment, reviews_import
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
    Slot,
    SlotKind,
)
from sessions.selectors.reviews import REVIEWER_ROLES, ReviewBoard, review_board

SEED_LIMIT = 2**31
MAX_FORCED = 500
MAX_PAIRS = 5000
REVIEW_ASSIGNED = "review_assigned"
REVIEW_UNASSIGNED = "review_unassigned"
Mode = Literal["adjust", "fill"]
MODES: tuple[Mode, ...] = ("adjust", "fill")
ImportFormat = Literal["list", "bibtex"]


# --- wording ---------------------------------------------------------------------------------


def bid_label(preference: str) -> str:
    if preference in BidPreference.values:
        return str(BidPreference(preference).label)
    return _("No bid")


def reason_text(reason: Mapping[str, Any]) -> str:
    """A pair's reason in words, e.g. "bid high; load 2 of 3" or "kept from before; load 1 of
    3" (the reason is stored as data and worded in the reader's language)."""
    load = _("load %(load)d of %(cap)d") % {
        "load": int(reason.get("load", 0)),
        "cap": int(reason.get("cap", 0)),
    }
    if reason.get("forced"):
        first = _("chosen by a leader")
    elif reason.get("kept"):
        first = _("kept from before")
    else:
        preference = str(reason.get("bid") or "neutral")
        first = (
            _("bid %(bid)s") % {"bid": bid_label(preference).lower()}
            if preference != "neutral"
            else _("no strong bid (neutral)")
        )
    return f"{first}; {load}"


SHORT_TEXTS = {
    "too_few_eligible": _lazy(
        "too few eligible reviewers: %(eligible)d can review it (authors and conflicts "
        "excluded), it needs %(needed)d"
    ),
    "caps_too_low": _lazy(
        "caps too low: everyone who could review it already has as many reviews as their cap"
    ),
}


def short_text(why: str, *, eligible: int, needed: int) -> str:
    """Why a paper is short of reviews, in words."""
    text = SHORT_TEXTS.get(why)
    return why if text is None else str(text) % {"eligible": eligible, "needed": needed}


PROBLEM_TEXTS = {
    "unknown_paper": _lazy("This paper is not open for review in this cohort."),
    "unknown_reviewer": _lazy("This person is not a member of this cohort who can review."),
    "conflict": _lazy("This member wrote the paper or declared a conflict."),
    "duplicate": _lazy("This pair is listed twice."),
    "over_cap": _lazy("This member has no review left under their cap."),
    "over_demand": _lazy("This paper has all the reviews it needs."),
}


# --- settings and caps --------------------------------------------------------------------------


def _require(actor: Any, perm: str, obj: Any, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def _require_manager(actor: Any, cohort: Cohort) -> None:
    _require(
        actor,
        "study_sessions.manage_reviews",
        cohort,
        _("Only leaders and facilitators can run the review assignment."),
    )


def review_settings_ensure(*, cohort: Cohort) -> ReviewSettings:
    """The cohort's settings, created with the defaults on first use."""
    found, _created = ReviewSettings.objects.get_or_create(cohort=cohort)
    return found


def _lock(cohort: Cohort) -> ReviewSettings:
    """Lock the cohort's review settings row: every write the solver depends on takes it."""
    found = review_settings_ensure(cohort=cohort)
    return ReviewSettings.objects.select_for_update().get(pk=found.pk)


def _bounded(name: str, value: int, low: int, high: int, errors: dict[str, list[str]]) -> None:
    if not low <= value <= high:
        errors[name] = [_("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high}]


@transaction.atomic
def review_settings_update(
    *,
    actor: Any,
    cohort: Cohort,
    reviews_per_paper: int,
    load_cap: int,
    due_days: int,
    bidding_open: bool,
) -> ReviewSettings:
    """Change the cohort's defaults (leaders and facilitators)."""
    _require_manager(actor, cohort)
    errors: dict[str, list[str]] = {}
    _bounded("reviews_per_paper", reviews_per_paper, 0, 20, errors)
    _bounded("load_cap", load_cap, 0, 50, errors)
    _bounded("due_days", due_days, 1, 365, errors)
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    found = _lock(cohort)
    found.reviews_per_paper = reviews_per_paper
    found.load_cap = load_cap
    found.due_days = due_days
    found.bidding_open = bidding_open
    found.save(
        update_fields=["reviews_per_paper", "load_cap", "due_days", "bidding_open", "updated_at"]
    )
    return found


def _reviewer_membership(cohort: Cohort, user_id: int) -> Membership | None:
    return Membership.objects.filter(
        cohort=cohort, user_id=user_id, status=MembershipStatus.ACTIVE, role__in=REVIEWER_ROLES
    ).first()


@transaction.atomic
def reviewer_cap_set(
    *, actor: Any, cohort: Cohort, user_id: int, cap: int | None
) -> ReviewerCap | None:
    """Give one member their own load cap (None: back to the cohort's default)."""
    _require_manager(actor, cohort)
    if _reviewer_membership(cohort, user_id) is None:
        message = _("This person is not a member of this cohort who can review.")
        raise ApplicationError(message, fields={"user": [message]})
    _lock(cohort)
    if cap is None:
        ReviewerCap.objects.filter(cohort=cohort, user_id=user_id).delete()
        return None
    errors: dict[str, list[str]] = {}
    _bounded("cap", cap, 0, 50, errors)
    if errors:
        raise ApplicationError(errors["cap"][0], fields=errors)
    found, _created = ReviewerCap.objects.update_or_create(
        cohort=cohort, user_id=user_id, defaults={"cap": cap}
    )
    return found


# --- the pool ------------------------------------------------------------------------------------


_URL = URLValidator(schemes=["http", "https"])


def _check_url(name: str, value: str, errors: dict[str, list[str]], limit: int = 500) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        _URL(value)
    except ValidationError:
        errors[name] = [_("Enter a web address starting with http:// or https://.")]
        return value
    if len(value) > limit:
        errors[name] = [_("This address is too long.")]
    return value


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = [" ".join(str(tag).split())[: reviews_import.TAG_MAX] for tag in tags]
    return list(dict.fromkeys(tag for tag in cleaned if tag))[: reviews_import.TAGS_MAX]


@dataclass(frozen=True, slots=True)
class PaperFields:
    """What a paper is made of; every field but the title may be empty."""

    title: str
    url: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    tags: tuple[str, ...] = ()
    abstract: str = ""
    track: str = SlotKind.PAPER
    reviews_needed: int | None = None
    member_author_ids: tuple[int, ...] = ()
    external_id: str | None = None


def _validated(cohort: Cohort, fields: PaperFields) -> tuple[dict[str, Any], list[int]]:
    errors: dict[str, list[str]] = {}
    title = " ".join(fields.title.split())
    if not title:
        errors["title"] = [_("Give the paper a title.")]
    elif len(title) > reviews_import.TITLE_MAX:
        errors["title"] = [_("The title is too long.")]
    raw_url = fields.url.strip()
    bare_id = reviews_import.normalize_arxiv_id(raw_url)
    if bare_id and not raw_url.lower().startswith(("http://", "https://")):
        raw_url = reviews_import.arxiv_url(bare_id)  # "arXiv:1706.03762" is a link too
    url = _check_url("url", raw_url, errors)
    if len(fields.authors) > reviews_import.AUTHORS_MAX:
        errors["authors"] = [_("Too long.")]
    if len(fields.venue) > reviews_import.VENUE_MAX:
        errors["venue"] = [_("Too long.")]
    if len(fields.abstract) > reviews_import.ABSTRACT_MAX:
        errors["abstract"] = [_("Too long.")]
    if fields.year is not None:
        _bounded("year", fields.year, 1900, 2100, errors)
    if fields.reviews_needed is not None:
        _bounded("reviews_needed", fields.reviews_needed, 0, 20, errors)
    if fields.track not in SlotKind.values:
        errors["track"] = [_("Choose a track.")]
    author_ids = list(dict.fromkeys(fields.member_author_ids))
    if author_ids:
        members = set(
            Membership.objects.filter(cohort=cohort, user_id__in=author_ids).values_list(
                "user_id", flat=True
            )
        )
        if set(author_ids) - members:
            errors["member_authors"] = [_("Only members of this cohort can be listed here.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    values = {
        "title": title,
        "url": url,
        "arxiv_id": reviews_import.normalize_arxiv_id(url) if url else "",
        "authors": " ".join(fields.authors.split()),
        "venue": " ".join(fields.venue.split()),
        "year": fields.year,
        "tags": _clean_tags(fields.tags),
        "abstract": fields.abstract.strip(),
        "track": fields.track,
        "reviews_needed": fields.reviews_needed,
    }
    return values, author_ids


def _paper_exists(arxiv_id: str) -> ConflictError:
    return ConflictError(
        _("This paper (arXiv %(id)s) is already in the pool.") % {"id": arxiv_id},
        code="paper_exists",
        fields={"url": [_("Already in the pool.")]},
    )


@transaction.atomic
def paper_create(*, actor: Any, cohort: Cohort, fields: PaperFields) -> Paper:
    """Add a paper to the pool (any member who may review suggests; leaders too). A paper
    whose arXiv id is already in the pool is refused (409 paper_exists)."""
    _require(
        actor,
        "study_sessions.suggest_paper",
        cohort,
        _("Only members of this cohort can suggest papers."),
    )
    values, author_ids = _validated(cohort, fields)
    _lock(cohort)
    if (
        values["arxiv_id"]
        and Paper.objects.filter(cohort=cohort, arxiv_id=values["arxiv_id"]).exists()
    ):
        raise _paper_exists(values["arxiv_id"])
    try:
        with transaction.atomic():
            paper = Paper.objects.create(
                cohort=cohort, suggested_by=actor, external_id=fields.external_id, **values
            )
    except IntegrityError:
        raise ConflictError(
            _("A paper with this external id is already in the pool."), code="paper_exists"
        ) from None
    if author_ids:
        paper.member_authors.set(author_ids)
    return paper


@transaction.atomic
def paper_update(
    *,
    actor: Any,
    paper: Paper,
    fields: PaperFields,
    status: str,
    slot: Slot | None = None,
    writeup_url: str = "",
) -> Paper:
    """Change a paper (leaders and facilitators): its details, status, the slot where it is
    presented (linking one marks a proposed paper scheduled) and its write-up link."""
    cohort = paper.cohort
    _require(
        actor,
        "study_sessions.change_paper",
        paper,
        _("Only leaders and facilitators can change papers in the pool."),
    )
    values, author_ids = _validated(cohort, fields)
    errors: dict[str, list[str]] = {}
    if status not in PaperStatus.values:
        errors["status"] = [_("Choose a status.")]
    if slot is not None and slot.meeting.cohort_id != cohort.pk:
        errors["slot"] = [_("Choose a slot of this cohort's meetings.")]
    writeup_url = _check_url("writeup_url", writeup_url, errors)
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    _lock(cohort)
    if (
        values["arxiv_id"]
        and Paper.objects.filter(cohort=cohort, arxiv_id=values["arxiv_id"])
        .exclude(pk=paper.pk)
        .exists()
    ):
        raise _paper_exists(values["arxiv_id"])
    if slot is not None and status == PaperStatus.PROPOSED:
        status = PaperStatus.SCHEDULED
    for name, value in values.items():
        setattr(paper, name, value)
    paper.status = status
    paper.slot = slot
    paper.writeup_url = writeup_url
    paper.save(update_fields=[*values, "status", "slot", "writeup_url", "updated_at"])
    paper.member_authors.set(author_ids)
    return paper


@transaction.atomic
def paper_delete(*, actor: Any, paper: Paper) -> None:
    """Remove a paper from the pool with its bids and not-started reviews (leaders and
    facilitators); refused (409 paper_has_reviews) while a review of it is under way or done."""
    _require(
        actor,
        "study_sessions.change_paper",
        paper,
        _("Only leaders and facilitators can change papers in the pool."),
    )
    _lock(paper.cohort)
    if paper.assignments.exclude(status=ReviewStatus.ASSIGNED).exists():
        raise ConflictError(
            _("Someone has started or written a review of this paper: it stays in the pool."),
            code="paper_has_reviews",
        )
    paper.delete()


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[Paper]
    duplicates: list[str]  # titles (or ids) already in the pool or repeated in the text
    problems: list[str]  # lines or entries that could not be read, in words


_IMPORT_PROBLEMS = {
    "no_title": _lazy("no title"),
    "too_many": _lazy("too many papers at once"),
    "unbalanced": _lazy("unbalanced braces or quotes"),
}


@transaction.atomic
def papers_import(*, actor: Any, cohort: Cohort, text: str, kind: ImportFormat) -> ImportResult:
    """Add every paper found in pasted text: one URL, arXiv id or title per line ("list"), or
    BibTeX entries ("bibtex"). Never fetches anything. Papers already in the pool (same arXiv
    id, or the same title) and repeats are skipped and named in the result."""
    _require(
        actor,
        "study_sessions.suggest_paper",
        cohort,
        _("Only members of this cohort can suggest papers."),
    )
    if kind not in ("list", "bibtex"):
        raise ApplicationError(_("Choose a list or BibTeX."), fields={"format": [_("Unknown.")]})
    if not text.strip():
        message = _("Paste at least one paper.")
        raise ApplicationError(message, fields={"text": [message]})
    parsed = (
        reviews_import.parse_list(text) if kind == "list" else reviews_import.parse_bibtex(text)
    )
    _lock(cohort)
    existing = Paper.objects.filter(cohort=cohort).values_list("arxiv_id", "title")
    known_ids = {arxiv_id for arxiv_id, _title in existing if arxiv_id}
    known_titles = {title.casefold() for _arxiv, title in existing}
    created: list[Paper] = []
    duplicates: list[str] = []
    for entry in parsed.entries:
        title_key = entry.title.casefold()
        if (entry.arxiv_id and entry.arxiv_id in known_ids) or (
            not entry.arxiv_id and title_key in known_titles
        ):
            duplicates.append(entry.title)
            continue
        created.append(
            Paper(
                cohort=cohort,
                title=entry.title,
                url=entry.url,
                arxiv_id=entry.arxiv_id,
                authors=entry.authors,
                venue=entry.venue,
                year=entry.year,
                tags=list(entry.tags),
                abstract=entry.abstract,
                suggested_by=actor,
            )
        )
        if entry.arxiv_id:
            known_ids.add(entry.arxiv_id)
        known_titles.add(title_key)
    Paper.objects.bulk_create(created)
    record_changes(Paper, created)
    problems = [
        _("Item %(where)d (%(text)s): %(why)s")
        % {"where": p.where, "text": p.text, "why": _IMPORT_PROBLEMS.get(p.why, p.why)}
        for p in parsed.problems
    ]
    if not created and not duplicates:
        message = _("No paper could be read from this text.")
        raise ApplicationError(message, code="nothing_to_import", fields={"text": [message]})
    return ImportResult(created=created, duplicates=duplicates, problems=problems)


# --- bids ---------------------------------------------------------------------------------------


@transaction.atomic
def bid_set(*, actor: Any, paper: Paper, preference: str | None) -> Bid | None:
    """Set my bid on a paper (very high … very low, or conflict: never assigned to it); None
    or "" takes it back. Refused while bidding is closed (409 bidding_closed), on a reviewed
    paper (409 paper_closed) and on a paper I wrote (409 paper_author: never assigned)."""
    _require(
        actor,
        "study_sessions.bid_paper",
        paper,
        _("Only members of this cohort who review can bid."),
    )
    if preference and preference not in BidPreference.values:
        message = _("Choose very high, high, neutral, low, very low or conflict.")
        raise ApplicationError(message, fields={"preference": [message]})
    found = _lock(paper.cohort)
    if not found.bidding_open:
        raise ConflictError(_("Bidding is closed for this cohort."), code="bidding_closed")
    if paper.status == PaperStatus.REVIEWED:
        raise ConflictError(_("This paper has been reviewed already."), code="paper_closed")
    if paper.member_authors.filter(pk=actor.pk).exists():
        raise ConflictError(
            _("You wrote this paper: you are never assigned to review it."), code="paper_author"
        )
    if not preference:
        Bid.objects.filter(paper=paper, user=actor).delete()
        return None
    bid, _created = Bid.objects.update_or_create(
        paper=paper, user=actor, defaults={"preference": preference}
    )
    return bid


# --- preview and apply ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewPair:
    paper_id: int
    reviewer_id: int
    reviewer_name: str
    reason: str
    data: assignment.Reason
    new: bool


@dataclass(frozen=True, slots=True)
class PreviewPaper:
    id: int
    title: str
    needed: int
    pairs: tuple[PreviewPair, ...]
    dropped: tuple[str, ...]  # names of reviewers this run removes
    short: int
    short_code: str
    short_reason: str
    eligible: int


@dataclass(frozen=True, slots=True)
class PreviewLoad:
    id: int
    name: str
    load: int
    cap: int
    new: int


@dataclass(frozen=True, slots=True)
class PreviewRejected:
    paper_id: int
    reviewer_id: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReviewPreview:
    seed: int
    mode: Mode
    fingerprint: str
    papers: tuple[PreviewPaper, ...]
    loads: tuple[PreviewLoad, ...]
    rejected: tuple[PreviewRejected, ...]
    pairs: tuple[PreviewPair, ...]  # every pair after the run, kept ones included
    dropped: tuple[tuple[int, int], ...]
    forced: tuple[tuple[int, int], ...]
    score: int

    @property
    def new_count(self) -> int:
        return sum(1 for pair in self.pairs if pair.new)

    @property
    def changes(self) -> int:
        return self.new_count + len(self.dropped)


def _mode(value: str) -> Mode:
    if value not in MODES:
        message = _("Choose adjust or fill.")
        raise ApplicationError(message, fields={"mode": [message]})
    return "fill" if value == "fill" else "adjust"


def _build(
    board: ReviewBoard, result: assignment.Assignment, seed: int, mode: Mode
) -> ReviewPreview:
    names = board.reviewer_names
    pairs = tuple(
        PreviewPair(
            paper_id=pair.paper_id,
            reviewer_id=pair.reviewer_id,
            reviewer_name=names.get(pair.reviewer_id, "?"),
            reason=reason_text(asdict(pair.reason)),
            data=pair.reason,
            new=pair.new,
        )
        for pair in result.pairs
    )
    shortfalls = {short.paper_id: short for short in result.shortfalls}
    papers = []
    for paper_id, (title, needed) in sorted(board.papers.items(), key=lambda i: i[1][0].lower()):
        short = shortfalls.get(paper_id)
        papers.append(
            PreviewPaper(
                id=paper_id,
                title=title,
                needed=needed,
                pairs=tuple(pair for pair in pairs if pair.paper_id == paper_id),
                dropped=tuple(names.get(r, "?") for p, r in result.dropped if p == paper_id),
                short=short.needed - short.assigned if short else 0,
                short_code=short.why if short else "",
                short_reason=(
                    short_text(short.why, eligible=short.eligible, needed=short.needed)
                    if short
                    else ""
                ),
                eligible=short.eligible if short else 0,
            )
        )
    load: dict[int, int] = {}
    new: dict[int, int] = {}
    for pair in pairs:
        load[pair.reviewer_id] = load.get(pair.reviewer_id, 0) + 1
        new[pair.reviewer_id] = new.get(pair.reviewer_id, 0) + int(pair.new)
    loads = tuple(
        PreviewLoad(r.id, names.get(r.id, "?"), load.get(r.id, 0), r.cap, new.get(r.id, 0))
        for r in board.input.reviewers
    )
    rejected = tuple(
        PreviewRejected(item.paper_id, item.reviewer_id, item.why, str(PROBLEM_TEXTS[item.why]))
        for item in result.rejected
    )
    return ReviewPreview(
        seed=seed,
        mode=mode,
        fingerprint=board.fingerprint,
        papers=tuple(papers),
        loads=loads,
        rejected=rejected,
        pairs=pairs,
        dropped=result.dropped,
        forced=board.input.forced,
        score=result.score,
    )


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(SEED_LIMIT)
    if not 0 <= seed < SEED_LIMIT:
        message = _("The seed is a whole number from 0 to %(max)d.") % {"max": SEED_LIMIT - 1}
        raise ApplicationError(message, fields={"seed": [message]})
    return seed


def _forced(forced: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    if len(forced) > MAX_FORCED:
        message = _("Too many forced pairs.")
        raise ApplicationError(message, fields={"forced": [message]})
    return tuple((int(p), int(r)) for p, r in forced)


def review_assignment_preview(
    *,
    actor: Any,
    cohort: Cohort,
    seed: int | None = None,
    mode: str = "adjust",
    forced: Sequence[tuple[int, int]] = (),
) -> ReviewPreview:
    """Propose reviewers for the cohort's papers (leaders and facilitators); writes nothing.
    Kept: reviews under way and a leader's pairs; "adjust" may move the solver's own
    not-started pairs, "fill" only adds. `forced` are (paper id, member id) pairs to impose.
    Without a seed one is drawn, and the preview says which."""
    _require_manager(actor, cohort)
    chosen_mode = _mode(mode)
    chosen_seed = _seed(seed)
    board = review_board(cohort=cohort)
    data = replace(board.input, seed=chosen_seed, mode=chosen_mode, forced=_forced(forced))
    return _build(board, assignment.solve(data), chosen_seed, chosen_mode)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    created: list[ReviewAssignment]
    removed: int
    kept: int


def _assignment_changed() -> ConflictError:
    return ConflictError(
        _(
            "Bids, papers or reviews changed since this preview. Look at the fresh preview "
            "and apply again."
        ),
        code="assignment_changed",
    )


def _mine_url(cohort: Cohort) -> str:
    return reverse(
        "sessions:reviews_mine", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
    )


def _notify_assigned(cohort: Cohort, created: Sequence[ReviewAssignment]) -> None:
    """Tell each new reviewer (in-app now; email by their preferences)."""
    from notifications.services import notify

    if not created:
        return
    users = User.objects.in_bulk({row.reviewer_id for row in created})
    url = _mine_url(cohort)
    for row in created:
        notify(
            kind=REVIEW_ASSIGNED,
            recipients=[users[row.reviewer_id]],
            cohort=cohort,
            target=row,
            params={
                "paper": row.paper.title,
                "due_at": row.due_at.isoformat() if row.due_at else "",
            },
            url=url,
        )


def _notify_unassigned(cohort: Cohort, removed: Sequence[ReviewAssignment]) -> None:
    """Tell each member whose not-started review a re-run gave to someone else."""
    from notifications.services import notify

    url = _mine_url(cohort)
    for row in removed:
        notify(
            kind=REVIEW_UNASSIGNED,
            recipients=[row.reviewer],
            cohort=cohort,
            target=None,
            params={"paper": row.paper.title},
            url=url,
        )


@transaction.atomic
def review_assignment_apply(
    *,
    actor: Any,
    cohort: Cohort,
    preview_fingerprint: str,
    pairs: Sequence[tuple[int, int]],
    forced: Sequence[tuple[int, int]] = (),
    mode: str = "adjust",
) -> ApplyResult:
    """Commit a preview: `pairs` are the (paper id, member id) pairs it showed (kept ones may
    be left out: they stay anyway), `forced` and `mode` as given to the preview.

    Refuses with 409 assignment_changed when anything the solver reads changed since the
    preview, and with 400 invalid_pairs when a pair breaks a rule. Removes the solver's own
    not-started pairs that are not listed, creates the new ones (due `due_days` from now,
    each with its reason; a forced pair as a leader's), and tells each new reviewer.
    """
    _require_manager(actor, cohort)
    chosen_mode = _mode(mode)
    if len(pairs) > MAX_PAIRS:
        message = _("Too many pairs.")
        raise ApplicationError(message, fields={"pairs": [message]})
    settings = _lock(cohort)
    board = review_board(cohort=cohort)
    if board.fingerprint != preview_fingerprint:
        raise _assignment_changed()
    data = replace(board.input, mode=chosen_mode, forced=_forced(forced))
    try:
        result = assignment.explain(data, [(int(p), int(r)) for p, r in pairs])
    except assignment.InvalidPairs as exc:
        fields = {
            f"pairs[{position}]": [str(PROBLEM_TEXTS[problem])]
            for position, _paper, _reviewer, problem in exc.problems
        }
        raise ApplicationError(
            _("Some pairs cannot be applied."), code="invalid_pairs", fields=fields
        ) from None
    if result.rejected:
        fields = {
            f"forced[{list(data.forced).index((item.paper_id, item.reviewer_id))}]": [
                str(PROBLEM_TEXTS[item.why])
            ]
            for item in result.rejected
        }
        raise ApplicationError(
            _("Some forced pairs cannot be applied."), code="invalid_pairs", fields=fields
        )
    removed = 0
    if result.dropped:
        dropped = set(result.dropped)
        stale = [
            row
            for row in ReviewAssignment.objects.filter(
                paper__cohort=cohort, status=ReviewStatus.ASSIGNED, source=ReviewSource.SOLVER
            ).select_related("paper", "reviewer")
            if (row.paper_id, row.reviewer_id) in dropped
        ]
        removed, _detail = ReviewAssignment.objects.filter(pk__in=[r.pk for r in stale]).delete()
        _notify_unassigned(cohort, stale)
    due = timezone.now() + timedelta(days=settings.due_days)
    forced_pairs = set(data.forced)
    created = ReviewAssignment.objects.bulk_create(
        ReviewAssignment(
            paper_id=pair.paper_id,
            reviewer_id=pair.reviewer_id,
            source=(
                ReviewSource.LEADER
                if (pair.paper_id, pair.reviewer_id) in forced_pairs
                else ReviewSource.SOLVER
            ),
            due_at=due,
            reason=asdict(pair.reason),
            assigned_by=actor,
        )
        for pair in result.pairs
        if pair.new
    )
    # Existing pairs: refresh their reason (loads moved), and a forced one becomes a leader's.
    current = {
        (row.paper_id, row.reviewer_id): row
        for row in ReviewAssignment.objects.filter(paper__cohort=cohort)
    }
    changed = []
    now = timezone.now()
    for pair in result.pairs:
        row = current.get((pair.paper_id, pair.reviewer_id))
        if row is None or pair.new:
            continue
        reason = asdict(pair.reason)
        promote = (pair.paper_id, pair.reviewer_id) in forced_pairs
        if row.reason != reason or (promote and row.source != ReviewSource.LEADER):
            row.reason = reason
            row.updated_at = now  # bulk_update skips auto_now
            if promote:
                row.source = ReviewSource.LEADER
            changed.append(row)
    ReviewAssignment.objects.bulk_update(changed, ["reason", "source", "updated_at"])
    # Bulk writes send no signals: log them for the sync feed (a no-op for untracked models).
    record_changes(ReviewAssignment, [*created, *changed])
    papers = Paper.objects.in_bulk({row.paper_id for row in created})
    for row in created:
        row.paper = papers[row.paper_id]
    _notify_assigned(cohort, created)
    return ApplyResult(created=created, removed=removed, kept=len(result.pairs) - len(created))


# --- assignments by hand, and the reviewer's own work ---------------------------------------------


@transaction.atomic
def review_assign(*, actor: Any, paper: Paper, reviewer_id: int) -> ReviewAssignment:
    """A leader gives a paper to a member by hand: a leader's pair, kept by every later run.
    Refuses a member who wrote the paper or declared a conflict (400 conflict) and a pair that
    exists (409 already_assigned); the cap does not bind a leader (the reason shows the load)."""
    cohort = paper.cohort
    _require_manager(actor, cohort)
    settings = _lock(cohort)
    if _reviewer_membership(cohort, reviewer_id) is None:
        message = _("This person is not a member of this cohort who can review.")
        raise ApplicationError(message, fields={"reviewer": [message]})
    if paper.status == PaperStatus.REVIEWED:
        raise ConflictError(_("This paper has been reviewed already."), code="paper_closed")
    bid = Bid.objects.filter(paper=paper, user_id=reviewer_id).first()
    if (
        bid is not None and bid.preference == BidPreference.CONFLICT
    ) or paper.member_authors.filter(pk=reviewer_id).exists():
        message = str(PROBLEM_TEXTS["conflict"])
        raise ApplicationError(message, code="conflict", fields={"reviewer": [message]})
    if ReviewAssignment.objects.filter(paper=paper, reviewer_id=reviewer_id).exists():
        raise ConflictError(_("This member already reviews this paper."), code="already_assigned")
    cap_row = ReviewerCap.objects.filter(cohort=cohort, user_id=reviewer_id).first()
    load = ReviewAssignment.objects.filter(paper__cohort=cohort, reviewer_id=reviewer_id).count()
    created = ReviewAssignment.objects.create(
        paper=paper,
        reviewer_id=reviewer_id,
        source=ReviewSource.LEADER,
        due_at=timezone.now() + timedelta(days=settings.due_days),
        reason=asdict(
            assignment.Reason(
                bid=bid.preference if bid is not None else "neutral",
                load=load + 1,
                cap=cap_row.cap if cap_row is not None else settings.load_cap,
                kept=False,
                forced=True,
            )
        ),
        assigned_by=actor,
    )
    _notify_assigned(cohort, [created])
    return created


@transaction.atomic
def review_unassign(*, actor: Any, review: ReviewAssignment) -> None:
    """A leader takes a review back; a submitted one is history and stays (409)."""
    cohort = review.paper.cohort
    _require_manager(actor, cohort)
    _lock(cohort)
    if review.status == ReviewStatus.SUBMITTED:
        raise ConflictError(_("This review has been submitted: it stays."), code="review_submitted")
    review.delete()


@transaction.atomic
def review_update(
    *,
    actor: Any,
    review: ReviewAssignment,
    status: str | None = None,
    writeup_url: str | None = None,
    writeup_notes: str | None = None,
) -> ReviewAssignment:
    """The reviewer's own progress: mark it started or submitted (or reopen a submitted one),
    and post the write-up, a link and/or notes in Markdown. Saving a write-up starts the
    review; submitting needs one. Only the reviewer (403 for everyone else)."""
    if review.reviewer_id != actor.pk:
        raise PermissionDeniedError(_("Only the reviewer can change this review."))
    errors: dict[str, list[str]] = {}
    url = (
        review.writeup_url
        if writeup_url is None
        else _check_url("writeup_url", writeup_url, errors)
    )
    notes = review.writeup_notes if writeup_notes is None else writeup_notes.strip()
    if len(notes) > 20000:
        errors["writeup_notes"] = [_("Too long.")]
    new_status = review.status if status is None else status
    if new_status not in ReviewStatus.values:
        errors["status"] = [_("Choose assigned, in progress or submitted.")]
    elif new_status == ReviewStatus.ASSIGNED and review.status != ReviewStatus.ASSIGNED:
        errors["status"] = [_("A review under way cannot go back to not started.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    if new_status == ReviewStatus.SUBMITTED and not (url or notes):
        message = _("Add a write-up link or notes before submitting.")
        raise ApplicationError(message, code="writeup_missing", fields={"writeup_url": [message]})
    if new_status == ReviewStatus.ASSIGNED and (url or notes):
        new_status = ReviewStatus.STARTED
    _lock(review.paper.cohort)
    review.writeup_url = url
    review.writeup_notes = notes
    if new_status != review.status:
        review.submitted_at = timezone.now() if new_status == ReviewStatus.SUBMITTED else None
    review.status = new_status
    review.save(
        update_fields=["writeup_url", "writeup_notes", "status", "submitted_at", "updated_at"]
    )
    return review
