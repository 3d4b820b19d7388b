"""Reminder sources: a small registry of kind -> "what is due now" and "still due for whom?".

A source finds the targets a cohort's rules make due (a meeting starting within the rule's
offset, a review due soon, ...) with the members who still have something to do, and
rechecks one (target, member) pair at send time, so a member who answered, solved or
submitted meanwhile gets nothing. Another app adds its own kind with `registry.register()`
(from its AppConfig.ready()), and `notifications` plans and sends it like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models

if TYPE_CHECKING:
    from notifications.models import ReminderRule


@dataclass(frozen=True, slots=True)
class DefaultRule:
    """A rule every cohort starts with (leaders can change or turn it off)."""

    kind: str
    minutes_before: int
    to_webhook: bool = False


@dataclass(slots=True)
class DueReminder:
    """One target a rule makes due now, with who should hear about it."""

    rule: ReminderRule
    target_model: type[models.Model]
    target_id: int
    anchor_at: datetime
    recipient_ids: list[int]
    params: dict[str, str | int] = field(default_factory=dict)
    url: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """A (target, member) pair to recheck at send time; recipient None is the cohort's chat."""

    target_model: type[models.Model]
    target_id: int
    anchor_at: datetime
    recipient_id: int | None


class ReminderSource(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def label(self) -> object:
        """A translatable description for the rules page."""
        ...

    @property
    def defaults(self) -> Sequence[DefaultRule]: ...

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        """The targets due for these rules (all of this kind) at `now`, with recipients."""
        ...

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        """Indexes into `checks` that should still be sent."""
        ...


class Registry:
    def __init__(self) -> None:
        self._sources: dict[str, ReminderSource] = {}

    def register(self, source: ReminderSource) -> ReminderSource:
        self._sources[source.kind] = source
        return source

    def get(self, kind: str) -> ReminderSource | None:
        return self._sources.get(kind)

    def kinds(self) -> list[str]:
        return list(self._sources)

    def sources(self) -> list[ReminderSource]:
        return list(self._sources.values())

    def defaults(self) -> list[DefaultRule]:
        return [default for source in self._sources.values() for default in source.defaults]

    def label(self, kind: str) -> str:
        source = self._sources.get(kind)
        return str(source.label) if source is not None else kind


registry = Registry()


def window(rules: Iterable[ReminderRule], now: datetime) -> tuple[datetime, datetime]:
    """The anchor range any of these rules can make due: (now, now + longest offset]."""
    longest = max(rule.minutes_before for rule in rules)
    return now, now + timedelta(minutes=longest)


def rules_due_for(
    rules_by_cohort: dict[int, list[ReminderRule]],
    cohort_id: int,
    anchor_at: datetime,
    now: datetime,
) -> ReminderRule | None:
    """The rule that fires for this target now: of the cohort's rules whose moment has come
    (anchor - offset <= now < anchor), the closest one. A meeting created an hour before it
    starts gets the one-hour reminder, not the one-day reminder as well."""
    if anchor_at <= now:
        return None
    due = [
        rule
        for rule in rules_by_cohort.get(cohort_id, ())
        if anchor_at - timedelta(minutes=rule.minutes_before) <= now
    ]
    return min(due, key=lambda rule: rule.minutes_before) if due else None


def by_cohort(rules: Iterable[ReminderRule]) -> dict[int, list[ReminderRule]]:
    grouped: dict[int, list[ReminderRule]] = {}
    for rule in rules:
        grouped.setdefault(rule.cohort_id, []).append(rule)
    return grouped


def rows_due(
    rows: Iterable[Mapping[str, Any]],
    rules_by_cohort: dict[int, list[ReminderRule]],
    now: datetime,
    *,
    anchor: str = "starts_at",
) -> list[tuple[ReminderRule, dict[str, Any]]]:
    """The target rows (with `cohort_id` and their `anchor` moment) some rule makes due now,
    each with the rule that fires (rules_due_for); rows without a moment are never due."""
    result: list[tuple[ReminderRule, dict[str, Any]]] = []
    for row in rows:
        if row[anchor] is None:
            continue
        rule = rules_due_for(rules_by_cohort, row["cohort_id"], row[anchor], now)
        if rule is not None:
            result.append((rule, dict(row)))
    return result


def active_members_by_cohort(
    cohort_ids: Iterable[int], *, roles: Iterable[str] | None = None
) -> dict[int, set[int]]:
    """cohort id -> ids of its active members (of these roles only, when given): one query."""
    from labs.models import Membership, MembershipStatus

    rows = Membership.objects.filter(cohort_id__in=set(cohort_ids), status=MembershipStatus.ACTIVE)
    if roles is not None:
        rows = rows.filter(role__in=list(roles))
    members: dict[int, set[int]] = {}
    for cohort_id, user_id in rows.values_list("cohort_id", "user_id"):
        members.setdefault(cohort_id, set()).add(user_id)
    return members


def iso(value: datetime) -> str:
    return value.isoformat()


# The built-in sources register themselves on import.
from notifications.sources import meetings, reviews, trackers  # noqa: E402, F401
