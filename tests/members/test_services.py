"""Member services: accounts, profiles, language and personal API tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from members.models import ApiToken, Profile, TokenScope, User
from members.services import (
    LAST_USED_RESOLUTION,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    profile_ensure,
    profile_set_language,
    profile_update,
    user_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"


def _update_kwargs(**overrides: str) -> dict[str, str]:
    values = {
        "display_name": "새 이름",
        "bio": "논문 읽기를 좋아합니다.",
        "interests": "NLP",
        "timezone_name": "Asia/Seoul",
        "language": "ko",
    }
    values.update(overrides)
    return values


def test_user_create_makes_user_and_profile():
    user = user_create(
        email="  New.Member@Example.COM ", password=STRONG_PASSWORD, display_name="김랩"
    )

    assert user.email == "new.member@example.com"
    assert user.check_password(STRONG_PASSWORD) is True
    assert user.profile.display_name == "김랩"
    assert user.profile.timezone == "Asia/Seoul"
    assert user.profile.language == "ko"


def test_user_create_refuses_bad_email():
    with pytest.raises(ApplicationError) as excinfo:
        user_create(email="not-an-email", password=STRONG_PASSWORD, display_name="김랩")

    assert excinfo.value.code == "invalid"
    assert list(excinfo.value.fields) == ["email"]
    assert User.objects.count() == 0


def test_user_create_refuses_duplicate_email_in_other_case():
    user_create(email="member@example.com", password=STRONG_PASSWORD, display_name="김랩")

    with pytest.raises(ConflictError) as excinfo:
        user_create(email="MEMBER@Example.com", password=STRONG_PASSWORD, display_name="이랩")

    assert excinfo.value.code == "email_taken"
    assert excinfo.value.status == 409
    assert list(excinfo.value.fields) == ["email"]
    assert User.objects.count() == 1
    assert Profile.objects.count() == 1


def test_user_create_refuses_weak_password():
    with pytest.raises(ApplicationError) as excinfo:
        user_create(email="member@example.com", password="1234", display_name="김랩")

    assert list(excinfo.value.fields) == ["password"]
    assert User.objects.count() == 0


def test_user_create_refuses_blank_display_name():
    with pytest.raises(ApplicationError) as excinfo:
        user_create(email="member@example.com", password=STRONG_PASSWORD, display_name="   ")

    assert list(excinfo.value.fields) == ["display_name"]


def test_profile_update_saves_every_field():
    user = UserFactory()

    profile_update(
        actor=user,
        profile=user.profile,
        **_update_kwargs(timezone_name="Europe/Berlin", language="en", display_name="  Kim  "),
    )

    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.interests) == (
        "Kim",
        "논문 읽기를 좋아합니다.",
        "NLP",
    )
    assert (profile.timezone, profile.language) == ("Europe/Berlin", "en")


def test_profile_update_refuses_unknown_timezone_and_saves_nothing():
    user = UserFactory(profile__display_name="원래 이름")

    with pytest.raises(ApplicationError) as excinfo:
        profile_update(
            actor=user, profile=user.profile, **_update_kwargs(timezone_name="Mars/Olympus")
        )

    assert list(excinfo.value.fields) == ["timezone"]
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.timezone) == ("원래 이름", "", "Asia/Seoul")


def test_profile_update_refuses_unknown_language():
    user = UserFactory()

    with pytest.raises(ApplicationError) as excinfo:
        profile_update(actor=user, profile=user.profile, **_update_kwargs(language="fr"))

    assert list(excinfo.value.fields) == ["language"]


def test_profile_update_refuses_someone_elses_profile():
    user, other = UserFactory(), UserFactory(profile__display_name="남의 이름")

    with pytest.raises(PermissionDeniedError):
        profile_update(actor=user, profile=other.profile, **_update_kwargs())

    assert Profile.objects.get(user=other).display_name == "남의 이름"


def test_profile_set_language_persists_choice():
    user = UserFactory()

    profile_set_language(actor=user, language="en")

    assert Profile.objects.get(user=user).language == "en"


def test_profile_set_language_refuses_unknown_language():
    user = UserFactory(profile__language="ko")

    with pytest.raises(ApplicationError) as excinfo:
        profile_set_language(actor=user, language="xx")

    assert list(excinfo.value.fields) == ["language"]
    assert Profile.objects.get(user=user).language == "ko"


def test_profile_ensure_creates_missing_profile():
    user = User.objects.create_superuser(email="admin@example.com", password=STRONG_PASSWORD)

    profile = profile_ensure(user=user)

    assert profile.display_name == "admin"
    assert Profile.objects.filter(user=user).count() == 1


def test_api_token_create_stores_only_a_sha256_hash():
    user = UserFactory()

    token, raw = api_token_create(user=user, name="Notion sync", scope=TokenScope.WRITE)

    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("lm_")
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:9]
    stored_values = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert raw not in stored_values
    assert (stored.name, stored.scope, stored.lab_id) == ("Notion sync", "write", None)


def test_api_token_authenticate_accepts_the_raw_token():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")

    found = api_token_authenticate(raw=raw)

    assert found == token
    assert found.user == user


def test_api_token_authenticate_rejects_unknown_or_malformed_token():
    user = UserFactory()
    _token, raw = api_token_create(user=user, name="script")

    assert api_token_authenticate(raw=raw + "x") is None
    assert api_token_authenticate(raw=raw.removeprefix("lm_")) is None


def test_api_token_authenticate_rejects_revoked_token():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")

    api_token_revoke(actor=user, token=token)

    assert api_token_authenticate(raw=raw) is None


def test_api_token_authenticate_rejects_token_of_inactive_user():
    user = UserFactory()
    _token, raw = api_token_create(user=user, name="script")
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert api_token_authenticate(raw=raw) is None


def test_api_token_revoke_refuses_someone_elses_token():
    owner, other = UserFactory(), UserFactory()
    token, _raw = api_token_create(user=owner, name="script")

    with pytest.raises(PermissionDeniedError):
        api_token_revoke(actor=other, token=token)

    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_api_token_revoke_keeps_first_revocation_time():
    user = UserFactory()
    token, _raw = api_token_create(user=user, name="script")
    api_token_revoke(actor=user, token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    api_token_revoke(actor=user, token=ApiToken.objects.get(pk=token.pk))

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_api_token_create_limits_token_to_a_lab_of_mine(world):
    token, _raw = api_token_create(user=world.member, name="lab sync", lab_slug="deep-lab")

    assert token.lab == world.lab


def test_api_token_create_refuses_lab_user_is_not_member_of(world):
    with pytest.raises(ApplicationError) as excinfo:
        api_token_create(user=world.member, name="lab sync", lab_slug="other-lab")

    assert list(excinfo.value.fields) == ["lab"]
    assert ApiToken.objects.count() == 0


def test_api_token_create_refuses_unknown_lab(world):
    with pytest.raises(ApplicationError) as excinfo:
        api_token_create(user=world.member, name="lab sync", lab_slug="no-such-lab")

    assert list(excinfo.value.fields) == ["lab"]


def test_api_token_create_refuses_unknown_scope():
    user = UserFactory()

    with pytest.raises(ApplicationError) as excinfo:
        api_token_create(user=user, name="script", scope="admin")

    assert list(excinfo.value.fields) == ["scope"]
    assert ApiToken.objects.count() == 0


def test_api_token_create_refuses_blank_name():
    user = UserFactory()

    with pytest.raises(ApplicationError) as excinfo:
        api_token_create(user=user, name="  ")

    assert list(excinfo.value.fields) == ["name"]


def test_api_token_authenticate_records_first_use():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")
    before = timezone.now()

    api_token_authenticate(raw=raw)

    last_used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert last_used is not None
    assert before <= last_used <= timezone.now()


def test_api_token_authenticate_writes_last_used_at_most_once_a_minute():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")
    recent = timezone.now() - LAST_USED_RESOLUTION / 2
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    api_token_authenticate(raw=raw)

    assert ApiToken.objects.get(pk=token.pk).last_used_at == recent


def test_api_token_authenticate_refreshes_last_used_after_a_minute():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")
    stale = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    before = timezone.now()

    api_token_authenticate(raw=raw)

    last_used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert last_used is not None
    assert last_used >= before


def test_api_token_authenticate_does_not_touch_updated_at():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="script")
    updated_at = ApiToken.objects.get(pk=token.pk).updated_at

    api_token_authenticate(raw=raw)

    assert ApiToken.objects.get(pk=token.pk).updated_at == updated_at
