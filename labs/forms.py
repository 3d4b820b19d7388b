"""Forms for the labs pages; they only shape input, the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from labs.models import CohortStatus, Role, Visibility
from labs.services import INVITATION_MAX_DAYS


class DateInput(forms.DateInput):
    """A native date picker; ISO values are what <input type=date> sends and expects."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service refusal on the form: field messages on their fields, the rest on top."""
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    form.add_error(None, exc.message)


class LabCreateForm(forms.Form):
    name = forms.CharField(label=_("Lab name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        required=False,
        help_text=_("Letters, numbers and hyphens, used in the lab's web address. Optional."),
    )
    topic = forms.CharField(label=_("Topic"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.PRIVATE,
        help_text=_(
            "A public lab shows its name, topic and cohorts to everyone; rosters stay private."
        ),
    )
    cohort_number = forms.IntegerField(label=_("First cohort number"), min_value=1, initial=1)
    cohort_name = forms.CharField(label=_("First cohort name"), max_length=120, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())


class LabEditForm(forms.Form):
    name = forms.CharField(label=_("Lab name"), max_length=120)
    topic = forms.CharField(label=_("Topic"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)


class CohortEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=CohortStatus.choices)


class CohortCreateForm(CohortEditForm):
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to use the next number."),
    )
    field_order = ["number", "name", "start_date", "end_date", "status"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


INVITABLE_ROLES = [(r.value, r.label) for r in (Role.MEMBER, Role.FACILITATOR, Role.GUEST)]


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=INVITABLE_ROLES, initial=Role.MEMBER)
    email = forms.EmailField(
        label=_("Only for this email"),
        required=False,
        help_text=_("Optional. Leave empty for a link anyone can use."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, max_value=INVITATION_MAX_DAYS, initial=14
    )
    max_uses = forms.IntegerField(label=_("Maximum uses"), min_value=1, max_value=500, initial=20)


class RollOverForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=_("Who carries over"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They join the new cohort with the role they have now. You lead it."),
    )
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to use the next number."),
    )
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    finish_source = forms.BooleanField(
        label=_("Mark this cohort as finished"), required=False, initial=True
    )

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.TypedMultipleChoiceField)
        members.choices = member_choices
        members.initial = [value for value, _label in member_choices]


class JoinSignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("The name other members will see."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, again = cleaned.get("password"), cleaned.get("password2")
        if password and again and password != again:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned
