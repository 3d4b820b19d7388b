"""What the page views share: the signed-in user, the 403 page, the redirect after a write (a
client-side one for htmx), a safe `next` address, and running a service on a valid form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from labs.forms import apply_application_error
from labs.models import Cohort, MembershipStatus
from labs.selectors import ViewerAccess
from members.models import User


def request_user(request: HttpRequest) -> User:
    """The signed-in member (only called behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A visible object the member may not change: say why, with 403."""
    return render(request, "labs/forbidden.html", {"message": message}, status=403)


def redirect_after_write(
    request: HttpRequest, url: str, *, drop_fragment: bool = False
) -> HttpResponse:
    """After a successful write: a normal redirect, or a client-side one for htmx.

    htmx sets window.location to the URL; where that URL may differ from the page's only by
    its #fragment it would just scroll, not load the page again, so `drop_fragment` leaves
    the fragment out of htmx's redirect.
    """
    if is_htmx(request):
        return HttpResponseClientRedirect(url.split("#", 1)[0] if drop_fragment else url)
    return redirect(url)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The posted `next` address when it points back into this site, else the fallback."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def is_active_member(access: ViewerAccess, cohort: Cohort) -> bool:
    """Whether the viewer is an active member of the cohort (whatever the role)."""
    membership = access.my_membership(cohort)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


def write_and_redirect(
    request: HttpRequest,
    write: Callable[[], object],
    *,
    notice: str,
    url: str,
    drop_fragment: bool = False,
) -> HttpResponse:
    """Run a write that takes no form (a delete, a removal): its notice and redirect, or the
    403 page when the service refuses the member's role."""
    try:
        write()
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    messages.success(request, notice)
    return redirect_after_write(request, url, drop_fragment=drop_fragment)


def submit_form[T](
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    success_url: Callable[[T], str],
    notice: str,
    show_errors: Callable[[forms.Form, ApplicationError], None] = apply_application_error,
    drop_fragment: bool = False,
) -> HttpResponse | None:
    """Run the service on a valid form: its redirect on success, the 403 page on a refusal of
    the role; None means "render the form again" (invalid, or the service's errors on it)."""
    if not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except PermissionDeniedError as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        show_errors(form, exc)
        return None
    messages.success(request, notice)
    return redirect_after_write(request, success_url(saved), drop_fragment=drop_fragment)
