"""Forms of the paper-review pages: they check the shape of the input; the rules live in
sessions.services.reviews."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions import reviews_import
from sessions.models import PaperStatus, SlotKind
from sessions.services.reviews import PaperFields

BIBTEX_FILE_MAX = 1_000_000


def _tags(value: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in value.replace(";", ",").split(",") if tag.strip())


class PaperForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=reviews_import.TITLE_MAX)
    url = forms.CharField(
        label=_("Link"),
        max_length=reviews_import.URL_MAX,
        required=False,
        help_text=_("arXiv, the venue's page or a PDF."),
        widget=forms.URLInput(attrs={"placeholder": "https://arxiv.org/abs/1706.03762"}),
    )
    authors = forms.CharField(
        label=_("Authors"), max_length=reviews_import.AUTHORS_MAX, required=False
    )
    venue = forms.CharField(label=_("Venue"), max_length=reviews_import.VENUE_MAX, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=500, required=False, help_text=_("Separated by commas.")
    )
    abstract = forms.CharField(
        label=_("Abstract"),
        max_length=reviews_import.ABSTRACT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def fields_for_service(self, **extra: Any) -> PaperFields:
        data = self.cleaned_data
        return PaperFields(
            title=data["title"],
            url=data.get("url") or "",
            authors=data.get("authors") or "",
            venue=data.get("venue") or "",
            year=data.get("year"),
            tags=_tags(data.get("tags") or ""),
            abstract=data.get("abstract") or "",
            **extra,
        )


class PaperEditForm(PaperForm):
    """The leaders' form: everything, plus status, track, demand, authors, slot, write-up."""

    track = forms.ChoiceField(label=_("Track"), choices=SlotKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=PaperStatus.choices)
    reviews_needed = forms.IntegerField(
        label=_("Reviews needed"),
        min_value=0,
        max_value=20,
        required=False,
        help_text=_("Empty: the cohort's default."),
    )
    member_authors = forms.TypedMultipleChoiceField(
        label=_("Members who wrote it"),
        coerce=int,
        required=False,
        help_text=_("They are never assigned to review it."),
        widget=forms.CheckboxSelectMultiple,
    )
    slot = forms.TypedChoiceField(
        label=_("Presented in"), coerce=int, required=False, empty_value=None
    )
    writeup_url = forms.CharField(
        label=_("Write-up link"),
        max_length=reviews_import.URL_MAX,
        required=False,
        widget=forms.URLInput(),
    )

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]],
        slots: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_authors"].choices = members  # type: ignore[attr-defined]
        self.fields["slot"].choices = [("", _("Not scheduled")), *slots]  # type: ignore[attr-defined]


class PasteForm(forms.Form):
    FORMATS = (("list", _("Links or arXiv ids, one per line")), ("bibtex", _("BibTeX")))

    kind = forms.ChoiceField(label=_("What you paste"), choices=FORMATS, initial="list")
    text = forms.CharField(
        label=_("Papers"),
        required=False,
        max_length=reviews_import.MAX_TEXT,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "https://arxiv.org/abs/1706.03762\narXiv:1810.04805",
            }
        ),
    )
    file = forms.FileField(
        label=_("Or a BibTeX file"),
        required=False,
        help_text=_("Read here, never sent anywhere."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > BIBTEX_FILE_MAX:
                raise forms.ValidationError(_("The file is larger than 1 MB."))
            data["text"] = upload.read().decode("utf-8", errors="replace")
            data["kind"] = "bibtex"
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Paste at least one paper, or choose a file."))
        return data


class ReviewSettingsForm(forms.Form):
    reviews_per_paper = forms.IntegerField(label=_("Reviews per paper"), min_value=0, max_value=20)
    load_cap = forms.IntegerField(label=_("Reviews per member at most"), min_value=0, max_value=50)
    due_days = forms.IntegerField(label=_("Days to write a review"), min_value=1, max_value=365)
    bidding_open = forms.BooleanField(label=_("Bidding open"), required=False)


class CapForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Member"), coerce=int)
    cap = forms.IntegerField(
        label=_("Reviews at most"),
        min_value=0,
        max_value=50,
        required=False,
        help_text=_("Empty: the cohort's default."),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = members  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    paper = forms.TypedChoiceField(label=_("Paper"), coerce=int)
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)

    def __init__(
        self,
        *args: Any,
        papers: list[tuple[int, str]],
        members: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paper"].choices = papers  # type: ignore[attr-defined]
        self.fields["reviewer"].choices = members  # type: ignore[attr-defined]


class WriteupForm(forms.Form):
    writeup_url = forms.CharField(
        label=_("Write-up link"),
        max_length=reviews_import.URL_MAX,
        required=False,
        help_text=_("A blog post, slides or code."),
        widget=forms.URLInput(),
    )
    writeup_notes = forms.CharField(
        label=_("Notes (Markdown)"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
