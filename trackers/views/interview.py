"""Pages of the interview study: a cohort's weekly topics, a topic's questions with model
answers and answers, the lab's question bank (search, topic filter, CSV export), and "draw a
question" for practice.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
trackers.services.interview, whose refusals are shown here (a form error re-renders the form
with status 200; a refusal of the role is a 403 page). Every htmx request has a plain form or
link beside it, so the pages work without JavaScript.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.pagination import paginate
from core.spreadsheet import csv_response
from core.views_helpers import (
    forbidden,
    is_active_member,
    is_htmx,
    request_user,
    safe_next,
    submit_form,
    write_and_redirect,
)
from labs.forms import apply_application_error
from labs.models import Cohort
from labs.selectors import ViewerAccess, cohort_get_with_access_for_user, viewer_access_for_lab
from members.models import User
from trackers import csv_import
from trackers.models import Answer, InterviewTopic, Question
from trackers.selectors import interview as selectors
from trackers.services.interview import (
    MARKDOWN_MAX,
    QUESTION_TEXT_MAX,
    TOPIC_DESCRIPTION_MAX,
    TOPIC_TITLE_MAX,
    WEEK_MAX,
    WEEK_MIN,
    QuestionImporter,
    answer_create,
    answer_delete,
    answer_update,
    interview_topic_create,
    interview_topic_delete,
    interview_topic_update,
    practice_mark,
    practice_unmark,
    question_create,
    question_delete,
    question_import,
    question_update,
)
from trackers.views import imports

TOPICS_TEMPLATE = "trackers/interview_topics.html"
TOPIC_TEMPLATE = "trackers/interview_topic.html"
TOPIC_FORM_TEMPLATE = "trackers/interview_topic_form.html"
QUESTION_TEMPLATE = "trackers/interview_question.html"
QUESTION_FORM_TEMPLATE = "trackers/interview_question_form.html"
ANSWER_FORM_TEMPLATE = "trackers/interview_answer_form.html"
BANK_TEMPLATE = "trackers/interview_bank.html"
DRAW_TEMPLATE = "trackers/interview_draw.html"
PARTS_TEMPLATE = "trackers/interview_parts.html"


def topic_url(topic: InterviewTopic) -> str:
    return reverse("trackers:interview_topic", kwargs={"pk": topic.pk})


def question_url(question: Question) -> str:
    return reverse("trackers:interview_question", kwargs={"pk": question.pk})


def topics_url(cohort: Cohort) -> str:
    return reverse(
        "trackers:interview_topics", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
    )


def _int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- forms (shape only; the services decide) -----------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    """A native date-and-time picker in the viewer's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class TopicForm(forms.Form):
    week = forms.IntegerField(label=_lazy("Week"), min_value=WEEK_MIN, max_value=WEEK_MAX)
    title = forms.CharField(
        label=_lazy("Topic"),
        max_length=TOPIC_TITLE_MAX,
        help_text=_lazy("For example: 경사하강법 (gradient descent)."),
    )
    description = forms.CharField(
        label=_lazy("Description"),
        max_length=TOPIC_DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("Markdown. What to focus on, what to read first."),
    )
    due_at = forms.DateTimeField(
        label=_lazy("Questions due"), required=False, widget=DateTimeLocalInput()
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_lazy("Question"),
        max_length=QUESTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    model_answer = forms.CharField(
        label=_lazy("Model answer"),
        max_length=MARKDOWN_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_lazy("Markdown: **bold**, lists, `code`, [links](https://…)."),
    )
    reference_links = forms.CharField(
        label=_lazy("Reference links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("One http:// or https:// link per line, up to 10."),
    )

    def links(self) -> list[str]:
        return str(self.cleaned_data.get("reference_links") or "").splitlines()

    @classmethod
    def for_question(cls, question: Question) -> QuestionForm:
        return cls(
            initial={
                "text": question.text,
                "model_answer": question.model_answer,
                "reference_links": "\n".join(question.reference_links or ()),
            }
        )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_lazy("Your answer"),
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_lazy("Markdown. An answer, a follow-up question or feedback."),
    )


# --- a cohort's topics ---------------------------------------------------------------------


def _topics_context(
    user: User, cohort: Cohort, access: ViewerAccess, form: TopicForm | None
) -> dict[str, Any]:
    topics = list(selectors.interview_topic_list_for_cohort(cohort=cohort, user=user))
    can_manage = access.can_manage(cohort)
    if can_manage and form is None:
        next_week = max((topic.week for topic in topics), default=0) + 1
        form = TopicForm(initial={"week": min(next_week, WEEK_MAX)})
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "topics": topics,
        "can_manage": can_manage,
        "form": form,
        "form_action": reverse(
            "trackers:interview_topic_create",
            kwargs={"slug": cohort.lab.slug, "number": cohort.number},
        ),
        "import_url": reverse(
            "trackers:interview_import", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
        ),
    }


@login_required
@require_GET
def interview_topics(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    return render(request, TOPICS_TEMPLATE, _topics_context(user, cohort, access, None))


@login_required
@require_http_methods(["GET", "POST"])
def interview_topic_create_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = request_user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators can add interview topics.")
        )
    form = TopicForm(request.POST or None)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: interview_topic_create(actor=user, cohort=cohort, **data),
            success_url=topic_url,
            notice=_("Topic added."),
        )
        if response is not None:
            return response
    else:
        return render(request, TOPIC_FORM_TEMPLATE, _topics_context(user, cohort, access, None))
    context = _topics_context(user, cohort, access, form)
    return render(request, template_for(request, TOPIC_FORM_TEMPLATE, "form"), context)


# --- a topic -------------------------------------------------------------------------------


def _topic_context(
    request: HttpRequest,
    user: User,
    topic: InterviewTopic,
    *,
    question_form: QuestionForm | None = None,
) -> dict[str, Any]:
    cohort = topic.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    is_active = is_active_member(access, cohort)
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "topic": topic,
        "questions": selectors.interview_topic_questions(topic=topic, user=user),
        "can_manage": access.can_manage(cohort),
        "is_active_member": is_active,
        "form": question_form if question_form is not None else QuestionForm(),
        "form_action": reverse("trackers:interview_question_create", kwargs={"pk": topic.pk}),
        "practice_next": request.get_full_path(),
    }


@login_required
@require_GET
def interview_topic(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    topic = selectors.interview_topic_get_for_user(user=user, pk=pk)
    return render(request, TOPIC_TEMPLATE, _topic_context(request, user, topic))


@login_required
@require_http_methods(["GET", "POST"])
def interview_topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    topic = selectors.interview_topic_get_for_user(user=user, pk=pk)
    cohort = topic.cohort
    if not user.has_perm("trackers.manage_board", topic):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators can change interview topics.")
        )
    initial = {
        "week": topic.week,
        "title": topic.title,
        "description": topic.description,
        "due_at": timezone.localtime(topic.due_at) if topic.due_at else None,
    }
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: interview_topic_update(actor=user, topic=topic, **data),
            success_url=topic_url,
            notice=_("Topic saved."),
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "topic": topic,
        "form": form,
        "form_action": reverse("trackers:interview_topic_edit", kwargs={"pk": topic.pk}),
        "editing": True,
    }
    return render(request, template_for(request, TOPIC_FORM_TEMPLATE, "form"), context)


@login_required
@require_POST
def interview_topic_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    topic = selectors.interview_topic_get_for_user(user=user, pk=pk)
    cohort = topic.cohort
    return write_and_redirect(
        request,
        lambda: interview_topic_delete(actor=user, topic=topic),
        notice=_("Topic deleted."),
        url=topics_url(cohort),
    )


# --- questions -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interview_question_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The topic page's question form posts here; GET shows the form on its own page."""
    user = request_user(request)
    topic = selectors.interview_topic_get_for_user(user=user, pk=pk)
    cohort = topic.cohort
    if not user.has_perm("trackers.take_part", topic):
        return forbidden(request, _("Only active members of this cohort can post questions."))
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: question_create(
                actor=user,
                topic=topic,
                text=data["text"],
                model_answer=data["model_answer"],
                reference_links=form.links(),
            ),
            # The question page, not the topic page plus an anchor: htmx would only scroll.
            success_url=question_url,
            notice=_("Question posted."),
        )
        if response is not None:
            return response
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "topic": topic,
        "form": form,
        "form_action": reverse("trackers:interview_question_create", kwargs={"pk": topic.pk}),
    }
    return render(request, template_for(request, QUESTION_FORM_TEMPLATE, "form"), context)


def _question_context(
    request: HttpRequest,
    user: User,
    question: Question,
    *,
    answer_form: AnswerForm | None = None,
) -> dict[str, Any]:
    topic = question.topic
    cohort = topic.cohort
    access = viewer_access_for_lab(user=user, lab=cohort.lab)
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "topic": topic,
        "question": question,
        "can_manage": access.can_manage(cohort),
        "is_active_member": is_active_member(access, cohort),
        "answer_form": answer_form if answer_form is not None else AnswerForm(),
        "practice_next": request.get_full_path(),
    }


@login_required
@require_GET
def interview_question(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.question_get_for_page(user=user, pk=pk)
    return render(request, QUESTION_TEMPLATE, _question_context(request, user, question))


@login_required
@require_http_methods(["GET", "POST"])
def interview_question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.question_get_for_user(user=user, pk=pk)
    if not user.has_perm("trackers.edit_own", question):
        return forbidden(request, _("You can only edit your own questions."))
    form = QuestionForm(request.POST) if request.method == "POST" else None
    if form is not None:
        response = submit_form(
            request,
            form,
            lambda data: question_update(
                actor=user,
                question=question,
                text=data["text"],
                model_answer=data["model_answer"],
                reference_links=form.links(),
            ),
            success_url=question_url,
            notice=_("Question saved."),
        )
        if response is not None:
            return response
    topic = question.topic
    context = {
        "lab": topic.cohort.lab,
        "cohort": topic.cohort,
        "topic": topic,
        "question": question,
        "form": form if form is not None else QuestionForm.for_question(question),
        "form_action": reverse("trackers:interview_question_edit", kwargs={"pk": question.pk}),
        "editing": True,
    }
    return render(request, template_for(request, QUESTION_FORM_TEMPLATE, "form"), context)


@login_required
@require_POST
def interview_question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.question_get_for_user(user=user, pk=pk)
    topic = question.topic
    return write_and_redirect(
        request,
        lambda: question_delete(actor=user, question=question),
        notice=_("Question deleted."),
        url=topic_url(topic),
    )


# --- answers -------------------------------------------------------------------------------


@login_required
@require_POST
def interview_answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.question_get_for_page(user=user, pk=pk)
    form = AnswerForm(request.POST)
    notice = None
    if form.is_valid():
        try:
            answer = answer_create(actor=user, question=question, body=form.cleaned_data["body"])
        except PermissionDeniedError as exc:
            return forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("Answer posted."))
                return redirect(f"{question_url(question)}#answer-{answer.pk}")
            # htmx: the answers again, with the new one and an empty form.
            question = selectors.question_get_for_page(user=user, pk=pk)
            form, notice = AnswerForm(), _("Answer posted.")
    context = _question_context(request, user, question, answer_form=form)
    context["answer_notice"] = notice
    return render(request, template_for(request, QUESTION_TEMPLATE, "answers"), context)


@login_required
@require_http_methods(["GET", "POST"])
def interview_answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    answer = selectors.answer_get_for_user(user=user, pk=pk)
    if not user.has_perm("trackers.edit_own", answer):
        return forbidden(request, _("You can only edit your own answers."))
    form = AnswerForm(request.POST or None, initial={"body": answer.body})
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: answer_update(actor=user, answer=answer, body=data["body"]),
            success_url=lambda _saved: f"{question_url(answer.question)}#answer-{answer.pk}",
            notice=_("Answer saved."),
        )
        if response is not None:
            return response
    question = answer.question
    context = {
        "lab": question.topic.cohort.lab,
        "cohort": question.topic.cohort,
        "topic": question.topic,
        "question": question,
        "answer": answer,
        "form": form,
    }
    return render(request, template_for(request, ANSWER_FORM_TEMPLATE, "form"), context)


@login_required
@require_POST
def interview_answer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    answer: Answer = selectors.answer_get_for_user(user=user, pk=pk)
    question = answer.question
    return write_and_redirect(
        request,
        lambda: answer_delete(actor=user, answer=answer),
        notice=_("Answer deleted."),
        url=question_url(question),
    )


# --- practice ------------------------------------------------------------------------------


@login_required
@require_POST
def interview_practice(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark (or unmark) a question practised; htmx gets the refreshed practice box."""
    user = request_user(request)
    question = selectors.question_get_for_user(user=user, pk=pk)
    try:
        if request.POST.get("action") == "unmark":
            practice_unmark(actor=user, question=question)
            notice = _("Practice mark removed.")
        else:
            practice_mark(actor=user, question=question)
            notice = _("Marked as practised.")
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(safe_next(request, question_url(question)))
    fresh = selectors.question_get_for_page(user=user, pk=pk)
    context = {
        "question": fresh,
        "practice_next": safe_next(request, question_url(question)),
        "practice_notice": notice,
    }
    return render(request, f"{PARTS_TEMPLATE}#practice", context)


# --- the question bank ---------------------------------------------------------------------


def _bank_filters(request: HttpRequest) -> tuple[str, int | None]:
    search = request.GET.get("q", "").strip()[:200]
    return search, _int_param(request.GET.get("topic"))


@login_required
@require_GET
def interview_bank(request: HttpRequest, slug: str) -> HttpResponse:
    """Every question of the lab's cohorts: search (Korean too), filter by topic, pages."""
    user = request_user(request)
    lab = selectors.interview_lab_get_for_user(user=user, slug=slug)
    search, topic_id = _bank_filters(request)
    questions = selectors.question_bank_for_lab(
        lab=lab, user=user, search=search, topic_id=topic_id
    )
    page_obj = paginate(questions, request.GET.get("page"), selectors.BANK_PAGE_SIZE)
    query = {key: value for key, value in (("q", search), ("topic", topic_id)) if value}
    context = {
        "lab": lab,
        "topics": selectors.question_bank_topics(lab=lab),
        "page_obj": page_obj,
        "questions": list(page_obj),
        "search": search,
        "topic_id": topic_id,
        "query": urlencode(query),
        "practice_next": request.get_full_path(),
    }
    return render(request, template_for(request, BANK_TEMPLATE, "results"), context)


@login_required
@require_GET
def interview_bank_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The bank (with the same filters) as a spreadsheet; formula-looking cells are escaped."""
    user = request_user(request)
    lab = selectors.interview_lab_get_for_user(user=user, slug=slug)
    search, topic_id = _bank_filters(request)
    rows = selectors.question_bank_csv_rows(lab=lab, search=search, topic_id=topic_id)
    return csv_response(f"{lab.slug}-interview-questions.csv", selectors.BANK_CSV_HEADER, rows)


@login_required
@require_GET
def interview_draw(request: HttpRequest, slug: str) -> HttpResponse:
    """Draw a question to practise, avoiding those practised in the last two weeks."""
    user = request_user(request)
    lab = selectors.interview_lab_get_for_user(user=user, slug=slug)
    topic_id = _int_param(request.GET.get("topic"))
    seed = request.GET.get("seed", "")[:64] or secrets.token_hex(8)
    result = selectors.question_draw_for_user(
        lab=lab, user=user, seed=seed, now=timezone.now(), topic_id=topic_id
    )
    again = reverse("trackers:interview_draw", kwargs={"slug": lab.slug})
    if topic_id is not None:
        again = f"{again}?{urlencode({'topic': topic_id})}"
    context = {
        "lab": lab,
        "topics": selectors.question_bank_topics(lab=lab),
        "topic_id": topic_id,
        "result": result,
        "question": result.question if result else None,
        "seed": seed,
        "again_url": again,
        "avoid_days": selectors.DRAW_AVOID_DAYS,
        "practice_next": request.get_full_path(),
    }
    return render(request, DRAW_TEMPLATE, context)


# --- CSV import (the generic engine in trackers.csv_import, its upload and preview pages) ---

IMPORT_KIND = "questions"


def _import_scope(cohort: Cohort) -> str:
    return f"interview:{cohort.pk}"


def _import_urls(cohort: Cohort, token: str = "") -> dict[str, str]:
    kwargs = {"slug": cohort.lab.slug, "number": cohort.number}
    urls = {
        "upload_url": reverse("trackers:interview_import", kwargs=kwargs),
        "back_url": topics_url(cohort),
        "back_label": _("Interview study"),
    }
    if token:
        urls["preview_url"] = reverse(
            "trackers:interview_import_preview", kwargs={**kwargs, "token": token}
        )
    return urls


@login_required
@require_http_methods(["GET", "POST"])
def interview_import(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Step 1: upload a sheet of questions (leaders and facilitators)."""
    cohort, refusal = imports.importing_cohort(request, slug, number)
    if refusal is not None:
        return refusal
    form = imports.CsvUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    context = {
        "kinds": [(IMPORT_KIND, _("Interview questions"), QuestionImporter.fields)],
        **_import_urls(cohort),
    }
    return imports.upload_page(
        request,
        cohort=cohort,
        form=form,
        scope=_import_scope(cohort),
        kind_of=lambda _data: IMPORT_KIND,
        preview_url=lambda token: _import_urls(cohort, token)["preview_url"],
        context=context,
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview_import_preview(
    request: HttpRequest, slug: str, number: int, token: str
) -> HttpResponse:
    """Step 2: map the columns and preview; "Import" writes every row or none."""
    cohort, refusal = imports.importing_cohort(request, slug, number)
    if refusal is not None:
        return refusal
    user = request_user(request)
    upload = csv_import.load_upload(token=token, user_id=user.pk, scope=_import_scope(cohort))
    return imports.preview_page(
        request,
        cohort=cohort,
        upload=upload if upload is not None and upload.kind == IMPORT_KIND else None,
        token=token,
        fields=lambda _upload: QuestionImporter.fields,
        run=lambda upload, mapping, commit: question_import(
            actor=user, cohort=cohort, table=upload.table, mapping=mapping, commit=commit
        ),
        kind_label=lambda _upload: _("Interview questions"),
        upload_url=_import_urls(cohort)["upload_url"],
        done_url=topics_url(cohort),
        context=_import_urls(cohort, token),
    )
