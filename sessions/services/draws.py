"""Writes for draws: run a random pick or a ladder game (사다리타기) and check a stored one.

The participants are fixed and checked first; only then does the server draw the seed
(secrets.token_hex), so nobody can choose participants knowing the seed. The result comes
from the pure module sessions.draws; the seed, participants and result are stored, so
anyone can recompute it (draw_verify, or sessions.draws by hand). A pick can write its
winners into a slot (source "draw", audited like every slot change).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort, Membership, MembershipStatus
from members.models import User, display_name_for
from sessions import draws
from sessions.models import AssignmentSource, Draw, DrawKind, Slot, SlotAssignment
from sessions.services.slots import slot_assign

TITLE_MAX_LENGTH = 200
OUTCOME_MAX_LENGTH = 60
SEED_BYTES = 16


def _invalid(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("Say what is drawn, e.g. who presents chapter 8."))
    if len(title) > TITLE_MAX_LENGTH:
        raise _invalid(
            "title",
            _("Keep the title under %(count)d characters.") % {"count": TITLE_MAX_LENGTH},
        )
    return title


def _participants(cohort: Cohort, participant_ids: Sequence[int]) -> list[dict[str, Any]]:
    """[{"id", "name"}] in entry order, each an active member of the cohort (one query)."""
    ids = [int(pk) for pk in participant_ids]
    if len(set(ids)) != len(ids):
        raise _invalid("participants", _("Each member can take part once."))
    if len(ids) < draws.MIN_PARTICIPANTS:
        raise _invalid(
            "participants",
            _("Choose at least %(count)d participants.") % {"count": draws.MIN_PARTICIPANTS},
            code="too_few_participants",
        )
    if len(ids) > draws.MAX_PARTICIPANTS:
        raise _invalid(
            "participants",
            _("Choose at most %(count)d participants.") % {"count": draws.MAX_PARTICIPANTS},
        )
    rows = Membership.objects.filter(
        cohort=cohort, status=MembershipStatus.ACTIVE, user_id__in=ids
    ).values_list("user_id", "user__email", "user__profile__display_name")
    names = {uid: display_name_for(email, name) for uid, email, name in rows}
    if set(names) != set(ids):
        raise _invalid(
            "participants",
            _("Every participant must be an active member of this cohort."),
            code="not_a_member",
        )
    return [{"id": pk, "name": names[pk]} for pk in ids]


def _clean_outcomes(outcomes: Sequence[str], participants: int) -> list[str]:
    cleaned = [str(outcome).strip() for outcome in outcomes]
    if any(not outcome for outcome in cleaned):
        raise _invalid("outcomes", _("An outcome cannot be empty."))
    if any(len(outcome) > OUTCOME_MAX_LENGTH for outcome in cleaned):
        raise _invalid(
            "outcomes",
            _("Keep each outcome under %(count)d characters.") % {"count": OUTCOME_MAX_LENGTH},
        )
    if len(cleaned) != participants:
        raise _invalid(
            "outcomes",
            _(
                "A ladder needs one outcome per participant: %(participants)d participants, "
                "%(outcomes)d outcomes. Outcomes can repeat (e.g. one leader and three blanks)."
            )
            % {"participants": participants, "outcomes": len(cleaned)},
            code="outcomes_mismatch",
        )
    return cleaned


def compute_result(
    *,
    kind: str,
    participant_ids: Sequence[int],
    outcomes: Sequence[str],
    count: int,
    seed: str,
    rungs_per_gap: int = draws.DEFAULT_RUNGS_PER_GAP,
) -> dict[str, Any]:
    """The stored result of a draw (JSON-ready), recomputed from its inputs alone."""
    if kind == DrawKind.PICK:
        return {"count": count, "winners": draws.pick(participant_ids, count, seed)}
    drawn = draws.ladder(participant_ids, outcomes, seed, rungs_per_gap)
    return {
        "rungs_per_gap": rungs_per_gap,
        "levels": drawn.levels,
        "rungs": [list(rung) for rung in drawn.rungs],
        "feet": list(drawn.feet),
        "ends": list(drawn.ends),
        # JSON keys are strings: the participant's user id as text.
        "assignment": {str(pk): outcome for pk, outcome in drawn.assignment.items()},
    }


def _check_slot(slot: Slot, cohort: Cohort, winners: int, participant_ids: list[int]) -> Slot:
    """The slot, locked, when it belongs to the cohort and has room for the winners."""
    locked = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("meeting__cohort")
        .get(pk=slot.pk)
    )
    if locked.meeting.cohort_id != cohort.pk:
        raise _invalid("slot", _("Choose a slot of this cohort."))
    presenters = set(SlotAssignment.objects.filter(slot=locked).values_list("user_id", flat=True))
    if presenters & set(participant_ids):
        raise _invalid(
            "participants",
            _("Someone in the draw already presents in this slot: leave them out."),
            code="already_claimed",
        )
    if len(presenters) + winners > locked.capacity:
        message = _("This slot has no room for %(count)d more presenters.") % {"count": winners}
        raise ConflictError(message, code="slot_taken", fields={"slot": [message]})
    return locked


@transaction.atomic
def draw_run(
    *,
    actor: Any,
    cohort: Cohort,
    kind: str,
    title: str,
    participant_ids: Sequence[int],
    outcomes: Sequence[str] = (),
    count: int = 1,
    slot: Slot | None = None,
) -> Draw:
    """Run a draw for the cohort (its leaders and facilitators).

    Pick: `count` winners among the participants (1 ≤ count < participants), optionally
    written into `slot`. Ladder: one outcome per participant (outcomes may repeat).
    Participants are active members of the cohort, at least two, stored in entry order.
    The seed is drawn after every check passed. Side effects: the Draw row; for a pick
    into a slot, one SlotAssignment per winner (source "draw") with a SlotChange "draw";
    409 slot_taken, and nothing written, when the slot has no room for the winners.
    """
    if not actor.has_perm("study_sessions.run_draw", cohort):
        raise PermissionDeniedError(_("Only the cohort's leaders and facilitators run draws."))
    if kind not in DrawKind.values:
        raise _invalid("kind", _("Choose a random pick or a ladder game."))
    title = _clean_title(title)
    participants = _participants(cohort, participant_ids)
    ids = [p["id"] for p in participants]
    cleaned_outcomes: list[str] = []
    locked_slot: Slot | None = None
    if kind == DrawKind.PICK:
        if not 1 <= count < len(ids):
            raise _invalid(
                "count",
                _("Pick at least one and fewer than the %(count)d participants.")
                % {"count": len(ids)},
            )
        if slot is not None:
            locked_slot = _check_slot(slot, cohort, count, ids)
    else:
        if slot is not None:
            raise _invalid("slot", _("Only a random pick can fill a slot."))
        cleaned_outcomes = _clean_outcomes(outcomes, len(ids))
        count = 0
    # Why only now: the participants are fixed and checked before the seed exists, so no
    # one can choose whom to enter knowing the result.
    seed = secrets.token_hex(SEED_BYTES)
    result = compute_result(
        kind=kind, participant_ids=ids, outcomes=cleaned_outcomes, count=count, seed=seed
    )
    draw = Draw.objects.create(
        cohort=cohort,
        kind=kind,
        title=title,
        participants=participants,
        outcomes=cleaned_outcomes,
        seed=seed,
        result=result,
        slot=locked_slot,
        created_by=actor,
    )
    if locked_slot is not None:
        winners = User.objects.select_related("profile").in_bulk(result["winners"])
        reason = _("Draw #%(number)d: %(title)s") % {"number": draw.pk, "title": title}
        for winner_id in result["winners"]:
            slot_assign(
                actor=actor,
                slot=locked_slot,
                user=winners[winner_id],
                reason=reason,
                source=AssignmentSource.DRAW,
            )
    return draw


def draw_verify(*, draw: Draw) -> bool:
    """Whether the stored result is what the stored seed and participants give."""
    result = draw.result
    if not isinstance(result, dict) or not isinstance(draw.participants, list):
        return False
    try:
        ids = [int(p["id"]) for p in draw.participants]
        recomputed = compute_result(
            kind=draw.kind,
            participant_ids=ids,
            outcomes=list(draw.outcomes or []),
            count=int(result.get("count", 0)),
            seed=draw.seed,
            rungs_per_gap=int(result.get("rungs_per_gap", draws.DEFAULT_RUNGS_PER_GAP)),
        )
    except (draws.DrawInputError, KeyError, TypeError, ValueError):
        return False
    return recomputed == result
