"""Pages for labs, cohorts, their rosters and invitation links, and joining by link.

Views only translate HTTP into selector and service calls: visibility comes from the
selectors' gatekeepers (outsiders get 404), refusals from the services' ApplicationError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from core.pagination import paginate
from labs import selectors, services
from labs.forms import (
    CohortCreateForm,
    CohortEditForm,
    InvitationForm,
    JoinSignUpForm,
    LabCreateForm,
    LabEditForm,
    RoleForm,
    RollOverForm,
    apply_application_error,
)
from labs.models import Cohort, CohortStatus, Invitation, Membership, MembershipStatus, Role
from members.models import Language, User
from sessions.selectors.attendance import attendance_rates_for_cohort

ROSTER_PAGE_SIZE = 50
DEFAULT_COHORT_LENGTH = timedelta(weeks=16)
# Codes of the refusals that mean "this link is dead": answered with 410 Gone.
GONE_CODES = frozenset({"invitation_expired", "invitation_used_up", "invitation_revoked"})


# --- helpers ---------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    """The signed-in member (only called behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: a normal redirect, or a client-side one for htmx."""
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _submit(
    request: HttpRequest,
    form: forms.Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    message: Callable[[Any], str],
    url: Callable[[Any], str],
) -> HttpResponse | None:
    """The one way a form page writes: on a valid POST call `save(cleaned_data)` (a service).

    Success: a message and a redirect. A refusal: 403 page when not allowed, otherwise its
    message and fields onto the form. None means "render the form again".
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ApplicationError as exc:
        apply_application_error(form, exc)
        return None
    messages.success(request, message(result))
    return _redirect(request, url(result))


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A visible object the member may not change: say why, with 403."""
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def _cohort_url(cohort: Cohort) -> str:
    return reverse("labs:cohort_detail", kwargs={"slug": cohort.lab.slug, "number": cohort.number})


# Reversed with this pk and split around it, a URL gives the head and tail of every row's link.
_PK_SENTINEL = 2147483647


def _pk_url(name: str) -> tuple[str, str]:
    """The parts of a URL before and after its <int:pk>: one reverse() per request, not per row."""
    head, _sentinel, tail = reverse(name, kwargs={"pk": _PK_SENTINEL}).partition(str(_PK_SENTINEL))
    return head, tail


@dataclass(frozen=True, slots=True)
class _Roster:
    """What every roster row shares, decided once per request: the viewer's powers, the
    translated labels and the head and tail of the row links. Rows are then plain dicts,
    which are what the template language reads fastest."""

    user_id: int
    can_manage: bool
    can_assign_leader: bool
    role_labels: dict[str, str]
    status_labels: dict[str, str]
    manage_head: str
    manage_tail: str
    page_query: str

    @classmethod
    def build(
        cls, *, user: User, cohort: Cohort, access: selectors.ViewerAccess, page: str = ""
    ) -> _Roster:
        can_manage = access.can_manage(cohort)
        head, tail = _pk_url("labs:membership_manage")
        return cls(
            user_id=user.pk,
            can_manage=can_manage,
            can_assign_leader=can_manage and access.can_assign_leader(cohort),
            role_labels={value: str(label) for value, label in Role.choices},
            status_labels={value: str(label) for value, label in MembershipStatus.choices},
            manage_head=head,
            manage_tail=tail,
            page_query=f"?page={page}" if page.isdigit() and page != "1" else "",
        )

    def manageable(self, *, role: str, status: str) -> bool:
        """Whether a row gets a "Manage" link (the services still decide each change)."""
        return (
            self.can_manage
            and status == MembershipStatus.ACTIVE
            and (self.can_assign_leader or role != Role.LEADER)
        )

    def manage_url(self, pk: int) -> str:
        return f"{self.manage_head}{pk}{self.manage_tail}{self.page_query}"

    def row(self, m: Membership) -> dict[str, Any]:
        """The row of one membership (loaded with its user and profile)."""
        return self._row(
            pk=m.pk,
            user_id=m.user_id,
            role=m.role,
            status=m.status,
            joined_on=m.joined_on,
            left_on=m.left_on,
            name=m.user.display_name,
        )

    def row_from_values(self, v: dict[str, Any]) -> dict[str, Any]:
        """The row of one selectors.membership_roster_rows_for_cohort() item."""
        return self._row(
            pk=v["id"],
            user_id=v["user_id"],
            role=v["role"],
            status=v["status"],
            joined_on=v["joined_on"],
            left_on=v["left_on"],
            # The rule of User.display_name: the profile's name, else the e-mail's local part.
            name=v["user__profile__display_name"] or v["user__email"].split("@")[0],
        )

    def _row(
        self,
        *,
        pk: int,
        user_id: int,
        role: str,
        status: str,
        joined_on: date,
        left_on: date | None,
        name: str,
    ) -> dict[str, Any]:
        dates = joined_on.isoformat()
        if left_on:
            dates = f"{dates} \N{EN DASH} {left_on.isoformat()}"
        manageable = self.manageable(role=role, status=status)
        return {
            "pk": pk,
            "name": name,
            "is_me": user_id == self.user_id,
            "role": role,
            "role_label": self.role_labels.get(role, role),
            "status_label": self.status_labels.get(status, status),
            "dates": dates,
            "manage_url": self.manage_url(pk) if manageable else "",
            # Filled by the cohort page from one aggregate query; None shows nothing.
            "attendance_rate": None,
        }

    def role_choices(self) -> list[tuple[str, str]]:
        return [
            (value, label)
            for value, label in self.role_labels.items()
            if self.can_assign_leader or value != Role.LEADER
        ]


# --- my labs, labs ---------------------------------------------------------------------------


@login_required
@require_GET
def my_labs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = selectors.membership_by_cohort_for_user(user=user)
    cards = [
        {"lab": lab, "cohorts": [(cohort, mine.get(cohort.pk)) for cohort in lab.cohorts.all()]}
        for lab in selectors.lab_list_for_member(user=user)
    ]
    return render(request, "labs/my_labs.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def lab_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = LabCreateForm(
        request.POST or None,
        initial={"start_date": today, "end_date": today + DEFAULT_COHORT_LENGTH},
    )
    response = _submit(
        request,
        form,
        save=lambda data: services.lab_create(actor=user, **data),
        message=lambda lab: _("Lab created. Invite your members from the cohort page."),
        url=lambda lab: _cohort_url(lab.cohorts.get()),
    )
    if response:
        return response
    return render(request, template_for(request, "labs/lab_create.html", "form"), {"form": form})


@require_GET
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        lab = selectors.lab_get_for_user(user=request.user, slug=slug)
    except Http404:
        if not request.user.is_authenticated:
            # Same answer for a private lab and a missing one: nothing leaks.
            return redirect_to_login(request.get_full_path())
        raise
    access = selectors.viewer_access_for_lab(user=request.user, lab=lab)
    context = {
        "lab": lab,
        "cohorts": selectors.cohort_list_for_lab(lab=lab),
        "is_member": access.can_view_private_lab,
        "can_edit": access.can_change_lab,
        "can_add_cohort": access.can_add_cohort,
    }
    return render(request, "labs/lab_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lab_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    lab = selectors.lab_get_for_user(user=user, slug=slug)
    if not user.has_perm("labs.change_lab", lab):
        return _forbidden(request, _("Only the lab's leaders can change the lab."))
    form = LabEditForm(
        request.POST or None,
        initial={
            "name": lab.name,
            "topic": lab.topic,
            "description": lab.description,
            "visibility": lab.visibility,
        },
    )
    response = _submit(
        request,
        form,
        save=lambda data: services.lab_update(actor=user, lab=lab, **data),
        message=lambda lab: _("Lab saved."),
        url=lambda lab: lab.get_absolute_url(),
    )
    if response:
        return response
    return render(
        request, template_for(request, "labs/lab_edit.html", "form"), {"form": form, "lab": lab}
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    lab = selectors.lab_get_for_user(user=user, slug=slug)
    if not user.has_perm("labs.add_cohort", lab):
        return _forbidden(request, _("Only the lab's leaders can create cohorts."))
    today = timezone.localdate()
    form = CohortCreateForm(
        request.POST or None,
        initial={
            "status": CohortStatus.PLANNED,
            "start_date": today,
            "end_date": today + DEFAULT_COHORT_LENGTH,
        },
    )
    response = _submit(
        request,
        form,
        save=lambda data: services.cohort_create(actor=user, lab=lab, **data),
        message=lambda cohort: _("Cohort created."),
        url=_cohort_url,
    )
    if response:
        return response
    context = {"form": form, "lab": lab, "cohort": None}
    return render(request, template_for(request, "labs/cohort_form.html", "form"), context)


# --- cohorts and their roster ----------------------------------------------------------------


@login_required
@require_GET
def cohort_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    # The viewer's memberships in the lab decide visibility and every permission the page
    # shows, in one query (the rules would ask once per predicate).
    cohort, access = selectors.cohort_get_with_access_for_user(user=user, slug=slug, number=number)
    page_obj = paginate(
        selectors.membership_roster_rows_for_cohort(cohort=cohort),
        request.GET.get("page"),
        ROSTER_PAGE_SIZE,
    )
    roster = _Roster.build(user=user, cohort=cohort, access=access, page=str(page_obj.number))
    rates = attendance_rates_for_cohort(cohort=cohort)
    rows = []
    for values in page_obj:
        row = roster.row_from_values(values)
        rate = rates.get(values["user_id"])
        if rate is not None:
            row["attendance_rate"] = rate.percent
        rows.append(row)
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "page_obj": page_obj,
        "page_number": page_obj.number,
        "rows": rows,
        "my_membership": access.my_membership(cohort),
        # labs.change_cohort is the same rule as labs.manage_members.
        "can_edit": roster.can_manage,
        "can_roll_over": access.can_add_cohort,
        "can_manage": roster.can_manage,
        "can_assign_leader": roster.can_assign_leader,
        # Set, so the row template never looks up a missing name (slow) on every row.
        "editing": False,
        "row_error": None,
        "row_notice": None,
    }
    return render(request, template_for(request, "labs/cohort_detail.html", "roster"), context)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort = selectors.cohort_get_for_user(user=user, slug=slug, number=number)
    if not user.has_perm("labs.change_cohort", cohort):
        return _forbidden(request, _("Only leaders and facilitators can change a cohort."))
    form = CohortEditForm(
        request.POST or None,
        initial={
            "name": cohort.name,
            "start_date": cohort.start_date,
            "end_date": cohort.end_date,
            "status": cohort.status,
        },
    )
    response = _submit(
        request,
        form,
        save=lambda data: services.cohort_update(actor=user, cohort=cohort, **data),
        message=lambda cohort: _("Cohort saved."),
        url=_cohort_url,
    )
    if response:
        return response
    context = {"form": form, "lab": cohort.lab, "cohort": cohort}
    return render(request, template_for(request, "labs/cohort_form.html", "form"), context)


def _membership_or_404(user: User, pk: int) -> Membership:
    membership = selectors.membership_list_visible(user=user).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def _row_context(
    user: User,
    membership: Membership,
    *,
    page: str,
    editing: bool,
    error: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The context of one roster row on its own: closed as in the list, or opened for
    managing. `page` is the roster page it came from, kept so a plain POST goes back there."""
    cohort = membership.cohort
    access = selectors.viewer_access_for_lab(user=user, lab=cohort.lab)
    page = page if page.isdigit() else ""
    roster = _Roster.build(user=user, cohort=cohort, access=access, page=page)
    manage_url = roster.manage_url(membership.pk)
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "row": roster.row(membership),
        "can_manage": roster.can_manage,
        "can_assign_leader": roster.can_assign_leader,
        "editing": editing and roster.manageable(role=membership.role, status=membership.status),
        "in_row": True,
        "role_choices": roster.role_choices(),
        "role_url": reverse("labs:membership_role", kwargs={"pk": membership.pk}),
        "remove_url": reverse("labs:membership_remove", kwargs={"pk": membership.pk}),
        "close_url": f"{manage_url}{'&' if roster.page_query else '?'}close=1",
        "back_url": _cohort_url(cohort) + roster.page_query,
        "page_number": page,
        "row_error": error,
        "row_notice": notice,
    }


ROW_TEMPLATE = "labs/cohort_detail.html#member-row-swap"


def _row_response(
    request: HttpRequest,
    user: User,
    membership: Membership,
    *,
    error: str | None,
    notice: str,
    forbidden: bool = False,
) -> HttpResponse:
    """htmx gets the re-rendered row (200, so htmx swaps it in): still open with the error
    in it, or closed with the notice; a plain POST goes back to the page with a message,
    or gets 403 when not allowed."""
    cohort = membership.cohort
    page = request.POST.get("page", "")
    if _is_htmx(request):
        context = _row_context(
            user,
            membership,
            page=page,
            editing=error is not None,
            error=error,
            notice=None if error else notice,
        )
        return render(request, ROW_TEMPLATE, context)
    if forbidden and error:
        return _forbidden(request, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    url = _cohort_url(cohort)
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_GET
def membership_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """One roster row opened for managing: its role and remove forms. htmx gets the row
    (swapped in place of the read-only one; `close=1` gives the read-only row back);
    without JavaScript it is a small page whose forms post to the same views."""
    user = _user(request)
    membership = _membership_or_404(user, pk)
    page = request.GET.get("page", "")
    context = _row_context(user, membership, page=page, editing=True)
    if not context["can_manage"]:
        return _forbidden(request, _("Only leaders and facilitators can change roles."))
    if membership.role == Role.LEADER and not context["can_assign_leader"]:
        return _forbidden(request, _("Only a lab leader can appoint or replace leaders."))
    if membership.status != MembershipStatus.ACTIVE:
        context["row_error"] = _("This person has left the cohort.")
    if request.GET.get("close"):
        if not _is_htmx(request):
            return redirect(context["back_url"])
        context.update(editing=False, row_error=None)
    if _is_htmx(request):
        return render(request, ROW_TEMPLATE, context)
    context["in_row"] = False
    return render(request, "labs/membership_manage.html", context)


@login_required
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    membership = _membership_or_404(user, pk)
    form = RoleForm(request.POST)
    error, forbidden = None, False
    if not form.is_valid():
        error = _("Choose a valid role.")
    else:
        try:
            services.membership_change_role(
                actor=user, membership=membership, role=form.cleaned_data["role"]
            )
        except ApplicationError as exc:
            error = exc.message
            forbidden = isinstance(exc, PermissionDeniedError)
    notice = _("Role of %(name)s saved.") % {"name": membership.user.display_name}
    return _row_response(request, user, membership, error=error, notice=notice, forbidden=forbidden)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    membership = _membership_or_404(user, pk)
    error, forbidden = None, False
    try:
        services.membership_remove(actor=user, membership=membership)
    except ApplicationError as exc:
        error = exc.message
        forbidden = isinstance(exc, PermissionDeniedError)
    else:
        if membership.user_id == user.pk:
            # Leaving oneself: the cohort page may no longer be visible.
            messages.success(request, _("You left the cohort."))
            return _redirect(request, reverse("labs:my_labs"))
    notice = _("%(name)s was removed from the cohort.") % {"name": membership.user.display_name}
    return _row_response(request, user, membership, error=error, notice=notice, forbidden=forbidden)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_roll_over(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort = selectors.cohort_get_for_user(user=user, slug=slug, number=number)
    if not user.has_perm("labs.add_cohort", cohort.lab):
        return _forbidden(request, _("Only the lab's leaders can roll a cohort over."))
    active = selectors.membership_list_for_cohort(cohort=cohort).filter(
        status=MembershipStatus.ACTIVE
    )
    member_choices = [
        (m.user_id, f"{m.user.display_name} · {m.get_role_display()}") for m in active
    ]
    newest = selectors.cohort_list_for_lab(lab=cohort.lab).first()
    start = cohort.end_date + timedelta(days=1)
    form = RollOverForm(
        request.POST or None,
        member_choices=member_choices,
        initial={
            "number": (newest.number if newest else cohort.number) + 1,
            "start_date": start,
            "end_date": start + (cohort.end_date - cohort.start_date),
            "finish_source": True,
        },
    )

    def roll_over(data: dict[str, Any]) -> Cohort:
        carried = data.pop("members")
        return services.cohort_roll_over(
            actor=user, source=cohort, carry_over_user_ids=carried, **data
        )

    response = _submit(
        request,
        form,
        save=roll_over,
        message=lambda new: (
            _("%(new)s is ready. Everyone you chose is in it.") % {"new": new.label}
        ),
        url=_cohort_url,
    )
    if response:
        return response
    context = {"form": form, "lab": cohort.lab, "cohort": cohort}
    return render(request, template_for(request, "labs/roll_over.html", "form"), context)


# --- invitations -----------------------------------------------------------------------------


def _invitation_state(invitation: Invitation) -> tuple[str, str]:
    """(css key, label) for a link; the service's own check decides, so the rule lives once."""
    labels = {
        "invitation_revoked": ("revoked", _("Revoked")),
        "invitation_expired": ("expired", _("Expired")),
        "invitation_used_up": ("used-up", _("Used up")),
    }
    try:
        services.invitation_check(invitation=invitation)
    except ApplicationError as exc:
        return labels.get(exc.code, ("unusable", exc.message))
    return "usable", _("Usable")


def _invitations_response(
    request: HttpRequest, cohort: Cohort, form: InvitationForm, *, notice: str | None = None
) -> HttpResponse:
    rows = [
        {
            "invitation": invitation,
            "url": request.build_absolute_uri(invitation.get_absolute_url()),
            "state": _invitation_state(invitation),
        }
        for invitation in selectors.invitation_list_for_cohort(cohort=cohort)
    ]
    context = {"lab": cohort.lab, "cohort": cohort, "form": form, "rows": rows, "notice": notice}
    template = template_for(request, "labs/invitations.html", "invitation-panel")
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    user = _user(request)
    cohort = selectors.cohort_get_for_user(user=user, slug=slug, number=number)
    if not user.has_perm("labs.manage_members", cohort):
        return _forbidden(request, _("Only leaders and facilitators can manage invitation links."))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invitation_create(
                actor=user,
                cohort=cohort,
                role=data["role"],
                email=data["email"],
                expires_in_days=data["expires_in_days"],
                max_uses=data["max_uses"],
            )
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            notice = _("Invitation link created. Copy it from the list below.")
            if not _is_htmx(request):
                messages.success(request, notice)
                return redirect(request.path)
            return _invitations_response(request, cohort, InvitationForm(), notice=notice)
    return _invitations_response(request, cohort, form)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    user = _user(request)
    cohort = selectors.cohort_get_for_user(user=user, slug=slug, number=number)
    invitation = selectors.invitation_list_for_cohort(cohort=cohort).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    try:
        services.invitation_revoke(actor=user, invitation=invitation)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    notice = _("The link was withdrawn; it no longer works.")
    if not _is_htmx(request):
        messages.success(request, notice)
        return redirect(reverse("labs:invitations", kwargs={"slug": slug, "number": number}))
    return _invitations_response(request, cohort, InvitationForm(), notice=notice)


# --- joining by link -------------------------------------------------------------------------


def _join_response(
    request: HttpRequest, invitation: Invitation, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"invitation": invitation, "cohort": invitation.cohort, "lab": invitation.cohort.lab}
    context.update(extra)
    return render(request, "labs/join.html", context, status=status)


def _status_for(exc: ApplicationError) -> int:
    return 410 if exc.code in GONE_CODES else 200


def _welcome(request: HttpRequest, cohort: Cohort) -> HttpResponse:
    messages.success(request, _("Welcome to %(cohort)s!") % {"cohort": cohort.label})
    return redirect(_cohort_url(cohort))


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_get_by_token(token=token)
    try:
        services.invitation_check(invitation=invitation)
    except ApplicationError as exc:
        return _join_response(request, invitation, status=410, unusable=exc.message)
    if request.user.is_authenticated:
        return _join_as_member(request, invitation)
    return _join_with_sign_up(request, invitation)


def _join_as_member(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    user = _user(request)
    cohort = invitation.cohort
    if request.method == "POST":
        try:
            services.invitation_accept(user=user, invitation=invitation)
        except ApplicationError as exc:
            return _join_response(request, invitation, status=_status_for(exc), error=exc.message)
        return _welcome(request, cohort)
    mine = selectors.membership_for(user=user, cohort=cohort)
    already = mine is not None and mine.status == MembershipStatus.ACTIVE
    return _join_response(request, invitation, already_member=already)


def _join_with_sign_up(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = JoinSignUpForm(
        request.POST or None, initial={"email": invitation.email} if invitation.email else None
    )
    if invitation.email:
        # The link is for one address; the service refuses any other, so do not invite typos.
        form.fields["email"].widget.attrs["readonly"] = True
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        language = translation.get_language() or Language.KOREAN
        try:
            membership = services.invitation_accept_with_sign_up(
                invitation=invitation,
                email=data["email"],
                password=data["password"],
                display_name=data["display_name"],
                language=language if language in Language.values else Language.KOREAN,
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
            status = _status_for(exc)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return _welcome(request, invitation.cohort)
    return _join_response(request, invitation, status=status, form=form)
