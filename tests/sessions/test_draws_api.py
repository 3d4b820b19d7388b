"""draws/ API: list with filters, retrieve, create for leaders (403 for members, 404 for
outsiders and lab-limited tokens), the stored result reproducible from the seed, a pick into a
slot, and a constant number of queries per list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions import draws
from sessions.models import Draw, SlotAssignment, SlotChange
from sessions.services.draws import draw_run
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")

LIST = "/api/v1/draws/"


@pytest.fixture
def four(world) -> list:
    extra = MembershipFactory(cohort=world.cohort, user__profile__display_name="넷째").user
    return [world.leader, world.facilitator, world.member, extra]


def ids(users) -> list[int]:
    return [user.pk for user in users]


def run_pick(world, four, title: str = "8장 발표자", cohort=None) -> Draw:
    return draw_run(
        actor=world.leader,
        cohort=cohort or world.cohort,
        kind="pick",
        title=title,
        participant_ids=ids(four),
    )


def test_draw_api_url_names_are_in_the_api_namespace(db):
    assert reverse("api:draw-list") == LIST
    assert reverse("api:draw-detail", kwargs={"pk": 7}) == f"{LIST}7/"


def test_draw_api_create_ladder_returns_the_stored_draw(world, four, leader_client):
    payload = {
        "cohort": world.cohort.pk,
        "kind": "ladder",
        "title": "다음 기수 랩장",
        "participants": ids(four),
        "outcomes": ["랩장", "꽝", "꽝", "꽝"],
    }

    response = leader_client.post(LIST, payload, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    draw = Draw.objects.get()
    expected = draws.ladder(ids(four), ["랩장", "꽝", "꽝", "꽝"], draw.seed)
    assert body["id"] == draw.pk
    assert body["url"] == f"http://testserver{LIST}{draw.pk}/"
    assert (body["kind"], body["title"], body["cohort"], body["lab_slug"]) == (
        "ladder",
        "다음 기수 랩장",
        world.cohort.pk,
        "deep-lab",
    )
    assert [p["id"] for p in body["participants"]] == ids(four)
    assert body["seed"] == draw.seed
    assert body["result"]["assignment"] == {str(k): v for k, v in expected.assignment.items()}
    assert body["created_by"] == world.leader.pk
    assert body["slot"] is None


def test_draw_api_create_pick_into_a_slot(world, four, leader_client):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort))

    response = leader_client.post(
        LIST,
        {
            "cohort": world.cohort.pk,
            "kind": "pick",
            "title": "8장 발표자",
            "participants": ids(four),
            "slot": slot.pk,
        },
        content_type="application/json",
    )

    body = response.json()
    assert response.status_code == 201
    assert body["slot"] == slot.pk
    assert body["result"] == {"count": 1, "winners": draws.pick(ids(four), 1, body["seed"])}
    assert list(SlotAssignment.objects.values_list("user_id", "source")) == [
        (body["result"]["winners"][0], "draw")
    ]
    assert list(SlotChange.objects.values_list("action", flat=True)) == ["draw"]


def test_draw_api_create_into_a_full_slot_is_409(world, four, leader_client):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort))
    SlotAssignment.objects.create(slot=slot, user=MembershipFactory(cohort=world.cohort).user)

    response = leader_client.post(
        LIST,
        {
            "cohort": world.cohort.pk,
            "kind": "pick",
            "title": "t",
            "participants": ids(four),
            "slot": slot.pk,
        },
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert Draw.objects.count() == 0


def test_draw_api_create_ladder_with_mismatched_outcomes_is_400(world, four, leader_client):
    response = leader_client.post(
        LIST,
        {
            "cohort": world.cohort.pk,
            "kind": "ladder",
            "title": "t",
            "participants": ids(four),
            "outcomes": ["랩장"],
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outcomes_mismatch"
    assert list(response.json()["error"]["fields"]) == ["outcomes"]


def test_draw_api_create_member_gets_403(world, four, member_client):
    response = member_client.post(
        LIST,
        {"cohort": world.cohort.pk, "kind": "pick", "title": "t", "participants": ids(four)},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Draw.objects.count() == 0


def test_draw_api_create_outsider_gets_404(world, four, outsider_client):
    response = outsider_client.post(
        LIST,
        {"cohort": world.cohort.pk, "kind": "pick", "title": "t", "participants": ids(four)},
        content_type="application/json",
    )

    assert response.status_code == 404


def test_draw_api_create_with_a_read_token_is_403(world, four):
    client = bearer_client(world.leader, scope="read")

    response = client.post(
        LIST,
        {"cohort": world.cohort.pk, "kind": "pick", "title": "t", "participants": ids(four)},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Draw.objects.count() == 0


def test_draw_api_create_with_a_write_token(world, four):
    client = bearer_client(world.leader, scope="write", lab_slug="deep-lab")

    response = client.post(
        LIST,
        {"cohort": world.cohort.pk, "kind": "pick", "title": "t", "participants": ids(four)},
        content_type="application/json",
    )

    assert response.status_code == 201


def test_draw_api_retrieve_outsider_gets_404(world, four, outsider_client):
    draw = run_pick(world, four)

    assert outsider_client.get(f"{LIST}{draw.pk}/").status_code == 404


def test_draw_api_retrieve_member_sees_the_draw(world, four, member_client):
    draw = run_pick(world, four)

    response = member_client.get(f"{LIST}{draw.pk}/")

    assert response.status_code == 200
    assert response.json()["result"] == draw.result


def test_draw_api_list_is_scoped_to_my_labs(world, four, outsider_client, member_client):
    draw = run_pick(world, four)

    assert [item["id"] for item in member_client.get(LIST).json()["results"]] == [draw.pk]
    assert outsider_client.get(LIST).json()["results"] == []


def test_draw_api_list_filters_by_cohort_and_lab(world, four, leader_client):
    other = CohortFactory(lab=world.lab, number=6)
    MembershipFactory(cohort=other, user=world.leader, role="leader")
    others = [MembershipFactory(cohort=other).user for _ in range(2)]
    mine = run_pick(world, four)
    theirs = draw_run(
        actor=world.leader, cohort=other, kind="pick", title="t", participant_ids=ids(others)
    )

    by_cohort = leader_client.get(LIST, {"cohort": other.pk}).json()["results"]
    by_lab = leader_client.get(LIST, {"lab": "deep-lab"}).json()["results"]
    by_other_lab = leader_client.get(LIST, {"lab": "other-lab"}).json()["results"]

    assert [item["id"] for item in by_cohort] == [theirs.pk]
    assert sorted(item["id"] for item in by_lab) == sorted([mine.pk, theirs.pk])
    assert by_other_lab == []


def test_draw_api_lab_limited_token_does_not_see_other_labs(world, four):
    draw = run_pick(world, four)
    MembershipFactory(cohort=world.other_lab.cohorts.get(), user=world.leader)
    client = bearer_client(world.leader, lab_slug="other-lab")

    assert client.get(LIST).json()["results"] == []
    assert client.get(f"{LIST}{draw.pk}/").status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_draw_api_list_query_count_is_constant(world, four, django_assert_num_queries, count):
    for n in range(count):
        run_pick(world, four, f"draw {n}")
    client = client_for(world.member)

    # The session, the user, the profile, the draws (with cohort, lab, slot and author).
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == count
