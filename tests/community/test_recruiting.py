"""Recruiting: leaders open a cohort to applications, a signed-in visitor (or a new one who
signs up on the form) applies once, the cohort's managers accept (membership) or decline, and
both sides are told. Permissions: members cannot decide, outsiders see nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from community import services
from community.models import Application, ApplicationStatus, Recruitment
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import CohortStatus, Membership, MembershipStatus, Role
from notifications.models import Notification
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, LabFactory, MembershipFactory, UserFactory

LISTING = "/recruiting/"


def apply_as(user, recruitment, motivation: str = "논문을 함께 읽고 싶어요") -> Application:
    return services.application_submit(user=user, recruitment=recruitment, motivation=motivation)


# --- opening -------------------------------------------------------------------------------------


def test_recruitment_open_by_leader_lists_cohort_on_demo_day(world, recruitment):
    response = Client().get(LISTING)

    assert response.status_code == 200
    assert [r.pk for r in response.context["recruitments"]] == [recruitment.pk]
    assert f"/apply/{recruitment.pk}/" in response.content.decode()


def test_recruitment_open_refuses_member(world, public_lab, next_cohort):
    with pytest.raises(PermissionDeniedError):
        services.recruitment_open(
            actor=world.member, cohort=next_cohort, closes_on=timezone.localdate()
        )


def test_recruitment_open_refuses_private_lab(world, next_cohort):
    with pytest.raises(ConflictError) as caught:
        services.recruitment_open(
            actor=world.leader, cohort=next_cohort, closes_on=timezone.localdate()
        )

    assert caught.value.code == "lab_private"


def test_recruitment_open_refuses_past_closing_date(world, public_lab, next_cohort):
    with pytest.raises(ApplicationError) as caught:
        services.recruitment_open(
            actor=world.leader,
            cohort=next_cohort,
            closes_on=timezone.localdate() - timedelta(days=1),
        )

    assert list(caught.value.fields) == ["closes_on"]


def test_recruitment_open_again_updates_the_same_call(world, recruitment):
    later = timezone.localdate() + timedelta(days=30)

    again = services.recruitment_open(
        actor=world.leader, cohort=recruitment.cohort, closes_on=later, question="Why?"
    )

    assert again.pk == recruitment.pk
    assert (again.closes_on, again.question) == (later, "Why?")
    assert Recruitment.objects.count() == 1


def test_recruitment_closed_leaves_the_listing(world, recruitment):
    services.recruitment_close(actor=world.leader, recruitment=recruitment)

    assert list(Client().get(LISTING).context["recruitments"]) == []


def test_recruitment_page_opens_applications_for_leader(
    world, public_lab, next_cohort, leader_client
):
    closes = (timezone.localdate() + timedelta(days=7)).isoformat()

    response = leader_client.post(
        "/labs/deep-lab/6/recruitment/", {"closes_on": closes, "question": ""}
    )

    assert response.status_code == 302
    assert Recruitment.objects.get(cohort=next_cohort).closes_on.isoformat() == closes


def test_recruitment_page_is_403_for_member(world, public_lab, next_cohort, member_client):
    assert member_client.get("/labs/deep-lab/6/recruitment/").status_code == 403


def test_recruitment_listing_hides_private_labs(world, recruitment, public_lab):
    public_lab.visibility = "private"
    public_lab.save(update_fields=["visibility"])

    assert list(Client().get(LISTING).context["recruitments"]) == []


@pytest.mark.parametrize("count", [1, 3])
def test_recruitment_listing_query_count_is_constant(db, django_assert_num_queries, count):
    for _n in range(count):
        leader = UserFactory()
        lab = LabFactory(visibility="public")
        cohort = CohortFactory(lab=lab, status=CohortStatus.PLANNED)
        MembershipFactory(cohort=cohort, user=leader, role=Role.LEADER)
        services.recruitment_open(
            actor=leader, cohort=cohort, closes_on=timezone.localdate() + timedelta(days=3)
        )
    client = Client()

    with django_assert_num_queries(1):
        response = client.get(LISTING)

    assert len(response.context["recruitments"]) == count


# --- applying ------------------------------------------------------------------------------------


def test_application_submit_tells_the_deciders(world, recruitment):
    applicant = UserFactory()

    application = apply_as(applicant, recruitment)

    assert application.status == ApplicationStatus.PENDING
    told = set(
        Notification.objects.filter(kind="application_received").values_list(
            "recipient_id", flat=True
        )
    )
    # The lab's leader (who also leads the planned cohort); the 5기 facilitator does not
    # decide for 6기.
    assert told == {world.leader.pk}


def test_application_second_pending_is_refused(world, recruitment):
    applicant = UserFactory()
    apply_as(applicant, recruitment)

    with pytest.raises(ConflictError) as caught:
        apply_as(applicant, recruitment)

    assert caught.value.code == "application_pending"


def test_application_one_pending_per_cohort_is_a_database_constraint(world, recruitment):
    applicant = UserFactory()
    apply_as(applicant, recruitment)

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            recruitment=recruitment,
            cohort=recruitment.cohort,
            applicant=applicant,
            motivation="again",
        )


def test_application_after_decline_may_apply_again(world, recruitment):
    applicant = UserFactory()
    first = apply_as(applicant, recruitment)
    services.application_decline(actor=world.leader, application=first)

    second = apply_as(applicant, recruitment)

    assert second.status == ApplicationStatus.PENDING


def test_application_refused_when_closed(world, recruitment):
    services.recruitment_close(actor=world.leader, recruitment=recruitment)

    with pytest.raises(ConflictError) as caught:
        apply_as(UserFactory(), recruitment)

    assert caught.value.code == "recruitment_closed"


def test_application_needs_a_motivation(world, recruitment):
    with pytest.raises(ApplicationError) as caught:
        apply_as(UserFactory(), recruitment, motivation="  ")

    assert list(caught.value.fields) == ["motivation"]


def test_application_refused_for_a_current_member(world, recruitment):
    MembershipFactory(cohort=recruitment.cohort, user=world.member)

    with pytest.raises(ConflictError) as caught:
        apply_as(world.member, recruitment)

    assert caught.value.code == "already_member"


# --- deciding ------------------------------------------------------------------------------------


def test_application_accept_creates_membership_and_tells_applicant(world, recruitment):
    applicant = UserFactory()
    application = apply_as(applicant, recruitment)

    decided = services.application_accept(actor=world.leader, application=application, note="환영!")

    membership = Membership.objects.get(user=applicant, cohort=recruitment.cohort)
    notice = Notification.objects.get(kind="application_decided")
    assert (decided.status, decided.membership_id) == (ApplicationStatus.ACCEPTED, membership.pk)
    assert (membership.role, membership.status) == (Role.MEMBER, MembershipStatus.ACTIVE)
    assert (notice.recipient_id, notice.params["decision"]) == (applicant.pk, "accepted")


def test_application_decline_leaves_no_membership(world, recruitment):
    applicant = UserFactory()
    application = apply_as(applicant, recruitment)

    decided = services.application_decline(actor=world.leader, application=application)

    assert decided.status == ApplicationStatus.DECLINED
    assert Membership.objects.filter(user=applicant, cohort=recruitment.cohort).count() == 0
    assert Notification.objects.get(kind="application_decided").params["decision"] == "declined"


@pytest.mark.parametrize(
    ("decide", "expected"),
    [
        (
            "application_accept",
            "Your application to deep-lab, cohort 6 was accepted: you are now a member.",
        ),
        ("application_decline", "Your application to deep-lab, cohort 6 was declined."),
    ],
)
def test_application_decision_notice_reads_as_words_not_a_raw_value(
    world, recruitment, decide, expected
):
    from notifications.texts import render

    application = apply_as(UserFactory(), recruitment)
    world.lab.name = "deep-lab"
    world.lab.save(update_fields=["name"])

    getattr(services, decide)(actor=world.leader, application=application)

    notice = Notification.objects.get(kind="application_decided")
    assert render(notice.kind, notice.params, language="en").body == expected


def test_application_decide_twice_is_a_conflict(world, recruitment):
    application = apply_as(UserFactory(), recruitment)
    services.application_accept(actor=world.leader, application=application)

    with pytest.raises(ConflictError) as caught:
        services.application_decline(actor=world.leader, application=application)

    assert caught.value.code == "application_not_pending"


def test_application_decide_refused_for_member(world, recruitment):
    application = apply_as(UserFactory(), recruitment)

    with pytest.raises(PermissionDeniedError):
        services.application_accept(actor=world.member, application=application)


def test_application_accept_reactivates_a_former_member(world, recruitment):
    applicant = UserFactory()
    old = MembershipFactory(cohort=recruitment.cohort, user=applicant)
    old.status, old.left_on = MembershipStatus.LEFT, old.joined_on
    old.save()
    application = apply_as(applicant, recruitment)

    services.application_accept(actor=world.leader, application=application)

    old.refresh_from_db()
    assert old.status == MembershipStatus.ACTIVE
    assert Membership.objects.filter(user=applicant, cohort=recruitment.cohort).count() == 1


def test_application_withdraw_by_applicant_only(world, recruitment):
    applicant = UserFactory()
    application = apply_as(applicant, recruitment)

    with pytest.raises(PermissionDeniedError):
        services.application_withdraw(actor=world.leader, application=application)
    withdrawn = services.application_withdraw(actor=applicant, application=application)

    assert withdrawn.status == ApplicationStatus.WITHDRAWN


# --- pages ---------------------------------------------------------------------------------------


def test_apply_page_signed_in_visitor_applies(world, recruitment):
    applicant = UserFactory()
    client = client_for(applicant)

    response = client.post(
        f"/apply/{recruitment.pk}/", {"motivation": "함께 공부해요", "answer": "ViT"}
    )

    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302
    assert (application.motivation, application.answer) == ("함께 공부해요", "ViT")


def test_apply_page_new_visitor_signs_up_and_applies(world, recruitment):
    client = Client()

    response = client.post(
        f"/apply/{recruitment.pk}/",
        {
            "email": "new@example.com",
            "display_name": "새 지원자",
            "password": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "motivation": "처음 왔어요",
        },
    )

    application = Application.objects.get(applicant__email="new@example.com")
    assert response.status_code == 302
    assert application.status == ApplicationStatus.PENDING
    assert client.get("/applications/").status_code == 200


def test_apply_page_refusal_rerenders_form_and_keeps_no_account(world, recruitment):
    services.recruitment_close(actor=world.leader, recruitment=recruitment)

    response = Client().get(f"/apply/{recruitment.pk}/")

    assert response.status_code == 200
    assert 'data-testid="apply-closed"' in response.content.decode()


def test_apply_page_duplicate_shows_the_reason_with_200(world, recruitment):
    applicant = UserFactory()
    apply_as(applicant, recruitment)
    client = client_for(applicant)
    # Pending already: the page says so instead of offering the form.
    page = client.get(f"/apply/{recruitment.pk}/")

    assert 'data-testid="apply-pending"' in page.content.decode()


def test_apply_page_of_private_lab_is_404_for_outsider(world, recruitment, public_lab):
    public_lab.visibility = "private"
    public_lab.save(update_fields=["visibility"])

    assert client_for(world.outsider).get(f"/apply/{recruitment.pk}/").status_code == 404
    assert Client().get(f"/apply/{recruitment.pk}/").status_code == 404


def test_applications_page_decides_with_htmx(world, recruitment, leader_client):
    application = apply_as(UserFactory(), recruitment)

    response = leader_client.post(
        f"/applications/{application.pk}/decide/",
        {"decision": "accept", "note": ""},
        headers={"HX-Request": "true"},
    )

    application.refresh_from_db()
    assert response.status_code == 200
    assert application.status == ApplicationStatus.ACCEPTED
    assert 'data-testid="application-status"' in response.content.decode()


def test_applications_page_is_403_for_member(world, recruitment, member_client):
    # A member of 5기 only: 6기's applications are its managers' business.
    assert member_client.get("/labs/deep-lab/6/applications/").status_code == 403


def test_applications_page_is_404_for_outsider(world, recruitment, outsider_client):
    assert outsider_client.get("/labs/deep-lab/6/applications/").status_code == 404


def test_application_decide_by_outsider_is_404(world, recruitment, outsider_client):
    application = apply_as(UserFactory(), recruitment)

    response = outsider_client.post(
        f"/applications/{application.pk}/decide/", {"decision": "accept"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_applications_page_query_count_is_constant(
    world, recruitment, leader_client, django_assert_num_queries, count
):
    for n in range(count):
        application = apply_as(UserFactory(), recruitment)
        if n % 2:
            services.application_decline(actor=world.leader, application=application)
        apply_as(UserFactory(), recruitment)

    # Session, user, profile; the cohort; the viewer's memberships; pending; answered;
    # the recruitment.
    with django_assert_num_queries(8):
        response = leader_client.get("/labs/deep-lab/6/applications/")

    assert len(response.context["pending"]) + len(response.context["decided"]) == 2 * count


@pytest.mark.parametrize("count", [1, 3])
def test_my_applications_query_count_is_constant(world, django_assert_num_queries, count):
    applicant = UserFactory()
    for n in range(count):
        lab = LabFactory(visibility="public")
        cohort = CohortFactory(lab=lab, status=CohortStatus.PLANNED)
        leader = MembershipFactory(cohort=cohort, role=Role.LEADER).user
        recruitment = services.recruitment_open(
            actor=leader, cohort=cohort, closes_on=timezone.localdate() + timedelta(days=n + 1)
        )
        apply_as(applicant, recruitment)
    client = client_for(applicant)

    with django_assert_num_queries(4):
        response = client.get("/applications/")

    assert len(response.context["applications"]) == count


# --- API -----------------------------------------------------------------------------------------


def test_application_api_flow_apply_then_accept(world, recruitment, api_cache):
    applicant = UserFactory()
    applicant_api = bearer_client(applicant, scope="write")
    leader_api = bearer_client(world.leader, scope="write")

    created = applicant_api.post(
        "/api/v1/applications/",
        {"recruitment": recruitment.pk, "motivation": "API로 지원"},
        content_type="application/json",
    )
    accepted = leader_api.post(
        f"/api/v1/applications/{created.json()['id']}/accept/",
        {"note": "ok"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert Membership.objects.filter(user=applicant, cohort=recruitment.cohort).count() == 1


def test_application_api_duplicate_is_409(world, recruitment, api_cache):
    applicant_api = bearer_client(UserFactory(), scope="write")
    body = {"recruitment": recruitment.pk, "motivation": "again"}
    applicant_api.post("/api/v1/applications/", body, content_type="application/json")

    response = applicant_api.post("/api/v1/applications/", body, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "application_pending"


def test_application_api_member_cannot_accept(world, recruitment, api_cache):
    application = apply_as(UserFactory(), recruitment)
    # The 5기 member can see 6기 (same lab) but not its applications: 404, not 403.
    response = bearer_client(world.member, scope="write").post(
        f"/api/v1/applications/{application.pk}/accept/", {}, content_type="application/json"
    )

    assert response.status_code == 404


def test_application_api_facilitator_of_other_cohort_gets_403_from_service(
    world, recruitment, api_cache
):
    application = apply_as(UserFactory(), recruitment)
    # The applicant sees their own application but cannot decide it.
    response = bearer_client(application.applicant, scope="write").post(
        f"/api/v1/applications/{application.pk}/accept/", {}, content_type="application/json"
    )

    assert response.status_code == 403


def test_recruitment_api_lists_open_calls_without_login(world, recruitment, api_cache):
    response = Client().get("/api/v1/recruitments/")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [recruitment.pk]


@pytest.mark.parametrize("count", [1, 3])
def test_application_api_list_query_count_is_constant(
    world, recruitment, api_cache, django_assert_num_queries, count
):
    for _n in range(count):
        apply_as(UserFactory(), recruitment)
    client = client_for(world.leader)

    # The session, the user, the profile, the applications (as plain rows).
    with django_assert_num_queries(4):
        response = client.get("/api/v1/applications/")

    assert len(response.json()["results"]) == count
