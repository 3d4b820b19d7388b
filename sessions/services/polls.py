"""Writes for date polls: proposing candidate times, answering, reusing answers, scheduling.

Every function checks the actor's permission itself (visibility is the caller's job, through
sessions.selectors.poll_get_for_user), so the pages and the API refuse the same things.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort
from sessions.models import Location, Poll, PollAnswer, PollOption, PollVote

if TYPE_CHECKING:
    from sessions.models import Meeting

POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 30
POLL_MAX_DURATION_MINUTES = 24 * 60


def _require(actor: Any, perm: str, obj: object, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def _closed_error() -> ConflictError:
    return ConflictError(_("This poll is closed."), code="poll_closed")


def _lock(poll: Poll) -> Poll:
    """The poll's row, locked until the transaction ends.

    Why: voting, copying and closing all check `closed_at` first; the row lock (the write
    lock on SQLite's IMMEDIATE transactions) makes that check and the write one step, so no
    answer lands after the poll was turned into a meeting.
    """
    return Poll.objects.select_for_update().get(pk=poll.pk)


def _actor_zone(actor: Any) -> tzinfo:
    """The zone a member's answers mean: their profile's, else the site's (Asia/Seoul)."""
    profile = getattr(actor, "profile", None)
    name = getattr(profile, "timezone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@transaction.atomic
def poll_create(
    *,
    actor: Any,
    cohort: Cohort,
    title: str,
    starts_at_options: Sequence[datetime],
    duration_minutes: int,
    location: Location | None = None,
) -> Poll:
    """Propose candidate times to a cohort (its leaders and facilitators).

    Needs 2 to 30 different future times; the same time given twice counts once.
    """
    _require(
        actor,
        "study_sessions.change_poll",
        cohort,
        _("Only leaders and facilitators can create polls."),
    )
    title = title.strip()
    if not title:
        raise ApplicationError(
            _("Give the poll a title."), fields={"title": [_("This field is required.")]}
        )
    if len(title) > 200:
        raise ApplicationError(
            _("The title is too long."), fields={"title": [_("At most 200 characters.")]}
        )
    if not 1 <= duration_minutes <= POLL_MAX_DURATION_MINUTES:
        message = _("The duration must be between 1 minute and 24 hours.")
        raise ApplicationError(message, fields={"duration_minutes": [message]})
    if location is not None and location.lab_id != cohort.lab_id:
        message = _("Choose one of this lab's places.")
        raise ApplicationError(message, fields={"location": [message]})
    if any(timezone.is_naive(moment) for moment in starts_at_options):
        message = _("Every candidate time needs a time zone.")
        raise ApplicationError(message, fields={"starts_at_options": [message]})
    now = timezone.now()
    past = [moment for moment in starts_at_options if moment <= now]
    if past:
        message = _("Candidate times must be in the future.")
        raise ApplicationError(message, fields={"starts_at_options": [message]})
    # Compared as instants, so the same moment typed in two zones is one option.
    distinct = sorted({moment.astimezone(zoneinfo.ZoneInfo("UTC")) for moment in starts_at_options})
    if len(distinct) < POLL_MIN_OPTIONS:
        message = _("Propose at least two different times.")
        raise ApplicationError(message, fields={"starts_at_options": [message]})
    if len(distinct) > POLL_MAX_OPTIONS:
        message = _("Propose at most %(count)d times.") % {"count": POLL_MAX_OPTIONS}
        raise ApplicationError(message, fields={"starts_at_options": [message]})
    poll = Poll.objects.create(
        cohort=cohort,
        title=title,
        duration_minutes=duration_minutes,
        location=location,
        created_by=actor,
    )
    PollOption.objects.bulk_create(PollOption(poll=poll, starts_at=moment) for moment in distinct)
    return poll


@transaction.atomic
def poll_vote(*, actor: Any, poll: Poll, answers: Mapping[int, str]) -> list[PollVote]:
    """Answer every candidate time of an open poll (active members of its cohort).

    `answers` maps each option id of this poll to yes / if_need_be / no. The member's
    previous answers to this poll are replaced as a whole, or not at all.
    """
    _require(
        actor,
        "study_sessions.vote_poll",
        poll,
        _("Only active members of this cohort can answer this poll."),
    )
    locked = _lock(poll)
    if locked.closed_at is not None:
        raise _closed_error()
    option_ids = list(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    fields: dict[str, list[str]] = {}
    for option_id, answer in answers.items():
        if option_id not in option_ids:
            fields[str(option_id)] = [_("Not a candidate time of this poll.")]
        elif answer not in PollAnswer.values:
            fields[str(option_id)] = [_("Answer yes, if need be, or no.")]
    for option_id in option_ids:
        if option_id not in answers:
            fields[str(option_id)] = [_("Answer this time too.")]
    if fields:
        raise ApplicationError(
            _("Answer every candidate time with yes, if need be, or no."),
            code="invalid_answers",
            fields=fields,
        )
    PollVote.objects.filter(option__poll=poll, user=actor).delete()
    votes = PollVote.objects.bulk_create(
        PollVote(option_id=option_id, user=actor, answer=answers[option_id])
        for option_id in option_ids
    )
    record_changes(PollVote, votes)  # bulk_create sends no signals: tell the changes feed
    return votes


@transaction.atomic
def poll_copy_answers(*, actor: Any, poll: Poll, source_poll: Poll) -> int:
    """Reuse the actor's answers from an earlier poll of the same cohort.

    A candidate time of `poll` takes the actor's answer to the source option on the same
    weekday at the same time of day, in the actor's own time zone (when several source
    options match, the latest one's). Other answers stay. Returns how many were copied.
    """
    _require(
        actor,
        "study_sessions.vote_poll",
        poll,
        _("Only active members of this cohort can answer this poll."),
    )
    if source_poll.pk == poll.pk or source_poll.cohort_id != poll.cohort_id:
        message = _("Choose an earlier poll of the same cohort.")
        raise ApplicationError(message, code="invalid_source", fields={"source": [message]})
    locked = _lock(poll)
    if locked.closed_at is not None:
        raise _closed_error()
    zone = _actor_zone(actor)

    def slot(moment: datetime) -> tuple[int, int, int]:
        local = moment.astimezone(zone)
        return local.weekday(), local.hour, local.minute

    previous: dict[tuple[int, int, int], str] = {}
    source_votes = PollVote.objects.filter(option__poll=source_poll, user=actor).order_by(
        "option__starts_at"
    )
    for starts_at, answer in source_votes.values_list("option__starts_at", "answer"):
        previous[slot(starts_at)] = answer  # later options overwrite earlier ones
    copies = [
        PollVote(option_id=option_id, user=actor, answer=previous[slot(starts_at)])
        for option_id, starts_at in PollOption.objects.filter(poll=poll).values_list(
            "pk", "starts_at"
        )
        if slot(starts_at) in previous
    ]
    if copies:
        PollVote.objects.filter(
            option_id__in=[vote.option_id for vote in copies], user=actor
        ).delete()
        PollVote.objects.bulk_create(copies)
        record_changes(PollVote, copies)  # bulk_create sends no signals: tell the changes feed
    return len(copies)


@transaction.atomic
def poll_close_to_meeting(*, actor: Any, poll: Poll, option: PollOption) -> Meeting:
    """Turn one candidate time into the cohort's meeting and close the poll (managers).

    Creates the meeting through meetings.meeting_create (with the poll's title, duration and
    place), links it to the poll and closes it, all or nothing. 409 when already closed.
    """
    # Imported here: the meetings service is its own area and may import this one.
    from sessions.services.meetings import meeting_create

    _require(
        actor,
        "study_sessions.change_poll",
        poll,
        _("Only leaders and facilitators can schedule a poll's time."),
    )
    if option.poll_id != poll.pk:
        message = _("Choose one of this poll's candidate times.")
        raise ApplicationError(message, code="invalid_option", fields={"option": [message]})
    locked = _lock(poll)
    if locked.closed_at is not None:
        raise _closed_error()
    meeting = meeting_create(
        actor=actor,
        cohort=poll.cohort,
        starts_at=option.starts_at,
        ends_at=option.starts_at + timedelta(minutes=poll.duration_minutes),
        title=poll.title,
        location=poll.location,
    )
    poll.meeting = meeting
    poll.closed_at = timezone.now()
    poll.save(update_fields=["meeting", "closed_at", "updated_at"])
    return meeting
