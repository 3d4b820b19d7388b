"""Paper review services: the pool, bids, settings, preview and apply, and the reviewer's work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Role
from notifications.models import Notification
from sessions.models import (
    Bid,
    Paper,
    ReviewAssignment,
    ReviewSettings,
    ReviewSource,
    ReviewStatus,
)
from sessions.services import reviews as services
from tests.factories import (
    BidFactory,
    MembershipFactory,
    PaperFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db


def fields(title: str = "Attention Is All You Need", **extra) -> services.PaperFields:
    return services.PaperFields(title=title, **extra)


def pairs_of(preview: services.ReviewPreview) -> list[tuple[int, int]]:
    return [(pair.paper_id, pair.reviewer_id) for pair in preview.pairs]


# --- settings and caps ---------------------------------------------------------------------


def test_review_settings_update_saves_the_leaders_defaults(world):
    found = services.review_settings_update(
        actor=world.leader,
        cohort=world.cohort,
        reviews_per_paper=3,
        load_cap=4,
        due_days=10,
        bidding_open=False,
    )

    stored = ReviewSettings.objects.get(cohort=world.cohort)
    assert (stored.reviews_per_paper, stored.load_cap, stored.due_days, stored.bidding_open) == (
        3,
        4,
        10,
        False,
    )
    assert found.pk == stored.pk


def test_review_settings_update_refuses_members_and_bad_numbers(world):
    with pytest.raises(PermissionDeniedError):
        services.review_settings_update(
            actor=world.member,
            cohort=world.cohort,
            reviews_per_paper=3,
            load_cap=4,
            due_days=10,
            bidding_open=True,
        )
    with pytest.raises(ApplicationError) as caught:
        services.review_settings_update(
            actor=world.leader,
            cohort=world.cohort,
            reviews_per_paper=21,
            load_cap=4,
            due_days=0,
            bidding_open=True,
        )

    assert sorted(caught.value.fields) == ["due_days", "reviews_per_paper"]


def test_reviewer_cap_set_overrides_and_resets_a_members_cap(world):
    services.reviewer_cap_set(
        actor=world.leader, cohort=world.cohort, user_id=world.member.pk, cap=1
    )
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=1)

    services.reviewer_cap_set(
        actor=world.leader, cohort=world.cohort, user_id=world.member.pk, cap=None
    )
    again = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=1)

    assert {load.id: load.cap for load in preview.loads}[world.member.pk] == 1
    assert {load.id: load.cap for load in again.loads}[world.member.pk] == 3


def test_reviewer_cap_set_refuses_someone_outside_the_cohort(world):
    with pytest.raises(ApplicationError) as caught:
        services.reviewer_cap_set(
            actor=world.leader, cohort=world.cohort, user_id=world.outsider.pk, cap=2
        )

    assert list(caught.value.fields) == ["user"]


# --- the pool -------------------------------------------------------------------------------


def test_paper_create_lets_a_member_suggest_and_normalises_the_arxiv_id(world):
    paper = services.paper_create(
        actor=world.member,
        cohort=world.cohort,
        fields=fields(
            url="https://arxiv.org/pdf/1706.03762v5.pdf",
            tags=("transformers", " transformers ", "NLP"),
            member_author_ids=(world.facilitator.pk,),
        ),
    )

    assert (paper.suggested_by, paper.arxiv_id, paper.tags, paper.status) == (
        world.member,
        "1706.03762",
        ["transformers", "NLP"],
        "proposed",
    )
    assert list(paper.member_authors.all()) == [world.facilitator]


def test_paper_create_refuses_a_paper_already_in_the_pool(world):
    services.paper_create(
        actor=world.member,
        cohort=world.cohort,
        fields=fields(url="https://arxiv.org/abs/1706.03762"),
    )

    with pytest.raises(ConflictError) as caught:
        services.paper_create(
            actor=world.leader, cohort=world.cohort, fields=fields("Again", url="arXiv:1706.03762")
        )

    assert (caught.value.code, caught.value.status) == ("paper_exists", 409)


def test_paper_create_refuses_outsiders_guests_and_bad_links(world):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user

    with pytest.raises(PermissionDeniedError):
        services.paper_create(actor=world.outsider, cohort=world.cohort, fields=fields())
    with pytest.raises(PermissionDeniedError):
        services.paper_create(actor=guest, cohort=world.cohort, fields=fields())
    with pytest.raises(ApplicationError) as caught:
        services.paper_create(
            actor=world.member, cohort=world.cohort, fields=fields(url="javascript:alert(1)")
        )

    assert list(caught.value.fields) == ["url"]
    assert Paper.objects.count() == 0


def test_papers_import_adds_a_list_and_skips_what_the_pool_has(world):
    PaperFactory(cohort=world.cohort, title="Old", arxiv_id="1706.03762")
    text = "\n".join(
        [
            "https://arxiv.org/abs/1706.03762",
            "arXiv:1810.04805",
            "https://arxiv.org/abs/1810.04805v2",
            "Deep Residual Learning for Image Recognition",
        ]
    )

    result = services.papers_import(actor=world.member, cohort=world.cohort, text=text, kind="list")

    assert [p.title for p in result.created] == [
        "arXiv:1810.04805",
        "Deep Residual Learning for Image Recognition",
    ]
    assert result.duplicates == ["arXiv:1706.03762", "arXiv:1810.04805"]
    assert Paper.objects.filter(cohort=world.cohort).count() == 3
    assert {p.suggested_by_id for p in Paper.objects.exclude(title="Old")} == {world.member.pk}


def test_papers_import_reads_bibtex_and_reports_what_it_could_not(world):
    text = """@inproceedings{a, title={Attention Is All You Need}, author={Vaswani, Ashish},
      booktitle={NeurIPS}, year={2017}, eprint={1706.03762}}
    @misc{b, author={Nobody}}"""

    result = services.papers_import(
        actor=world.leader, cohort=world.cohort, text=text, kind="bibtex"
    )

    paper = Paper.objects.get(cohort=world.cohort)
    assert (paper.title, paper.authors, paper.venue, paper.year, paper.arxiv_id) == (
        "Attention Is All You Need",
        "Ashish Vaswani",
        "NeurIPS",
        2017,
        "1706.03762",
    )
    assert result.problems == ["Item 2 (misc): no title"]


def test_papers_import_refuses_text_with_no_paper(world):
    with pytest.raises(ApplicationError) as caught:
        services.papers_import(
            actor=world.member, cohort=world.cohort, text="@misc{x, year=2020}", kind="bibtex"
        )

    assert caught.value.code == "nothing_to_import"


def test_paper_update_links_a_slot_and_schedules_the_paper(world):
    from tests.factories import MeetingFactory, SlotFactory

    paper = PaperFactory(cohort=world.cohort)
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), kind="paper")

    services.paper_update(
        actor=world.facilitator,
        paper=paper,
        fields=fields("Renamed", url=paper.url),
        status="proposed",
        slot=slot,
        writeup_url="https://blog.example.com/attention",
    )

    paper.refresh_from_db()
    assert (paper.title, paper.status, paper.slot, paper.writeup_url) == (
        "Renamed",
        "scheduled",
        slot,
        "https://blog.example.com/attention",
    )


def test_paper_update_and_delete_are_for_leaders(world):
    paper = PaperFactory(cohort=world.cohort, suggested_by=world.member)

    with pytest.raises(PermissionDeniedError):
        services.paper_update(actor=world.member, paper=paper, fields=fields(), status="proposed")
    with pytest.raises(PermissionDeniedError):
        services.paper_delete(actor=world.member, paper=paper)


def test_paper_delete_keeps_a_paper_with_a_review_under_way(world):
    paper = PaperFactory(cohort=world.cohort)
    ReviewAssignmentFactory(paper=paper, reviewer=world.member, status=ReviewStatus.STARTED)
    unstarted = PaperFactory(cohort=world.cohort)
    ReviewAssignmentFactory(paper=unstarted, reviewer=world.member)

    with pytest.raises(ConflictError) as caught:
        services.paper_delete(actor=world.leader, paper=paper)
    services.paper_delete(actor=world.leader, paper=unstarted)

    assert caught.value.code == "paper_has_reviews"
    assert list(Paper.objects.all()) == [paper]


# --- bids ----------------------------------------------------------------------------------


def test_bid_set_creates_changes_and_takes_back_my_bid(world):
    paper = PaperFactory(cohort=world.cohort)

    services.bid_set(actor=world.member, paper=paper, preference="high")
    services.bid_set(actor=world.member, paper=paper, preference="conflict")
    changed = list(Bid.objects.values_list("user_id", "preference"))
    services.bid_set(actor=world.member, paper=paper, preference="")

    assert changed == [(world.member.pk, "conflict")]
    assert Bid.objects.count() == 0


@pytest.mark.parametrize(
    ("setup", "code"),
    [("closed", "bidding_closed"), ("reviewed", "paper_closed"), ("author", "paper_author")],
)
def test_bid_set_refuses_when_bidding_cannot_count(world, setup, code):
    paper = PaperFactory(cohort=world.cohort)
    if setup == "closed":
        ReviewSettings.objects.create(cohort=world.cohort, bidding_open=False)
    elif setup == "reviewed":
        paper.status = "reviewed"
        paper.save()
    else:
        paper.member_authors.add(world.member)

    with pytest.raises(ConflictError) as caught:
        services.bid_set(actor=world.member, paper=paper, preference="high")

    assert caught.value.code == code
    assert Bid.objects.count() == 0


def test_bid_set_refuses_outsiders_and_unknown_preferences(world):
    paper = PaperFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.bid_set(actor=world.outsider, paper=paper, preference="high")
    with pytest.raises(ApplicationError) as caught:
        services.bid_set(actor=world.member, paper=paper, preference="maybe")

    assert list(caught.value.fields) == ["preference"]


# --- preview and apply ------------------------------------------------------------------------


@pytest.fixture
def pool(world):
    """Two papers needing one review each; the member wants the first, the facilitator the
    second, the leader wrote the first."""
    first = PaperFactory(cohort=world.cohort, title="A first paper", reviews_needed=1)
    second = PaperFactory(cohort=world.cohort, title="B second paper", reviews_needed=1)
    first.member_authors.add(world.leader)
    BidFactory(paper=first, user=world.member, preference="very_high")
    BidFactory(paper=second, user=world.facilitator, preference="high")
    BidFactory(paper=second, user=world.member, preference="conflict")
    return first, second


def test_review_assignment_preview_follows_bids_and_explains_each_pair(world, pool):
    first, second = pool

    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=7)

    assert [(p.paper_id, p.reviewer_id, p.reason, p.new) for p in preview.pairs] == [
        (first.pk, world.member.pk, "bid very high; load 1 of 3", True),
        (second.pk, world.facilitator.pk, "bid high; load 1 of 3", True),
    ]
    assert (preview.seed, preview.mode, preview.new_count) == (7, "adjust", 2)
    assert [p.title for p in preview.papers] == ["A first paper", "B second paper"]


def test_review_assignment_preview_is_for_leaders_and_facilitators(world, pool):
    with pytest.raises(PermissionDeniedError):
        services.review_assignment_preview(actor=world.member, cohort=world.cohort)

    preview = services.review_assignment_preview(actor=world.facilitator, cohort=world.cohort)

    assert len(preview.pairs) == 2


def test_review_assignment_preview_says_why_a_paper_is_short(world):
    paper = PaperFactory(cohort=world.cohort, title="Hard", reviews_needed=3)
    paper.member_authors.add(world.leader)

    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=1)

    only = preview.papers[0]
    assert (only.short, only.short_code, only.short_reason) == (
        1,
        "too_few_eligible",
        "too few eligible reviewers: 2 can review it (authors and conflicts excluded), it needs 3",
    )


def test_review_assignment_apply_writes_the_preview_and_tells_the_reviewers(world, pool):
    first, second = pool
    ReviewSettings.objects.create(cohort=world.cohort, due_days=10)
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=3)
    before = timezone.now()

    result = services.review_assignment_apply(
        actor=world.leader,
        cohort=world.cohort,
        preview_fingerprint=preview.fingerprint,
        pairs=pairs_of(preview),
    )

    rows = list(ReviewAssignment.objects.order_by("paper__title"))
    assert [(r.paper_id, r.reviewer_id, r.source, r.status, r.assigned_by) for r in rows] == [
        (first.pk, world.member.pk, ReviewSource.SOLVER, ReviewStatus.ASSIGNED, world.leader),
        (second.pk, world.facilitator.pk, ReviewSource.SOLVER, ReviewStatus.ASSIGNED, world.leader),
    ]
    assert rows[0].reason == {
        "bid": "very_high",
        "load": 1,
        "cap": 3,
        "kept": False,
        "forced": False,
    }
    assert all(
        before + timedelta(days=10) <= r.due_at <= timezone.now() + timedelta(days=10) for r in rows
    )
    assert (len(result.created), result.removed, result.kept) == (2, 0, 0)
    notes = Notification.objects.filter(kind="review_assigned").order_by("recipient_id")
    assert [(n.recipient_id, n.params["paper"], n.url) for n in notes] == sorted(
        [
            (world.member.pk, "A first paper", "/labs/deep-lab/5/reviews/"),
            (world.facilitator.pk, "B second paper", "/labs/deep-lab/5/reviews/"),
        ]
    )


def test_review_assignment_apply_refuses_when_a_bid_changed_since_the_preview(world, pool):
    first, _second = pool
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=3)
    services.bid_set(actor=world.facilitator, paper=first, preference="very_high")

    with pytest.raises(ConflictError) as caught:
        services.review_assignment_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            pairs=pairs_of(preview),
        )

    assert (caught.value.code, caught.value.status) == ("assignment_changed", 409)
    assert ReviewAssignment.objects.count() == 0


def test_review_assignment_apply_refuses_a_pair_that_breaks_a_rule(world, pool):
    first, second = pool
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=3)

    with pytest.raises(ApplicationError) as caught:
        services.review_assignment_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            pairs=[(first.pk, world.leader.pk), (second.pk, world.member.pk)],
        )

    assert caught.value.code == "invalid_pairs"
    assert caught.value.fields == {
        "pairs[0]": ["This member wrote the paper or declared a conflict."],
        "pairs[1]": ["This member wrote the paper or declared a conflict."],
    }
    assert ReviewAssignment.objects.count() == 0


def test_review_assignment_apply_is_for_leaders(world, pool):
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=3)

    with pytest.raises(PermissionDeniedError):
        services.review_assignment_apply(
            actor=world.member,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            pairs=pairs_of(preview),
        )


def test_review_assignment_rerun_keeps_work_under_way_and_moves_only_unstarted_pairs(world):
    paper = PaperFactory(cohort=world.cohort, title="Kept", reviews_needed=1)
    moved = PaperFactory(cohort=world.cohort, title="Moved", reviews_needed=1)
    started = ReviewAssignmentFactory(
        paper=paper, reviewer=world.member, status=ReviewStatus.STARTED
    )
    old = ReviewAssignmentFactory(paper=moved, reviewer=world.member)
    BidFactory(paper=moved, user=world.facilitator, preference="very_high")
    BidFactory(paper=paper, user=world.facilitator, preference="very_high")

    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=5)
    result = services.review_assignment_apply(
        actor=world.leader,
        cohort=world.cohort,
        preview_fingerprint=preview.fingerprint,
        pairs=pairs_of(preview),
    )

    rows = {(r.paper.title, r.reviewer_id): r for r in ReviewAssignment.objects.all()}
    assert sorted(rows) == sorted([("Kept", world.member.pk), ("Moved", world.facilitator.pk)])
    assert rows["Kept", world.member.pk].pk == started.pk
    assert not ReviewAssignment.objects.filter(pk=old.pk).exists()
    assert (result.removed, result.kept) == (1, 1)
    assert [p.reason for p in preview.pairs if not p.new] == ["kept from before; load 1 of 3"]


def test_review_assignment_rerun_tells_the_member_whose_review_moved(world):
    moved = PaperFactory(cohort=world.cohort, title="Moved", reviews_needed=1)
    ReviewAssignmentFactory(paper=moved, reviewer=world.member)
    BidFactory(paper=moved, user=world.facilitator, preference="very_high")
    BidFactory(paper=moved, user=world.member, preference="very_low")
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=5)

    services.review_assignment_apply(
        actor=world.leader,
        cohort=world.cohort,
        preview_fingerprint=preview.fingerprint,
        pairs=pairs_of(preview),
    )

    notices = Notification.objects.filter(kind="review_unassigned")
    assert [(n.recipient_id, n.params["paper"]) for n in notices] == [(world.member.pk, "Moved")]


def test_review_assignment_fill_mode_only_adds(world):
    paper = PaperFactory(cohort=world.cohort, reviews_needed=2)
    ReviewAssignmentFactory(paper=paper, reviewer=world.member)
    BidFactory(paper=paper, user=world.facilitator, preference="very_high")
    BidFactory(paper=paper, user=world.leader, preference="very_high")

    fill = services.review_assignment_preview(
        actor=world.leader, cohort=world.cohort, seed=5, mode="fill"
    )
    adjust = services.review_assignment_preview(
        actor=world.leader, cohort=world.cohort, seed=5, mode="adjust"
    )

    kept = [(p.reviewer_id, p.new) for p in fill.pairs if p.reviewer_id == world.member.pk]
    added = {p.reviewer_id for p in fill.pairs if p.new}
    assert (kept, len(added), fill.dropped) == ([(world.member.pk, False)], 1, ())
    assert added < {world.leader.pk, world.facilitator.pk}
    assert sorted(p.reviewer_id for p in adjust.pairs) == sorted(
        [world.leader.pk, world.facilitator.pk]
    )
    assert adjust.dropped == ((paper.pk, world.member.pk),)


def test_review_assignment_forced_pairs_become_a_leaders(world, pool):
    _first, second = pool
    forced = [(second.pk, world.leader.pk)]
    preview = services.review_assignment_preview(
        actor=world.leader, cohort=world.cohort, seed=2, forced=forced
    )

    services.review_assignment_apply(
        actor=world.leader,
        cohort=world.cohort,
        preview_fingerprint=preview.fingerprint,
        pairs=pairs_of(preview),
        forced=forced,
    )

    leader_row = ReviewAssignment.objects.get(paper=second, reviewer=world.leader)
    assert (leader_row.source, leader_row.reason["forced"]) == (ReviewSource.LEADER, True)
    assert ReviewAssignment.objects.filter(paper=second).count() == 1


# --- by hand, and the reviewer's work -----------------------------------------------------------


def test_review_assign_by_hand_is_a_leaders_pair_and_tells_the_reviewer(world):
    paper = PaperFactory(cohort=world.cohort, title="By hand")

    review = services.review_assign(actor=world.leader, paper=paper, reviewer_id=world.member.pk)

    assert (review.source, review.reason, review.assigned_by) == (
        ReviewSource.LEADER,
        {"bid": "neutral", "load": 1, "cap": 3, "kept": False, "forced": True},
        world.leader,
    )
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (world.member.pk, "review_assigned")
    ]


def test_review_assign_refuses_authors_conflicts_and_repeats(world):
    paper = PaperFactory(cohort=world.cohort)
    paper.member_authors.add(world.facilitator)
    BidFactory(paper=paper, user=world.leader, preference="conflict")
    services.review_assign(actor=world.leader, paper=paper, reviewer_id=world.member.pk)

    with pytest.raises(ApplicationError) as author:
        services.review_assign(actor=world.leader, paper=paper, reviewer_id=world.facilitator.pk)
    with pytest.raises(ApplicationError) as conflict:
        services.review_assign(actor=world.leader, paper=paper, reviewer_id=world.leader.pk)
    with pytest.raises(ConflictError) as repeat:
        services.review_assign(actor=world.leader, paper=paper, reviewer_id=world.member.pk)
    with pytest.raises(PermissionDeniedError):
        services.review_assign(actor=world.member, paper=paper, reviewer_id=world.member.pk)

    assert (author.value.code, conflict.value.code, repeat.value.code) == (
        "conflict",
        "conflict",
        "already_assigned",
    )


def test_review_update_saves_a_writeup_starts_and_submits(world):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)

    services.review_update(
        actor=world.member, review=review, writeup_url="https://blog.example.com/review"
    )
    started = review.status
    services.review_update(actor=world.member, review=review, status=ReviewStatus.SUBMITTED)

    review.refresh_from_db()
    assert started == ReviewStatus.STARTED
    assert (review.status, review.writeup_url) == (
        ReviewStatus.SUBMITTED,
        "https://blog.example.com/review",
    )
    assert review.submitted_at is not None


def test_review_update_needs_a_writeup_to_submit_and_the_reviewer_to_act(world):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)

    with pytest.raises(ApplicationError) as caught:
        services.review_update(actor=world.member, review=review, status=ReviewStatus.SUBMITTED)
    with pytest.raises(PermissionDeniedError):
        services.review_update(actor=world.leader, review=review, writeup_notes="mine now")

    assert caught.value.code == "writeup_missing"


def test_review_update_reopens_but_never_unstarts(world):
    review = ReviewAssignmentFactory(
        paper=PaperFactory(cohort=world.cohort),
        reviewer=world.member,
        status=ReviewStatus.SUBMITTED,
        writeup_notes="# Notes",
        submitted_at=timezone.now(),
    )

    services.review_update(actor=world.member, review=review, status=ReviewStatus.STARTED)
    with pytest.raises(ApplicationError) as caught:
        services.review_update(actor=world.member, review=review, status=ReviewStatus.ASSIGNED)

    assert (review.status, review.submitted_at) == (ReviewStatus.STARTED, None)
    assert list(caught.value.fields) == ["status"]


def test_review_unassign_keeps_a_submitted_review(world):
    paper = PaperFactory(cohort=world.cohort)
    done = ReviewAssignmentFactory(paper=paper, reviewer=world.member, status="submitted")
    pending = ReviewAssignmentFactory(paper=paper, reviewer=world.facilitator)

    with pytest.raises(ConflictError):
        services.review_unassign(actor=world.leader, review=done)
    services.review_unassign(actor=world.leader, review=pending)

    assert list(ReviewAssignment.objects.all()) == [done]


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ({"bid": "high", "load": 2, "cap": 3}, "bid high; load 2 of 3"),
        ({"bid": "neutral", "load": 1, "cap": 2}, "no strong bid (neutral); load 1 of 2"),
        ({"bid": "low", "load": 1, "cap": 1, "kept": True}, "kept from before; load 1 of 1"),
        ({"bid": "high", "load": 4, "cap": 3, "forced": True}, "chosen by a leader; load 4 of 3"),
    ],
)
def test_reason_text_words_the_reason(reason, text):
    assert services.reason_text(reason) == text


def test_review_permissions_per_role(world):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    paper = PaperFactory(cohort=world.cohort)
    perms = ("view_paper", "suggest_paper", "bid_paper", "change_paper", "manage_reviews")
    people = {
        "leader": world.leader,
        "facilitator": world.facilitator,
        "member": world.member,
        "guest": guest,
        "outsider": world.outsider,
    }

    table = {
        name: [perm for perm in perms if user.has_perm(f"study_sessions.{perm}", paper)]
        for name, user in people.items()
    }

    assert table == {
        "leader": list(perms),
        "facilitator": list(perms),
        "member": ["view_paper", "suggest_paper", "bid_paper"],
        "guest": ["view_paper"],
        "outsider": [],
    }
