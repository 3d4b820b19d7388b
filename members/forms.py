"""Forms for the members pages: login, password reset, profile settings and API tokens."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordResetForm,
    UserChangeForm,
)
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from labs.models import Lab
from labs.selectors import lab_list_for_member
from members.models import Language, TokenScope, User, normalize_email

DEFAULT_TIMEZONE = "Asia/Seoul"


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, sorted, with Korea time first because most members live there."""
    names = sorted(zoneinfo.available_timezones() - {DEFAULT_TIMEZONE})
    return [(name, name) for name in [DEFAULT_TIMEZONE, *names]]


def add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service refusal on the form: field messages on their fields, the rest on top."""
    placed = False
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with email and password.

    The field stays named "username": django-axes reads that POST key to count failures.
    """

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("Email")
        field.widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "maxlength": 254}
        )

    def clean_username(self) -> str:
        # Emails are stored lower-cased; normalise before authenticate() so that axes
        # counts "Me@Example.com" and "me@example.com" as the same account.
        return normalize_email(self.cleaned_data.get("username") or "")

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            _("The email or password is not correct."), code="invalid_login"
        )


class LocalizedPasswordResetForm(PasswordResetForm):
    """Password reset that writes each email in its recipient's own language."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        profile = getattr(context["user"], "profile", None)
        language = profile.language if profile is not None else translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80)
    bio = forms.CharField(
        label=_("Bio"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    interests = forms.CharField(
        label=_("Interests"),
        max_length=300,
        required=False,
        help_text=_("For example: NLP, reinforcement learning, coding tests."),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “Notion sync”."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    lab: forms.ModelChoiceField[Lab] = forms.ModelChoiceField(
        label=_("Limit to lab"),
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label=_("All my labs"),
        help_text=_("A token limited to a lab sees nothing outside it."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lab_field = self.fields["lab"]
        assert isinstance(lab_field, forms.ModelChoiceField)
        # The select needs only names and slugs: drop the selector's cohort prefetch.
        lab_field.queryset = lab_list_for_member(user=user).prefetch_related(None)


class EmailUserCreationForm(AdminUserCreationForm):
    """Admin "add user" form for our email-keyed User."""

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class EmailUserChangeForm(UserChangeForm):
    """Admin "change user" form for our email-keyed User."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])
