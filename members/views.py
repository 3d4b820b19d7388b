"""Member pages: login and password reset, the language switch, settings and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError
from core.htmx import template_for
from members.forms import (
    ApiTokenForm,
    EmailAuthenticationForm,
    LocalizedPasswordResetForm,
    ProfileForm,
    add_service_errors,
)
from members.models import ApiToken, Language, Profile, User
from members.selectors import api_token_get_for_user, api_token_list_for_user
from members.services import (
    api_token_create,
    api_token_revoke,
    profile_ensure,
    profile_set_language,
    profile_update,
)

SETTINGS_TEMPLATE = "members/settings.html"


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required lets only members through"
    return user


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "members/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch must not log anyone out."""


class PasswordResetView(auth_views.PasswordResetView):
    form_class = LocalizedPasswordResetForm
    template_name = "members/password_reset_form.html"
    email_template_name = "members/password_reset_email.txt"
    subject_template_name = "members/password_reset_subject.txt"
    success_url = reverse_lazy("members:password_reset_done")

    def get_extra_email_context(self) -> dict[str, str]:
        # Links are built from SITE_URL, never from the Host header an attacker controls.
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "members/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "members/password_reset_confirm.html"
    success_url = reverse_lazy("members:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "members/password_reset_complete.html"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: a cookie for everyone, the profile for members too."""
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.POST.get("language", "")
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        profile_set_language(actor=_member(request), language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _profile_initial(profile: Profile) -> dict[str, str]:
    return {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "interests": profile.interests,
        "timezone": profile.timezone,
        "language": profile.language,
    }


def _settings_context(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: ApiToken | None = None,
    new_secret: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    user = _member(request)
    if profile_form is None:
        profile_form = ProfileForm(initial=_profile_initial(profile_ensure(user=user)))
    return {
        "profile_form": profile_form,
        "token_form": token_form or ApiTokenForm(user=user),
        "tokens": api_token_list_for_user(user=user),
        "new_token": new_token,
        "new_secret": new_secret,
        "notice": notice,
    }


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """My profile and my API tokens. POST saves the profile."""
    user = _member(request)
    profile = profile_ensure(user=user)
    if request.method != "POST":
        return render(request, SETTINGS_TEMPLATE, _settings_context(request))
    form = ProfileForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                actor=user,
                profile=profile,
                display_name=data["display_name"],
                bio=data["bio"],
                interests=data["interests"],
                timezone_name=data["timezone"],
                language=data["language"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            url = reverse("members:settings")
            # A full reload, not a swap: the language or time zone may just have changed.
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            return redirect(url)
    template = template_for(request, SETTINGS_TEMPLATE, "profile")
    return render(request, template, _settings_context(request, profile_form=form))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a personal API token and show its secret once.

    The secret is rendered straight into this response (never redirected, never stored in the
    session), and never_cache keeps it out of browser and proxy caches. A GET (a reload, the
    language switch) goes back to the settings page, where the secret is no longer shown.
    """
    if request.method != "POST":
        return redirect(reverse("members:settings") + "#tokens")
    user = _member(request)
    form = ApiTokenForm(request.POST, user=user)
    new_token: ApiToken | None = None
    new_secret: str | None = None
    if form.is_valid():
        lab = form.cleaned_data["lab"]
        try:
            new_token, new_secret = api_token_create(
                user=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                lab_slug=lab.slug if lab is not None else None,
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm(user=user)
    context = _settings_context(
        request, token_form=form, new_token=new_token, new_secret=new_secret
    )
    return render(request, template_for(request, SETTINGS_TEMPLATE, "tokens"), context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my tokens; anyone else's token is a 404."""
    user = _member(request)
    token = api_token_get_for_user(user=user, pk=pk)
    api_token_revoke(actor=user, token=token)
    notice = _("The token “%(name)s” was revoked.") % {"name": token.name}
    if getattr(request, "htmx", False):
        context = _settings_context(request, notice=notice)
        return render(request, template_for(request, SETTINGS_TEMPLATE, "tokens"), context)
    messages.success(request, notice)
    return redirect(reverse("members:settings") + "#tokens")
