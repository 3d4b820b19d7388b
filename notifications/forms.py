"""Forms of the notifications pages: a member's preferences, a rule, the cohort's webhook."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.forms import add_service_errors
from notifications.models import WebhookFlavor

__all__ = ["PreferencesForm", "ReminderRuleForm", "WebhookForm", "add_service_errors"]


class PreferencesForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Send me email"), required=False)
    inapp_enabled = forms.BooleanField(label=_("Put reminders in my Labmate inbox"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("No email in these hours (your time zone); it waits until they end."),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    digest = forms.BooleanField(
        label=_("One daily digest email instead of single emails"), required=False
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Digest at"),
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        initial=8,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            self.add_error(
                "quiet_end", _("Give both the start and the end of your quiet hours, or neither.")
            )
        return data


class ReminderRuleForm(forms.Form):
    enabled = forms.BooleanField(label=_("On"), required=False)
    hours_before = forms.IntegerField(
        label=_("Hours before"), min_value=1, max_value=24 * 60, widget=forms.NumberInput()
    )
    to_webhook = forms.BooleanField(label=_("Also post to the chat"), required=False)


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A Slack or Discord incoming-webhook address. Empty removes it."),
    )
    flavor = forms.ChoiceField(label=_("Format"), choices=WebhookFlavor.choices)
    enabled = forms.BooleanField(label=_("On"), required=False, initial=True)
