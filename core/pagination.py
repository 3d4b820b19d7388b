"""Page-number pagination for pages that usually fit on one page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def paginate(queryset: QuerySet[Any, Any], page_number: str | None, per_page: int) -> Page[Any]:
    """Like Paginator(...).get_page(), but a first page that holds everything costs no COUNT.

    Most cohorts have fewer members than a page, so fetching one row more than a page
    tells us the total without a second query.
    """
    if page_number in (None, "", "1"):
        head = list(queryset[: per_page + 1])
        if len(head) <= per_page:
            return Paginator(head, per_page).page(1)
    return Paginator(queryset, per_page).get_page(page_number)
