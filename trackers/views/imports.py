"""The two steps of a CSV import page, shared by the coding and interview studies: stash the
uploaded file, then map its columns, preview and (all or nothing) import it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.views_helpers import forbidden, request_user
from labs.models import Cohort
from labs.selectors import cohort_get_with_access_for_user
from trackers import csv_import

UPLOAD_TEMPLATE = "trackers/import_upload.html"
PREVIEW_TEMPLATE = "trackers/import_preview.html"

# Runs the import of an upload with a column mapping; `commit=False` only previews it.
Run = Callable[[csv_import.Upload, dict[str, int | None], bool], csv_import.ImportResult]


class CsvUploadForm(forms.Form):
    """Step 1's form: the sheet, exported as CSV (a board's form adds what the file holds)."""

    file = forms.FileField(
        label=_lazy("CSV file"),
        help_text=_lazy(
            "From Google Sheets: File → Download → CSV. UTF-8 or Excel's Korean CSV (CP949)."
        ),
    )


def importing_cohort(
    request: HttpRequest, slug: str, number: int
) -> tuple[Cohort, HttpResponse | None]:
    """The cohort (404 for outsiders), and the 403 page unless the viewer manages it."""
    cohort, access = cohort_get_with_access_for_user(
        user=request_user(request), slug=slug, number=number
    )
    if not access.can_manage(cohort):
        return cohort, forbidden(
            request, _("Only the cohort's leaders and facilitators can import.")
        )
    return cohort, None


def upload_page(
    request: HttpRequest,
    *,
    cohort: Cohort,
    form: forms.Form,
    scope: str,
    kind_of: Callable[[dict[str, Any]], str],
    preview_url: Callable[[str], str],
    context: Mapping[str, Any],
) -> HttpResponse:
    """Step 1: on a valid POST stash the file and go to its preview; else show the form."""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            token = csv_import.stash_upload(
                user_id=request_user(request).pk,
                scope=scope,
                kind=kind_of(form.cleaned_data),
                filename=upload.name or "",
                data=upload.read(csv_import.MAX_BYTES + 1),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(preview_url(token))
    return render(
        request, UPLOAD_TEMPLATE, {"lab": cohort.lab, "cohort": cohort, "form": form, **context}
    )


def preview_page(
    request: HttpRequest,
    *,
    cohort: Cohort,
    upload: csv_import.Upload | None,
    token: str,
    fields: Callable[[csv_import.Upload], Sequence[csv_import.Field]],
    run: Run,
    kind_label: Callable[[csv_import.Upload], str | Promise],
    upload_url: str,
    done_url: str,
    context: Mapping[str, Any],
) -> HttpResponse:
    """Step 2: map the columns (guessed from the header on GET) and preview; "Import" writes
    every row or none, then goes to `done_url`. An expired upload goes back to step 1."""
    if upload is None:
        messages.error(request, _("That upload has expired. Upload the file again."))
        return redirect(upload_url)
    upload_fields = fields(upload)
    if request.method == "POST":
        mapping = csv_import.mapping_from_choices(upload_fields, upload.table.header, request.POST)
    else:
        mapping = csv_import.guess_mapping(upload_fields, upload.table.header)
    commit = request.method == "POST" and request.POST.get("action") == "import"
    try:
        result = run(upload, mapping, commit)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    if result.committed:
        csv_import.drop_upload(token=token)
        messages.success(
            request,
            _("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
            % {
                "created": result.counts[csv_import.CREATED],
                "updated": result.counts[csv_import.UPDATED],
                "unchanged": result.counts[csv_import.UNCHANGED],
            },
        )
        return redirect(done_url)
    labels = {field.name: str(field.label) for field in upload_fields}
    page = {
        "lab": cohort.lab,
        "cohort": cohort,
        "upload": upload,
        "kind_label": kind_label(upload),
        "fields": [
            {
                "field": field,
                "choice": "" if mapping[field.name] is None else str(mapping[field.name]),
            }
            for field in upload_fields
        ],
        "columns": csv_import.header_choices(upload.table.header),
        "sample": upload.table.rows[:5],
        "result": result,
        "errors": [
            {"line": error.line, "field": labels.get(error.field, ""), "message": error.message}
            for error in result.errors
        ],
        "tried_import": commit,
        **context,
    }
    return render(request, template_for(request, PREVIEW_TEMPLATE, "preview"), page)
