"""Forms of the schedule pages (series and single meetings); they shape input only, the
services in sessions.services.meetings decide what is allowed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from labs.forms import DateInput
from sessions import series as cadence_rules
from sessions.models import Location

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker, in the viewer's time zone (Django converts it)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class _PlaceForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Place"), queryset=Location.objects.none(), required=False
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("A video call link, if people can join online."),
    )
    save_anyway = forms.BooleanField(
        label=_("Save anyway, despite the warnings above"), required=False
    )

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.queryset = locations


class SeriesForm(_PlaceForm):
    interval_weeks = forms.IntegerField(
        label=_("Every N weeks"),
        min_value=1,
        max_value=cadence_rules.MAX_INTERVAL_WEEKS,
        initial=2,
        help_text=_("1 is weekly, 2 every two weeks."),
    )
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=_("Start time"), widget=TimeInput())
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        max_value=cadence_rules.MAX_DURATION_MINUTES,
        initial=240,
    )
    first_date = forms.DateField(label=_("First date"), widget=DateInput())
    count = forms.IntegerField(
        label=_("Number of meetings"),
        min_value=1,
        max_value=cadence_rules.MAX_MEETINGS,
        required=False,
        help_text=_("Meetings actually held: skipped dates push the series later."),
    )
    until = forms.DateField(label=_("Or: last date"), widget=DateInput(), required=False)
    skip_dates = forms.CharField(
        label=_("Dates to skip"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "2026-05-05"}),
        help_text=_("Holidays: one date per line (or separated by commas), like 2026-05-05."),
    )
    timezone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="Asia/Seoul", help_text=_("e.g. Asia/Seoul")
    )
    field_order = [
        "interval_weeks",
        "weekday",
        "start_time",
        "duration_minutes",
        "first_date",
        "count",
        "until",
        "skip_dates",
        "timezone",
        "location",
        "online_url",
        "save_anyway",
    ]

    def clean_skip_dates(self) -> list[date]:
        raw = self.cleaned_data.get("skip_dates") or ""
        parts = [p for p in raw.replace(",", "\n").split() if p]
        try:
            return sorted(cadence_rules.parse_skip_dates(parts))
        except cadence_rules.CadenceError:
            raise forms.ValidationError(
                _("Dates to skip must be dates like 2026-05-05."), code="invalid"
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if cleaned.get("count") is None and cleaned.get("until") is None:
            self.add_error("count", _("Give a number of meetings or a last date."))
        elif cleaned.get("count") is not None and cleaned.get("until") is not None:
            self.add_error("until", _("Give either a number of meetings or a last date, not both."))
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data under the service's argument names."""
        data = dict(self.cleaned_data)
        data.pop("save_anyway", None)
        data["timezone_name"] = data.pop("timezone").strip()
        data["online_url"] = data.get("online_url") or ""
        return data


class MeetingForm(_PlaceForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    agenda = forms.CharField(
        label=_("Agenda"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    rsvp_deadline = forms.DateTimeField(
        label=_("RSVP deadline"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Optional. Without one, answers close when the meeting starts."),
    )
    field_order = [
        "title",
        "starts_at",
        "ends_at",
        "location",
        "online_url",
        "agenda",
        "rsvp_deadline",
        "save_anyway",
    ]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("save_anyway", None)
        data["online_url"] = data.get("online_url") or ""
        return data
