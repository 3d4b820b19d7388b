"""Pages for draws: a cohort's draws, the form leaders run a random pick or a ladder game
(사다리타기) with, and a draw's page (participants, seed, result, the ladder as SVG, and a
check that recomputes the result from the seed).

Visibility comes from the gatekeepers (outsiders get 404); the rules live in
sessions.services.draws, whose refusals are shown here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.models import Cohort
from labs.selectors import (
    cohort_get_with_access_for_user,
    member_choices_for_cohort,
    viewer_access_for_lab,
)
from members.models import User
from sessions.draws import DEFAULT_RUNGS_PER_GAP
from sessions.models import Draw, DrawKind, Slot
from sessions.selectors import draws as selectors
from sessions.services import draws as services

LIST_TEMPLATE = "sessions/draw_list.html"
FORM_TEMPLATE = "sessions/draw_form.html"
DETAIL_TEMPLATE = "sessions/draw_detail.html"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _members(cohort: Cohort) -> list[tuple[int, str]]:
    """Active members of the cohort as checkbox choices, by name (one query)."""
    return member_choices_for_cohort(cohort=cohort)


def _slot_label(slot: Slot) -> str:
    return _("Meeting %(number)d · %(date)s · %(title)s") % {
        "number": slot.meeting.number,
        "date": timezone.localtime(slot.meeting.starts_at).strftime("%Y-%m-%d"),
        "title": slot.title,
    }


class DrawForm(forms.Form):
    """What a leader enters; the service checks it again and decides."""

    kind = forms.ChoiceField(
        label=_lazy("Kind"),
        choices=DrawKind.choices,
        initial=DrawKind.PICK,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_lazy("What is drawn"),
        max_length=services.TITLE_MAX_LENGTH,
        help_text=_lazy("E.g. who presents chapter 8, or who leads the next cohort."),
    )
    participants = forms.TypedMultipleChoiceField(
        label=_lazy("Participants"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_lazy("At least two. They are fixed before the seed is drawn."),
    )
    count = forms.IntegerField(
        label=_lazy("How many winners (random pick)"), min_value=1, initial=1, required=False
    )
    slot = forms.TypedChoiceField(
        label=_lazy("Put the winners into a slot (random pick, optional)"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    outcomes = forms.CharField(
        label=_lazy("Outcomes, one per line (ladder game)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_lazy("One per participant; they can repeat, e.g. 랩장 and three times 꽝."),
    )

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], slots: list[Slot], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        participants = self.fields["participants"]
        assert isinstance(participants, forms.TypedMultipleChoiceField)
        participants.choices = members
        slot = self.fields["slot"]
        assert isinstance(slot, forms.TypedChoiceField)
        slot.choices = [("", _("No slot")), *((s.pk, _slot_label(s)) for s in slots)]


def _draw_url(pk: int) -> str:
    return reverse("sessions:draw_detail", kwargs={"pk": pk})


def _list_url(cohort: Cohort) -> str:
    return reverse("sessions:draws", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


@login_required
@require_GET
def draw_list(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The cohort's draws, newest first; leaders and facilitators get the "run" link."""
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "draws": list(selectors.draw_list_for_cohort(cohort=cohort)),
        "can_run": access.can_manage(cohort),
    }
    return render(request, LIST_TEMPLATE, context)


def _run(user: User, cohort: Cohort, form: DrawForm, slots: list[Slot]) -> Any:
    data = form.cleaned_data
    kind = data["kind"]
    slot = None
    if kind == DrawKind.PICK and data.get("slot"):
        slot = next((s for s in slots if s.pk == data["slot"]), None)
    return services.draw_run(
        actor=user,
        cohort=cohort,
        kind=kind,
        title=data["title"],
        participant_ids=data["participants"],
        outcomes=[line for line in data.get("outcomes", "").splitlines() if line.strip()],
        count=data.get("count") or 1,
        slot=slot,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draw_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Leaders and facilitators run a draw; a refusal re-renders the form (200)."""
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    if not access.can_manage(cohort):
        return _forbidden(request, _("Only the cohort's leaders and facilitators run draws."))
    members = _members(cohort)
    slots = selectors.draw_slot_choices(cohort=cohort)
    if request.method == "POST":
        form = DrawForm(request.POST, members=members, slots=slots)
        if form.is_valid():
            try:
                draw = _run(user, cohort, form, slots)
            except PermissionDeniedError as exc:
                return _forbidden(request, exc.message)
            except ApplicationError as exc:
                for name, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Drawn. Anyone can check it from the seed below."))
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(_draw_url(draw.pk))
                return redirect(_draw_url(draw.pk))
    else:
        form = DrawForm(
            members=members,
            slots=slots,
            initial={"participants": [pk for pk, _name in members]},
        )
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "list_url": _list_url(cohort),
        "action": reverse("sessions:draw_create", kwargs={"slug": slug, "number": number}),
    }
    return render(request, template_for(request, FORM_TEMPLATE, "form"), context)


def check_snippet(draw: Draw) -> str:
    """A Python script that recomputes this draw from its stored inputs and prints the
    result; the comments show what it prints when the stored result is right."""
    ids = [int(p["id"]) for p in draw.participants]
    result = draw.result if isinstance(draw.result, dict) else {}
    if draw.kind == DrawKind.PICK:
        count = int(result.get("count", 1))
        return (
            "from sessions.draws import pick\n\n"
            f"print(pick({ids!r}, {count}, {draw.seed!r}))\n"
            f"# {result.get('winners')!r}\n\n"
            "# The same with the standard library alone:\n"
            "import random\n\n"
            f"print(random.Random({draw.seed!r}).sample({ids!r}, {count}))\n"
        )
    rungs_per_gap = int(result.get("rungs_per_gap", DEFAULT_RUNGS_PER_GAP))
    assignment = {int(pk): outcome for pk, outcome in (result.get("assignment") or {}).items()}
    return (
        "from sessions.draws import ladder\n\n"
        f"drawn = ladder({ids!r}, {list(draw.outcomes)!r}, {draw.seed!r}, {rungs_per_gap})\n"
        "print(drawn.assignment)  # participant id: outcome\n"
        f"# {assignment!r}\n"
    )


@login_required
@require_GET
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draw: participants, seed, result, the ladder; ?verify=1 recomputes it from the seed."""
    user = _user(request)
    draw = selectors.draw_get_for_user(user=user, pk=pk)
    cohort = draw.cohort
    verify = request.GET.get("verify") == "1"
    context: dict[str, Any] = {
        "lab": cohort.lab,
        "cohort": cohort,
        "page": selectors.draw_page(draw=draw),
        "draw": draw,
        "list_url": _list_url(cohort),
        "can_run": viewer_access_for_lab(user=user, lab=cohort.lab).can_manage(cohort),
        "verified": services.draw_verify(draw=draw) if verify else None,
        "snippet": check_snippet(draw),
    }
    if verify:
        return render(request, template_for(request, DETAIL_TEMPLATE, "verify"), context)
    return render(request, DETAIL_TEMPLATE, context)
