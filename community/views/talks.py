"""Guest talks: the lab's talks, adding and editing one, and a talk's page where members send
and upvote questions before it starts, the host sees them by votes and marks answers, and
which reads as the Q&A record afterwards.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import AnswerForm, TalkForm, TalkQuestionForm
from community.models import GuestTalk, TalkQuestion
from community.views import member_lab, redirect_after_write
from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.views_helpers import forbidden, is_htmx, request_user, submit_form
from labs.forms import apply_application_error
from labs.models import Cohort, Lab, Membership, MembershipStatus
from labs.selectors import ViewerAccess, viewer_access_for_lab
from members.models import User, display_name_for

LIST = "community/talk_list.html"
FORM = "community/talk_form.html"
DETAIL = "community/talk_detail.html"


def _talk_url(talk: GuestTalk) -> str:
    return reverse("community:talk_detail", kwargs={"pk": talk.pk})


def _lab_member_choices(lab: Lab) -> list[tuple[int, str]]:
    """Active members of the lab (any cohort), by name, for the host field (one query)."""
    rows = (
        Membership.objects.filter(cohort__lab=lab, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email")
        .values_list("user_id", "user__email", "user__profile__display_name")
        .distinct()
    )
    seen: dict[int, str] = {}
    for user_id, email, name in rows:
        seen.setdefault(user_id, display_name_for(email, name))
    return list(seen.items())


def _cohort_choices(cohorts: list[Cohort]) -> list[tuple[int, str]]:
    return [(c.pk, c.label) for c in cohorts]


@login_required
@require_GET
def talk_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's guest talks, newest first, with how many questions were sent and answered."""
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    context = {
        "lab": lab,
        "talks": list(selectors.talk_list_for_lab(lab=lab)),
        "can_add": access.can_change_lab or bool(access.managed_cohort_ids),
    }
    return render(request, LIST, context)


def _talk_data(form: TalkForm, cohorts: list[Cohort]) -> tuple[Cohort | None, dict[str, Any]]:
    data = dict(form.cleaned_data)
    cohort = next((c for c in cohorts if c.pk == data.pop("cohort")), None)
    host_id = data.pop("host")
    data["host"] = User.objects.filter(pk=host_id).first() if host_id else None
    return cohort, data


def _form_page(
    request: HttpRequest, lab: Lab, form: TalkForm, talk: GuestTalk | None, action: str
) -> HttpResponse:
    context = {"lab": lab, "form": form, "talk": talk, "action": action}
    return render(request, template_for(request, FORM, "form"), context)


@login_required
@require_http_methods(["GET", "POST"])
def talk_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Leaders and facilitators record a guest talk for one of their cohorts."""
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    cohorts = selectors.manageable_cohorts(lab=lab, access=access)
    if not cohorts:
        return forbidden(request, _("Only the cohort's leaders and facilitators add guest talks."))
    form = TalkForm(
        request.POST or None,
        cohorts=_cohort_choices(cohorts),
        members=_lab_member_choices(lab),
        initial={"cohort": cohorts[0].pk, "host": user.pk},
    )
    if request.method == "POST":

        def save(_data: dict[str, Any]) -> GuestTalk:
            cohort, data = _talk_data(form, cohorts)
            assert cohort is not None  # the form only offers these cohorts
            return services.talk_create(actor=user, cohort=cohort, **data)

        response = submit_form(
            request,
            form,
            save,
            success_url=_talk_url,
            notice=_("The talk is saved. Members can send questions now."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    return _form_page(
        request, lab, form, None, reverse("community:talk_create", kwargs={"slug": lab.slug})
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    talk = selectors.talk_get_for_user(user=user, pk=pk)
    lab = talk.cohort.lab
    if not user.has_perm("community.change_talk", talk):
        return forbidden(request, _("Only the talk's host and the cohort's leaders change it."))
    cohorts = [talk.cohort]
    initial = {name: getattr(talk, name) for name in services.TALK_FIELDS if name != "host"}
    initial |= {"cohort": talk.cohort_id, "host": talk.host_id}
    form = TalkForm(
        request.POST or None,
        cohorts=_cohort_choices(cohorts),
        members=_lab_member_choices(lab),
        initial=initial,
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda _data: services.talk_update(
                actor=user, talk=talk, **_talk_data(form, cohorts)[1]
            ),
            success_url=lambda _saved: _talk_url(talk),
            notice=_("The talk is saved."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    return _form_page(
        request, lab, form, talk, reverse("community:talk_edit", kwargs={"pk": talk.pk})
    )


def _detail_context(
    request: HttpRequest, talk: GuestTalk, access: ViewerAccess, user: User, **extra: Any
) -> dict[str, Any]:
    questions = selectors.talk_question_list_for_talk(talk=talk, user=user)
    can_host = talk.host_id == user.pk or access.can_manage(talk.cohort)
    started = talk.has_started
    if started:
        # The record: answered questions first (by votes), then the rest.
        questions.sort(key=lambda q: q.answered_at is None)
    return {
        "lab": talk.cohort.lab,
        "cohort": talk.cohort,
        "talk": talk,
        "questions": questions,
        "started": started,
        "can_host": can_host,
        "can_ask": access.is_lab_member and not started,
        "answered_count": sum(1 for q in questions if q.answered_at is not None),
        "ask_form": extra.pop("ask_form", None) or TalkQuestionForm(),
        **extra,
    }


@login_required
@require_GET
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before the talk: questions by votes, a form to ask, a vote button each. For the host:
    an answer form each. After the talk: the Q&A record."""
    user = request_user(request)
    talk = selectors.talk_get_for_user(user=user, pk=pk)
    access = viewer_access_for_lab(user=user, lab=talk.cohort.lab)
    return render(request, DETAIL, _detail_context(request, talk, access, user))


@login_required
@require_POST
def talk_question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    talk = selectors.talk_get_for_user(user=user, pk=pk)
    form = TalkQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.talk_question_ask(actor=user, talk=talk, text=form.cleaned_data["text"])
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("Your question is in. Others can upvote it now."))
            return redirect_after_write(request, _talk_url(talk) + "#questions")
    access = viewer_access_for_lab(user=user, lab=talk.cohort.lab)
    context = _detail_context(request, talk, access, user, ask_form=form)
    return render(request, template_for(request, DETAIL, "ask-form"), context)


def _question_row(
    request: HttpRequest, question: TalkQuestion, user: User, error: str = ""
) -> HttpResponse:
    """One question's row (after a vote or an answer), for htmx to swap in."""
    talk = question.talk
    fresh = next(
        q
        for q in selectors.talk_question_list_for_talk(talk=talk, user=user)
        if q.pk == question.pk
    )
    access = viewer_access_for_lab(user=user, lab=talk.cohort.lab)
    context = {
        "talk": talk,
        "question": fresh,
        "started": talk.has_started,
        "can_host": talk.host_id == user.pk or access.can_manage(talk.cohort),
        "can_ask": access.is_lab_member and not talk.has_started,
        "row_error": error,
    }
    return render(request, f"{DETAIL}#question-row", context)


@login_required
@require_POST
def talk_question_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Upvote a question, or take the vote back (action=unvote)."""
    user = request_user(request)
    question = selectors.talk_question_get_for_user(user=user, pk=pk)
    error = ""
    try:
        if request.POST.get("action") == "unvote":
            services.talk_question_unvote(actor=user, question=question)
        else:
            services.talk_question_vote(actor=user, question=question)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        error = exc.message
    if is_htmx(request):
        return _question_row(request, question, user, error)
    if error:
        messages.error(request, error)
    return redirect_after_write(request, _talk_url(question.talk) + f"#question-{question.pk}")


@login_required
@require_POST
def talk_question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The host marks a question answered with a short summary (action=reopen takes it back)."""
    user = request_user(request)
    question = selectors.talk_question_get_for_user(user=user, pk=pk)
    form = AnswerForm(request.POST)
    error = ""
    try:
        if request.POST.get("action") == "reopen":
            services.talk_question_reopen(actor=user, question=question)
        elif form.is_valid():
            services.talk_question_answer(
                actor=user, question=question, summary=form.cleaned_data["summary"]
            )
        else:
            error = _("Keep the summary short.")
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        error = exc.message
    if is_htmx(request):
        return _question_row(request, question, user, error)
    if error:
        messages.error(request, error)
    return redirect_after_write(request, _talk_url(question.talk) + f"#question-{question.pk}")


@login_required
@require_POST
def talk_question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.talk_question_get_for_user(user=user, pk=pk)
    talk = question.talk
    try:
        services.talk_question_delete(actor=user, question=question)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question is removed."))
    return redirect_after_write(request, _talk_url(talk) + "#questions")
