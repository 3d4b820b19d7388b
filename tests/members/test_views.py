"""Member pages: login, logout, password reset, language switch, settings and API tokens."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from members.models import ApiToken, Profile, User
from members.services import api_token_authenticate, api_token_create
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SETTINGS_URL = "/settings/"
NEW_PASSWORD = "a-brand-new-passphrase-2026"


def _profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "김랩원",
        "bio": "논문을 읽습니다.",
        "interests": "NLP, RL",
        "timezone": "Asia/Seoul",
        "language": "ko",
    }
    data.update(overrides)
    return data


# --- URL contract -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("login", {}, "/accounts/login/"),
        ("logout", {}, "/accounts/logout/"),
        ("password_reset", {}, "/accounts/password-reset/"),
        ("password_reset_done", {}, "/accounts/password-reset/done/"),
        (
            "password_reset_confirm",
            {"uidb64": "MQ", "token": "abc-123"},
            "/accounts/password-reset/MQ/abc-123/",
        ),
        ("password_reset_complete", {}, "/accounts/password-reset/complete/"),
        ("set_language", {}, "/i18n/language/"),
        ("settings", {}, "/settings/"),
        ("token_create", {}, "/settings/tokens/"),
        ("token_revoke", {"pk": 7}, "/settings/tokens/7/revoke/"),
    ],
)
def test_members_urls_follow_the_contract(name, kwargs, path):
    assert reverse(f"members:{name}", kwargs=kwargs) == path


# --- login and logout -------------------------------------------------------------------------


def test_login_page_asks_for_email_in_username_field(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("en"):
        assert str(form.fields["username"].label) == "Email"
    assert 'type="email" name="username"' in response.content.decode()
    assert reverse("members:password_reset") in response.content.decode()


def test_login_succeeds_with_email_in_any_case(world):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": " Member@Example.COM ", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("labs:my_labs")
    assert client.session["_auth_user_id"] == str(world.member.pk)


def test_login_follows_safe_next(world):
    response = Client().post(
        "/accounts/login/?next=/settings/",
        {"username": "member@example.com", "password": DEFAULT_PASSWORD, "next": "/settings/"},
    )

    assert response["Location"] == "/settings/"


def test_login_refuses_offsite_next(world):
    response = Client().post(
        "/accounts/login/",
        {
            "username": "member@example.com",
            "password": DEFAULT_PASSWORD,
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == reverse("labs:my_labs")


def test_login_wrong_password_rerenders_form_with_error(world):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "member@example.com", "password": "nope"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The email or password is not correct."]
    assert "_auth_user_id" not in client.session


def test_login_redirects_member_who_is_already_logged_in(world):
    response = client_for(world.member).get("/accounts/login/")

    assert response.status_code == 302


def test_logout_refuses_get(world):
    client = client_for(world.member)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(world.member.pk)


def test_logout_post_logs_out_and_goes_to_login(world):
    client = client_for(world.member)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("members:login")
    assert "_auth_user_id" not in client.session


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_round_trip(world):
    client = Client()

    response = client.post("/accounts/password-reset/", {"email": "Member@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.com"]
    link = re.search(
        r"(?P<site>\S+)(?P<path>/accounts/password-reset/[^/\s]+/[^/\s]+/)", message.body
    )
    assert link is not None
    assert link["site"] == settings.SITE_URL.rstrip("/")

    response = client.get(link["path"])

    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")

    response = client.get(set_password_url)

    assert response.status_code == 200
    assert response.context["validlink"] is True

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("members:password_reset_complete")
    world.member.refresh_from_db()
    assert world.member.check_password(NEW_PASSWORD) is True
    login = Client().post(
        "/accounts/login/", {"username": "member@example.com", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    reused = client.get(link["path"])
    assert reused.context["validlink"] is False


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(db):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("members:password_reset_done")
    assert mail.outbox == []


def test_password_reset_email_uses_recipients_language(world):
    Profile.objects.filter(user=world.member).update(language="en")

    Client().post("/accounts/password-reset/", {"email": "member@example.com"})

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Labmate password"


def test_password_reset_pages_render(db):
    client = Client()

    assert client.get("/accounts/password-reset/").status_code == 200
    assert client.get("/accounts/password-reset/done/").status_code == 200
    assert client.get("/accounts/password-reset/complete/").status_code == 200
    invalid = client.get("/accounts/password-reset/MQ/bad-token/")
    assert invalid.status_code == 200
    assert invalid.context["validlink"] is False


# --- language switch --------------------------------------------------------------------------


def test_set_language_default_is_korean_even_for_english_browsers(db):
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    content = response.content.decode()
    assert '<html lang="ko">' in content
    # Django's own Korean catalogue translates the password label.
    assert "비밀번호" in content


def test_set_language_anonymous_switch_shows_english(db):
    client = Client()

    response = client.post("/i18n/language/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert ">Password:</label>" in page
    assert "비밀번호" not in page


def test_set_language_logged_in_switch_persists_in_profile(world):
    client = client_for(world.member)

    response = client.post("/i18n/language/", {"language": "en", "next": "/settings/"})

    assert response["Location"] == "/settings/"
    assert Profile.objects.get(user=world.member).language == "en"
    # The profile wins over the cookie, so the choice follows the member to other devices.
    other_device = client_for(world.member)
    page = other_device.get("/settings/").content.decode()
    assert '<html lang="en">' in page


def test_set_language_refuses_offsite_next(db):
    response = Client().post(
        "/i18n/language/", {"language": "en", "next": "https://evil.example/phish"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_set_language_refuses_scheme_relative_next(db):
    response = Client().post("/i18n/language/", {"language": "en", "next": "//evil.example/"})

    assert response["Location"] == "/"


def test_set_language_ignores_unknown_language(world):
    Profile.objects.filter(user=world.member).update(language="ko")
    client = client_for(world.member)

    response = client.post("/i18n/language/", {"language": "fr", "next": "/settings/"})

    assert response["Location"] == "/settings/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert Profile.objects.get(user=world.member).language == "ko"


def test_set_language_refuses_get(db):
    response = Client().get("/i18n/language/?language=en")

    assert response.status_code == 405


# --- settings: profile ------------------------------------------------------------------------


def test_settings_requires_login(db):
    response = Client().get(SETTINGS_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('members:login')}?next={SETTINGS_URL}"


def test_settings_shows_my_profile_with_seoul_first(world):
    response = client_for(world.member).get(SETTINGS_URL)

    assert response.status_code == 200
    form = response.context["profile_form"]
    assert form.initial["display_name"] == world.member.profile.display_name
    choices = [value for value, _label in form.fields["timezone"].choices]
    assert choices[0] == "Asia/Seoul"
    assert choices[1:] == sorted(choices[1:])
    assert "Europe/Berlin" in choices


def test_settings_saves_profile(world):
    client = client_for(world.member)

    response = client.post(SETTINGS_URL, _profile_data(timezone="Europe/Berlin", language="en"))

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    profile = Profile.objects.get(user=world.member)
    assert (profile.display_name, profile.bio, profile.interests) == (
        "김랩원",
        "논문을 읽습니다.",
        "NLP, RL",
    )
    assert (profile.timezone, profile.language) == ("Europe/Berlin", "en")
    assert '<html lang="en">' in client.get(SETTINGS_URL).content.decode()


def test_settings_rejects_unknown_timezone_and_saves_nothing(world):
    before = Profile.objects.get(user=world.member).display_name

    response = client_for(world.member).post(SETTINGS_URL, _profile_data(timezone="Mars/Olympus"))

    assert response.status_code == 200
    assert list(response.context["profile_form"].errors) == ["timezone"]
    assert Profile.objects.get(user=world.member).display_name == before


def test_settings_maps_service_errors_onto_form(world):
    response = client_for(world.member).post(SETTINGS_URL, _profile_data(display_name="   "))

    assert response.status_code == 200
    assert list(response.context["profile_form"].errors) == ["display_name"]


def test_settings_htmx_error_rerenders_only_profile_partial(world):
    response = client_for(world.member).post(SETTINGS_URL, _profile_data(display_name=""), **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="profile"')
    assert "<html" not in content


def test_settings_htmx_success_asks_for_full_reload(world):
    response = client_for(world.member).post(SETTINGS_URL, _profile_data(language="en"), **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == SETTINGS_URL
    assert Profile.objects.get(user=world.member).language == "en"


def test_settings_works_for_account_without_profile(db):
    user = UserFactory(profile=None)

    response = client_for(user).get(SETTINGS_URL)

    assert response.status_code == 200
    assert Profile.objects.get(user=user).display_name == user.email.split("@")[0]


# --- settings: API tokens ---------------------------------------------------------------------


def test_token_create_shows_secret_once(world):
    client = client_for(world.member)

    response = client.post(reverse("members:token_create"), {"name": "Notion", "scope": "write"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["new_secret"]
    token = api_token_authenticate(raw=secret)
    assert token is not None
    assert (token.user, token.name, token.scope, token.lab) == (
        world.member,
        "Notion",
        "write",
        None,
    )
    assert f'value="{secret}"' in response.content.decode()
    assert secret not in client.get(SETTINGS_URL).content.decode()


def test_token_create_htmx_renders_tokens_partial(world):
    response = client_for(world.member).post(
        reverse("members:token_create"), {"name": "Sheets", "scope": "read"}, **HTMX
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="tokens"')
    assert "<html" not in content
    assert response.context["new_secret"] in content
    assert ApiToken.objects.get(user=world.member).name == "Sheets"


def test_token_create_limits_token_to_my_lab(world):
    response = client_for(world.member).post(
        reverse("members:token_create"), {"name": "Lab sync", "scope": "read", "lab": "deep-lab"}
    )

    assert response.status_code == 200
    assert ApiToken.objects.get(user=world.member).lab == world.lab


def test_token_create_offers_only_my_labs(world):
    response = client_for(world.member).get(SETTINGS_URL)

    lab_field = response.context["token_form"].fields["lab"]
    assert [lab.slug for lab in lab_field.queryset] == ["deep-lab"]


def test_token_create_refuses_lab_i_am_not_in(world):
    response = client_for(world.member).post(
        reverse("members:token_create"),
        {"name": "Sneaky", "scope": "read", "lab": "other-lab"},
        **HTMX,
    )

    assert response.status_code == 200
    assert list(response.context["token_form"].errors) == ["lab"]
    assert response.context["new_secret"] is None
    assert ApiToken.objects.count() == 0


def test_token_create_shows_form_errors_with_status_200(world):
    response = client_for(world.member).post(
        reverse("members:token_create"), {"name": "", "scope": "admin"}
    )

    assert response.status_code == 200
    assert sorted(response.context["token_form"].errors) == ["name", "scope"]
    assert ApiToken.objects.count() == 0


def test_token_create_get_goes_back_to_settings(world):
    response = client_for(world.member).get(reverse("members:token_create"))

    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS_URL}#tokens"
    assert ApiToken.objects.count() == 0


def test_token_create_requires_login(world):
    response = Client().post(reverse("members:token_create"), {"name": "x", "scope": "read"})

    assert response.status_code == 302
    assert ApiToken.objects.count() == 0


def test_settings_lists_only_my_tokens(world):
    api_token_create(user=world.member, name="mine")
    api_token_create(user=world.leader, name="the leader's")

    response = client_for(world.member).get(SETTINGS_URL)

    assert [t.name for t in response.context["tokens"]] == ["mine"]
    assert "the leader" not in response.content.decode()


def test_token_revoke_revokes_and_redirects(world):
    token, raw = api_token_create(user=world.member, name="old")

    response = client_for(world.member).post(reverse("members:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS_URL}#tokens"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api_token_authenticate(raw=raw) is None


def test_token_revoke_htmx_renders_tokens_partial(world):
    token, _raw = api_token_create(user=world.member, name="old")
    world.member.profile.language = "en"
    world.member.profile.save()

    response = client_for(world.member).post(
        reverse("members:token_revoke", args=[token.pk]), **HTMX
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="tokens"')
    assert response.context["notice"] == "The token “old” was revoked."
    assert reverse("members:token_revoke", args=[token.pk]) not in content


def test_token_revoke_someone_elses_token_is_404(world):
    token, raw = api_token_create(user=world.leader, name="leader's")

    response = client_for(world.outsider).post(reverse("members:token_revoke", args=[token.pk]))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert api_token_authenticate(raw=raw) is not None


def test_token_revoke_refuses_get(world):
    token, _raw = api_token_create(user=world.member, name="old")

    response = client_for(world.member).get(reverse("members:token_revoke", args=[token.pk]))

    assert response.status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("count", [1, 3])
def test_settings_query_count_is_flat(world, count, django_assert_num_queries):
    for n in range(count):
        api_token_create(user=world.member, name=f"token {n}", lab_slug="deep-lab")
    client = client_for(world.member)

    # 6: the notification-preferences section reads the member's preferences (one query).
    with django_assert_num_queries(6):
        response = client.get(SETTINGS_URL)

    assert response.status_code == 200
    assert len(response.context["tokens"]) == count


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(db) -> Client:
    admin = User.objects.create_superuser(email="admin@example.com", password=DEFAULT_PASSWORD)
    return client_for(admin)


def test_admin_user_add_creates_user_with_profile(superuser_client):
    response = superuser_client.post(
        "/admin/members/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "1",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-display_name": "새 사람",
            "profile-0-bio": "",
            "profile-0-interests": "",
            "profile-0-timezone": "Asia/Seoul",
            "profile-0-language": "ko",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password(NEW_PASSWORD) is True
    assert user.profile.display_name == "새 사람"


def test_admin_user_pages_render(superuser_client, world):
    assert superuser_client.get("/admin/members/user/").status_code == 200
    assert superuser_client.get("/admin/members/user/add/").status_code == 200
    change = superuser_client.get(f"/admin/members/user/{world.member.pk}/change/")
    assert change.status_code == 200
    assert "member@example.com" in change.content.decode()


def test_admin_api_token_shows_hash_never_secret(superuser_client, world):
    token, raw = api_token_create(user=world.member, name="script")

    changelist = superuser_client.get("/admin/members/apitoken/")
    change = superuser_client.get(f"/admin/members/apitoken/{token.pk}/change/")
    add = superuser_client.get("/admin/members/apitoken/add/")

    assert changelist.status_code == 200
    assert change.status_code == 200
    content = change.content.decode()
    assert token.token_hash in content
    assert raw not in content
    assert raw not in changelist.content.decode()
    assert 'name="token_hash"' not in content
    assert add.status_code == 403
