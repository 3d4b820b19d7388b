"""Pages for places: a lab's saved places, its travel-time table, the fair place suggestion for a
meeting, and a member's own home area.

Views only translate HTTP into selector and service calls: visibility comes from the
gatekeepers (outsiders get 404), refusals from the services' ApplicationError.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from core.errors import ApplicationError, PermissionDeniedError
from core.htmx import template_for
from labs.forms import apply_application_error
from labs.models import Lab
from labs.selectors import ViewerAccess, viewer_access_for_lab
from members.models import User
from members.services import profile_ensure
from sessions.models import Location
from sessions.selectors import location_get_for_user, meeting_get_for_user
from sessions.selectors import places as selectors
from sessions.services import places as services

FORBIDDEN_TEMPLATE = "labs/forbidden.html"
NOT_A_MANAGER = _lazy("Only the lab's leaders and facilitators can manage places.")


# --- forms (shape only; the services decide) -------------------------------------------------


class CoordinateInput(forms.NumberInput):
    def __init__(self, placeholder: str) -> None:
        super().__init__(attrs={"step": "any", "inputmode": "decimal", "placeholder": placeholder})


class PlaceForm(forms.Form):
    name = forms.CharField(label=_lazy("Name"), max_length=120)
    address = forms.CharField(label=_lazy("Address"), max_length=300, required=False)
    latitude = forms.DecimalField(
        label=_lazy("Latitude"),
        required=False,
        widget=CoordinateInput("37.5446"),
        help_text=_lazy("Decimal degrees, e.g. 37.5446. Copy them from a map app."),
    )
    longitude = forms.DecimalField(
        label=_lazy("Longitude"),
        required=False,
        widget=CoordinateInput("127.0557"),
        help_text=_lazy("Decimal degrees, e.g. 127.0557. Both or neither."),
    )
    capacity = forms.IntegerField(label=_lazy("Capacity"), required=False, min_value=1)
    online_url = forms.URLField(
        label=_lazy("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_lazy("A video call link, if people can also join online."),
    )
    notes = forms.CharField(
        label=_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("How to get in, booking, Wi-Fi, …"),
    )


class HomeAreaForm(forms.Form):
    area = forms.CharField(
        label=_lazy("Area"),
        max_length=80,
        required=False,
        help_text=_lazy("A neighbourhood or district, e.g. 성수동."),
    )
    latitude = forms.DecimalField(
        label=_lazy("Latitude"), required=False, widget=CoordinateInput("37.54")
    )
    longitude = forms.DecimalField(
        label=_lazy("Longitude"), required=False, widget=CoordinateInput("127.06")
    )


class TravelTimesForm(forms.Form):
    file = forms.FileField(label=_lazy("CSV file"), required=False)
    csv_text = forms.CharField(
        label=_lazy("Or paste the table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "area,place,minutes"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload:
            if upload.size > services.TRAVEL_TIMES_MAX_CHARS * 4:
                raise forms.ValidationError(_("The file is too large for a travel-time table."))
            try:
                cleaned["csv_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
                ) from None
        if not (cleaned.get("csv_text") or "").strip():
            raise forms.ValidationError(_("Choose a CSV file or paste the table."))
        return cleaned


# --- helpers -----------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required lets only members through"
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, FORBIDDEN_TEMPLATE, {"message": message}, status=403)


def _lab_for_member(user: User, slug: str) -> tuple[Lab, ViewerAccess]:
    """The lab and the viewer's powers in it; 404 unless the viewer is a member (places are
    private even in a public lab)."""
    try:
        lab = Lab.objects.get(slug=slug)
    except Lab.DoesNotExist:
        raise Http404 from None
    access = viewer_access_for_lab(user=user, lab=lab)
    if not access.can_view_private_lab:
        raise Http404
    return lab, access


def _places_url(lab: Lab) -> str:
    return reverse("sessions:places", kwargs={"slug": lab.slug})


def _place_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "address": data["address"],
        "latitude": data["latitude"],
        "longitude": data["longitude"],
        "capacity": data["capacity"],
        "online_url": data["online_url"],
        "notes": data["notes"],
    }


# --- places ------------------------------------------------------------------------------------


@login_required
@require_GET
def places(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's places, for its members; leaders and facilitators also manage them here."""
    lab, access = _lab_for_member(_user(request), slug)
    context = {
        "lab": lab,
        "places": selectors.location_list_for_lab(lab=lab),
        "can_change": selectors.can_change_places(access),
    }
    return render(request, "sessions/places.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def place_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    lab, access = _lab_for_member(user, slug)
    if not selectors.can_change_places(access):
        return _forbidden(request, str(NOT_A_MANAGER))
    form = PlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.location_create(
                actor=user, lab=lab, **_place_data(form.cleaned_data)
            )
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("Place “%(name)s” saved.") % {"name": location.name})
            return _redirect(request, _places_url(lab))
    context = {"lab": lab, "form": form, "location": None}
    return render(request, template_for(request, "sessions/place_form.html", "form"), context)


def _location_for_manager(request: HttpRequest, pk: int) -> tuple[Location, HttpResponse | None]:
    """The place (404 for outsiders) and, when the viewer may not change it, a 403 page."""
    user = _user(request)
    location = location_get_for_user(user=user, pk=pk)
    access = viewer_access_for_lab(user=user, lab=location.lab)
    if not selectors.can_change_places(access):
        return location, _forbidden(request, str(NOT_A_MANAGER))
    return location, None


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    location, refusal = _location_for_manager(request, pk)
    if refusal:
        return refusal
    form = PlaceForm(
        request.POST or None,
        initial={
            "name": location.name,
            "address": location.address,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "capacity": location.capacity,
            "online_url": location.online_url,
            "notes": location.notes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.location_update(
                actor=user, location=location, **_place_data(form.cleaned_data)
            )
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, _("Place “%(name)s” saved.") % {"name": location.name})
            return _redirect(request, _places_url(location.lab))
    context = {"lab": location.lab, "form": form, "location": location}
    return render(request, template_for(request, "sessions/place_form.html", "form"), context)


@login_required
@require_http_methods(["GET", "POST"])
def place_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation, saying which meetings keep their time but lose the place.
    POST: delete."""
    user = _user(request)
    location, refusal = _location_for_manager(request, pk)
    if refusal:
        return refusal
    lab = location.lab
    if request.method == "POST":
        try:
            meetings = services.location_delete(actor=user, location=location)
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        if meetings:
            notice = (
                _(
                    "Place “%(name)s” deleted. %(count)s meeting keeps its date and now has no "
                    "place."
                )
                if meetings == 1
                else _(
                    "Place “%(name)s” deleted. %(count)s meetings keep their dates and now have "
                    "no place."
                )
            )
        else:
            notice = _("Place “%(name)s” deleted.")
        messages.success(request, notice % {"name": location.name, "count": meetings})
        return _redirect(request, _places_url(lab))
    context = {
        "lab": lab,
        "location": location,
        "meeting_count": selectors.location_meeting_count(location=location),
    }
    return render(request, "sessions/place_delete.html", context)


# --- travel times ------------------------------------------------------------------------------


def _travel_times_response(
    request: HttpRequest,
    lab: Lab,
    form: TravelTimesForm,
    *,
    preview: services.TravelTimeTable | None = None,
    csv_text: str = "",
    error: str = "",
) -> HttpResponse:
    context = {
        "lab": lab,
        "form": form,
        "preview": preview,
        "csv_text": csv_text,
        "error": error,
        "rows": selectors.travel_time_rows_for_lab(lab=lab),
    }
    template = template_for(request, "sessions/place_travel_times.html", "upload")
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def travel_times(request: HttpRequest, slug: str) -> HttpResponse:
    """The lab's travel-time table: upload a CSV, preview it with each line's errors, then
    replace the table with it (all or nothing)."""
    user = _user(request)
    lab, access = _lab_for_member(user, slug)
    if not selectors.can_change_places(access):
        return _forbidden(request, str(NOT_A_MANAGER))
    if request.method != "POST":
        return _travel_times_response(request, lab, TravelTimesForm())
    if request.POST.get("action") == "apply":
        csv_text = request.POST.get("csv_text", "")
        try:
            count = services.travel_times_import(actor=user, lab=lab, csv_text=csv_text)
        except PermissionDeniedError as exc:
            return _forbidden(request, exc.message)
        except ApplicationError as exc:
            preview = services.travel_times_parse(lab=lab, csv_text=csv_text)
            return _travel_times_response(
                request, lab, TravelTimesForm(), preview=preview, error=exc.message
            )
        messages.success(request, _("Travel-time table saved: %(count)s rows.") % {"count": count})
        return _redirect(request, reverse("sessions:travel_times", kwargs={"slug": lab.slug}))
    form = TravelTimesForm(request.POST, request.FILES)
    if not form.is_valid():
        return _travel_times_response(request, lab, form)
    csv_text = form.cleaned_data["csv_text"]
    preview = services.travel_times_parse(lab=lab, csv_text=csv_text)
    return _travel_times_response(
        request, lab, TravelTimesForm(), preview=preview, csv_text=csv_text
    )


# --- the fair place suggestion -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def place_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """The lab's places ranked for the people expected at a meeting (aggregates only), and
    a button to hold the meeting at one of them. For the meeting's managers."""
    user = _user(request)
    meeting = meeting_get_for_user(user=user, pk=pk)
    access = viewer_access_for_lab(user=user, lab=meeting.cohort.lab)
    if not access.can_manage(meeting.cohort):
        return _forbidden(request, _("Only leaders and facilitators can choose a meeting's place."))
    error = notice = ""
    if request.method == "POST":
        # Imported here: the meetings services are another area's module.
        from sessions.services.meetings import meeting_update

        location = Location.objects.filter(
            lab_id=meeting.cohort.lab_id, pk=request.POST.get("location") or 0
        ).first()
        if location is None:
            error = _("Choose one of the lab's places.")
        else:
            try:
                meeting_update(
                    actor=user,
                    meeting=meeting,
                    starts_at=meeting.starts_at,
                    ends_at=meeting.ends_at,
                    title=meeting.title,
                    location=location,
                    online_url=meeting.online_url,
                    agenda=meeting.agenda,
                    rsvp_deadline=meeting.rsvp_deadline,
                )
            except PermissionDeniedError as exc:
                return _forbidden(request, exc.message)
            except ApplicationError as exc:
                error = exc.message
            else:
                notice = _("The meeting is now at “%(name)s”.") % {"name": location.name}
                if not _is_htmx(request):
                    messages.success(request, notice)
                    return redirect(reverse("sessions:place_suggestion", kwargs={"pk": pk}))
    context = {
        "lab": meeting.cohort.lab,
        "cohort": meeting.cohort,
        "meeting": meeting,
        "suggestion": selectors.place_suggestion_for_meeting(meeting=meeting),
        "min_people": selectors.MIN_PEOPLE_FOR_FIGURES,
        "error": error,
        "notice": notice,
    }
    template = template_for(request, "sessions/place_suggestion.html", "ranking")
    return render(request, template, context)


# --- my home area ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def home_area(request: HttpRequest) -> HttpResponse:
    """My home area (only I see it): a label and coordinates rounded to about 1 km."""
    user = _user(request)
    profile = profile_ensure(user=user)
    form = HomeAreaForm(
        request.POST or None,
        initial={
            "area": profile.home_area,
            "latitude": profile.home_latitude,
            "longitude": profile.home_longitude,
        },
    )
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            services.home_area_clear(actor=user)
            messages.success(request, _("Your home area was removed."))
            return _redirect(request, reverse("sessions:home_area"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.home_area_set(
                    actor=user,
                    area=data["area"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, _("Your home area was saved."))
                return _redirect(request, reverse("sessions:home_area"))
    context = {"form": form, "profile": profile}
    return render(request, template_for(request, "sessions/home_area.html", "form"), context)
