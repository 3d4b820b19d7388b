"""Demo content for sync: the demo members' spreadsheet (CSV) links. Called by
`manage.py seed_demo` (the lead wires it in); idempotent."""

from __future__ import annotations

from collections.abc import Iterable

from core.models import SheetLink
from core.sheets import sheet_link_create
from labs.models import Cohort
from members.models import User


def seed_sync_demo(*, cohort: Cohort, users: Iterable[User]) -> list[SheetLink]:
    """Each given member's spreadsheet link for the cohort (existing links keep their secret),
    so the cohort's "Spreadsheet links" page shows ready addresses in the demo."""
    return [sheet_link_create(actor=user, cohort=cohort) for user in users]
