"""rsvps/ API: list what you can see, answer for yourself, 404 / 403 / 409 refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from sessions.models import MeetingStatus, Rsvp
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, RsvpFactory

pytestmark = pytest.mark.usefixtures("api_cache")

LIST = "/api/v1/rsvps/"


@pytest.fixture(autouse=True)
def korean_members(request, db):
    """These tests check that the API answers in the member's language: Korean here."""
    from members.models import Profile

    if "world" in request.fixturenames:
        request.getfixturevalue("world")
    Profile.objects.update(language="ko")


def ko(message: str) -> str:
    """A message as the API says it to a Korean-speaking member (the default language)."""
    with translation.override("ko"):
        return gettext(message)


def post(client, data: dict):
    return client.post(LIST, data, content_type="application/json")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_rsvp_api_create_answers_for_me_with_201_then_200(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    first = post(member_client, {"meeting": meeting.pk, "answer": "yes", "note": "갑니다"})
    second = post(member_client, {"meeting": meeting.pk, "answer": "no"})

    assert (first.status_code, second.status_code) == (201, 200)
    body = second.json()
    assert body["id"] == first.json()["id"]
    assert body["url"] == f"http://testserver/api/v1/rsvps/{body['id']}/"
    assert (body["meeting"], body["cohort"], body["lab_slug"]) == (
        meeting.pk,
        world.cohort.pk,
        "deep-lab",
    )
    assert (body["user"], body["display_name"], body["answer"], body["note"]) == (
        world.member.pk,
        world.member.display_name,
        "no",
        "",
    )
    assert list(Rsvp.objects.values_list("user_id", "answer")) == [(world.member.pk, "no")]


def test_rsvp_api_user_field_is_ignored(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = post(
        member_client, {"meeting": meeting.pk, "answer": "yes", "user": world.leader.pk}
    )

    assert response.status_code == 201
    assert response.json()["user"] == world.member.pk
    assert list(Rsvp.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_rsvp_api_outsider_gets_404_for_the_meeting(world, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = post(outsider_client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Rsvp.objects.count() == 0


def test_rsvp_api_unknown_meeting_gets_404(world, member_client):
    response = post(member_client, {"meeting": 999999, "answer": "yes"})

    assert response.status_code == 404


def test_rsvp_api_member_of_another_cohort_gets_403(world, member_client):
    meeting = MeetingFactory(cohort=CohortFactory(lab=world.lab, number=4))

    response = post(member_client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": ko("Only active members of this cohort can answer."),
        }
    }
    assert Rsvp.objects.count() == 0


def test_rsvp_api_after_deadline_gets_409_and_changes_nothing(world, member_client):
    meeting = MeetingFactory(
        cohort=world.cohort, rsvp_deadline=timezone.now() - timedelta(minutes=5)
    )
    RsvpFactory(meeting=meeting, user=world.member, answer="maybe")

    response = post(member_client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "rsvp_closed"
    assert list(Rsvp.objects.values_list("answer", flat=True)) == ["maybe"]


def test_rsvp_api_cancelled_meeting_gets_409(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort, status=MeetingStatus.CANCELLED)

    response = post(member_client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 409
    assert Rsvp.objects.count() == 0


def test_rsvp_api_bad_answer_gets_400_with_fields(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = post(member_client, {"meeting": meeting.pk, "answer": "sure"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["answer"]


def test_rsvp_api_read_token_cannot_answer(world):
    meeting = MeetingFactory(cohort=world.cohort)
    client = bearer_client(world.member, scope="read")

    response = post(client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 403
    assert Rsvp.objects.count() == 0


def test_rsvp_api_write_token_limited_to_another_lab_gets_404(world):
    meeting = MeetingFactory(cohort=world.cohort)
    MembershipFactory(user=world.member, cohort=world.other_lab.cohorts.get())
    client = bearer_client(world.member, scope="write", lab_slug="other-lab")

    response = post(client, {"meeting": meeting.pk, "answer": "yes"})

    assert response.status_code == 404
    assert Rsvp.objects.count() == 0


def test_rsvp_api_list_shows_visible_meetings_only_and_filters(world, member_client):
    mine = MeetingFactory(cohort=world.cohort)
    other_cohort_meeting = MeetingFactory(cohort=CohortFactory(lab=world.lab, number=4))
    hidden = MeetingFactory(cohort=world.other_lab.cohorts.get())
    a = RsvpFactory(meeting=mine, user=world.leader)
    b = RsvpFactory(meeting=mine, user=world.member, answer="no")
    c = RsvpFactory(meeting=other_cohort_meeting, user=world.leader)
    RsvpFactory(meeting=hidden, user=world.outsider)

    everything = member_client.get(LIST)
    by_meeting = member_client.get(LIST, {"meeting": mine.pk})
    by_cohort = member_client.get(LIST, {"cohort": other_cohort_meeting.cohort_id})
    by_answer = member_client.get(LIST, {"answer": "no"})

    assert ids(everything) == [a.pk, b.pk, c.pk]
    assert ids(by_meeting) == [a.pk, b.pk]
    assert ids(by_cohort) == [c.pk]
    assert ids(by_answer) == [b.pk]


def test_rsvp_api_list_rows_match_retrieve(world, member_client):
    rsvp = RsvpFactory(meeting=MeetingFactory(cohort=world.cohort), user=world.member)

    listed = member_client.get(LIST).json()["results"]
    detail = member_client.get(f"{LIST}{rsvp.pk}/").json()

    assert listed == [detail]


def test_rsvp_api_outsider_retrieve_gets_404(world, outsider_client):
    rsvp = RsvpFactory(meeting=MeetingFactory(cohort=world.cohort), user=world.member)

    response = outsider_client.get(f"{LIST}{rsvp.pk}/")

    assert response.status_code == 404


def test_rsvp_api_cannot_change_or_delete_by_id(world, member_client):
    rsvp = RsvpFactory(meeting=MeetingFactory(cohort=world.cohort), user=world.leader)

    patch = member_client.patch(
        f"{LIST}{rsvp.pk}/", {"answer": "no"}, content_type="application/json"
    )
    delete = member_client.delete(f"{LIST}{rsvp.pk}/")

    assert (patch.status_code, delete.status_code) == (405, 405)
    rsvp.refresh_from_db()
    assert rsvp.answer == "yes"


def test_rsvp_api_url_name_is_in_the_api_namespace(db):
    assert reverse("api:rsvp-list") == LIST


@pytest.mark.parametrize("count", [1, 3])
def test_rsvp_api_list_query_count_is_constant(world, django_assert_num_queries, count):
    meeting = MeetingFactory(cohort=world.cohort)
    for membership in MembershipFactory.create_batch(count, cohort=world.cohort):
        RsvpFactory(meeting=meeting, user=membership.user)
    client = client_for(world.member)

    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == count
