"""Pages for presentation slots: the presenters board (meetings x tracks) where members claim,
give back and wait for slots (htmx swaps one cell; plain forms without JavaScript), and the
leaders' syllabus layout, assignments and audit log.

Visibility comes from the gatekeepers (outsiders get 404); every rule lives in
sessions.services.slots, whose refusals are shown here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.models import Cohort, MembershipStatus
from labs.selectors import (
    cohort_get_with_access_for_user,
    member_choices_for_cohort,
    viewer_access_for_lab,
)
from members.models import User
from sessions.models import Meeting, SlotKind
from sessions.selectors import meeting_get_for_user
from sessions.selectors import slots as selectors
from sessions.services import slots as services
from sessions.views.rendering import IdUrl, LocalTimes, csrf_context, escaped, safe_id

BOARD_TEMPLATE = "sessions/board.html"
CELL_TEMPLATE = "sessions/board.html#slot-cell"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def board_url(cohort: Cohort) -> str:
    return reverse("sessions:board", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


def _back(request: HttpRequest, cohort: Cohort) -> HttpResponse:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(candidate)
    return redirect(board_url(cohort))


def _members(cohort: Cohort) -> list[dict[str, Any]]:
    """Active members of the cohort, for the leaders' assign menus (one query)."""
    return [
        {"id": user_id, "name": name} for user_id, name in member_choices_for_cohort(cohort=cohort)
    ]


def _member_options(members: list[dict[str, Any]]) -> SafeString:
    """The assign menu's <option>s, built once per request: every open cell of a leader's
    board repeats the same list (40 members x 48 cells was the page's biggest loop)."""
    return format_html_join(
        "", '<option value="{}">{}</option>', ((m["id"], m["name"]) for m in members)
    )


def _is_active_member(access: Any, cohort: Cohort) -> bool:
    membership = access.my_membership(cohort)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


class CellMaker:
    """Turns the selector's cells into what the `slot-cell` partial reads: flat dicts of
    strings (ids marked safe, URLs from one reversed pattern each), the words translated and
    escaped and the CSRF input rendered once per request, the viewer's action decided here.
    A board has 48 cells; with two {% url %}s, a {% csrf_token %}, a {% blocktranslate %}
    and model lookups in each, they were two thirds of the template's time."""

    @classmethod
    def for_viewer(cls, request: HttpRequest, cohort: Cohort, access: Any) -> CellMaker:
        """The cells as this viewer of the cohort's board may act on them (the board and a
        single cell's answer after an action both start here)."""
        can_manage = access.can_manage(cohort)
        return cls(
            request,
            lab_slug=cohort.lab.slug,
            can_claim=_is_active_member(access, cohort),
            can_manage=can_manage,
            members=_members(cohort) if can_manage else [],
        )

    def __init__(
        self,
        request: HttpRequest,
        *,
        lab_slug: str,
        can_claim: bool,
        can_manage: bool,
        members: list[dict[str, Any]],
    ) -> None:
        self.can_claim, self.can_manage = can_claim, can_manage
        self.can_assign = can_manage and bool(members)
        self.claim_url = IdUrl.of("sessions:slot_claim")
        self.release_url = IdUrl.of("sessions:slot_release")
        self.waitlist_url = IdUrl.of("sessions:slot_waitlist")
        self.swap_url = IdUrl.of("sessions:swap_create")
        self.materials_url = IdUrl.of("sessions:slot_materials")
        self.history_url = IdUrl.of("sessions:member_history", lab_slug)
        self.manage_urls = (
            (
                IdUrl.of("sessions:slot_edit"),
                IdUrl.of("sessions:slot_assign"),
                IdUrl.of("sessions:slot_unassign"),
            )
            if can_manage
            else None
        )
        self.leave_label = _("Leave waitlist (#%(position)s)")
        self.context: dict[str, Any] = {
            "labels": escaped(
                {
                    "materials": _("Materials"),
                    "change_link": _("Change link"),
                    "add_materials": _("Add materials"),
                    "edit": _("Edit"),
                    "remove": _("Remove"),
                    "open": pgettext("slot with no presenter", "Open"),
                    "give_back": _("Give back"),
                    "too_late": _("Yours. Too late to give back: ask for a swap or a leader."),
                    "swap": _("Swap"),
                    "join_waitlist": _("Join waitlist"),
                    "claim": _("Claim"),
                    "member": _("Member"),
                    "assign": _("Assign"),
                }
            ),
            **csrf_context(request),
            "can_claim": can_claim,
            "can_manage": can_manage,
            "member_options": _member_options(members) if can_manage else "",
        }

    def cell(self, cell: selectors.SlotCell) -> dict[str, Any]:
        pk = safe_id(cell.id)
        mine, full = cell.mine, cell.is_full
        # The viewer's one form (or note) for this slot, as the rules in services.slots allow.
        action = action_url = leave_label = ""
        if self.can_claim and not cell.is_closed:
            if mine and cell.release_open:
                action, action_url = "release", self.release_url(pk)
            elif mine:
                action = "too_late"  # a note and the swap link, no form
            elif cell.waiting:
                action, action_url = "leave", self.waitlist_url(pk)
                leave_label = self.leave_label % {"position": cell.waitlist_position}
            elif full:
                action, action_url = "join", self.waitlist_url(pk)
            else:
                action, action_url = "claim", self.claim_url(pk)
        history = self.history_url
        view = {
            "id": pk,
            "css": (" is-mine" if mine else "") + (" is-full" if full else ""),
            "title": cell.title,
            "badge": f"{len(cell.presenters)}/{cell.capacity}" if cell.capacity > 1 else "",
            "materials_url": cell.materials_url,
            "has_links": bool(cell.materials_url or self.can_manage or mine),
            "edit_materials": mine and not self.can_manage,
            "presenters": [
                {"id": safe_id(p.user_id), "name": p.display_name, "url": history(p.user_id)}
                for p in cell.presenters
            ],
            "waiting": (
                ngettext("%(count)s waiting", "%(count)s waiting", len(cell.waitlist))
                % {"count": len(cell.waitlist)}
                if cell.waitlist
                else ""
            ),
            "action": action,
            "action_url": action_url,
            "leave_label": leave_label,
            "swap_url": self.swap_url(pk) if mine else "",
            "materials_edit_url": self.materials_url(pk) if mine else "",
            "assign": self.can_assign and not full,
        }
        if self.manage_urls:
            edit, assign, unassign = self.manage_urls
            view.update(edit_url=edit(pk), assign_url=assign(pk), unassign_url=unassign(pk))
        return view


def _board_rows(board: selectors.Board, cells: CellMaker) -> list[dict[str, Any]]:
    """The board's rows as the template reads them: row headers formatted here (the meeting's
    link, "Meeting N", its start in the viewer's zone) and every cell made once."""
    detail_url = IdUrl.of("sessions:meeting_detail")
    create_url = IdUrl.of("sessions:slot_create")
    number_label = _("Meeting %(number)s")  # the meeting page's title
    times = LocalTimes()
    return [
        {
            "id": safe_id(row.meeting_id),
            "is_past": row.is_past,
            "url": detail_url(row.meeting_id),
            "label": number_label % {"number": row.number},
            "iso": row.starts_at.astimezone(dt.UTC).isoformat(),
            "starts": times.day_and_time(row.starts_at),
            "create_url": create_url(row.meeting_id) if cells.can_manage else "",
            "tracks": [(label, [cells.cell(c) for c in track]) for label, track in row.tracks],
            "away": row.away,
        }
        for row in board.rows
    ]


def _board_context(request: HttpRequest, cohort: Cohort, access: Any) -> dict[str, Any]:
    user = _user(request)
    board = selectors.board_for_cohort(cohort=cohort, user=user)
    cells = CellMaker.for_viewer(request, cohort, access)
    return {
        **cells.context,
        "lab": cohort.lab,
        "cohort": cohort,
        "board": board,
        "rows": _board_rows(board, cells),
        "board_url": escape(board_url(cohort)),  # printed in every form
        "kinds": SlotKind.choices,
    }


@login_required
@require_GET
def board(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The presenters board; htmx asks for the board region alone (every 20 s and on focus)."""
    user = _user(request)
    cohort, access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    context = _board_context(request, cohort, access)
    if not _is_htmx(request):
        context["my_away"] = selectors.away_period_list_for_user(cohort=cohort, user=user)
        if context["can_manage"]:
            context["changes"] = selectors.slot_change_list_for_cohort(cohort=cohort)
            context["meetings"] = list(
                Meeting.objects.filter(cohort=cohort, status="scheduled").order_by("starts_at")
            )
    return render(request, template_for(request, BOARD_TEMPLATE, "board"), context)


def _slot_action(request: HttpRequest, pk: int, act: Any, notice: str) -> HttpResponse:
    """Run one member action on a slot; htmx gets the fresh cell back (200, with the refusal
    in it), a plain POST goes back to the board with a message."""
    user = _user(request)
    slot = selectors.slot_get_for_user(user=user, pk=pk)
    cohort = slot.meeting.cohort
    error = ""
    forbidden = False
    try:
        act(user, slot)
    except ApplicationError as exc:
        error = exc.message
        forbidden = isinstance(exc, PermissionDeniedError)
    if _is_htmx(request):
        access = viewer_access_for_lab(user=user, lab=cohort.lab)
        cells = CellMaker.for_viewer(request, cohort, access)
        context = {
            **cells.context,
            "cell": cells.cell(selectors.slot_cell_for_user(slot_id=slot.pk, user=user)),
            "board_url": escape(board_url(cohort)),  # printed in every form
            "cell_error": error,
            "cell_notice": "" if error else notice,
        }
        return render(request, CELL_TEMPLATE, context)
    if forbidden:
        return _forbidden(request, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return _back(request, cohort)


@login_required
@require_POST
def slot_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Claim a place in a slot for myself (any `user` field in the POST is never read)."""
    return _slot_action(
        request,
        pk,
        lambda user, slot: services.slot_claim(actor=user, slot=slot),
        _("The slot is yours."),
    )


@login_required
@require_POST
def slot_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Give my place back (until the cohort's cutoff)."""
    return _slot_action(
        request,
        pk,
        lambda user, slot: services.slot_release(actor=user, slot=slot),
        _("You gave the slot back."),
    )


@login_required
@require_POST
def slot_waitlist(request: HttpRequest, pk: int) -> HttpResponse:
    """Join the waitlist of a full slot, or leave it (`leave` in the POST)."""
    if request.POST.get("leave"):
        return _slot_action(
            request,
            pk,
            lambda user, slot: services.slot_waitlist_leave(actor=user, slot=slot),
            _("You left the waitlist."),
        )
    return _slot_action(
        request,
        pk,
        lambda user, slot: services.slot_waitlist_join(actor=user, slot=slot),
        _("You are on the waitlist."),
    )


def _chosen_member(request: HttpRequest, cohort: Cohort) -> User | None:
    try:
        user_id = int(request.POST.get("user", ""))
    except ValueError:
        return None
    return User.objects.filter(
        pk=user_id, memberships__cohort=cohort, memberships__status=MembershipStatus.ACTIVE
    ).first()


def _missing_member(user: Any, slot: Any) -> None:
    message = _("Choose an active member of this cohort.")
    raise ApplicationError(message, code="not_a_member", fields={"user": [message]})


@login_required
@require_POST
def slot_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader puts a member into a slot."""
    slot = selectors.slot_get_for_user(user=_user(request), pk=pk)
    member = _chosen_member(request, slot.meeting.cohort)
    reason = request.POST.get("reason", "")

    def act(user: User, slot: Any) -> None:
        if member is None:
            _missing_member(user, slot)
        services.slot_assign(actor=user, slot=slot, user=member, reason=reason)

    return _slot_action(request, pk, act, _("Presenter assigned."))


@login_required
@require_POST
def slot_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader takes a presenter out of a slot."""
    selectors.slot_get_for_user(user=_user(request), pk=pk)  # 404 for outsiders first
    try:
        member = User.objects.filter(pk=int(request.POST.get("user", ""))).first()
    except ValueError:
        member = None
    reason = request.POST.get("reason", "")

    def act(user: User, slot: Any) -> None:
        if member is None:
            _missing_member(user, slot)
        services.slot_unassign(actor=user, slot=slot, user=member, reason=reason)

    return _slot_action(request, pk, act, _("Presenter removed."))


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_POST
def syllabus(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Leaders paste titles (one per line) and spread them over the coming meetings."""
    user = _user(request)
    cohort, _access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    start_meeting = None
    start_id = _int(request.POST.get("start_meeting"))
    if start_id:
        start_meeting = Meeting.objects.filter(cohort=cohort, pk=start_id).first()
    try:
        created = services.slots_layout_syllabus(
            actor=user,
            cohort=cohort,
            kind=request.POST.get("kind", ""),
            titles=request.POST.get("titles", "").splitlines(),
            per_meeting=_int(request.POST.get("per_meeting"), 1),
            start_meeting=start_meeting,
        )
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(board_url(cohort))
    messages.success(request, _("%(count)d slots laid out.") % {"count": len(created)})
    return redirect(board_url(cohort))


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def away_create(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Mark my away dates (a plain form on the board)."""
    user = _user(request)
    cohort, _access = cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    start = _date(request.POST.get("start", ""))
    end = _date(request.POST.get("end", ""))
    if start is None or end is None:
        messages.error(request, _("Enter both dates."))
        return redirect(board_url(cohort))
    try:
        services.away_period_set(
            actor=user,
            cohort=cohort,
            user=user,
            start=start,
            end=end,
            reason=request.POST.get("reason", ""),
        )
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(board_url(cohort))
    messages.success(request, _("Away dates saved."))
    return redirect(board_url(cohort))


@login_required
@require_POST
def away_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove away dates."""
    user = _user(request)
    period = selectors.away_period_get_for_user(user=user, pk=pk)
    try:
        services.away_period_delete(actor=user, period=period)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    messages.success(request, _("Away dates removed."))
    return redirect(board_url(period.cohort))


class SlotForm(forms.Form):
    """A slot's fields as leaders edit them; the service checks them again and decides."""

    kind = forms.ChoiceField(label=_lazy("Track"), choices=SlotKind.choices)
    title = forms.CharField(label=_lazy("Title"), max_length=services.TITLE_MAX_LENGTH)
    description = forms.CharField(
        label=_lazy("Description"), required=False, max_length=4000, widget=forms.Textarea
    )
    materials_url = forms.URLField(
        label=_lazy("Materials link"),
        required=False,
        assume_scheme="https",
        help_text=_lazy("Slides, write-up or code."),
    )
    capacity = forms.IntegerField(
        label=_lazy("Presenters"), min_value=1, max_value=services.MAX_CAPACITY, initial=1
    )


def _slot_form_response(
    request: HttpRequest,
    *,
    cohort: Cohort,
    form: forms.Form,
    action: str,
    slot: Any,
    meeting: Any,
    template: str = "sessions/slot_form.html",
) -> HttpResponse:
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "form": form,
        "action": action,
        "slot": slot,
        "meeting": meeting,
        "board_url": board_url(cohort),
    }
    return render(request, template_for(request, template, "form"), context)


def _save_slot_form(
    request: HttpRequest, form: forms.Form, save: Any, cohort: Cohort, notice: str
) -> HttpResponse | None:
    """Run the service on a valid form; None means "render the form again" (with errors)."""
    if not form.is_valid():
        return None
    try:
        save(form.cleaned_data)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, exc.message)
        return None
    messages.success(request, notice)
    if _is_htmx(request):
        return HttpResponseClientRedirect(board_url(cohort))
    return redirect(board_url(cohort))


@login_required
@require_http_methods(["GET", "POST"])
def slot_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders add a slot to a meeting."""
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    cohort = meeting.cohort
    if not viewer_access_for_lab(user=user, lab=cohort.lab).can_manage(cohort):
        return _forbidden(
            request, _("Only the cohort's leaders and facilitators can change slots.")
        )
    form = SlotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        response = _save_slot_form(
            request,
            form,
            lambda data: services.slot_create(actor=user, meeting=meeting, **data),
            cohort,
            _("Slot added."),
        )
        if response is not None:
            return response
    action = reverse("sessions:slot_create", kwargs={"pk": meeting.pk})
    return _slot_form_response(
        request, cohort=cohort, form=form, action=action, slot=None, meeting=meeting
    )


@login_required
@require_http_methods(["GET", "POST"])
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders change a slot's title, track, description, materials link or capacity."""
    user = _user(request)
    slot = selectors.slot_get_for_user(user=user, pk=pk)
    cohort = slot.meeting.cohort
    if not viewer_access_for_lab(user=user, lab=cohort.lab).can_manage(cohort):
        return _forbidden(
            request, _("Only the cohort's leaders and facilitators can change slots.")
        )
    initial = {name: getattr(slot, name) for name in SlotForm.base_fields}
    form = SlotForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        response = _save_slot_form(
            request,
            form,
            lambda data: services.slot_update(actor=user, slot=slot, **data),
            cohort,
            _("Slot saved."),
        )
        if response is not None:
            return response
    action = reverse("sessions:slot_edit", kwargs={"pk": slot.pk})
    return _slot_form_response(
        request, cohort=cohort, form=form, action=action, slot=slot, meeting=slot.meeting
    )


class MaterialsForm(forms.Form):
    materials_url = forms.URLField(
        label=_lazy("Materials link"),
        required=False,
        assume_scheme="https",
        help_text=_lazy("Slides, write-up or code. Leave empty to remove the link."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def slot_materials(request: HttpRequest, pk: int) -> HttpResponse:
    """A presenter posts (or changes) the materials link of their own slot."""
    user = _user(request)
    slot = selectors.slot_get_for_user(user=user, pk=pk)
    cohort = slot.meeting.cohort
    initial = {"materials_url": slot.materials_url}
    form = MaterialsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        response = _save_slot_form(
            request,
            form,
            lambda data: services.slot_materials_set(actor=user, slot=slot, **data),
            cohort,
            _("Materials link saved."),
        )
        if response is not None:
            return response
    return _slot_form_response(
        request,
        cohort=cohort,
        form=form,
        action=reverse("sessions:slot_materials", kwargs={"pk": slot.pk}),
        slot=slot,
        meeting=slot.meeting,
        template="sessions/slot_materials.html",
    )


@login_required
@require_POST
def slot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Leaders delete a slot with its presenters and waitlist."""
    user = _user(request)
    slot = selectors.slot_get_for_user(user=user, pk=pk)
    cohort = slot.meeting.cohort
    try:
        services.slot_delete(actor=user, slot=slot)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    messages.success(request, _("Slot deleted."))
    return redirect(board_url(cohort))
