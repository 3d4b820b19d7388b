"""Recruiting: the demo-day listing of labs taking applications, the application form (with a
sign-up for visitors without an account), leaders opening applications and deciding them,
and a person's own applications.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import ApplicationForm, DecisionForm, RecruitmentForm
from community.models import Application, ApplicationStatus, Recruitment
from community.views import redirect_after_write
from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.views_helpers import forbidden, is_htmx, request_user, submit_form
from labs.forms import JoinSignUpForm, apply_application_error
from labs.models import Cohort, MembershipStatus, Visibility
from labs.selectors import cohort_get_with_access_for_user
from members.models import Language

LISTING = "community/recruiting.html"
APPLY = "community/apply.html"
RECRUITMENT_FORM = "community/recruitment_form.html"
APPLICATIONS = "community/applications.html"
MINE = "community/my_applications.html"


class ApplySignUpForm(JoinSignUpForm, ApplicationForm):
    """A visitor without an account: the account and the application in one form."""


def _applications_url(cohort: Cohort) -> str:
    return reverse(
        "community:applications", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
    )


@require_GET
def recruiting(request: HttpRequest) -> HttpResponse:
    """Demo day: the public labs whose next cohort takes applications (one query)."""
    return render(request, LISTING, {"recruitments": list(selectors.recruitment_list_open())})


def _apply_page(
    request: HttpRequest, recruitment: Recruitment, form: Any, *, status: int = 200, **extra: Any
) -> HttpResponse:
    cohort = recruitment.cohort
    user = request.user
    pending = selectors.pending_application_for(user=user, cohort=cohort)
    member = (
        user.is_authenticated
        and cohort.memberships.filter(user=user, status=MembershipStatus.ACTIVE).exists()
    )
    context = {
        "recruitment": recruitment,
        "cohort": cohort,
        "lab": cohort.lab,
        "form": form,
        "pending": pending,
        "already_member": member,
        "is_open": recruitment.is_open and cohort.lab.visibility == Visibility.PUBLIC,
        **extra,
    }
    return render(request, template_for(request, APPLY, "form"), context, status=status)


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply to a recruiting cohort: a signed-in person with a motivation; a visitor signs up
    on the same form. A refusal re-renders the form (200) with the reason."""
    recruitment = selectors.recruitment_get_for_apply(user=request.user, pk=pk)
    if request.user.is_authenticated:
        form: Any = ApplicationForm(request.POST or None)
    else:
        form = ApplySignUpForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _apply_page(request, recruitment, form)
    data = form.cleaned_data
    try:
        if request.user.is_authenticated:
            application = services.application_submit(
                user=request_user(request),
                recruitment=recruitment,
                motivation=data["motivation"],
                answer=data.get("answer", ""),
            )
        else:
            language = translation.get_language() or Language.KOREAN
            application = services.application_submit_with_sign_up(
                recruitment=recruitment,
                email=data["email"],
                password=data["password"],
                display_name=data["display_name"],
                motivation=data["motivation"],
                answer=data.get("answer", ""),
                language=language if language in Language.values else Language.KOREAN,
            )
            login(
                request, application.applicant, backend="django.contrib.auth.backends.ModelBackend"
            )
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return _apply_page(request, recruitment, form)
    messages.success(request, _("Your application is sent. The lab's leaders will answer it here."))
    return redirect_after_write(request, reverse("community:my_applications"))


@login_required
@require_http_methods(["GET", "POST"])
def recruitment_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Lab leaders open a cohort to applications (closing date, a question), change the
    call, or close it early."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_change_lab:
        return forbidden(request, _("Only the lab's leaders can open applications."))
    recruitment = selectors.recruitment_for_cohort(cohort=cohort)
    if request.method == "POST" and request.POST.get("action") == "close":
        if recruitment is not None:
            services.recruitment_close(actor=user, recruitment=recruitment)
            messages.success(request, _("Applications are closed."))
        return redirect_after_write(request, _applications_url(cohort))
    initial = (
        {"closes_on": recruitment.closes_on, "question": recruitment.question}
        if recruitment
        else {"closes_on": timezone.localdate() + timedelta(days=14)}
    )
    form = RecruitmentForm(request.POST or None, initial=initial)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.recruitment_open(actor=user, cohort=cohort, **data),
            success_url=lambda _recruitment: _applications_url(cohort),
            notice=_("Applications are open. The cohort is on the demo-day list."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "recruitment": recruitment,
        "is_private": cohort.lab.visibility != Visibility.PUBLIC,
    }
    return render(request, template_for(request, RECRUITMENT_FORM, "form"), context)


@login_required
@require_GET
def applications(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """A cohort's applications for those who decide them: pending first, then answered."""
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators see its applications.")
        )
    lists = selectors.application_lists_for_cohort(cohort=cohort)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "recruitment": selectors.recruitment_for_cohort(cohort=cohort),
        "pending": lists.pending,
        "decided": lists.decided,
        "can_open": access.can_change_lab,
    }
    return render(request, APPLICATIONS, context)


@login_required
@require_POST
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or decline one application; with htmx its row is swapped for the answer."""
    user = request_user(request)
    application = selectors.application_get_for_user(user=user, pk=pk)
    form = DecisionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            application = services.application_decide(
                actor=user,
                application=application,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            error = exc.message
    else:
        error = _("Choose accept or decline.")
    if is_htmx(request):
        fresh = selectors.application_get_for_user(user=user, pk=pk)
        context = {"application": fresh, "row_error": error}
        return render(request, f"{APPLICATIONS}#application-row", context)
    if error:
        messages.error(request, error)
    elif application.status == ApplicationStatus.ACCEPTED:
        messages.success(request, _("Accepted: they are now a member of the cohort."))
    else:
        messages.success(request, _("Declined. The applicant has been told."))
    return redirect_after_write(request, _applications_url(application.cohort))


@login_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    """Where a person follows their applications."""
    user = request_user(request)
    return render(
        request,
        MINE,
        {"applications": list(selectors.application_list_for_applicant(user=user))},
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    application: Application = selectors.application_get_for_user(user=user, pk=pk)
    try:
        services.application_withdraw(actor=user, application=application)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect_after_write(request, reverse("community:my_applications"))
