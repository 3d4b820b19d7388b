"""papers/, bids/, review-assignments/ and the solver's preview/ and apply/ endpoints: who sees
what (outsiders 404, members their own bids and reviews, leaders all), writes through the
services, the error shape, and a constant number of queries per list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.models import Bid, Paper, ReviewAssignment
from tests.conftest import bearer_client, client_for
from tests.factories import (
    BidFactory,
    CohortFactory,
    MembershipFactory,
    PaperFactory,
    ReviewAssignmentFactory,
)

pytestmark = pytest.mark.usefixtures("api_cache")

PAPERS, BIDS, REVIEWS = "/api/v1/papers/", "/api/v1/bids/", "/api/v1/review-assignments/"
JSON = "application/json"


def preview_url(cohort) -> str:
    return f"/api/v1/cohorts/{cohort.pk}/review-assignment/preview/"


def apply_url(cohort) -> str:
    return f"/api/v1/cohorts/{cohort.pk}/review-assignment/apply/"


def test_reviews_api_url_names_are_in_the_api_namespace(db):
    assert reverse("api:paper-list") == PAPERS
    assert reverse("api:bid-detail", kwargs={"pk": 3}) == f"{BIDS}3/"
    assert reverse("api:review-assignment-list") == REVIEWS
    assert reverse("api:cohort-review-assignment-preview", kwargs={"pk": 2}) == (
        "/api/v1/cohorts/2/review-assignment/preview/"
    )


# --- papers ---------------------------------------------------------------------------------


def test_reviews_api_papers_list_shows_the_pool_with_the_contract_fields(world, member_client):
    paper = PaperFactory(cohort=world.cohort, title="Attention", tags=["nlp"], year=2017)
    paper.member_authors.add(world.facilitator)

    body = member_client.get(PAPERS, {"cohort": world.cohort.pk}).json()

    row = body["results"][0]
    assert body["next"] is None
    assert {key: row[key] for key in ("id", "title", "link", "arxiv_id", "tags", "year")} == {
        "id": paper.pk,
        "title": "Attention",
        "link": paper.url,
        "arxiv_id": paper.arxiv_id,
        "tags": ["nlp"],
        "year": 2017,
    }
    assert row["url"] == f"http://testserver{PAPERS}{paper.pk}/"
    assert row["member_authors"] == [world.facilitator.pk]
    assert {"created_at", "updated_at", "external_id", "lab_slug", "status"} <= set(row)


def test_reviews_api_papers_are_404_for_outsiders(world, outsider_client):
    paper = PaperFactory(cohort=world.cohort)

    listed = outsider_client.get(PAPERS).json()["results"]
    detail = outsider_client.get(f"{PAPERS}{paper.pk}/")

    assert listed == []
    assert detail.status_code == 404
    assert detail.json()["error"]["code"] == "not_found"


def test_reviews_api_paper_create_by_a_member_and_duplicate_is_409(world, member_client):
    payload = {"cohort": world.cohort.pk, "title": "BERT", "link": "arXiv:1810.04805"}

    created = member_client.post(PAPERS, payload, content_type=JSON)
    again = member_client.post(PAPERS, payload, content_type=JSON)

    assert created.status_code == 201
    assert (created.json()["arxiv_id"], created.json()["suggested_by"]) == (
        "1810.04805",
        world.member.pk,
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "paper_exists")


def test_reviews_api_paper_create_in_a_hidden_cohort_is_404(world, outsider_client):
    response = outsider_client.post(
        PAPERS, {"cohort": world.cohort.pk, "title": "X"}, content_type=JSON
    )

    assert response.status_code == 404
    assert Paper.objects.count() == 0


def test_reviews_api_paper_update_is_for_leaders(world, member_client, leader_client):
    paper = PaperFactory(cohort=world.cohort)

    refused = member_client.patch(f"{PAPERS}{paper.pk}/", {"title": "Mine"}, content_type=JSON)
    changed = leader_client.patch(
        f"{PAPERS}{paper.pk}/", {"status": "reviewed", "reviews_needed": 1}, content_type=JSON
    )

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "permission_denied")
    assert (changed.status_code, changed.json()["status"], changed.json()["reviews_needed"]) == (
        200,
        "reviewed",
        1,
    )
    assert changed.json()["title"] == paper.title


def test_reviews_api_paper_import_adds_papers(world, member_client):
    payload = {
        "cohort": world.cohort.pk,
        "format": "bibtex",
        "text": "@article{a, title={Adam}, eprint={1412.6980}}\n@misc{b, author={X}}",
    }

    response = member_client.post(f"{PAPERS}import/", payload, content_type=JSON)

    body = response.json()
    assert response.status_code == 201
    assert [paper["title"] for paper in body["created"]] == ["Adam"]
    assert (body["duplicates"], body["problems"]) == ([], ["Item 2 (misc): no title"])


def test_reviews_api_paper_delete_keeps_a_paper_under_review(world, leader_client):
    paper = PaperFactory(cohort=world.cohort)
    ReviewAssignmentFactory(paper=paper, reviewer=world.member, status="started")

    response = leader_client.delete(f"{PAPERS}{paper.pk}/")

    assert (response.status_code, response.json()["error"]["code"]) == (409, "paper_has_reviews")


# --- bids -----------------------------------------------------------------------------------


def test_reviews_api_members_see_their_own_bids_and_leaders_all(
    world, member_client, leader_client
):
    paper = PaperFactory(cohort=world.cohort)
    mine = BidFactory(paper=paper, user=world.member)
    theirs = BidFactory(paper=paper, user=world.facilitator)

    member_ids = [row["id"] for row in member_client.get(BIDS).json()["results"]]
    leader_ids = [row["id"] for row in leader_client.get(BIDS).json()["results"]]
    hidden = member_client.get(f"{BIDS}{theirs.pk}/")

    assert member_ids == [mine.pk]
    assert leader_ids == [mine.pk, theirs.pk]
    assert hidden.status_code == 404


def test_reviews_api_bids_are_invisible_to_outsiders(world, outsider_client):
    bid = BidFactory(paper=PaperFactory(cohort=world.cohort), user=world.member)

    assert outsider_client.get(BIDS).json()["results"] == []
    assert outsider_client.get(f"{BIDS}{bid.pk}/").status_code == 404


def test_reviews_api_bid_create_sets_and_replaces_my_bid(world, member_client):
    paper = PaperFactory(cohort=world.cohort)

    first = member_client.post(BIDS, {"paper": paper.pk, "preference": "high"}, content_type=JSON)
    second = member_client.post(BIDS, {"paper": paper.pk, "preference": "low"}, content_type=JSON)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert list(Bid.objects.values_list("user_id", "preference")) == [(world.member.pk, "low")]


def test_reviews_api_leader_cannot_change_a_members_bid(world, leader_client):
    bid = BidFactory(paper=PaperFactory(cohort=world.cohort), user=world.member)

    changed = leader_client.patch(f"{BIDS}{bid.pk}/", {"preference": "low"}, content_type=JSON)
    deleted = leader_client.delete(f"{BIDS}{bid.pk}/")

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert Bid.objects.get().preference == "high"


def test_reviews_api_bid_update_and_delete_my_own(world, member_client):
    bid = BidFactory(paper=PaperFactory(cohort=world.cohort), user=world.member)

    changed = member_client.patch(f"{BIDS}{bid.pk}/", {"preference": "conflict"}, content_type=JSON)
    deleted = member_client.delete(f"{BIDS}{bid.pk}/")

    assert (changed.status_code, changed.json()["preference"], deleted.status_code) == (
        200,
        "conflict",
        204,
    )
    assert Bid.objects.count() == 0


def test_reviews_api_read_token_cannot_bid(world):
    paper = PaperFactory(cohort=world.cohort)

    response = bearer_client(world.member, scope="read").post(
        BIDS, {"paper": paper.pk, "preference": "high"}, content_type=JSON
    )

    assert response.status_code == 403
    assert Bid.objects.count() == 0


# --- review assignments ---------------------------------------------------------------------


def test_reviews_api_members_see_their_own_reviews_and_leaders_all(
    world, member_client, leader_client, outsider_client
):
    paper = PaperFactory(cohort=world.cohort)
    mine = ReviewAssignmentFactory(paper=paper, reviewer=world.member)
    theirs = ReviewAssignmentFactory(paper=paper, reviewer=world.facilitator)

    member_rows = member_client.get(REVIEWS).json()["results"]
    leader_ids = [row["id"] for row in leader_client.get(REVIEWS).json()["results"]]

    assert [row["id"] for row in member_rows] == [mine.pk]
    assert member_rows[0]["reason_text"] == "no strong bid (neutral); load 1 of 3"
    assert leader_ids == [mine.pk, theirs.pk]
    assert member_client.get(f"{REVIEWS}{theirs.pk}/").status_code == 404
    assert outsider_client.get(f"{REVIEWS}{mine.pk}/").status_code == 404


def test_reviews_api_reviewer_posts_a_writeup_link_and_submits(world, member_client):
    review = ReviewAssignmentFactory(paper=PaperFactory(cohort=world.cohort), reviewer=world.member)

    response = member_client.patch(
        f"{REVIEWS}{review.pk}/",
        {"writeup_url": "https://blog.example.com/r", "status": "submitted"},
        content_type=JSON,
    )

    body = response.json()
    assert (response.status_code, body["status"], body["writeup_url"]) == (
        200,
        "submitted",
        "https://blog.example.com/r",
    )
    assert body["submitted_at"] is not None


def test_reviews_api_leader_assigns_by_hand_and_cannot_write_the_review(world, leader_client):
    paper = PaperFactory(cohort=world.cohort)

    created = leader_client.post(
        REVIEWS, {"paper": paper.pk, "reviewer": world.member.pk}, content_type=JSON
    )
    refused = leader_client.patch(
        f"{REVIEWS}{created.json()['id']}/", {"status": "started"}, content_type=JSON
    )

    assert (created.status_code, created.json()["source"]) == (201, "leader")
    assert refused.status_code == 403


def test_reviews_api_member_cannot_assign(world, member_client):
    paper = PaperFactory(cohort=world.cohort)

    response = member_client.post(
        REVIEWS, {"paper": paper.pk, "reviewer": world.member.pk}, content_type=JSON
    )

    assert response.status_code == 403
    assert ReviewAssignment.objects.count() == 0


# --- the solver -----------------------------------------------------------------------------


@pytest.fixture
def pool(world):
    first = PaperFactory(cohort=world.cohort, title="First", reviews_needed=1)
    second = PaperFactory(cohort=world.cohort, title="Second", reviews_needed=2)
    first.member_authors.add(world.leader)
    BidFactory(paper=first, user=world.member, preference="very_high")
    BidFactory(paper=second, user=world.member, preference="conflict")
    return first, second


def test_reviews_api_preview_then_apply(world, leader_client, pool):
    first, second = pool

    preview = leader_client.post(preview_url(world.cohort), {"seed": 9}, content_type=JSON).json()
    applied = leader_client.post(
        apply_url(world.cohort),
        {
            "fingerprint": preview["fingerprint"],
            "seed": 9,
            "pairs": [{"paper": p["paper"], "reviewer": p["reviewer"]} for p in preview["pairs"]],
        },
        content_type=JSON,
    )

    assert (preview["seed"], preview["mode"]) == (9, "adjust")
    assert (preview["pairs"][0]["paper"], preview["pairs"][0]["reviewer"]) == (
        first.pk,
        world.member.pk,
    )
    assert preview["pairs"][0]["reason_data"] == {
        "bid": "very_high",
        "load": 1,
        "cap": 3,
        "kept": False,
        "forced": False,
    }
    assert preview["shortfalls"] == []
    assert applied.status_code == 200
    assert len(applied.json()["created"]) == 3
    assert sorted(ReviewAssignment.objects.values_list("paper_id", "reviewer_id")) == sorted(
        [
            (first.pk, world.member.pk),
            (second.pk, world.leader.pk),
            (second.pk, world.facilitator.pk),
        ]
    )


def test_reviews_api_apply_answers_409_when_bids_changed(world, leader_client, member_client, pool):
    first, _second = pool
    preview = leader_client.post(preview_url(world.cohort), {}, content_type=JSON).json()
    member_client.post(BIDS, {"paper": first.pk, "preference": "low"}, content_type=JSON)

    response = leader_client.post(
        apply_url(world.cohort),
        {
            "fingerprint": preview["fingerprint"],
            "pairs": [{"paper": p["paper"], "reviewer": p["reviewer"]} for p in preview["pairs"]],
        },
        content_type=JSON,
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "assignment_changed"
    assert ReviewAssignment.objects.count() == 0


def test_reviews_api_preview_reports_short_papers_and_rejected_forced_pairs(
    world, leader_client, pool
):
    first, second = pool
    second.reviews_needed = 4
    second.save()

    body = leader_client.post(
        preview_url(world.cohort),
        {"seed": 1, "forced": [{"paper": first.pk, "reviewer": world.leader.pk}]},
        content_type=JSON,
    ).json()

    assert body["shortfalls"] == [
        {
            "paper": second.pk,
            "needed": 4,
            "assigned": 2,
            "eligible": 2,
            "code": "too_few_eligible",
            "reason": "too few eligible reviewers: 2 can review it (authors and conflicts "
            "excluded), it needs 4",
        }
    ]
    assert [(r["paper"], r["reviewer"], r["code"]) for r in body["rejected"]] == [
        (first.pk, world.leader.pk, "conflict")
    ]


def test_reviews_api_preview_is_403_for_members_and_404_for_outsiders(
    world, member_client, outsider_client
):
    member = member_client.post(preview_url(world.cohort), {}, content_type=JSON)
    outsider = outsider_client.post(preview_url(world.cohort), {}, content_type=JSON)
    other = CohortFactory(lab=world.other_lab, number=9)
    leader_elsewhere = client_for(world.leader).post(preview_url(other), {}, content_type=JSON)

    assert (member.status_code, outsider.status_code, leader_elsewhere.status_code) == (
        403,
        404,
        404,
    )


def test_reviews_api_lab_limited_token_sees_nothing_elsewhere(world):
    PaperFactory(cohort=world.cohort)
    other_cohort = CohortFactory(lab=world.other_lab, number=2)
    MembershipFactory(cohort=other_cohort, user=world.member)
    PaperFactory(cohort=other_cohort)

    client = bearer_client(world.member, lab_slug="other-lab")

    assert [row["cohort"] for row in client.get(PAPERS).json()["results"]] == [other_cohort.pk]


# --- query counts ---------------------------------------------------------------------------


def _rows(world, count: int) -> None:
    for _n in range(count):
        paper = PaperFactory(cohort=world.cohort)
        paper.member_authors.add(world.facilitator)
        BidFactory(paper=paper, user=world.leader)
        ReviewAssignmentFactory(paper=paper, reviewer=world.leader)


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize(("path", "queries"), [(PAPERS, 5), (BIDS, 4), (REVIEWS, 4)])
def test_reviews_api_lists_query_count_is_constant(
    world, django_assert_num_queries, count, path, queries
):
    _rows(world, count)
    client = client_for(world.leader)

    # session, user, profile; the page (papers: and their member authors).
    with django_assert_num_queries(queries):
        response = client.get(path)

    assert len(response.json()["results"]) == count
