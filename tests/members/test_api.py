"""REST API for personal tokens (me/tokens/) and for authenticating with them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from labs.models import Lab, Membership, Role
from members.models import ApiToken, TokenScope
from members.services import api_token_create, api_token_revoke
from tests.conftest import bearer_client, client_for
from tests.factories import CohortFactory, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.usefixtures("api_cache")


@pytest.fixture(autouse=True)
def korean_members(request, db):
    """These tests check that the API answers in the member's language: Korean here."""
    from members.models import Profile

    if "world" in request.fixturenames:
        request.getfixturevalue("world")
    Profile.objects.update(language="ko")


def ko(message: str) -> str:
    with translation.override("ko"):
        return gettext(message)


def api(name: str, pk: int | None = None) -> str:
    if pk is None:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"pk": pk})


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


# --- me/tokens --------------------------------------------------------------------------


def test_token_list_shows_my_tokens_without_secrets(world, member_client):
    token, _raw = api_token_create(user=world.member, name="notion", scope="write")
    api_token_create(user=world.leader, name="someone else's")

    response = member_client.get(api("token-list"))

    assert response.json() == {
        "results": [
            {
                "id": token.pk,
                "url": f"http://testserver/api/v1/me/tokens/{token.pk}/",
                "created_at": timezone.localtime(
                    token.created_at, ZoneInfo("Asia/Seoul")
                ).isoformat(),
                "updated_at": timezone.localtime(
                    token.updated_at, ZoneInfo("Asia/Seoul")
                ).isoformat(),
                "name": "notion",
                "prefix": token.prefix,
                "scope": "write",
                "lab": None,
                "last_used_at": None,
                "revoked_at": None,
            }
        ],
        "next": None,
    }


def test_token_retrieve_of_someone_elses_token_is_404(world, member_client):
    token, _raw = api_token_create(user=world.leader, name="leader's")

    response = member_client.get(api("token-detail", token.pk))

    assert response.status_code == 404


def test_token_create_returns_the_secret_once(world, member_client):
    data = {"name": "sheets", "scope": "write", "lab": "deep-lab"}

    response = post(member_client, api("token-list"), data)

    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert (token.user, token.name, token.scope, token.lab) == (
        world.member,
        "sheets",
        TokenScope.WRITE,
        world.lab,
    )
    assert body["token"].startswith(token.prefix)
    assert body["lab"] == "deep-lab"
    listed = member_client.get(api("token-detail", token.pk)).json()
    assert "token" not in listed
    minted = Client(headers={"Authorization": f"Bearer {body['token']}"})
    assert minted.get(api("lab-list")).status_code == 200


def test_token_create_defaults_to_read_scope_and_no_lab(world, member_client):
    response = post(member_client, api("token-list"), {"name": "bot"})

    assert (response.json()["scope"], response.json()["lab"]) == ("read", None)


def test_token_create_for_a_lab_i_am_not_in_is_400(world, member_client):
    response = post(member_client, api("token-list"), {"name": "x", "lab": "other-lab"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"lab": [ko("Unknown lab.")]}
    assert ApiToken.objects.count() == 0


def test_token_create_with_invalid_input_changes_nothing(world, member_client):
    response = post(member_client, api("token-list"), {"name": "", "scope": "admin"})

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["name", "scope"]
    assert ApiToken.objects.count() == 0


def test_token_create_with_a_token_is_403(world):
    client = bearer_client(world.member, scope="write")

    response = post(client, api("token-list"), {"name": "more"})

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": ko("Tokens can only be managed from a signed-in browser session."),
        }
    }
    assert ApiToken.objects.count() == 1


def test_token_delete_revokes_it(world, member_client):
    token, raw = api_token_create(user=world.member, name="old")

    response = member_client.delete(api("token-detail", token.pk))

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    revoked = Client(headers={"Authorization": f"Bearer {raw}"})
    assert revoked.get(api("lab-list")).status_code == 401


def test_token_delete_of_someone_elses_token_is_404(world, member_client):
    token, _raw = api_token_create(user=world.leader, name="leader's")

    response = member_client.delete(api("token-detail", token.pk))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_delete_with_a_token_is_403(world):
    token, raw = api_token_create(user=world.member, name="sync", scope="write")
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.delete(api("token-detail", token.pk))

    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_list_with_a_lab_limited_token_shows_that_labs_tokens_only(world, db):
    MembershipFactory(user=world.member, cohort=world.other_lab.cohorts.get())
    deep, raw = api_token_create(user=world.member, name="deep", lab_slug="deep-lab")
    api_token_create(user=world.member, name="other", lab_slug="other-lab")
    api_token_create(user=world.member, name="everything")
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.get(api("token-list"))

    assert ids(response) == [deep.pk]


@pytest.mark.parametrize("count", [1, 3])
def test_token_list_query_count_is_constant(db, django_assert_num_queries, count):
    user = UserFactory()
    for number in range(count):
        api_token_create(user=user, name=f"token {number}")
    client = client_for(user)

    with django_assert_num_queries(4):
        response = client.get(api("token-list"))

    assert len(response.json()["results"]) == count


# --- authenticating with a token --------------------------------------------------------


def test_read_token_can_read(world):
    client = bearer_client(world.member, scope="read")

    response = client.get(api("lab-list"))

    assert response.status_code == 200
    assert ids(response) == [world.lab.pk]


def test_read_token_cannot_write(world):
    client = bearer_client(world.leader, scope="read")

    response = client.patch(
        api("lab-detail", world.lab.pk), {"name": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": ko("This token is read-only.")}
    }
    world.lab.refresh_from_db()
    assert world.lab.name == "딥러닝 연구실"


def test_token_answers_in_its_members_language_and_zone(world):
    """The member is known only once DRF reads the token, after the preferences middleware
    has run for an anonymous request: the token's member still gets their own choices."""
    profile = world.leader.profile
    profile.language, profile.timezone = "en", "America/New_York"
    profile.save()
    client = bearer_client(world.leader, scope="read")

    refused = client.patch(
        api("lab-detail", world.lab.pk), {"name": "x"}, content_type="application/json"
    )
    lab = client.get(api("lab-detail", world.lab.pk))

    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This token is read-only."
    assert refused["Content-Language"] == "en"
    expected = world.lab.created_at.astimezone(ZoneInfo("America/New_York")).isoformat()
    assert lab.json()["created_at"] == expected
    assert lab["Content-Language"] == "en"


def test_token_of_a_korean_member_answers_in_korean_and_seoul_time(world):
    client = bearer_client(world.member, scope="read")

    refused = client.delete(api("lab-detail", world.lab.pk))
    lab = client.get(api("lab-detail", world.lab.pk)).json()

    assert refused.json()["error"]["message"] == ko("This token is read-only.")
    assert refused["Content-Language"] == "ko"
    assert lab["created_at"].endswith("+09:00")


def test_a_tokens_language_and_zone_end_with_its_request(world):
    profile = world.leader.profile
    profile.language, profile.timezone = "en", "America/New_York"
    profile.save()
    bearer_client(world.leader).get(api("lab-list"))

    anonymous = Client().get(api("lab-list"))

    assert anonymous.status_code == 401
    assert anonymous["Content-Language"] == "ko"
    assert timezone.get_current_timezone_name() == "Asia/Seoul"


def test_write_token_can_write(world):
    client = bearer_client(world.leader, scope="write")

    response = client.patch(
        api("lab-detail", world.lab.pk), {"name": "새 이름"}, content_type="application/json"
    )

    assert response.status_code == 200
    world.lab.refresh_from_db()
    assert world.lab.name == "새 이름"


def test_write_token_still_obeys_roles(world):
    client = bearer_client(world.member, scope="write")

    response = client.patch(
        api("lab-detail", world.lab.pk), {"name": "x"}, content_type="application/json"
    )

    assert response.status_code == 403


@pytest.fixture
def member_of_both_labs(world):
    user = UserFactory()
    MembershipFactory(user=user, cohort=world.cohort, role=Role.LEADER)
    MembershipFactory(user=user, cohort=world.other_lab.cohorts.get(), role=Role.LEADER)
    return user


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("lab-list", lambda w: [w.lab.pk]),
        ("cohort-list", lambda w: [w.cohort.pk]),
        (
            "membership-list",
            lambda w: list(Membership.objects.filter(cohort=w.cohort).values_list("pk", flat=True)),
        ),
    ],
)
def test_lab_limited_token_lists_only_its_lab(world, member_of_both_labs, endpoint, expected):
    client = bearer_client(member_of_both_labs, lab_slug="deep-lab")

    response = client.get(api(endpoint))

    assert ids(response) == expected(world)


def test_lab_limited_token_lists_only_its_labs_invitations(world, member_of_both_labs):
    mine = InvitationFactory(cohort=world.cohort)
    InvitationFactory(cohort=world.other_lab.cohorts.get())
    client = bearer_client(member_of_both_labs, lab_slug="deep-lab")

    response = client.get(api("invitation-list"))

    assert ids(response) == [mine.pk]


def test_lab_limited_token_cannot_reach_the_other_lab(world, member_of_both_labs):
    other_cohort = world.other_lab.cohorts.get()
    client = bearer_client(member_of_both_labs, scope="write", lab_slug="deep-lab")

    read = client.get(api("lab-detail", world.other_lab.pk))
    write = client.patch(
        api("cohort-detail", other_cohort.pk), {"name": "x"}, content_type="application/json"
    )
    create = post(
        client,
        api("cohort-list"),
        {"lab": world.other_lab.pk, "start_date": "2027-01-01", "end_date": "2027-02-01"},
    )

    assert (read.status_code, write.status_code, create.status_code) == (404, 404, 400)
    other_cohort.refresh_from_db()
    assert other_cohort.name == ""
    assert world.other_lab.cohorts.count() == 1


def test_lab_limited_token_cannot_create_labs(world):
    client = bearer_client(world.leader, scope="write", lab_slug="deep-lab")
    data = {"name": "new", "start_date": "2027-01-01", "end_date": "2027-02-01"}

    response = post(client, api("lab-list"), data)

    assert response.status_code == 403
    assert Lab.objects.count() == 2


def test_revoked_token_is_401(world):
    token, raw = api_token_create(user=world.member, name="old")
    api_token_revoke(actor=world.member, token=token)
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    response = client.get(api("lab-list"))

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": ko("Invalid or revoked token."),
        }
    }


def test_token_of_inactive_user_is_401(world):
    client = bearer_client(world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])

    assert client.get(api("lab-list")).status_code == 401


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "Malformed Authorization header."),
        ("Bearer two parts", "Malformed Authorization header."),
        ("Bearer lm_not-a-real-token", "Invalid or revoked token."),
        ("Bearer not-even-our-prefix", "Invalid or revoked token."),
    ],
)
def test_bad_bearer_header_is_401(world, header, message):
    client = Client(headers={"Authorization": header})

    response = client.get(api("lab-list"))

    assert response.status_code == 401
    assert response.json() == {"error": {"code": "authentication_failed", "message": ko(message)}}


def test_missing_credentials_are_401_with_a_challenge(world, client):
    response = client.get(api("lab-list"))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "not_authenticated"


def test_token_use_is_recorded(world):
    token, raw = api_token_create(user=world.member, name="sync")
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    client.get(api("lab-list"))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_lab_limited_token_sees_every_cohort_of_its_lab(world):
    later = CohortFactory(lab=world.lab, number=6)
    MembershipFactory(cohort=later, user=world.outsider)
    client = bearer_client(world.outsider, lab_slug="deep-lab")

    response = client.get(api("cohort-list"))

    assert ids(response) == [world.cohort.pk, later.pk]
