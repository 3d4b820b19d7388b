"""Writes for places: a lab's saved places, its travel-time table (CSV), members' home areas.

Every function checks the actor's permission itself; visibility (404 for outsiders) is the
caller's job, through the gatekeepers in sessions.selectors.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Lab
from members.models import Profile, User
from members.services import profile_ensure
from sessions.fairplace import normalize_area
from sessions.models import Location, Meeting, TravelTime

# Home coordinates are kept to 0.01° (about 1 km north-south, 0.9 km east-west in Seoul).
HOME_PRECISION = Decimal("0.01")
LOCATION_PRECISION = Decimal("0.000001")
# A travel-time table is a few areas times a few places; these bound a pasted file.
TRAVEL_TIMES_MAX_ROWS = 5000
TRAVEL_TIMES_MAX_CHARS = 500_000
TRAVEL_TIMES_MAX_MINUTES = 24 * 60
# Header names accepted for each column (English, or Korean as a Korean sheet writes them).
TRAVEL_TIMES_COLUMNS = {
    "area": ("area", "지역", "동네"),
    "place": ("place", "장소", "모임 장소"),
    "minutes": ("minutes", "분", "시간(분)", "소요 시간(분)"),
}

type Coordinate = Decimal | float | int | str | None


def _require_change_location(actor: User, lab: Lab) -> None:
    if not actor.has_perm("study_sessions.change_location", lab):
        raise PermissionDeniedError(_("Only the lab's leaders and facilitators can manage places."))


def _decimal(value: Coordinate) -> Decimal | None:
    """A coordinate as a Decimal; None for empty; raises InvalidOperation for non-numbers."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        raise InvalidOperation
    return number


def clean_coordinates(
    latitude: Coordinate, longitude: Coordinate, *, precision: Decimal
) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates or neither, each in range, rounded to `precision` (half away from 0).

    Raises ApplicationError with per-field messages. The range is checked before rounding,
    so 90.004 is refused rather than rounded into range.
    """
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Decimal | None] = {}
    for name, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        try:
            number = _decimal(value)
        except (InvalidOperation, ValueError):
            errors[name] = [_("Enter a number, such as 37.54.")]
            continue
        if number is not None and not -limit <= number <= limit:
            errors[name] = [
                _("Must be between -%(limit)s and %(limit)s.") % {"limit": limit},
            ]
            continue
        parsed[name] = number
    if not errors and (parsed["latitude"] is None) != (parsed["longitude"] is None):
        missing = "latitude" if parsed["latitude"] is None else "longitude"
        errors[missing] = [_("Enter both latitude and longitude, or neither.")]
    if errors:
        raise ApplicationError(
            _("Please correct the coordinates."), code="invalid_coordinates", fields=errors
        )
    lat, lng = parsed["latitude"], parsed["longitude"]
    if lat is None or lng is None:
        return None, None
    return (
        lat.quantize(precision, rounding=ROUND_HALF_UP),
        lng.quantize(precision, rounding=ROUND_HALF_UP),
    )


# --- places --------------------------------------------------------------------------------


def _clean_location(
    *,
    name: str,
    address: str,
    latitude: Coordinate,
    longitude: Coordinate,
    capacity: int | None,
    online_url: str,
    notes: str,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Name the place.")]
    elif len(name) > 120:
        errors["name"] = [_("At most 120 characters.")]
    if len(address) > 300:
        errors["address"] = [_("At most 300 characters.")]
    if len(notes) > 2000:
        errors["notes"] = [_("At most 2000 characters.")]
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("Capacity must be at least 1, or left empty.")]
    online_url = online_url.strip()
    if online_url:
        try:
            URLValidator(schemes=["http", "https"])(online_url)
        except ValidationError:
            errors["online_url"] = [_("Enter a web address starting with https://.")]
    try:
        lat, lng = clean_coordinates(latitude, longitude, precision=LOCATION_PRECISION)
    except ApplicationError as exc:
        errors |= exc.fields
        lat = lng = None
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)
    return {
        "name": name,
        "address": address.strip(),
        "latitude": lat,
        "longitude": lng,
        "capacity": capacity,
        "online_url": online_url,
        "notes": notes.strip(),
    }


def _name_taken() -> ConflictError:
    return ConflictError(
        _("The lab already has a place with this name."),
        code="place_name_taken",
        fields={"name": [_("Already used for another place of this lab.")]},
    )


def location_create(
    *,
    actor: User,
    lab: Lab,
    name: str,
    address: str = "",
    latitude: Coordinate = None,
    longitude: Coordinate = None,
    capacity: int | None = None,
    online_url: str = "",
    notes: str = "",
    external_id: str | None = None,
) -> Location:
    """Save a place for the lab (its leaders and facilitators). Names are unique per lab."""
    _require_change_location(actor, lab)
    data = _clean_location(
        name=name,
        address=address,
        latitude=latitude,
        longitude=longitude,
        capacity=capacity,
        online_url=online_url,
        notes=notes,
    )
    try:
        # The unique constraints decide between two managers saving the same name at once.
        with transaction.atomic():
            return Location.objects.create(lab=lab, external_id=external_id or None, **data)
    except IntegrityError:
        if external_id and Location.objects.filter(lab=lab, external_id=external_id).exists():
            raise ConflictError(
                _("Another place of this lab has this external id."),
                code="external_id_taken",
                fields={"external_id": [_("Already used.")]},
            ) from None
        raise _name_taken() from None


def location_update(
    *,
    actor: User,
    location: Location,
    name: str,
    address: str,
    latitude: Coordinate,
    longitude: Coordinate,
    capacity: int | None,
    online_url: str,
    notes: str,
) -> Location:
    """Change a place (the lab's leaders and facilitators). Its meetings follow the change."""
    _require_change_location(actor, location.lab)
    data = _clean_location(
        name=name,
        address=address,
        latitude=latitude,
        longitude=longitude,
        capacity=capacity,
        online_url=online_url,
        notes=notes,
    )
    for attribute, value in data.items():
        setattr(location, attribute, value)
    try:
        with transaction.atomic():
            location.save(update_fields=[*data, "updated_at"])
    except IntegrityError:
        raise _name_taken() from None
    return location


def location_delete(*, actor: User, location: Location) -> int:
    """Delete a place (the lab's leaders and facilitators).

    Its meetings, series and polls stay, without a place (the foreign keys are SET_NULL);
    its travel-time rows go with it. Returns how many meetings lost their place.
    """
    _require_change_location(actor, location.lab)
    with transaction.atomic():
        meetings = Meeting.objects.filter(location=location).count()
        location.delete()
    return meetings


# --- the travel-time table -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TravelTimeRow:
    """One data line of an uploaded table, with what was wrong with it (if anything)."""

    line: int  # line number in the file (the header is line 1)
    area: str
    place: str
    minutes: str
    location_id: int | None
    value: int | None
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TravelTimeTable:
    """A parsed upload: its rows, file-level errors (no header, too long) and the verdict."""

    rows: tuple[TravelTimeRow, ...] = ()
    errors: tuple[str, ...] = ()
    error_rows: tuple[TravelTimeRow, ...] = field(default=())

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.error_rows and bool(self.rows)

    def entries(self) -> dict[tuple[str, int], int]:
        """(area, place id) → minutes, for a valid table."""
        return {
            (row.area, row.location_id): row.value
            for row in self.rows
            if row.location_id is not None and row.value is not None
        }


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    wanted = {
        alias: column for column, aliases in TRAVEL_TIMES_COLUMNS.items() for alias in aliases
    }
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        column = wanted.get(" ".join(raw.split()).casefold())
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in TRAVEL_TIMES_COLUMNS if column not in positions]
    return positions, missing


def _clean_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def travel_times_parse(*, lab: Lab, csv_text: str) -> TravelTimeTable:
    """Read a table (CSV with a header: area, place, minutes) against the lab's places.

    UTF-8 text with or without a byte-order mark; Korean area and place names. Each row is
    checked: a known place name (as saved, letter case ignored), whole non-negative minutes,
    no second row for the same area and place. Nothing is written.
    """
    text = csv_text.removeprefix("\ufeff")
    if len(text) > TRAVEL_TIMES_MAX_CHARS:
        return TravelTimeTable(errors=(_("The file is too long for a travel-time table."),))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            return TravelTimeTable(
                errors=(_("The file is empty. Its first line must be: area,place,minutes"),)
            )
        positions, missing = _header_map(header)
        if missing:
            message = _(
                "The first line must name the columns area, place and minutes; missing: "
                "%(missing)s."
            ) % {"missing": ", ".join(missing)}
            return TravelTimeTable(errors=(message,))
        places = {location.name: location.pk for location in Location.objects.filter(lab=lab)}
        folded: dict[str, int | None] = {}
        for name, pk in places.items():
            key = _clean_text(name).casefold()
            # Two places differing only in letter case: only their exact names match.
            folded[key] = None if key in folded else pk
        rows: list[TravelTimeRow] = []
        seen: dict[tuple[str, int], int] = {}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= TRAVEL_TIMES_MAX_ROWS:
                message = _("At most %(count)s rows.") % {"count": TRAVEL_TIMES_MAX_ROWS}
                return TravelTimeTable(rows=tuple(rows), errors=(message,))
            rows.append(_parse_row(reader.line_num, cells, positions, places, folded, seen))
    except csv.Error as exc:
        message = _("Line %(line)s could not be read as CSV: %(error)s") % {
            "line": reader.line_num,
            "error": exc,
        }
        return TravelTimeTable(errors=(message,))
    if not rows:
        return TravelTimeTable(errors=(_("The table has a header but no rows."),))
    return TravelTimeTable(rows=tuple(rows), error_rows=tuple(r for r in rows if r.errors))


def _parse_row(
    line: int,
    cells: list[str],
    positions: dict[str, int],
    places: dict[str, int],
    folded: dict[str, int | None],
    seen: dict[tuple[str, int], int],
) -> TravelTimeRow:
    def cell(column: str) -> str:
        index = positions[column]
        return cells[index].strip() if index < len(cells) else ""

    area, place, minutes = _clean_text(cell("area")), _clean_text(cell("place")), cell("minutes")
    errors: list[str] = []
    if not area:
        errors.append(_("The area is empty."))
    elif len(area) > 80:
        errors.append(_("The area is longer than 80 characters."))
    location_id: int | None = None
    if not place:
        errors.append(_("The place is empty."))
    else:
        location_id = places.get(place) or folded.get(place.casefold())
        if location_id is None:
            errors.append(_("No place of this lab is called “%(name)s”.") % {"name": place})
    value: int | None = None
    try:
        value = int(minutes)
    except ValueError:
        errors.append(_("Minutes must be a whole number, such as 35."))
    else:
        if value < 0:
            errors.append(_("Minutes cannot be negative."))
            value = None
        elif value > TRAVEL_TIMES_MAX_MINUTES:
            errors.append(_("More than a day of travel: check the minutes."))
            value = None
    if area and location_id is not None:
        key = (normalize_area(area), location_id)
        if key in seen:
            errors.append(
                _("Same area and place as line %(line)s.") % {"line": seen[key]},
            )
        else:
            seen[key] = line
    return TravelTimeRow(
        line=line,
        area=area,
        place=place,
        minutes=minutes,
        location_id=location_id,
        value=value,
        errors=tuple(errors),
    )


@transaction.atomic
def travel_times_import(*, actor: User, lab: Lab, csv_text: str) -> int:
    """Replace the lab's travel-time table with the uploaded one, all or nothing.

    Refuses the whole file (ApplicationError, code "invalid_travel_times", with the row
    errors under fields["csv"]) if any row is wrong. Idempotent: importing the same file
    twice leaves the same table, and rows that did not change are not rewritten.
    Returns the number of rows in the table.
    """
    _require_change_location(actor, lab)
    table = travel_times_parse(lab=lab, csv_text=csv_text)
    if not table.is_valid:
        messages = list(table.errors) + [
            _("Line %(line)s: %(errors)s") % {"line": row.line, "errors": " ".join(row.errors)}
            for row in table.error_rows
        ]
        raise ApplicationError(
            _("The table was not imported: correct the marked lines and upload it again."),
            code="invalid_travel_times",
            fields={"csv": messages},
        )
    wanted = table.entries()
    # Lock the lab's rows: two managers importing at once replace the table one after the other.
    current = {
        (row.area, row.location_id): row
        for row in TravelTime.objects.select_for_update().filter(lab=lab)
    }
    stale = [row.pk for key, row in current.items() if key not in wanted]
    if stale:
        TravelTime.objects.filter(pk__in=stale).delete()
    changed = []
    now = timezone.now()
    for key, minutes in wanted.items():
        row = current.get(key)
        if row is not None and row.minutes != minutes:
            # bulk_update() skips auto_now: set the time of the change here.
            row.minutes, row.updated_at = minutes, now
            changed.append(row)
    if changed:
        TravelTime.objects.bulk_update(changed, ["minutes", "updated_at"])
    TravelTime.objects.bulk_create(
        TravelTime(lab=lab, area=area, location_id=location_id, minutes=minutes)
        for (area, location_id), minutes in wanted.items()
        if (area, location_id) not in current
    )
    return len(wanted)


# --- home areas ----------------------------------------------------------------------------


def home_area_set(
    *, actor: User, area: str, latitude: Coordinate, longitude: Coordinate
) -> Profile:
    """Record my home area: a label (e.g. "성수동") and, optionally, coordinates.

    Coordinates are rounded to 0.01° (about 1 km) before they are stored, so the exact
    address is never kept. An empty label with no coordinates clears the home area. Only
    the member ever sees these; the place suggestion shows leaders aggregates only.
    """
    area = _clean_text(area)
    lat, lng = clean_coordinates(latitude, longitude, precision=HOME_PRECISION)
    if not area and lat is None:
        return home_area_clear(actor=actor)
    if not area:
        raise ApplicationError(
            _("Name your area too, e.g. 성수동."),
            code="invalid_home_area",
            fields={"area": [_("Name your area, e.g. 성수동.")]},
        )
    if len(area) > 80:
        raise ApplicationError(
            _("Please correct the marked fields."),
            code="invalid_home_area",
            fields={"area": [_("At most 80 characters.")]},
        )
    profile = profile_ensure(user=actor)
    profile.home_area, profile.home_latitude, profile.home_longitude = area, lat, lng
    profile.save(update_fields=["home_area", "home_latitude", "home_longitude", "updated_at"])
    return profile


def home_area_clear(*, actor: User) -> Profile:
    """Forget my home area: label and coordinates."""
    profile = profile_ensure(user=actor)
    profile.home_area, profile.home_latitude, profile.home_longitude = "", None, None
    profile.save(update_fields=["home_area", "home_latitude", "home_longitude", "updated_at"])
    return profile
