"""Pages for swap requests: the swap form (ask another presenter of the coming meetings), the
panel of my requests (received: accept / decline; made: withdraw), shown on the board and as
its own page. htmx swaps the panel; plain forms work without JavaScript.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
sessions.services.swaps, whose refusals are shown here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.models import Cohort
from labs.selectors import cohort_get_with_access_for_user
from members.models import User
from sessions.models import Slot, SwapRequest
from sessions.selectors import swaps as selectors
from sessions.selectors.slots import slot_get_for_user
from sessions.services import swaps as services

FORM_TEMPLATE = "sessions/swap_form.html"
LIST_TEMPLATE = "sessions/swap_list.html"
PANEL_TEMPLATE = "sessions/swap_list.html#panel"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _board_url(cohort: Cohort) -> str:
    return reverse("sessions:board", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


def _list_url(cohort: Cohort) -> str:
    return reverse("sessions:swap_list", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


class SwapForm(forms.Form):
    """Which presenter's place to ask for, and a message; the service decides the rest."""

    target = forms.ChoiceField(label=_lazy("Swap with"))
    message = forms.CharField(
        label=_lazy("Message (optional)"),
        required=False,
        max_length=services.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, options: list[selectors.SwapOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                option.value,
                f"{option.display_name} · "
                + _("Meeting %(number)d") % {"number": option.meeting_number}
                + f" ({option.starts_at:%Y-%m-%d}) · {option.kind_label} · {option.title}",
            )
            for option in options
        ]


@login_required
@require_http_methods(["GET", "POST"])
def swap_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask another presenter to exchange their slot for my slot `pk`."""
    user = _user(request)
    slot = slot_get_for_user(user=user, pk=pk)
    cohort = slot.meeting.cohort
    options = selectors.swap_options_for_slot(slot=slot, user=user)
    form = SwapForm(request.POST if request.method == "POST" else None, options=options)
    if request.method == "POST" and form.is_valid():
        slot_id, _sep, user_id = form.cleaned_data["target"].partition(":")
        target_slot = Slot.objects.select_related("meeting__cohort").get(pk=int(slot_id))
        try:
            services.swap_request_create(
                actor=user,
                requester_slot=slot,
                target_slot=target_slot,
                target_user=User.objects.get(pk=int(user_id)),
                message=form.cleaned_data["message"],
            )
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error("message" if name == "message" else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Swap request sent."))
            if _is_htmx(request):
                return HttpResponseClientRedirect(_board_url(cohort))
            return redirect(_board_url(cohort))
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "slot": slot,
        "form": form,
        "has_options": bool(options),
        "board_url": _board_url(cohort),
        "action": reverse("sessions:swap_create", kwargs={"pk": slot.pk}),
    }
    return render(request, template_for(request, FORM_TEMPLATE, "form"), context)


def _panel_context(request: HttpRequest, cohort: Cohort) -> dict[str, Any]:
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "panel": selectors.swap_panel_for_cohort(cohort=cohort, user=_user(request)),
        "panel_url": _list_url(cohort),
        "board_url": _board_url(cohort),
    }


@login_required
@require_GET
def swap_list(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """My swap requests in a cohort; htmx asks for the panel alone (the board embeds it)."""
    cohort, _access = cohort_get_with_access_for_user(user=_user(request), slug=slug, number=number)
    context = _panel_context(request, cohort)
    return render(request, template_for(request, LIST_TEMPLATE, "panel"), context)


def _back(request: HttpRequest, cohort: Cohort) -> HttpResponse:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(candidate)
    return redirect(_board_url(cohort))


def _answer(
    request: HttpRequest,
    pk: int,
    act: Callable[..., SwapRequest],
    notice: str,
    *,
    changes_board: bool = False,
) -> HttpResponse:
    """Run one answer on a request; htmx gets the fresh panel back (200, with the refusal
    in it), a plain POST goes back to the board with a message."""
    user = _user(request)
    swap = selectors.swap_request_get_for_user(user=user, pk=pk)
    cohort = swap.requester_slot.meeting.cohort
    error = ""
    forbidden = False
    try:
        act(actor=user, swap=swap)
    except ApplicationError as exc:
        error = exc.message
        forbidden = isinstance(exc, PermissionDeniedError)
    if _is_htmx(request):
        if changes_board and not error:
            # Presenters changed on the board too: reload the page, which shows the notice.
            messages.success(request, notice)
            return HttpResponseClientRefresh()
        context = _panel_context(request, cohort)
        context["panel_error"] = error
        context["panel_notice"] = "" if error else notice
        return render(request, PANEL_TEMPLATE, context)
    if forbidden:
        return _forbidden(request, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return _back(request, cohort)


@login_required
@require_POST
def swap_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a swap asked of me: both slots change hands."""
    return _answer(
        request,
        pk,
        services.swap_request_accept,
        _("Swap accepted: the slots changed hands."),
        changes_board=True,
    )


@login_required
@require_POST
def swap_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline a swap asked of me."""
    return _answer(request, pk, services.swap_request_decline, _("Swap declined."))


@login_required
@require_POST
def swap_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a swap I asked for."""
    return _answer(request, pk, services.swap_request_cancel, _("Swap request withdrawn."))
