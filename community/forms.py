"""Forms of the community pages; they shape input only, community.services decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community import services
from community.models import EventKind, OutputKind
from labs.forms import DateInput
from sessions.forms import DateTimeInput


class ShowcaseForm(forms.Form):
    story = forms.CharField(
        label=_("The story behind the lab"),
        required=False,
        max_length=services.STORY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Why the lab exists and how it got its name. Markdown works."),
    )
    activities = forms.CharField(
        label=_("What a cohort does"),
        required=False,
        max_length=services.ACTIVITIES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The tracks, the rhythm, what members present. Markdown works."),
    )


class OutputForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")
    kind = forms.ChoiceField(label=_("Kind"), choices=OutputKind.choices)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class ShowcaseEntryForm(forms.Form):
    introduction = forms.CharField(
        label=_("Short introduction"),
        max_length=services.INTRODUCTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A line or two visitors will read next to your name."),
    )


class RecruitmentForm(forms.Form):
    closes_on = forms.DateField(label=_("Applications close on"), widget=DateInput())
    question = forms.CharField(
        label=_("Question for applicants"),
        max_length=500,
        required=False,
        help_text=_("Optional, e.g. which paper would you like to present?"),
    )


class ApplicationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why do you want to join?"),
        max_length=services.MOTIVATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=services.MOTIVATION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    note = forms.CharField(label=_("Note to the applicant"), max_length=500, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What was presented and decided. Markdown works."),
    )


class NoteQuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Question"), max_length=services.QUESTION_MAX_LENGTH, required=False
    )
    answer = forms.CharField(
        label=_("Answer"),
        max_length=services.ANSWER_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    links = forms.CharField(
        label=_("Reference links, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


NoteQuestionFormSet = forms.formset_factory(
    NoteQuestionForm, extra=1, max_num=services.MAX_NOTE_QUESTIONS, validate_max=True
)


class NoteWriterForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Member"), coerce=int)
    meeting = forms.TypedChoiceField(label=_("For"), coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]],
        meetings: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.TypedChoiceField)
        user.choices = members
        meeting = self.fields["meeting"]
        assert isinstance(meeting, forms.TypedChoiceField)
        meeting.choices = [("", _("Every meeting of the cohort")), *meetings]


class _CohortChoiceForm(forms.Form):
    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int)

    def __init__(self, *args: Any, cohorts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cohort = self.fields["cohort"]
        assert isinstance(cohort, forms.TypedChoiceField)
        cohort.choices = cohorts


class TalkForm(_CohortChoiceForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    speaker = forms.CharField(label=_("Speaker"), max_length=120)
    speaker_intro = forms.CharField(label=_("About the speaker"), max_length=500, required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput(), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown works."),
    )
    host = forms.TypedChoiceField(
        label=_("Host"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The member who hosts: they see the questions by votes and mark answers."),
    )

    def __init__(
        self,
        *args: Any,
        cohorts: list[tuple[int, str]],
        members: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, cohorts=cohorts, **kwargs)
        host = self.fields["host"]
        assert isinstance(host, forms.TypedChoiceField)
        host.choices = [("", _("Nobody in particular")), *members]


class TalkQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=services.TALK_QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the answer"),
        max_length=services.SUMMARY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EventForm(_CohortChoiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("When"),
        widget=DateTimeInput(),
        help_text=_("For a deadline: the moment submissions close."),
    )
    ends_at = forms.DateTimeField(label=_("Until"), widget=DateTimeInput(), required=False)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Notes"),
        max_length=services.EVENT_DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
