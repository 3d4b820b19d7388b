"""The public lab page (showcase), its settings for leaders, and a member's opt-in.

A public lab's page is open to everyone, signed in or not; a private lab's page is a 404 for
anyone outside it (its members see a preview). Only members who opted in are named.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import OutputForm, ShowcaseEntryForm, ShowcaseForm
from community.models import ShowcaseOutput
from community.views import member_lab, redirect_after_write
from core.htmx import template_for
from core.views_helpers import forbidden, request_user, submit_form, write_and_redirect
from labs.models import Cohort, Lab, Visibility

PAGE = "community/showcase.html"
EDIT = "community/showcase_edit.html"
ME = "community/showcase_me.html"


def _showcase_url(lab: Lab) -> str:
    return reverse("community:showcase", kwargs={"slug": lab.slug})


def _edit_url(lab: Lab) -> str:
    return reverse("community:showcase_edit", kwargs={"slug": lab.slug})


@require_GET
def showcase(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's public page: its story, what a cohort does, the members who opted in, past
    presentations, outputs, and the cohorts taking applications."""
    lab, access = selectors.showcase_lab_get(user=request.user, slug=slug)
    members = selectors.showcase_members(lab=lab)
    shown = {member.user_id for member in members}
    showcase_row = getattr(lab, "showcase", None)
    context = {
        "lab": lab,
        "showcase": showcase_row,
        "members": members,
        "presentations": selectors.showcase_presentations(lab=lab, shown_user_ids=shown),
        "outputs": selectors.showcase_outputs(lab=lab),
        "recruitments": selectors.recruitment_list_open_for_lab(lab=lab),
        "is_member": access.can_view_private_lab,
        "can_edit": access.can_change_lab,
        "is_private": lab.visibility != Visibility.PUBLIC,
        "opted_in": request.user.is_authenticated and request.user.pk in shown,
    }
    return render(request, PAGE, context)


def _cohort_rows(lab: Lab) -> list[tuple[Cohort, object]]:
    """The lab's cohorts (newest first) with their recruitment, if any (one query)."""
    cohorts = Cohort.objects.filter(lab=lab).select_related("recruitment").order_by("-number")
    return [(cohort, getattr(cohort, "recruitment", None)) for cohort in cohorts]


def _edit_page(
    request: HttpRequest, lab: Lab, form: ShowcaseForm, output_form: OutputForm, partial: str = ""
) -> HttpResponse:
    context = {
        "lab": lab,
        "form": form,
        "output_form": output_form,
        "outputs": selectors.showcase_outputs(lab=lab),
        "cohort_rows": _cohort_rows(lab),
        "is_private": lab.visibility != Visibility.PUBLIC,
    }
    template = template_for(request, EDIT, partial) if partial else EDIT
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def showcase_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Leaders write the lab's story and what a cohort does, list its outputs and open
    cohorts to applications."""
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    if not access.can_change_lab:
        return forbidden(request, _("Only the lab's leaders edit its page."))
    current = getattr(lab, "showcase", None)
    initial = {
        "story": current.story if current else "",
        "activities": current.activities if current else "",
    }
    form = ShowcaseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.showcase_update(actor=user, lab=lab, **data),
            success_url=lambda _saved: _edit_url(lab),
            notice=_("The lab's page is saved."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    return _edit_page(request, lab, form, OutputForm(), "story-form")


@login_required
@require_POST
def showcase_output_add(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    if not access.can_change_lab:
        return forbidden(request, _("Only the lab's leaders edit its page."))
    output_form = OutputForm(request.POST)
    response = submit_form(
        request,
        output_form,
        lambda data: services.showcase_output_create(actor=user, lab=lab, **data),
        success_url=lambda _output: _edit_url(lab) + "#outputs",
        notice=_("Added to the lab's page."),
        drop_fragment=True,
    )
    if response is not None:
        return response
    current = getattr(lab, "showcase", None)
    form = ShowcaseForm(
        initial={
            "story": current.story if current else "",
            "activities": current.activities if current else "",
        }
    )
    return _edit_page(request, lab, form, output_form, "output-form")


@login_required
@require_POST
def showcase_output_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    lab, _access = member_lab(user=user, slug=slug)
    output = ShowcaseOutput.objects.filter(lab=lab, pk=pk).first()
    if output is None:
        return redirect_after_write(request, _edit_url(lab) + "#outputs")
    return write_and_redirect(
        request,
        lambda: services.showcase_output_delete(actor=user, output=output),
        notice=_("Removed from the lab's page."),
        url=_edit_url(lab) + "#outputs",
        drop_fragment=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def showcase_me(request: HttpRequest, slug: str) -> HttpResponse:
    """A member chooses to appear on the lab's public page with a short introduction, or not."""
    user = request_user(request)
    lab, _access = member_lab(user=user, slug=slug)
    entry = selectors.showcase_entry_for(user=user, lab=lab)
    if request.method == "POST" and request.POST.get("action") == "remove":
        services.showcase_member_remove(actor=user, lab=lab)
        messages.success(request, _("You no longer appear on the lab's page."))
        return redirect_after_write(request, _showcase_url(lab))
    form = ShowcaseEntryForm(
        request.POST or None, initial={"introduction": entry.introduction if entry else ""}
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.showcase_member_set(
                actor=user, lab=lab, introduction=data["introduction"]
            ),
            success_url=lambda _entry: _showcase_url(lab),
            notice=_("You appear on the lab's page."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    context = {
        "lab": lab,
        "form": form,
        "entry": entry,
        "is_private": lab.visibility != Visibility.PUBLIC,
    }
    return render(request, template_for(request, ME, "form"), context)
