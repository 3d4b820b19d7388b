"""Reads for date polls: a cohort's polls, a poll's results and its grid of members by options.

Every read here costs a fixed number of queries, whatever the number of members and options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.http import Http404

from labs.models import Cohort, Membership, MembershipStatus
from members.models import display_name_for
from sessions.models import Location, Poll, PollAnswer, PollOption, PollVote
from sessions.selectors import poll_list_visible


@dataclass(slots=True)
class OptionResult:
    """One candidate time with its answer counts."""

    pk: int
    starts_at: datetime
    ends_at: datetime
    yes: int = 0
    if_need_be: int = 0
    no: int = 0
    is_winner: bool = False

    @property
    def answered(self) -> int:
        return self.yes + self.if_need_be + self.no


@dataclass(slots=True)
class MemberAnswers:
    """One row of the grid: a person and their answer to each option (None: no answer)."""

    user_id: int
    name: str
    is_me: bool
    answers: list[str | None]
    is_member: bool = True


@dataclass(slots=True)
class PollResults:
    options: list[OptionResult]  # chronological: the grid's order
    ranking: list[OptionResult]  # best first: most yes, then most if-need-be, then earliest
    rows: list[MemberAnswers]
    my_answers: dict[int, str] = field(default_factory=dict)

    @property
    def winner(self) -> OptionResult | None:
        return self.ranking[0] if self.ranking and self.ranking[0].is_winner else None

    @property
    def grid(self) -> list[dict[str, Any]]:
        """Options as rows (what fits a phone): each with its answers, one per member row."""
        return [
            {"option": option, "answers": [row.answers[index] for row in self.rows]}
            for index, option in enumerate(self.options)
        ]


def rank_key(option: OptionResult) -> tuple[int, int, datetime, int]:
    return (-option.yes, -option.if_need_be, option.starts_at, option.pk)


def rank_options(options: Iterable[OptionResult]) -> list[OptionResult]:
    """Best first; the first is the winner when anyone said yes or if need be."""
    ranking = sorted(options, key=rank_key)
    for option in ranking:
        option.is_winner = False
    if ranking and (ranking[0].yes or ranking[0].if_need_be):
        ranking[0].is_winner = True
    return ranking


def poll_get_for_page(*, user: Any, pk: int) -> Poll:
    """The poll with its cohort, lab, place and meeting (the gatekeeper's rule: 404 for
    outsiders), in one query."""
    try:
        return poll_list_visible(user=user).select_related("location", "meeting").get(pk=pk)
    except Poll.DoesNotExist:
        raise Http404 from None


def poll_list_for_cohort(*, cohort: Cohort, user: Any) -> QuerySet[Poll]:
    """A cohort's polls, open ones first, each group newest first, with their option and
    respondent counts and whether this user has answered, in one query."""
    mine = PollVote.objects.filter(option__poll=OuterRef("pk"), user_id=user.pk)
    return (
        Poll.objects.filter(cohort=cohort)
        .select_related("meeting")
        .annotate(
            option_count=Count("options", distinct=True),
            respondent_count=Count("options__votes__user", distinct=True),
            answered_by_me=Exists(mine),
        )
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")
    )


def poll_results(*, poll: Poll, user: Any) -> PollResults:
    """Counts per option (ranked), and every member's answers, in three queries.

    Rows are the cohort's active members by name, then anyone else who answered (someone
    who left the cohort since); counts include every answer shown in the grid.
    """
    options = [
        OptionResult(
            pk=pk, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=poll.duration_minutes)
        )
        for pk, starts_at in PollOption.objects.filter(poll=poll)
        .order_by("starts_at", "id")
        .values_list("pk", "starts_at")
    ]
    index = {option.pk: i for i, option in enumerate(options)}
    rows: dict[int, MemberAnswers] = {}
    members = (
        Membership.objects.filter(cohort_id=poll.cohort_id, status=MembershipStatus.ACTIVE)
        .order_by("user__profile__display_name", "user__email", "id")
        .values_list("user_id", "user__email", "user__profile__display_name")
    )
    for user_id, email, display_name in members:
        rows.setdefault(
            user_id,
            MemberAnswers(
                user_id=user_id,
                name=display_name_for(email, display_name),
                is_me=user_id == user.pk,
                answers=[None] * len(options),
            ),
        )
    votes = (
        PollVote.objects.filter(option__poll=poll)
        .order_by("user_id", "option_id")
        .values_list("option_id", "user_id", "answer", "user__email", "user__profile__display_name")
    )
    my_answers: dict[int, str] = {}
    for option_id, user_id, answer, email, display_name in votes:
        row = rows.get(user_id)
        if row is None:
            row = rows[user_id] = MemberAnswers(
                user_id=user_id,
                name=display_name_for(email, display_name),
                is_me=user_id == user.pk,
                answers=[None] * len(options),
                is_member=False,
            )
        position = index[option_id]
        row.answers[position] = answer
        option = options[position]
        if answer == PollAnswer.YES:
            option.yes += 1
        elif answer == PollAnswer.IF_NEED_BE:
            option.if_need_be += 1
        else:
            option.no += 1
        if user_id == user.pk:
            my_answers[option_id] = answer
    return PollResults(
        options=options,
        ranking=rank_options(options),
        rows=list(rows.values()),
        my_answers=my_answers,
    )


def poll_previous_answered(*, poll: Poll, user: Any) -> Poll | None:
    """The newest other poll of the same cohort this user answered (to reuse answers from)."""
    if not user.is_authenticated:
        return None
    answered = PollVote.objects.filter(option__poll=OuterRef("pk"), user_id=user.pk)
    return (
        Poll.objects.filter(cohort_id=poll.cohort_id)
        .exclude(pk=poll.pk)
        .filter(Exists(answered))
        .order_by("-created_at", "-id")
        .first()
    )


def poll_location_choices(*, cohort: Cohort) -> QuerySet[Location]:
    """The places a poll of this cohort may propose: its lab's."""
    return Location.objects.filter(lab_id=cohort.lab_id).order_by("name")
