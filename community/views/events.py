"""Outside events and deadlines: the lab's list (upcoming, then past), adding, editing and
deleting one. Each event belongs to a cohort and appears in that cohort's calendar feed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import selectors, services
from community.forms import EventForm
from community.models import OutsideEvent
from community.views import member_lab
from core.htmx import template_for
from core.views_helpers import forbidden, request_user, submit_form, write_and_redirect
from labs.models import Cohort, Lab

LIST = "community/event_list.html"
FORM = "community/event_form.html"


def _list_url(lab: Lab) -> str:
    return reverse("community:events", kwargs={"slug": lab.slug})


def _choices(cohorts: list[Cohort]) -> list[tuple[int, str]]:
    return [(c.pk, c.label) for c in cohorts]


@login_required
@require_GET
def event_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's events and deadlines: upcoming soonest first, then past ones."""
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    lists = selectors.event_lists_for_lab(lab=lab)
    managed = {e.cohort_id for e in (*lists.upcoming, *lists.past) if access.can_manage(e.cohort)}
    context = {
        "lab": lab,
        "upcoming": lists.upcoming,
        "past": lists.past,
        "managed_cohort_ids": managed,
        "can_add": access.can_change_lab or bool(access.managed_cohort_ids),
    }
    return render(request, LIST, context)


def _form_page(request: HttpRequest, lab: Lab, form: EventForm, **extra: Any) -> HttpResponse:
    context = {"lab": lab, "form": form, **extra}
    return render(request, template_for(request, FORM, "form"), context)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Leaders and facilitators add an event or deadline to one of their cohorts."""
    user = request_user(request)
    lab, access = member_lab(user=user, slug=slug)
    cohorts = selectors.manageable_cohorts(lab=lab, access=access)
    if not cohorts:
        return forbidden(
            request, _("Only the cohort's leaders and facilitators keep the events list.")
        )
    form = EventForm(
        request.POST or None, cohorts=_choices(cohorts), initial={"cohort": cohorts[0].pk}
    )
    if request.method == "POST":

        def save(data: dict[str, Any]) -> OutsideEvent:
            fields = dict(data)
            cohort = next(c for c in cohorts if c.pk == fields.pop("cohort"))
            return services.event_create(actor=user, cohort=cohort, **fields)

        response = submit_form(
            request,
            form,
            save,
            success_url=lambda _event: _list_url(lab),
            notice=_("Saved. It is in the cohort's calendar feed."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    action = reverse("community:event_create", kwargs={"slug": lab.slug})
    return _form_page(request, lab, form, action=action, event=None)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    event: OutsideEvent = selectors.event_get_for_user(user=user, pk=pk)
    lab = event.cohort.lab
    if not user.has_perm("community.change_events", event.cohort):
        return forbidden(
            request, _("Only the cohort's leaders and facilitators keep the events list.")
        )
    initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    form = EventForm(
        request.POST or None,
        cohorts=_choices([event.cohort]),
        initial={**initial, "cohort": event.cohort_id},
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.event_update(
                actor=user,
                event=event,
                **{name: value for name, value in data.items() if name != "cohort"},
            ),
            success_url=lambda _event: _list_url(lab),
            notice=_("Saved. Calendar subscribers will see the change."),
            drop_fragment=True,
        )
        if response is not None:
            return response
    action = reverse("community:event_edit", kwargs={"pk": event.pk})
    return _form_page(request, lab, form, action=action, event=event)


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    event = selectors.event_get_for_user(user=user, pk=pk)
    lab = event.cohort.lab
    return write_and_redirect(
        request,
        lambda: services.event_delete(actor=user, event=event),
        notice=_("Deleted."),
        url=_list_url(lab),
        drop_fragment=True,
    )
