"""Tracker items due soon: a problem set not fully solved, an interview topic without one's
own question. To each active member of the cohort who has not done it yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from labs.models import Role
from notifications.sources import (
    Check,
    DefaultRule,
    DueReminder,
    active_members_by_cohort,
    by_cohort,
    iso,
    registry,
    rows_due,
    window,
)
from trackers.models import InterviewTopic, Problem, ProblemSet, Question, Solve, SolveStatus

if TYPE_CHECKING:
    from django.db import models

    from notifications.models import ReminderRule

# Guests watch; they are not expected to solve.
DOERS = (Role.LEADER, Role.FACILITATOR, Role.MEMBER)


def _members(cohort_ids: set[int]) -> dict[int, set[int]]:
    return active_members_by_cohort(cohort_ids, roles=DOERS)


def _problem_set_done(set_ids: Sequence[int]) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """Problems per set, and the (set, member) pairs that solved every one of them."""
    totals = dict(
        Problem.objects.filter(problem_set_id__in=list(set_ids))
        .values("problem_set_id")
        .annotate(n=Count("id"))
        .values_list("problem_set_id", "n")
    )
    solved = (
        Solve.objects.filter(problem__problem_set_id__in=list(set_ids), status=SolveStatus.SOLVED)
        .values("problem__problem_set_id", "user_id")
        .annotate(n=Count("id"))
        .values_list("problem__problem_set_id", "user_id", "n")
    )
    done = {(set_id, user_id) for set_id, user_id, n in solved if n >= totals.get(set_id, 0)}
    return totals, done


def _topic_done(topic_ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(
        Question.objects.filter(topic_id__in=list(topic_ids)).values_list("topic_id", "author_id")
    )


def _cohort_url(row: dict[str, Any]) -> str:
    return reverse(
        "labs:cohort_detail", kwargs={"slug": row["lab_slug"], "number": row["cohort_number"]}
    )


class TrackerDueSource:
    kind = "tracker_due"
    label = _("Tracker item due (to members who have not done it)")
    defaults = (DefaultRule("tracker_due", 24 * 60),)

    def _rows(self, model: type[models.Model], rules: Sequence[ReminderRule], now: datetime) -> Any:
        start, end = window(rules, now)
        return model._default_manager.filter(
            cohort_id__in={rule.cohort_id for rule in rules}, due_at__gt=start, due_at__lte=end
        ).values(
            "id",
            "cohort_id",
            "week",
            "title",
            "due_at",
            cohort_number=F("cohort__number"),
            lab_slug=F("cohort__lab__slug"),
        )

    def due(self, *, rules: Sequence[ReminderRule], now: datetime) -> list[DueReminder]:
        grouped = by_cohort(rules)
        fired: list[tuple[ReminderRule, type[models.Model], dict[str, Any]]] = []
        models_: tuple[type[models.Model], ...] = (ProblemSet, InterviewTopic)
        for model in models_:
            for rule, row in rows_due(self._rows(model, rules, now), grouped, now, anchor="due_at"):
                fired.append((rule, model, row))
        if not fired:
            return []
        members = _members({row["cohort_id"] for _rule, _model, row in fired})
        set_ids = [row["id"] for _r, kind, row in fired if kind is ProblemSet]
        totals, sets_done = _problem_set_done(set_ids)
        topics_done = _topic_done([row["id"] for _r, kind, row in fired if kind is InterviewTopic])
        result = []
        for rule, target_model, row in fired:
            if target_model is ProblemSet:
                if not totals.get(row["id"]):
                    continue  # nothing to solve yet
                done = {user for set_id, user in sets_done if set_id == row["id"]}
            else:
                done = {user for topic_id, user in topics_done if topic_id == row["id"]}
            missing = members.get(row["cohort_id"], set()) - done
            if not missing:
                continue
            result.append(
                DueReminder(
                    rule=rule,
                    target_model=target_model,
                    target_id=row["id"],
                    anchor_at=row["due_at"],
                    recipient_ids=sorted(missing),
                    params={
                        "item": row["title"] or "",
                        "week": row["week"],
                        "due_at": iso(row["due_at"]),
                        "tracker": "problems" if target_model is ProblemSet else "interview",
                    },
                    url=_cohort_url(row),
                )
            )
        return result

    def still_due(self, *, checks: Sequence[Check], now: datetime) -> set[int]:
        ok: set[int] = set()
        for model in (ProblemSet, InterviewTopic):
            mine = [(i, c) for i, c in enumerate(checks) if c.target_model is model]
            if not mine:
                continue
            live: dict[int, int] = {}
            due: dict[int, datetime] = {}
            for pk, cohort_id, due_at in model._default_manager.filter(
                pk__in={c.target_id for _i, c in mine}
            ).values_list("id", "cohort_id", "due_at"):
                if due_at is not None and due_at > now:
                    live[pk], due[pk] = cohort_id, due_at
            members = _members(set(live.values()))
            if model is ProblemSet:
                _totals, done = _problem_set_done(list(live))
            else:
                done = _topic_done(list(live))
            for index, check in mine:
                if check.target_id not in live or due[check.target_id] != check.anchor_at:
                    continue
                if check.recipient_id is None or (
                    check.recipient_id in members.get(live[check.target_id], set())
                    and (check.target_id, check.recipient_id) not in done
                ):
                    ok.add(index)
        return ok


registry.register(TrackerDueSource())
