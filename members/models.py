"""Users keyed by email, their profiles and their personal API tokens."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: store them lower-cased and trimmed."""
    return email.strip().lower()


def display_name_for(email: str, profile_display_name: str | None) -> str:
    """What a member is called: their profile's name, else their email's local part.

    Also applied to plain rows (an API list reads columns, not User objects).
    """
    return profile_display_name or email.split("@")[0]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        profile = getattr(self, "profile", None)
        return display_name_for(self.email, profile.display_name if profile else None)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Profile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=80)
    bio = models.TextField(_("bio"), blank=True, max_length=2000)
    interests = models.CharField(_("interests"), max_length=300, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Seoul", validators=[validate_timezone]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.KOREAN
    )
    # Home area for fair meeting places: a label (e.g. a district) and coordinates rounded to
    # 0.01° (about 1 km) before they are stored. Only the member sees them; leaders see
    # aggregates (trip lengths), never a member's area.
    home_area = models.CharField(_("home area"), max_length=80, blank=True)
    home_latitude = models.DecimalField(
        _("home latitude"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    home_longitude = models.DecimalField(
        _("home longitude"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # Secret for the personal calendar feed URL; resetting it invalidates old subscriptions.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=[c.value for c in Language]),
                name="profile_language_known",
            ),
            models.CheckConstraint(
                condition=models.Q(home_latitude__isnull=True, home_longitude__isnull=True)
                | models.Q(
                    home_latitude__gte=-90,
                    home_latitude__lte=90,
                    home_longitude__gte=-180,
                    home_longitude__lte=180,
                ),
                name="profile_home_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(TimeStampedModel):
    """A personal API token. Only a SHA-256 hash is kept; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("Shown so you can tell tokens apart.")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    lab = models.ForeignKey(
        "labs.Lab",
        verbose_name=_("limited to lab"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=[c.value for c in TokenScope]),
                name="apitoken_scope_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE
