"""REST API for labs, cohorts, memberships and invitations: access, writes, filters, queries."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from labs.models import (
    Cohort,
    CohortStatus,
    Invitation,
    Lab,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from tests.conftest import bearer_client, client_for
from tests.factories import (
    CohortFactory,
    InvitationFactory,
    LabFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("api_cache")

SEOUL = ZoneInfo("Asia/Seoul")


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


def iso(moment) -> str:
    return timezone.localtime(moment, SEOUL).isoformat()


def api(name: str, pk: int | None = None) -> str:
    if pk is None:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"pk": pk})


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


def put(client, url: str, data: dict):
    return client.put(url, data, content_type="application/json")


# --- labs -------------------------------------------------------------------------------


def test_lab_list_shows_own_labs_only(world, member_client, outsider_client):
    assert ids(member_client.get(api("lab-list"))) == [world.lab.pk]
    assert ids(outsider_client.get(api("lab-list"))) == [world.other_lab.pk]


def test_lab_list_includes_public_labs(world, outsider_client):
    public = LabFactory(visibility=Visibility.PUBLIC)

    response = outsider_client.get(api("lab-list"))

    assert ids(response) == [world.other_lab.pk, public.pk]


def test_lab_list_filters_by_slug(world, db):
    both = UserFactory()
    MembershipFactory(user=both, cohort=world.cohort)
    MembershipFactory(user=both, cohort=CohortFactory(lab=world.other_lab, number=2))

    response = client_for(both).get(api("lab-list"), {"lab": "other-lab"})

    assert ids(response) == [world.other_lab.pk]


def test_lab_retrieve_shows_every_field(world, member_client):
    lab = world.lab

    response = member_client.get(api("lab-detail", lab.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": lab.pk,
        "url": f"http://testserver/api/v1/labs/{lab.pk}/",
        "created_at": iso(lab.created_at),
        "updated_at": iso(lab.updated_at),
        "external_id": None,
        "name": "딥러닝 연구실",
        "slug": "deep-lab",
        "description": lab.description,
        "topic": "",
        "visibility": "private",
    }
    assert response.json()["created_at"].endswith("+09:00")


def test_lab_retrieve_outsider_gets_404(world, outsider_client):
    response = outsider_client.get(api("lab-detail", world.lab.pk))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_lab_retrieve_anonymous_gets_401(world, client):
    response = client.get(api("lab-detail", world.lab.pk))

    assert response.status_code == 401


def test_lab_create_makes_the_creator_leader_of_the_first_cohort(world, member_client):
    data = {
        "name": "강화학습 랩",
        "slug": "rl-lab",
        "topic": "RL",
        "visibility": "public",
        "cohort_number": 3,
        "cohort_name": "봄",
        "start_date": "2026-03-01",
        "end_date": "2026-06-30",
    }

    response = post(member_client, api("lab-list"), data)

    assert response.status_code == 201
    lab = Lab.objects.get(slug="rl-lab")
    assert response.json()["id"] == lab.pk
    assert (lab.name, lab.topic, lab.visibility) == ("강화학습 랩", "RL", "public")
    cohort = lab.cohorts.get()
    assert (cohort.number, cohort.name, cohort.start_date) == (3, "봄", date(2026, 3, 1))
    assert list(cohort.memberships.values_list("user_id", "role")) == [
        (world.member.pk, Role.LEADER)
    ]


def test_lab_create_invalid_input_changes_nothing(world, member_client):
    before = Lab.objects.count()

    response = post(member_client, api("lab-list"), {"name": "", "start_date": "yesterday"})

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["end_date", "name", "start_date"]
    assert Lab.objects.count() == before


def test_lab_create_taken_slug_is_409(world, member_client):
    data = {"name": "x", "slug": "other-lab", "start_date": "2026-03-01", "end_date": "2026-06-30"}

    response = post(member_client, api("lab-list"), data)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slug_taken"
    assert Lab.objects.filter(slug="other-lab").count() == 1


def test_lab_patch_by_leader_changes_given_fields_only(world, leader_client):
    response = patch(leader_client, api("lab-detail", world.lab.pk), {"topic": "비전"})

    assert response.status_code == 200
    world.lab.refresh_from_db()
    assert (world.lab.name, world.lab.topic) == ("딥러닝 연구실", "비전")
    assert response.json()["topic"] == "비전"


def test_lab_put_by_leader_replaces_fields(world, leader_client):
    data = {"name": "새 이름", "description": "", "topic": "NLP", "visibility": "public"}

    response = put(leader_client, api("lab-detail", world.lab.pk), data)

    assert response.status_code == 200
    world.lab.refresh_from_db()
    assert (world.lab.name, world.lab.description, world.lab.visibility) == (
        "새 이름",
        "",
        "public",
    )


def test_lab_patch_by_member_is_403_and_changes_nothing(world, member_client):
    response = patch(member_client, api("lab-detail", world.lab.pk), {"name": "hijacked"})

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": ko("Only the lab's leaders can change the lab."),
        }
    }
    world.lab.refresh_from_db()
    assert world.lab.name == "딥러닝 연구실"


def test_lab_patch_by_outsider_is_404(world, outsider_client):
    response = patch(outsider_client, api("lab-detail", world.lab.pk), {"name": "hijacked"})

    assert response.status_code == 404
    world.lab.refresh_from_db()
    assert world.lab.name == "딥러닝 연구실"


def test_lab_patch_of_public_lab_by_outsider_is_403(world, outsider_client):
    Lab.objects.filter(pk=world.lab.pk).update(visibility=Visibility.PUBLIC)

    response = patch(outsider_client, api("lab-detail", world.lab.pk), {"name": "hijacked"})

    assert response.status_code == 403


def test_lab_delete_is_not_allowed(world, leader_client):
    response = leader_client.delete(api("lab-detail", world.lab.pk))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert Lab.objects.filter(pk=world.lab.pk).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_lab_list_query_count_is_constant(db, django_assert_num_queries, count):
    user = UserFactory()
    for _ in range(count):
        MembershipFactory(user=user)
    client = client_for(user)

    with django_assert_num_queries(4):
        response = client.get(api("lab-list"))

    assert len(response.json()["results"]) == count


# --- cohorts ----------------------------------------------------------------------------


def test_cohort_list_shows_own_labs_cohorts_only(world, member_client, outsider_client):
    other_cohort = world.other_lab.cohorts.get()

    assert ids(member_client.get(api("cohort-list"))) == [world.cohort.pk]
    assert ids(outsider_client.get(api("cohort-list"))) == [other_cohort.pk]


def test_cohort_list_filters_by_lab_and_status(world, member_client):
    finished = CohortFactory(lab=world.lab, number=4, status=CohortStatus.FINISHED)

    by_lab = member_client.get(api("cohort-list"), {"lab": "deep-lab"})
    by_other_lab = member_client.get(api("cohort-list"), {"lab": "other-lab"})
    by_status = member_client.get(api("cohort-list"), {"status": "finished"})

    assert ids(by_lab) == [world.cohort.pk, finished.pk]
    assert ids(by_other_lab) == []
    assert ids(by_status) == [finished.pk]


def test_cohort_list_rejects_unknown_status(world, member_client):
    response = member_client.get(api("cohort-list"), {"status": "sleeping"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_cohort_retrieve_shows_every_field(world, member_client):
    cohort = world.cohort

    response = member_client.get(api("cohort-detail", cohort.pk))

    assert response.json() == {
        "id": cohort.pk,
        "url": f"http://testserver/api/v1/cohorts/{cohort.pk}/",
        "created_at": iso(cohort.created_at),
        "updated_at": iso(cohort.updated_at),
        "external_id": None,
        "lab": world.lab.pk,
        "lab_slug": "deep-lab",
        "number": 5,
        "name": "",
        "start_date": cohort.start_date.isoformat(),
        "end_date": cohort.end_date.isoformat(),
        "status": "active",
    }


def test_cohort_retrieve_outsider_gets_404(world, outsider_client):
    response = outsider_client.get(api("cohort-detail", world.cohort.pk))

    assert response.status_code == 404


def test_cohort_create_by_leader_takes_the_next_number(world, leader_client):
    data = {"lab": world.lab.pk, "start_date": "2027-03-01", "end_date": "2027-06-30"}

    response = post(leader_client, api("cohort-list"), data)

    assert response.status_code == 201
    assert response.json()["number"] == 6
    cohort = Cohort.objects.get(pk=response.json()["id"])
    assert list(cohort.memberships.values_list("user_id", "role")) == [
        (world.leader.pk, Role.LEADER)
    ]


def test_cohort_create_by_member_is_403(world, member_client):
    data = {"lab": world.lab.pk, "start_date": "2027-03-01", "end_date": "2027-06-30"}

    response = post(member_client, api("cohort-list"), data)

    assert response.status_code == 403
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_create_in_unseen_lab_answers_like_a_missing_lab(world, outsider_client):
    data = {"start_date": "2027-03-01", "end_date": "2027-06-30"}
    missing_id = Lab.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    before = Cohort.objects.count()

    unseen = post(outsider_client, api("cohort-list"), {**data, "lab": world.lab.pk})
    missing = post(outsider_client, api("cohort-list"), {**data, "lab": missing_id})

    assert unseen.status_code == 400
    assert unseen.json() == missing.json()
    assert unseen.json()["error"]["fields"] == {"lab": [ko("No such lab.")]}
    assert Cohort.objects.count() == before


def test_cohort_create_duplicate_number_is_409(world, leader_client):
    data = {"lab": world.lab.pk, "number": 5, "start_date": "2027-03-01", "end_date": "2027-06-30"}

    response = post(leader_client, api("cohort-list"), data)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cohort_exists"
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_patch_by_facilitator_changes_name(world):
    client = client_for(world.facilitator)

    response = patch(client, api("cohort-detail", world.cohort.pk), {"name": "겨울"})

    assert response.status_code == 200
    world.cohort.refresh_from_db()
    assert (world.cohort.name, world.cohort.status) == ("겨울", "active")


def test_cohort_patch_with_reversed_dates_is_400(world, leader_client):
    data = {"start_date": "2027-03-01", "end_date": "2027-01-01"}

    response = patch(leader_client, api("cohort-detail", world.cohort.pk), data)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_dates"
    assert list(response.json()["error"]["fields"]) == ["end_date"]


def test_cohort_put_requires_every_field(world, leader_client):
    response = put(leader_client, api("cohort-detail", world.cohort.pk), {"name": "x"})

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["end_date", "start_date", "status"]


def test_cohort_patch_by_member_is_403(world, member_client):
    response = patch(member_client, api("cohort-detail", world.cohort.pk), {"name": "x"})

    assert response.status_code == 403
    world.cohort.refresh_from_db()
    assert world.cohort.name == ""


def test_cohort_patch_by_outsider_is_404(world, outsider_client):
    response = patch(outsider_client, api("cohort-detail", world.cohort.pk), {"name": "x"})

    assert response.status_code == 404


def test_cohort_roll_over_carries_chosen_members(world, leader_client):
    data = {
        "carry_over_user_ids": [world.leader.pk, world.member.pk],
        "name": "6기",
        "start_date": "2027-03-01",
        "end_date": "2027-06-30",
    }

    response = post(leader_client, api("cohort-roll-over", world.cohort.pk), data)

    assert response.status_code == 201
    new = Cohort.objects.get(pk=response.json()["id"])
    assert (new.number, new.name, new.status) == (6, "6기", "planned")
    assert sorted(new.memberships.values_list("user_id", "role")) == [
        (world.leader.pk, Role.LEADER),
        (world.member.pk, Role.MEMBER),
    ]
    world.cohort.refresh_from_db()
    assert world.cohort.status == CohortStatus.FINISHED
    assert world.cohort.memberships.count() == 3


def test_cohort_roll_over_of_non_members_is_400(world, leader_client):
    data = {
        "carry_over_user_ids": [world.outsider.pk],
        "start_date": "2027-03-01",
        "end_date": "2027-06-30",
    }

    response = post(leader_client, api("cohort-roll-over", world.cohort.pk), data)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_in_cohort"
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_roll_over_by_member_is_403(world, member_client):
    data = {"start_date": "2027-03-01", "end_date": "2027-06-30"}

    response = post(member_client, api("cohort-roll-over", world.cohort.pk), data)

    assert response.status_code == 403
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_roll_over_by_outsider_is_404(world, outsider_client):
    data = {"start_date": "2027-03-01", "end_date": "2027-06-30"}

    response = post(outsider_client, api("cohort-roll-over", world.cohort.pk), data)

    assert response.status_code == 404
    assert Cohort.objects.filter(lab=world.lab).count() == 1


@pytest.mark.parametrize("count", [1, 3])
def test_cohort_list_query_count_is_constant(db, django_assert_num_queries, count):
    user = UserFactory()
    lab = LabFactory()
    MembershipFactory(user=user, cohort=CohortFactory(lab=lab))
    for _ in range(count - 1):
        CohortFactory(lab=lab)
    client = client_for(user)

    with django_assert_num_queries(4):
        response = client.get(api("cohort-list"))

    assert len(response.json()["results"]) == count


# --- memberships ------------------------------------------------------------------------


def test_membership_list_shows_own_labs_members_only(world, member_client, outsider_client):
    mine = list(Membership.objects.filter(cohort=world.cohort).values_list("pk", flat=True))
    theirs = list(
        Membership.objects.filter(cohort__lab=world.other_lab).values_list("pk", flat=True)
    )

    assert ids(member_client.get(api("membership-list"))) == mine
    assert ids(outsider_client.get(api("membership-list"))) == theirs


def test_membership_retrieve_shows_fields_without_email(world, member_client):
    membership = world.leader_membership

    response = member_client.get(api("membership-detail", membership.pk))

    assert response.json() == {
        "id": membership.pk,
        "url": f"http://testserver/api/v1/memberships/{membership.pk}/",
        "created_at": iso(membership.created_at),
        "updated_at": iso(membership.updated_at),
        "external_id": None,
        "cohort": world.cohort.pk,
        "lab_slug": "deep-lab",
        "user": world.leader.pk,
        "display_name": world.leader.profile.display_name,
        "role": "leader",
        "status": "active",
        "joined_on": "2026-01-01",
        "left_on": None,
    }


def test_membership_retrieve_outsider_gets_404(world, outsider_client):
    response = outsider_client.get(api("membership-detail", world.member_membership.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "leader"}, ["leader"]),
        ({"role": "facilitator"}, ["facilitator"]),
        ({"status": "left"}, []),
        ({"lab": "deep-lab"}, ["leader", "facilitator", "member"]),
        ({"lab": "other-lab"}, []),
    ],
)
def test_membership_list_filters(world, member_client, params, expected):
    response = member_client.get(api("membership-list"), params)

    assert [item["role"] for item in response.json()["results"]] == expected


def test_membership_list_filters_by_cohort(world, member_client):
    earlier = CohortFactory(lab=world.lab, number=4)
    old = MembershipFactory(cohort=earlier, user=world.member)

    response = member_client.get(api("membership-list"), {"cohort": earlier.pk})

    assert ids(response) == [old.pk]


def test_membership_patch_by_leader_changes_role(world, leader_client):
    url = api("membership-detail", world.member_membership.pk)

    response = patch(leader_client, url, {"role": "facilitator"})

    assert response.status_code == 200
    assert response.json()["role"] == "facilitator"
    world.member_membership.refresh_from_db()
    assert world.member_membership.role == Role.FACILITATOR


def test_membership_patch_by_member_is_403(world, member_client):
    url = api("membership-detail", world.leader_membership.pk)

    response = patch(member_client, url, {"role": "member"})

    assert response.status_code == 403
    world.leader_membership.refresh_from_db()
    assert world.leader_membership.role == Role.LEADER


def test_membership_patch_by_outsider_is_404(world, outsider_client):
    url = api("membership-detail", world.member_membership.pk)

    response = patch(outsider_client, url, {"role": "leader"})

    assert response.status_code == 404
    world.member_membership.refresh_from_db()
    assert world.member_membership.role == Role.MEMBER


def test_membership_patch_of_last_leader_is_409(world, leader_client):
    url = api("membership-detail", world.leader_membership.pk)

    response = patch(leader_client, url, {"role": "member"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_leader"


def test_membership_patch_with_unknown_role_is_400(world, leader_client):
    url = api("membership-detail", world.member_membership.pk)

    response = patch(leader_client, url, {"role": "king"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["role"]


def test_membership_put_and_post_are_not_allowed(world, leader_client):
    url = api("membership-detail", world.member_membership.pk)

    assert put(leader_client, url, {"role": "member"}).status_code == 405
    assert post(leader_client, api("membership-list"), {}).status_code == 405


def test_membership_delete_by_leader_marks_member_left(world, leader_client):
    response = leader_client.delete(api("membership-detail", world.member_membership.pk))

    assert response.status_code == 204
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == MembershipStatus.LEFT
    assert world.member_membership.left_on == timezone.localdate()


def test_membership_delete_of_self_lets_a_member_leave(world, member_client):
    response = member_client.delete(api("membership-detail", world.member_membership.pk))

    assert response.status_code == 204
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == MembershipStatus.LEFT


def test_membership_delete_of_another_by_member_is_403(world, member_client):
    response = member_client.delete(api("membership-detail", world.leader_membership.pk))

    assert response.status_code == 403
    world.leader_membership.refresh_from_db()
    assert world.leader_membership.status == MembershipStatus.ACTIVE


def test_membership_delete_by_outsider_is_404(world, outsider_client):
    response = outsider_client.delete(api("membership-detail", world.member_membership.pk))

    assert response.status_code == 404
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == MembershipStatus.ACTIVE


def test_membership_delete_of_last_leader_is_409(world, leader_client):
    response = leader_client.delete(api("membership-detail", world.leader_membership.pk))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_leader"


def test_membership_list_pages_with_a_cursor(world, member_client):
    rows = list(Membership.objects.filter(cohort=world.cohort).order_by("pk"))

    first = member_client.get(api("membership-list"), {"page_size": 2}).json()
    second = member_client.get(first["next"]).json()

    assert [item["url"] for item in first["results"] + second["results"]] == [
        f"http://testserver/api/v1/memberships/{row.pk}/" for row in rows
    ]
    assert second["next"] is None


@pytest.mark.parametrize("count", [1, 3])
def test_membership_list_query_count_is_constant(db, django_assert_num_queries, count):
    user = UserFactory()
    cohort = CohortFactory()
    MembershipFactory(user=user, cohort=cohort)
    for _ in range(count - 1):
        MembershipFactory(cohort=cohort)
    client = client_for(user)

    with django_assert_num_queries(4):
        response = client.get(api("membership-list"))

    assert len(response.json()["results"]) == count


# --- invitations ------------------------------------------------------------------------


def test_invitation_list_shows_managed_cohorts_only(world, leader_client, member_client):
    invitation = InvitationFactory(cohort=world.cohort)
    InvitationFactory(cohort=world.other_lab.cohorts.get())

    assert ids(leader_client.get(api("invitation-list"))) == [invitation.pk]
    assert ids(member_client.get(api("invitation-list"))) == []


def test_invitation_list_filters_by_lab_and_cohort(world, leader_client):
    invitation = InvitationFactory(cohort=world.cohort)

    by_lab = leader_client.get(api("invitation-list"), {"lab": "deep-lab"})
    by_other_lab = leader_client.get(api("invitation-list"), {"lab": "other-lab"})
    by_cohort = leader_client.get(api("invitation-list"), {"cohort": world.cohort.pk})

    assert (ids(by_lab), ids(by_other_lab), ids(by_cohort)) == (
        [invitation.pk],
        [],
        [invitation.pk],
    )


def test_invitation_retrieve_shows_the_absolute_join_url(world, leader_client):
    invitation = InvitationFactory(cohort=world.cohort, token="join-me")

    response = leader_client.get(api("invitation-detail", invitation.pk))

    assert response.json() == {
        "id": invitation.pk,
        "url": f"http://testserver/api/v1/invitations/{invitation.pk}/",
        "created_at": iso(invitation.created_at),
        "updated_at": iso(invitation.updated_at),
        "external_id": None,
        "cohort": world.cohort.pk,
        "lab_slug": "deep-lab",
        "role": "member",
        "email": "",
        "expires_at": iso(invitation.expires_at),
        "max_uses": 5,
        "use_count": 0,
        "revoked_at": None,
        "is_usable": True,
        "join_url": "http://testserver/join/join-me/",
    }


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_invitation_retrieve_by_non_manager_is_404(world, who):
    invitation = InvitationFactory(cohort=world.cohort)

    response = client_for(getattr(world, who)).get(api("invitation-detail", invitation.pk))

    assert response.status_code == 404


def test_invitation_create_by_leader(world, leader_client):
    data = {"cohort": world.cohort.pk, "role": "guest", "expires_in_days": 3, "max_uses": 2}

    response = post(leader_client, api("invitation-list"), data)

    assert response.status_code == 201
    invitation = Invitation.objects.get(pk=response.json()["id"])
    assert (invitation.role, invitation.max_uses, invitation.created_by) == (
        "guest",
        2,
        world.leader,
    )
    assert response.json()["join_url"] == f"http://testserver/join/{invitation.token}/"


def test_invitation_create_by_member_is_403(world, member_client):
    response = post(member_client, api("invitation-list"), {"cohort": world.cohort.pk})

    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_invitation_create_for_unseen_cohort_answers_like_a_missing_one(world, outsider_client):
    missing_id = world.cohort.pk + 100

    unseen = post(outsider_client, api("invitation-list"), {"cohort": world.cohort.pk})
    missing = post(outsider_client, api("invitation-list"), {"cohort": missing_id})

    assert unseen.status_code == 400
    assert unseen.json() == missing.json()
    assert unseen.json()["error"]["fields"] == {"cohort": [ko("No such cohort.")]}
    assert Invitation.objects.count() == 0


def test_invitation_create_as_leader_role_is_400(world, leader_client):
    data = {"cohort": world.cohort.pk, "role": "leader", "expires_in_days": 0}

    response = post(leader_client, api("invitation-list"), data)

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["expires_in_days", "role"]
    assert Invitation.objects.count() == 0


def test_invitation_revoke_by_leader(world, leader_client):
    invitation = InvitationFactory(cohort=world.cohort)

    response = post(leader_client, api("invitation-revoke", invitation.pk))

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert response.json()["is_usable"] is False


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_invitation_revoke_by_non_manager_is_404(world, who):
    invitation = InvitationFactory(cohort=world.cohort)

    response = post(client_for(getattr(world, who)), api("invitation-revoke", invitation.pk))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_invitation_accept_joins_the_cohort(world, outsider_client):
    invitation = InvitationFactory(cohort=world.cohort, token="welcome", role=Role.GUEST)

    response = post(outsider_client, api("invitation-accept"), {"token": "welcome"})

    assert response.status_code == 201
    membership = Membership.objects.get(user=world.outsider, cohort=world.cohort)
    assert response.json()["id"] == membership.pk
    assert (response.json()["role"], response.json()["status"]) == ("guest", "active")
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_invitation_accept_when_already_member_is_409(world, member_client):
    invitation = InvitationFactory(cohort=world.cohort, token="welcome")

    response = post(member_client, api("invitation-accept"), {"token": "welcome"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_member"
    invitation.refresh_from_db()
    assert invitation.use_count == 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"use_count": 5}, "invitation_used_up"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "invitation_expired"),
        ({"revoked_at": timezone.now()}, "invitation_revoked"),
    ],
)
def test_invitation_accept_of_unusable_link_is_409(world, outsider_client, changes, code):
    InvitationFactory(cohort=world.cohort, token="welcome", **changes)

    response = post(outsider_client, api("invitation-accept"), {"token": "welcome"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == code
    assert not Membership.objects.filter(user=world.outsider, cohort=world.cohort).exists()


def test_invitation_accept_with_unknown_token_is_404(world, outsider_client):
    response = post(outsider_client, api("invitation-accept"), {"token": "nope"})

    assert response.status_code == 404


def test_invitation_accept_without_token_is_400(world, outsider_client):
    response = post(outsider_client, api("invitation-accept"), {})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["token"]


def test_invitation_accept_with_token_limited_to_another_lab_is_404(world):
    InvitationFactory(cohort=world.cohort, token="welcome")
    client = bearer_client(world.outsider, scope="write", lab_slug="other-lab")

    response = post(client, api("invitation-accept"), {"token": "welcome"})

    assert response.status_code == 404
    assert not Membership.objects.filter(user=world.outsider, cohort=world.cohort).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_invitation_list_query_count_is_constant(db, django_assert_num_queries, count):
    leader = MembershipFactory(role=Role.LEADER)
    for _ in range(count):
        InvitationFactory(cohort=leader.cohort)
    client = client_for(leader.user)

    with django_assert_num_queries(4):
        response = client.get(api("invitation-list"))

    assert len(response.json()["results"]) == count
