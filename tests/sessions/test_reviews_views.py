"""Paper review pages: the pool, the bid grid, the assignment and progress pages, my reviews."""

from __future__ import annotations

import pytest
from django.urls import reverse

from labs.models import Role
from sessions.models import Bid, Paper, ReviewAssignment, ReviewSettings, ReviewStatus
from sessions.services import reviews as services
from tests.conftest import client_for
from tests.factories import (
    BidFactory,
    MembershipFactory,
    PaperFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.django_db

COHORT_PAGES = [
    "reviews_pool",
    "reviews_bids",
    "reviews_mine",
    "reviews_assign",
    "reviews_progress",
]
MANAGER_PAGES = ["reviews_assign", "reviews_progress"]


def page(name: str) -> str:
    return reverse(f"sessions:{name}", kwargs={"slug": "deep-lab", "number": 5})


HTMX = {"HX-Request": "true"}


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COHORT_PAGES)
def test_reviews_pages_are_404_for_outsiders(world, outsider_client, name):
    response = outsider_client.get(page(name))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("paper_add", "post"),
        ("paper_import", "post"),
        ("reviews_apply", "post"),
        ("reviews_settings", "post"),
        ("reviews_cap", "post"),
        ("reviews_hand_assign", "post"),
    ],
)
def test_reviews_forms_are_404_for_outsiders(world, outsider_client, name, method):
    response = getattr(outsider_client, method)(page(name), {"title": "x"})

    assert response.status_code == 404


def test_reviews_object_urls_are_404_for_outsiders(world, outsider_client):
    paper = PaperFactory(cohort=world.cohort)
    review = ReviewAssignmentFactory(paper=paper, reviewer=world.member)

    codes = [
        outsider_client.get(reverse("sessions:paper_edit", args=[paper.pk])).status_code,
        outsider_client.post(reverse("sessions:paper_delete", args=[paper.pk])).status_code,
        outsider_client.post(
            reverse("sessions:paper_bid", args=[paper.pk]), {"preference": "high"}
        ).status_code,
        outsider_client.post(reverse("sessions:review_update", args=[review.pk])).status_code,
        outsider_client.post(reverse("sessions:review_unassign", args=[review.pk])).status_code,
    ]

    assert codes == [404] * 5
    assert Paper.objects.count() == 1


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_reviews_manager_pages_are_403_for_members(world, member_client, name):
    response = member_client.get(page(name))

    assert response.status_code == 403


def test_reviews_someone_elses_review_is_404_for_a_member(world, member_client):
    review = ReviewAssignmentFactory(
        paper=PaperFactory(cohort=world.cohort), reviewer=world.facilitator
    )

    response = member_client.post(
        reverse("sessions:review_update", args=[review.pk]), {"action": "start"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("name", COHORT_PAGES)
def test_reviews_pages_open_for_the_leader(world, leader_client, name):
    PaperFactory(cohort=world.cohort)

    response = leader_client.get(page(name))

    assert response.status_code == 200


def test_reviews_nav_shows_the_leaders_pages_only_to_leaders(world, leader_client, member_client):
    leader_page = leader_client.get(page("reviews_pool")).content.decode()
    member_page = member_client.get(page("reviews_pool")).content.decode()

    assert 'data-testid="reviews-nav-assign"' in leader_page
    assert 'data-testid="reviews-nav-assign"' not in member_page


# --- query counts -------------------------------------------------------------------------------


def _papers(world, count: int) -> list[Paper]:
    papers = []
    for n in range(count):
        paper = PaperFactory(cohort=world.cohort, suggested_by=world.member, tags=["nlp"])
        paper.member_authors.add(world.facilitator)
        BidFactory(paper=paper, user=world.member, preference="high")
        BidFactory(paper=paper, user=world.leader, preference="low")
        ReviewAssignmentFactory(
            paper=paper,
            reviewer=world.member,
            status=[ReviewStatus.ASSIGNED, ReviewStatus.STARTED, ReviewStatus.SUBMITTED][n % 3],
            writeup_notes="**done**",
        )
        papers.append(paper)
    return papers


@pytest.mark.parametrize("count", [1, 3])
def test_reviews_pool_query_count_is_constant(
    world, leader_client, django_assert_num_queries, count
):
    _papers(world, count)

    # session, user, profile; cohort, my access; settings; papers, my bids, member authors.
    with django_assert_num_queries(9):
        response = leader_client.get(page("reviews_pool"))

    assert response.content.decode().count('data-testid="pool-row"') == count


@pytest.mark.parametrize("count", [1, 3])
def test_reviews_bid_grid_query_count_is_constant(
    world, leader_client, django_assert_num_queries, count
):
    _papers(world, count)

    # session, user, profile; cohort, my access; settings; papers, authors, my bids;
    # everyone's bids, the reviewers.
    with django_assert_num_queries(11):
        response = leader_client.get(page("reviews_bids"))

    assert response.content.decode().count('data-testid="bid-row"') == count


@pytest.mark.parametrize("count", [1, 3])
def test_reviews_progress_query_count_is_constant(
    world, leader_client, django_assert_num_queries, count
):
    _papers(world, count)

    # session, user, profile; cohort, my access; settings; papers, reviews; caps, reviewers.
    with django_assert_num_queries(10):
        response = leader_client.get(page("reviews_progress"))

    assert response.content.decode().count('data-testid="progress-paper"') == count


@pytest.mark.parametrize("count", [1, 3])
def test_reviews_mine_query_count_is_constant(
    world, member_client, django_assert_num_queries, count
):
    _papers(world, count)

    # session, user, profile; cohort, my access; my reviews.
    with django_assert_num_queries(6):
        response = member_client.get(page("reviews_mine"))

    assert response.content.decode().count('data-testid="review-card"') == count


# --- the pool -----------------------------------------------------------------------------------


def test_reviews_pool_lists_papers_with_my_bid_and_their_authors(world, member_client):
    paper = PaperFactory(cohort=world.cohort, title="Attention", authors="Vaswani et al.")
    paper.member_authors.add(world.facilitator)
    BidFactory(paper=paper, user=world.member, preference="very_high")

    html = member_client.get(page("reviews_pool")).content.decode()

    assert "Attention" in html
    assert 'data-testid="pool-my-bid">Very high</td>' in html
    assert "Written by members:" in html
    assert 'data-testid="pool-edit"' not in html


def test_reviews_paper_add_with_htmx_returns_the_pool_region(world, member_client):
    response = member_client.post(
        page("paper_add"),
        {"title": "ResNet", "url": "https://arxiv.org/abs/1512.03385", "tags": "vision, cnn"},
        headers=HTMX,
    )

    html = response.content.decode()
    paper = Paper.objects.get()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="pool-region"')
    assert 'data-testid="pool-notice"' in html
    assert (paper.title, paper.arxiv_id, paper.tags) == ("ResNet", "1512.03385", ["vision", "cnn"])


def test_reviews_paper_add_error_rerenders_the_form_with_200(world, member_client):
    PaperFactory(cohort=world.cohort, arxiv_id="1512.03385")

    response = member_client.post(
        page("paper_add"),
        {"title": "Again", "url": "https://arxiv.org/abs/1512.03385"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "is already in the pool" in response.content.decode()
    assert Paper.objects.count() == 1


def test_reviews_paper_add_without_javascript_redirects_to_the_pool(world, member_client):
    response = member_client.post(page("paper_add"), {"title": "Plain"})

    assert (response.status_code, response["Location"]) == (302, page("reviews_pool"))


def test_reviews_paper_import_reads_an_uploaded_bibtex_file(world, member_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "papers.bib", b"@article{a, title={Adam}, year={2014}, eprint={1412.6980}}"
    )

    response = member_client.post(page("paper_import"), {"kind": "list", "file": upload})

    assert response.status_code == 302
    assert list(Paper.objects.values_list("title", "arxiv_id", "year")) == [
        ("Adam", "1412.6980", 2014)
    ]


def test_reviews_paper_import_pasted_list_with_htmx_reports_duplicates(world, member_client):
    PaperFactory(cohort=world.cohort, arxiv_id="1412.6980", title="Adam")

    response = member_client.post(
        page("paper_import"),
        {"kind": "list", "text": "arXiv:1412.6980\nhttps://arxiv.org/abs/1502.03167"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Added 1 paper to the pool." in html
    assert "Already in the pool, skipped: arXiv:1412.6980" in html


def test_reviews_paper_import_is_refused_to_guests(world):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user

    response = client_for(guest).post(page("paper_import"), {"kind": "list", "text": "a title"})

    assert response.status_code == 403


def test_reviews_paper_edit_saves_for_leaders_and_refuses_members(
    world, leader_client, member_client
):
    paper = PaperFactory(cohort=world.cohort)
    data = {
        "title": "Edited",
        "url": paper.url,
        "track": "paper",
        "status": "reviewed",
        "reviews_needed": "1",
        "member_authors": [str(world.member.pk)],
    }

    refused = member_client.post(reverse("sessions:paper_edit", args=[paper.pk]), data)
    saved = leader_client.post(reverse("sessions:paper_edit", args=[paper.pk]), data)

    paper.refresh_from_db()
    assert (refused.status_code, saved.status_code) == (403, 302)
    assert (paper.title, paper.status, paper.reviews_needed) == ("Edited", "reviewed", 1)
    assert list(paper.member_authors.all()) == [world.member]


# --- bids -----------------------------------------------------------------------------------


def test_reviews_bid_with_htmx_swaps_the_row_with_the_choice_pressed(world, member_client):
    paper = PaperFactory(cohort=world.cohort)

    response = member_client.post(
        reverse("sessions:paper_bid", args=[paper.pk]), {"preference": "high"}, headers=HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="paper-{paper.pk}"')
    assert f'aria-pressed="true" data-testid="bid-{paper.pk}-high"' in html
    assert 'data-testid="bid-notice"' in html
    assert list(Bid.objects.values_list("user_id", "preference")) == [(world.member.pk, "high")]


def test_reviews_bid_without_javascript_redirects_to_the_grid(world, member_client):
    paper = PaperFactory(cohort=world.cohort)

    response = member_client.post(
        reverse("sessions:paper_bid", args=[paper.pk]), {"preference": "conflict"}
    )

    assert (response.status_code, response["Location"]) == (
        302,
        f"{page('reviews_bids')}#paper-{paper.pk}",
    )
    assert Bid.objects.get().preference == "conflict"


def test_reviews_bid_refusal_shows_in_the_row(world, member_client):
    paper = PaperFactory(cohort=world.cohort)
    ReviewSettings.objects.create(cohort=world.cohort, bidding_open=False)

    response = member_client.post(
        reverse("sessions:paper_bid", args=[paper.pk]), {"preference": "high"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Bidding is closed for this cohort." in response.content.decode()


def test_reviews_bid_grid_shows_members_only_their_own_row(world, member_client, leader_client):
    paper = PaperFactory(cohort=world.cohort)
    BidFactory(paper=paper, user=world.leader, preference="very_low")

    member_html = member_client.get(page("reviews_bids")).content.decode()
    leader_html = leader_client.get(page("reviews_bids")).content.decode()

    assert 'data-testid="bid-overview"' not in member_html
    assert leader_html.count('data-testid="bid-overview-row"') == 3
    assert "Very low" in leader_html


# --- assignment -------------------------------------------------------------------------------


@pytest.fixture
def pool(world):
    first = PaperFactory(cohort=world.cohort, title="First", reviews_needed=1)
    second = PaperFactory(cohort=world.cohort, title="Second", reviews_needed=1)
    BidFactory(paper=first, user=world.member, preference="very_high")
    BidFactory(paper=second, user=world.facilitator, preference="very_high")
    return first, second


def test_reviews_assign_page_previews_with_reasons(world, leader_client, pool):
    html = leader_client.get(page("reviews_assign") + "?seed=4").content.decode()

    assert html.count('data-testid="assign-pair"') == 2
    assert "bid very high; load 1 of 3" in html
    assert 'name="pair"' in html


def test_reviews_apply_writes_and_redirects_without_javascript(world, leader_client, pool):
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=4)
    data = {
        "fingerprint": preview.fingerprint,
        "seed": "4",
        "mode": "adjust",
        "pair": [f"{p.paper_id}:{p.reviewer_id}" for p in preview.pairs],
    }

    response = leader_client.post(page("reviews_apply"), data)

    assert (response.status_code, response["Location"]) == (
        302,
        page("reviews_assign") + "?mode=adjust&seed=4",
    )
    assert ReviewAssignment.objects.count() == 2


def test_reviews_apply_says_when_bids_changed_since_the_preview(world, leader_client, pool):
    first, _second = pool
    preview = services.review_assignment_preview(actor=world.leader, cohort=world.cohort, seed=4)
    BidFactory(paper=first, user=world.leader, preference="high")
    data = {
        "fingerprint": preview.fingerprint,
        "seed": "4",
        "pair": [f"{p.paper_id}:{p.reviewer_id}" for p in preview.pairs],
    }

    response = leader_client.post(page("reviews_apply"), data, headers=HTMX)

    assert response.status_code == 200
    assert "changed since this preview" in response.content.decode()
    assert ReviewAssignment.objects.count() == 0


def test_reviews_settings_and_caps_save(world, leader_client):
    leader_client.post(
        page("reviews_settings"),
        {"reviews_per_paper": "1", "load_cap": "2", "due_days": "7", "bidding_open": "on"},
    )
    leader_client.post(page("reviews_cap"), {"user": str(world.member.pk), "cap": "1"})

    settings = ReviewSettings.objects.get(cohort=world.cohort)
    assert (settings.reviews_per_paper, settings.load_cap, settings.due_days) == (1, 2, 7)
    html = leader_client.get(page("reviews_assign")).content.decode()
    assert 'data-testid="review-caps"' in html


def test_reviews_hand_assign_and_take_back(world, leader_client):
    paper = PaperFactory(cohort=world.cohort)

    leader_client.post(
        page("reviews_hand_assign"), {"paper": str(paper.pk), "reviewer": str(world.member.pk)}
    )
    review = ReviewAssignment.objects.get()
    leader_client.post(reverse("sessions:review_unassign", args=[review.pk]))

    assert (review.source, review.reviewer) == ("leader", world.member)
    assert ReviewAssignment.objects.count() == 0


# --- my reviews ---------------------------------------------------------------------------------


def test_reviews_mine_shows_due_date_reason_and_safe_markdown(world, member_client):
    ReviewAssignmentFactory(
        paper=PaperFactory(cohort=world.cohort, title="Mine"),
        reviewer=world.member,
        writeup_notes="**bold** <script>alert(1)</script> [x](javascript:alert(1))",
        reason={"bid": "high", "load": 2, "cap": 3, "kept": False, "forced": False},
    )
    ReviewAssignmentFactory(
        paper=PaperFactory(cohort=world.cohort, title="Not mine"), reviewer=world.leader
    )

    html = member_client.get(page("reviews_mine")).content.decode()

    assert html.count('data-testid="review-card"') == 1
    assert "Why you: bid high; load 2 of 3" in html
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html


def test_reviews_writeup_link_with_htmx_updates_the_card(world, member_client):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)
    prefix = f"review-{review.pk}"

    response = member_client.post(
        reverse("sessions:review_update", args=[review.pk]),
        {
            "action": "submit",
            f"{prefix}-writeup_url": "https://blog.example.com/post",
            f"{prefix}-writeup_notes": "",
        },
        headers=HTMX,
    )

    html = response.content.decode()
    review.refresh_from_db()
    assert html.lstrip().startswith(f'<article id="review-{review.pk}"')
    assert 'data-testid="review-writeup-link"' in html
    assert (review.status, review.writeup_url) == ("submitted", "https://blog.example.com/post")


def test_reviews_submit_without_a_writeup_shows_the_refusal(world, member_client):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)

    response = member_client.post(
        reverse("sessions:review_update", args=[review.pk]), {"action": "submit"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Add a write-up link or notes before submitting." in response.content.decode()
    review.refresh_from_db()
    assert review.status == "assigned"


def test_reviews_leader_cannot_write_a_members_review(world, leader_client):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)

    response = leader_client.post(
        reverse("sessions:review_update", args=[review.pk]), {"action": "start"}
    )

    assert response.status_code == 403
