"""Writes for members: accounts, profiles and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.changes import record_member_renamed
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from members.models import (
    ApiToken,
    Language,
    Profile,
    TokenScope,
    User,
    normalize_email,
    validate_timezone,
)

TOKEN_PREFIX = "lm_"  # noqa: S105 -- a public marker, not a secret
# A token's last use is written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_create(
    *,
    email: str,
    password: str,
    display_name: str,
    language: str = Language.KOREAN,
    timezone_name: str = "Asia/Seoul",
) -> User:
    """Create an account and its profile. Refuses a malformed or already-used email."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    if not display_name.strip():
        errors["display_name"] = [_("Enter the name other members will see.")]
    if not errors:
        try:
            validate_password(password, User(email=email))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            Profile.objects.create(
                user=user,
                display_name=display_name.strip(),
                language=language,
                timezone=timezone_name,
            )
    except IntegrityError:
        raise ConflictError(
            _("An account with this email already exists. Please log in."),
            code="email_taken",
            fields={"email": [_("An account with this email already exists.")]},
        ) from None
    return user


def profile_update(
    *,
    actor: User,
    profile: Profile,
    display_name: str,
    bio: str,
    interests: str,
    timezone_name: str,
    language: str,
) -> Profile:
    if profile.user_id != actor.pk:
        raise PermissionDeniedError(_("You can only change your own profile."))
    errors: dict[str, list[str]] = {}
    if not display_name.strip():
        errors["display_name"] = [_("Enter the name other members will see.")]
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        errors["timezone"] = list(exc.messages)
    if language not in Language.values:
        errors["language"] = [_("Choose Korean or English.")]
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    renamed = profile.display_name != display_name.strip()
    profile.display_name = display_name.strip()
    profile.bio = bio
    profile.interests = interests
    profile.timezone = timezone_name
    profile.language = language
    with transaction.atomic():
        profile.save(
            update_fields=["display_name", "bio", "interests", "timezone", "language", "updated_at"]
        )
        if renamed:
            record_member_renamed(profile.user_id)
    return profile


def _hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (no password stretching).
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, scope: str = TokenScope.READ, lab_slug: str | None = None
) -> tuple[ApiToken, str]:
    """Create a personal token; return it with its secret, which is never stored or shown again."""
    from labs.models import Lab
    from labs.rules import is_lab_member

    if scope not in TokenScope.values:
        raise ApplicationError(
            _("Scope must be read or write."), fields={"scope": [_("Unknown scope.")]}
        )
    if not name.strip():
        raise ApplicationError(
            _("Name the token."), fields={"name": [_("This field is required.")]}
        )
    lab = None
    if lab_slug:
        lab = Lab.objects.filter(slug=lab_slug).first()
        if lab is None or not (user.is_superuser or is_lab_member(user, lab)):
            raise ApplicationError(
                _("You are not a member of that lab."), fields={"lab": [_("Unknown lab.")]}
            )
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash_token(raw),
        scope=scope,
        lab=lab,
    )
    return token, raw


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDeniedError(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for this secret, or None. Records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user__profile", "lab")
        .filter(token_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # update() skips auto_now: using a token is not a change to the token.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created with defaults if missing (e.g. after `createsuperuser`).

    Side effect: may insert a Profile row.
    """
    try:
        return user.profile
    except Profile.DoesNotExist:
        pass
    profile, _created = Profile.objects.get_or_create(
        user=user, defaults={"display_name": user.email.split("@")[0]}
    )
    return profile


def profile_set_language(*, actor: User, language: str) -> Profile:
    """Save the interface language the member picked with the language switch."""
    if language not in Language.values:
        raise ApplicationError(
            _("Choose Korean or English."), fields={"language": [_("Choose Korean or English.")]}
        )
    profile = profile_ensure(user=actor)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile
