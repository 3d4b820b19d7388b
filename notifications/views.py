"""Pages: my inbox (and the bell), my notification preferences, a cohort's reminder rules and
webhook, the leaders' deliveries page with resend, and a development outbox.

Every htmx request has a real href or form action next to it, so each page works without
JavaScript. Visibility comes from the labs gatekeeper (outsiders get 404); a member who may
see but not change gets a 403 page that says why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.htmx import template_for
from core.pagination import paginate
from core.views_helpers import is_htmx, request_user
from labs.models import Cohort
from labs.selectors import cohort_get_with_access_for_user
from members.models import User
from notifications import selectors, services, texts
from notifications.forms import PreferencesForm, ReminderRuleForm, WebhookForm, add_service_errors
from notifications.models import Delivery, DeliveryStatus, Notification, ReminderRule
from notifications.sources import registry

INBOX_PAGE_SIZE = 30
DELIVERIES_PAGE_SIZE = 50
INBOX_TEMPLATE = "notifications/inbox.html"
RULES_TEMPLATE = "notifications/reminders.html"
DELIVERIES_TEMPLATE = "notifications/deliveries.html"


# --- inbox -----------------------------------------------------------------------------------


def inbox_entry(entry: Notification) -> dict[str, Any]:
    """One inbox row as the page shows it, worded in the request's language and zone."""
    rendered = texts.render(entry.kind, entry.params, zone=timezone.get_current_timezone_name())
    return {
        "pk": entry.pk,
        "title": rendered.title,
        "body": rendered.body,
        "url": entry.url,
        "created_at": entry.created_at,
        "unread": entry.read_at is None,
    }


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    user = request_user(request)
    page_obj = paginate(
        selectors.notification_list_for_user(user=user), request.GET.get("page"), INBOX_PAGE_SIZE
    )
    return {
        "page_obj": page_obj,
        "entries": [inbox_entry(entry) for entry in page_obj],
        "unread": selectors.unread_count(user=user),
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first, with what is unread marked."""
    return render(request, template_for(request, INBOX_TEMPLATE, "inbox"), _inbox_context(request))


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The header bell with my unread count (htmx loads it after the page, so pages pay no
    query for it; without JavaScript the bell is a plain link to the inbox)."""
    context = {"unread": selectors.unread_count(user=request_user(request)), "loaded": True}
    return render(request, "notifications/_bell.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read; someone else's is a 404."""
    try:
        entry = services.notification_mark_read(user=request_user(request), notification_id=pk)
    except ApplicationError:
        raise Http404 from None
    if is_htmx(request):
        context = {"entry": inbox_entry(entry), "oob_bell": True}
        context["unread"] = selectors.unread_count(user=request_user(request))
        return render(request, "notifications/_entry.html", context)
    return redirect(_back_to_inbox(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request_user(request))
    if is_htmx(request):
        context = _inbox_context(request)
        context["oob_bell"] = True
        return render(request, f"{INBOX_TEMPLATE}#inbox", context)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect(_back_to_inbox(request))


@login_required
@require_GET
def open_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link and mark it read on the way."""
    try:
        entry = services.notification_mark_read(user=request_user(request), notification_id=pk)
    except ApplicationError:
        raise Http404 from None
    if entry.url and url_has_allowed_host_and_scheme(
        entry.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(entry.url)
    return redirect(reverse("notifications:inbox"))


def _back_to_inbox(request: HttpRequest) -> str:
    page = request.POST.get("page") or request.GET.get("page")
    url = reverse("notifications:inbox")
    return f"{url}?page={int(page)}" if page and page.isdigit() else url


# --- preferences ------------------------------------------------------------------------------


def preferences_initial(user: User) -> dict[str, Any]:
    pref = selectors.preference_for(user=user)
    return {
        "email_enabled": pref.email_enabled,
        "inapp_enabled": pref.inapp_enabled,
        "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end,
        "digest": pref.digest,
        "digest_hour": pref.digest_hour,
    }


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Save my channel opt-outs, quiet hours and digest choice (shown on the settings page)."""
    settings_url = reverse("members:settings") + "#notifications"
    if request.method != "POST":
        return redirect(settings_url)
    user = request_user(request)
    form = PreferencesForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.preferences_update(user=user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            saved = True
    if is_htmx(request):
        if saved:
            form = PreferencesForm(initial=preferences_initial(user))
        context = {"notification_form": form, "saved": saved}
        return render(request, "notifications/_preferences.html", context)
    if saved:
        messages.success(request, _("Your notification settings were saved."))
        return redirect(settings_url)
    return render(
        request, "notifications/preferences.html", {"notification_form": form, "saved": False}
    )


# --- a cohort's reminder rules -----------------------------------------------------------------


def _cohort(request: HttpRequest, slug: str, number: int) -> tuple[Cohort, bool]:
    """The cohort (404 for outsiders) and whether the viewer manages it."""
    cohort, access = cohort_get_with_access_for_user(user=request.user, slug=slug, number=number)
    return cohort, access.can_manage(cohort)


def _forbidden(request: HttpRequest, cohort: Cohort, message: str) -> HttpResponse:
    context = {"cohort": cohort, "lab": cohort.lab, "message": message}
    return render(request, "notifications/forbidden.html", context, status=403)


def _rule_rows(cohort: Cohort, *, can_manage: bool) -> list[dict[str, Any]]:
    rows = []
    for rule in selectors.reminder_rules_for_cohort(cohort=cohort):
        rows.append(
            {
                "rule": rule,
                "label": registry.label(rule.kind),
                "hours": _hours(rule.minutes_before),
                "form": _rule_form(rule) if can_manage else None,
            }
        )
    return rows


def _hours(minutes: int) -> int:
    return max(1, round(minutes / 60))


def _rule_form(rule: ReminderRule, data: Any = None) -> ReminderRuleForm:
    initial = {
        "enabled": rule.enabled,
        "hours_before": _hours(rule.minutes_before),
        "to_webhook": rule.to_webhook,
    }
    return ReminderRuleForm(data, initial=initial, prefix=f"rule-{rule.pk}")


def _rules_context(
    cohort: Cohort, *, can_manage: bool, webhook_form: WebhookForm | None = None
) -> dict[str, Any]:
    hook = selectors.webhook_for_cohort(cohort=cohort)
    if can_manage and webhook_form is None:
        webhook_form = WebhookForm(
            initial={
                "url": hook.url if hook else "",
                "flavor": hook.flavor if hook else "slack",
                "enabled": hook.enabled if hook else True,
            }
        )
    return {
        "lab": cohort.lab,
        "cohort": cohort,
        "can_manage": can_manage,
        "rows": _rule_rows(cohort, can_manage=can_manage),
        "webhook": hook,
        "webhook_form": webhook_form,
    }


@login_required
@require_GET
def cohort_reminders(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The cohort's reminder rules: members read them, leaders change them."""
    cohort, can_manage = _cohort(request, slug, number)
    services.reminder_rules_ensure_defaults(cohorts=[cohort])
    context = _rules_context(cohort, can_manage=can_manage)
    return render(request, template_for(request, RULES_TEMPLATE, "rules"), context)


@login_required
@require_POST
def rule_update(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cohort, can_manage = _cohort(request, slug, number)
    rule = ReminderRule.objects.filter(pk=pk, cohort=cohort).first()
    if rule is None:
        raise Http404
    if not can_manage:
        return _forbidden(request, cohort, _("Only the cohort's leaders can change reminders."))
    form = _rule_form(rule, request.POST)
    saved = False
    if form.is_valid():
        try:
            services.reminder_rule_update(
                actor=request_user(request),
                rule=rule,
                enabled=form.cleaned_data["enabled"],
                minutes_before=form.cleaned_data["hours_before"] * 60,
                to_webhook=form.cleaned_data["to_webhook"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("The reminder was saved."))
                return redirect(reverse("notifications:cohort_reminders", args=[slug, number]))
            saved = True
            form = _rule_form(rule)
    row = {
        "rule": rule,
        "label": registry.label(rule.kind),
        "hours": _hours(rule.minutes_before),
        "form": form,
        "saved": saved,
    }
    context = {"lab": cohort.lab, "cohort": cohort, "can_manage": True, "row": row}
    if is_htmx(request):
        return render(request, "notifications/_rule.html", context)
    page = _rules_context(cohort, can_manage=True)
    page["rows"] = [row if r["rule"].pk == rule.pk else r for r in page["rows"]]
    return render(request, RULES_TEMPLATE, page)


@login_required
@require_POST
def webhook_save(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cohort, can_manage = _cohort(request, slug, number)
    if not can_manage:
        return _forbidden(request, cohort, _("Only the cohort's leaders can set the chat webhook."))
    form = WebhookForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            services.cohort_webhook_save(
                actor=request_user(request),
                cohort=cohort,
                url=form.cleaned_data["url"],
                flavor=form.cleaned_data["flavor"],
                enabled=form.cleaned_data["enabled"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            saved = True
    if saved and not is_htmx(request):
        messages.success(request, _("The chat webhook was saved."))
        return redirect(reverse("notifications:cohort_reminders", args=[slug, number]))
    context = _rules_context(cohort, can_manage=True, webhook_form=None if saved else form)
    context["webhook_saved"] = saved
    return render(request, template_for(request, RULES_TEMPLATE, "webhook"), context)


# --- deliveries (leaders) -----------------------------------------------------------------------


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    recipient = delivery.recipient
    return {
        "delivery": delivery,
        "title": texts.render(
            delivery.kind, delivery.params, zone=timezone.get_current_timezone_name()
        ).title,
        "recipient": recipient.display_name if recipient is not None else _("The cohort's chat"),
        "can_resend": delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED),
    }


@login_required
@require_GET
def cohort_deliveries(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Every message sent (or not) for this cohort, failures first with their error."""
    cohort, can_manage = _cohort(request, slug, number)
    if not can_manage:
        return _forbidden(
            request, cohort, _("Only the cohort's leaders can see what was sent to whom.")
        )
    status = request.GET.get("status") or ""
    if status not in DeliveryStatus.values:
        status = ""
    page_obj = paginate(
        selectors.delivery_list_for_cohort(cohort=cohort, status=status or None),
        request.GET.get("page"),
        DELIVERIES_PAGE_SIZE,
    )
    context = {
        "lab": cohort.lab,
        "cohort": cohort,
        "page_obj": page_obj,
        "rows": [delivery_row(d) for d in page_obj],
        "status": status,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, template_for(request, DELIVERIES_TEMPLATE, "deliveries"), context)


@login_required
@require_POST
def delivery_resend(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    cohort, can_manage = _cohort(request, slug, number)
    delivery = Delivery.objects.filter(pk=pk, cohort=cohort).select_related("recipient").first()
    if delivery is None:
        raise Http404
    if not can_manage:
        return _forbidden(request, cohort, _("Only the cohort's leaders can resend messages."))
    error = None
    try:
        delivery = services.delivery_resend(actor=request_user(request), delivery=delivery)
    except ApplicationError as exc:
        error = exc.message
    if is_htmx(request):
        context = {"lab": cohort.lab, "cohort": cohort, "row": delivery_row(delivery)}
        context["row_error"] = error
        return render(request, "notifications/_delivery.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The message will be sent again in a moment."))
    return redirect(reverse("notifications:cohort_deliveries", args=[slug, number]))


# --- development outbox ---------------------------------------------------------------------


def _may_see_outbox(request: HttpRequest) -> bool:
    return settings.DEBUG or bool(getattr(request.user, "is_superuser", False))


@login_required
@require_http_methods(["GET", "POST"])
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Development only (DEBUG or a superuser): the newest deliveries of every cohort, and a
    button that runs the reminder tick now instead of waiting for beat's next minute."""
    if not _may_see_outbox(request):
        raise PermissionDenied
    if request.method == "POST":
        from notifications import tasks

        result = tasks.tick.apply().get()
        messages.success(
            request,
            _("Tick: %(planned)s planned, %(offered)s offered to the workers.") % result,
        )
        return redirect(reverse("notifications:dev_outbox"))
    rows = Delivery.objects.select_related("recipient__profile", "cohort").order_by(
        "-created_at", "-id"
    )[:100]
    context = {"rows": [delivery_row(d) for d in rows], "mail_dir": _mail_dir()}
    return render(request, "notifications/dev_outbox.html", context)


def _mail_dir() -> str:
    mailer = getattr(settings, "MAILERS", {}).get("default", {})
    path = mailer.get("OPTIONS", {}).get("file_path")
    return str(path) if path else ""
