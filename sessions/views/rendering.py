"""Helpers for pages that render many rows (the schedule, the presenters board): links from one
reversed pattern and dates in the viewer's zone, with the per-request work done once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString


def csrf_context(request: HttpRequest) -> dict[str, Any]:
    """The CSRF hidden input rendered once for the many forms of a page (what each
    {% csrf_token %} would print), and the same token for the rest of the page (base.html's
    hx-headers and log-out form), so a page still carries one token, as before."""
    token = get_token(request)
    return {
        "csrf_token": token,
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
        ),
    }


def safe_id(pk: int) -> SafeString:
    """An id as a row prints it (in its element ids, htmx targets, test hooks): digits need
    no escaping, so it is marked safe once instead of escaped at each of its ten uses."""
    return SafeString(int(pk))


def escaped(words: dict[str, str]) -> dict[str, SafeString]:
    """Words a page repeats in every row, escaped once per request instead of at each use."""
    return {key: escape(value) for key, value in words.items()}


@dataclass(frozen=True, slots=True)
class IdUrl:
    """A URL reversed once with 0 for its last argument (an id), then filled in per row: one
    reverse() per page instead of one per link."""

    head: str
    tail: str

    @classmethod
    def of(cls, name: str, *args: Any) -> IdUrl:
        head, _sep, tail = reverse(name, args=[*args, 0]).rpartition("/0/")
        return cls(f"{head}/", f"/{tail}")

    def __call__(self, pk: int | str) -> SafeString:
        """The URL of this id, escaped once (a row prints it in `action` and `hx-post`)."""
        return escape(f"{self.head}{pk}{self.tail}")


class LocalTimes:
    """Date-times as the pages print them, in the current time zone: the same text as
    `date_format(timezone.localtime(value), "Y-m-d (D) H:i")` (and "H:i"), with the zone and
    the weekday names looked up once per request instead of once per row."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.weekdays = [str(WEEKDAYS_ABBR[day]) for day in range(7)]

    def day_and_time(self, value: dt.datetime) -> str:
        """The format Y-m-d (D) H:i, e.g. 2026-11-21 (Sat) 19:00."""
        local = value.astimezone(self.zone)
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"({self.weekdays[local.weekday()]}) {local.hour:02d}:{local.minute:02d}"
        )

    def time(self, value: dt.datetime) -> str:
        """The format H:i, e.g. 22:00."""
        local = value.astimezone(self.zone)
        return f"{local.hour:02d}:{local.minute:02d}"
