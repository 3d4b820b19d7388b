"""Pages for my labs, creating and editing labs and cohorts; outsiders get 404 everywhere."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from labs.models import Cohort, CohortStatus, Lab, Membership, Role, Visibility
from members.models import Profile
from tests.conftest import client_for
from tests.factories import CohortFactory, InvitationFactory, MembershipFactory


@pytest.fixture(autouse=True)
def english(world):
    # Messages are asserted in English, whatever catalogues exist.
    Profile.objects.update(language="en")


# --- outsiders -------------------------------------------------------------------------------

PRIVATE_PAGES = [
    ("get", "labs:lab_detail", {"slug": "deep-lab"}),
    ("get", "labs:lab_edit", {"slug": "deep-lab"}),
    ("post", "labs:lab_edit", {"slug": "deep-lab"}),
    ("get", "labs:cohort_create", {"slug": "deep-lab"}),
    ("post", "labs:cohort_create", {"slug": "deep-lab"}),
    ("get", "labs:cohort_detail", {"slug": "deep-lab", "number": 5}),
    ("get", "labs:cohort_edit", {"slug": "deep-lab", "number": 5}),
    ("post", "labs:cohort_edit", {"slug": "deep-lab", "number": 5}),
    ("get", "labs:invitations", {"slug": "deep-lab", "number": 5}),
    ("post", "labs:invitations", {"slug": "deep-lab", "number": 5}),
    ("get", "labs:cohort_roll_over", {"slug": "deep-lab", "number": 5}),
    ("post", "labs:cohort_roll_over", {"slug": "deep-lab", "number": 5}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), PRIVATE_PAGES)
def test_private_page_outsider_gets_404(world, outsider_client, method, name, kwargs):
    response = getattr(outsider_client, method)(reverse(name, kwargs=kwargs))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["labs:membership_role", "labs:membership_remove"])
def test_membership_post_outsider_gets_404_and_nothing_changes(world, outsider_client, name):
    membership = world.member_membership

    response = outsider_client.post(reverse(name, kwargs={"pk": membership.pk}), {"role": "guest"})

    assert response.status_code == 404
    membership.refresh_from_db()
    assert (membership.role, membership.status) == (Role.MEMBER, "active")


def test_invitation_revoke_outsider_gets_404(world, outsider_client):
    invitation = InvitationFactory(cohort=world.cohort)
    url = reverse(
        "labs:invitation_revoke", kwargs={"slug": "deep-lab", "number": 5, "pk": invitation.pk}
    )

    response = outsider_client.post(url)

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_private_page_anonymous_is_sent_to_login(world, client):
    response = client.get(reverse("labs:cohort_detail", kwargs={"slug": "deep-lab", "number": 5}))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/labs/deep-lab/5/"


def test_lab_detail_anonymous_private_lab_is_sent_to_login(world, client):
    response = client.get(reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/labs/deep-lab/"


# --- my labs ---------------------------------------------------------------------------------


def test_my_labs_shows_cohorts_and_my_role(world, member_client):
    CohortFactory(lab=world.lab, number=4, status=CohortStatus.FINISHED)

    response = member_client.get(reverse("labs:my_labs"))

    assert response.status_code == 200
    card = response.context["cards"][0]
    assert card["lab"] == world.lab
    assert [(c.number, m.role if m else None) for c, m in card["cohorts"]] == [
        (5, Role.MEMBER),
        (4, None),
    ]
    assert len(response.context["cards"]) == 1


def test_my_labs_empty_state_explains_how_to_join(db):
    user = MembershipFactory().user
    Membership.objects.filter(user=user).delete()

    response = client_for(user).get(reverse("labs:my_labs"))

    assert response.status_code == 200
    assert response.context["cards"] == []
    assert b'data-testid="empty-state"' in response.content


def test_my_labs_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse("labs:my_labs"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize("labs", [1, 3])
def test_my_labs_query_count_is_constant(world, django_assert_num_queries, labs):
    for _ in range(labs - 1):
        cohort = CohortFactory()
        MembershipFactory(cohort=cohort, user=world.member)
        CohortFactory(lab=cohort.lab)
    client = client_for(world.member)

    with django_assert_num_queries(6):
        response = client.get(reverse("labs:my_labs"))

    assert len(response.context["cards"]) == labs


# --- creating and editing labs ---------------------------------------------------------------


def test_lab_create_creates_lab_with_first_cohort_and_redirects(world, member_client):
    data = {
        "name": "비전 연구실",
        "slug": "vision",
        "topic": "Computer vision",
        "description": "",
        "visibility": Visibility.PUBLIC,
        "cohort_number": 3,
        "cohort_name": "봄",
        "start_date": "2026-03-01",
        "end_date": "2026-06-30",
    }

    response = member_client.post(reverse("labs:lab_create"), data)

    assert response.status_code == 302
    assert response["Location"] == "/labs/vision/3/"
    lab = Lab.objects.get(slug="vision")
    assert lab.visibility == Visibility.PUBLIC
    cohort = lab.cohorts.get()
    assert (cohort.number, cohort.name, cohort.start_date) == (3, "봄", date(2026, 3, 1))
    assert Membership.objects.get(cohort=cohort).user == world.member


def test_lab_create_taken_slug_shows_field_error(world, member_client):
    data = {
        "name": "Another",
        "slug": "deep-lab",
        "visibility": Visibility.PRIVATE,
        "cohort_number": 1,
        "start_date": "2026-03-01",
        "end_date": "2026-06-30",
    }

    response = member_client.post(reverse("labs:lab_create"), data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["slug"] == ["Taken."]
    assert Lab.objects.count() == 2
    assert b"<html" not in response.content


def test_lab_create_end_before_start_shows_error(world, member_client):
    data = {
        "name": "Another",
        "visibility": Visibility.PRIVATE,
        "cohort_number": 1,
        "start_date": "2026-06-30",
        "end_date": "2026-03-01",
    }

    response = member_client.post(reverse("labs:lab_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == [
        "The end date must not be before the start date."
    ]
    assert Lab.objects.count() == 2


def test_lab_detail_member_sees_cohort_links(world, member_client):
    response = member_client.get(reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}))

    assert response.status_code == 200
    assert response.context["is_member"] is True
    assert response.context["can_edit"] is False
    assert b'href="/labs/deep-lab/5/"' in response.content
    assert b'href="/labs/deep-lab/edit/"' not in response.content


def test_lab_detail_leader_sees_edit_and_new_cohort(world, leader_client):
    response = leader_client.get(reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}))

    assert response.status_code == 200
    assert b'href="/labs/deep-lab/edit/"' in response.content
    assert b'href="/labs/deep-lab/cohorts/new/"' in response.content


def test_lab_detail_public_lab_outsider_sees_summary_without_roster_links(world, outsider_client):
    Lab.objects.filter(pk=world.lab.pk).update(visibility=Visibility.PUBLIC)

    response = outsider_client.get(reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}))

    assert response.status_code == 200
    assert response.context["is_member"] is False
    assert b'href="/labs/deep-lab/5/"' not in response.content
    assert b'data-testid="public-summary"' in response.content


@pytest.mark.parametrize("cohorts", [1, 3])
def test_lab_detail_query_count_is_constant(world, django_assert_num_queries, cohorts):
    for number in range(1, cohorts):
        cohort = CohortFactory(lab=world.lab, number=number)
        MembershipFactory(cohort=cohort)
    client = client_for(world.member)

    with django_assert_num_queries(6):
        response = client.get(reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}))

    assert len(response.context["cohorts"]) == cohorts


def test_lab_edit_leader_saves(world, leader_client):
    data = {"name": "새 이름", "topic": "NLP", "description": "d", "visibility": "public"}

    response = leader_client.post(reverse("labs:lab_edit", kwargs={"slug": "deep-lab"}), data)

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/"
    world.lab.refresh_from_db()
    assert (world.lab.name, world.lab.topic, world.lab.visibility) == ("새 이름", "NLP", "public")


def test_lab_edit_member_gets_403_and_nothing_changes(world, member_client):
    data = {"name": "새 이름", "topic": "", "description": "", "visibility": "public"}

    response = member_client.post(reverse("labs:lab_edit", kwargs={"slug": "deep-lab"}), data)

    assert response.status_code == 403
    assert response.context["message"] == "Only the lab's leaders can change the lab."
    world.lab.refresh_from_db()
    assert world.lab.name == "딥러닝 연구실"


def test_cohort_create_leader_creates_next_cohort(world, leader_client):
    data = {"number": "", "name": "", "start_date": "2026-07-01", "end_date": "2026-10-31"}
    data["status"] = CohortStatus.PLANNED

    response = leader_client.post(reverse("labs:cohort_create", kwargs={"slug": "deep-lab"}), data)

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/6/"
    cohort = Cohort.objects.get(lab=world.lab, number=6)
    assert Membership.objects.get(cohort=cohort).user == world.leader


def test_cohort_create_taken_number_shows_field_error(world, leader_client):
    data = {"number": 5, "start_date": "2026-07-01", "end_date": "2026-10-31", "status": "planned"}

    response = leader_client.post(reverse("labs:cohort_create", kwargs={"slug": "deep-lab"}), data)

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["Already used."]
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_create_facilitator_gets_403(world):
    client = client_for(world.facilitator)
    data = {"start_date": "2026-07-01", "end_date": "2026-10-31", "status": "planned"}

    response = client.post(reverse("labs:cohort_create", kwargs={"slug": "deep-lab"}), data)

    assert response.status_code == 403
    assert Cohort.objects.filter(lab=world.lab).count() == 1


def test_cohort_edit_facilitator_saves(world):
    client = client_for(world.facilitator)
    data = {
        "name": "여름",
        "start_date": "2026-01-01",
        "end_date": "2026-05-31",
        "status": "active",
    }

    response = client.post(
        reverse("labs:cohort_edit", kwargs={"slug": "deep-lab", "number": 5}), data
    )

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/5/"
    world.cohort.refresh_from_db()
    assert (world.cohort.name, world.cohort.end_date) == ("여름", date(2026, 5, 31))


def test_cohort_edit_member_gets_403(world, member_client):
    response = member_client.get(
        reverse("labs:cohort_edit", kwargs={"slug": "deep-lab", "number": 5})
    )

    assert response.status_code == 403
