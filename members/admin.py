"""Admin for members: email-keyed users with their profile inline, and API tokens (hash only)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members.forms import EmailUserChangeForm, EmailUserCreationForm
from members.models import ApiToken, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    # Every account needs a profile (display name, time zone, language).
    min_num = 1
    max_num = 1
    can_delete = False
    fields = ("display_name", "bio", "interests", "timezone", "language")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    inlines = (ProfileInline,)
    list_display = ("email", "display_name", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    list_select_related = ("profile",)
    search_fields = ("email", "profile__display_name")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("display name"), ordering="profile__display_name")
    def display_name(self, obj: User) -> str:
        return obj.display_name


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created on the settings page or with `issue_token`, the only places that
    can show the secret once; the admin only sees the prefix and the hash, and can revoke."""

    list_display = ("name", "user", "prefix", "scope", "lab", "created_at", "last_used_at")
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user", "lab")
    search_fields = ("name", "prefix", "user__email")
    ordering = ("-created_at",)
    fields = (
        "user",
        "name",
        "prefix",
        "token_hash",
        "scope",
        "lab",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "user",
        "prefix",
        "token_hash",
        "scope",
        "lab",
        "created_at",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
