"""Rotation preview and apply: reasons, the board fingerprint, audit rows, permissions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Role
from sessions.models import AwayPeriod, MeetingStatus, SlotAssignment, SlotChange
from sessions.selectors.rotation import rotation_board
from sessions.services.rotation import rotation_apply, rotation_preview
from sessions.services.slots import slot_claim
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, SlotFactory


def meeting(world, weeks: int, **kwargs):
    starts = timezone.now() + timedelta(weeks=weeks)
    return MeetingFactory(cohort=world.cohort, starts_at=starts, **kwargs)


def pairs(preview) -> list[tuple[int, int]]:
    return [(p.slot.id, p.member_id) for p in preview.picks]


@pytest.fixture
def board(world):
    """Two upcoming meetings with one single-place slot each."""
    first, second = meeting(world, 1), meeting(world, 3)
    return SlotFactory(meeting=first, title="1장"), SlotFactory(meeting=second, title="2장")


def test_rotation_preview_fills_open_slots_with_reasons(world, board):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, meetings_ahead=4, seed=1)

    assert [p.slot.id for p in preview.picks] == [board[0].pk, board[1].pk]
    assert len({p.member_id for p in preview.picks}) == 2
    assert preview.unfilled == ()
    assert preview.picks[0].reason == (
        "0 presentations this cohort (median 0); never presented; available"
    )
    assert preview.seed == 1


def test_rotation_preview_is_reproducible_with_its_seed(world, board):
    first = rotation_preview(actor=world.leader, cohort=world.cohort, seed=42)
    again = rotation_preview(actor=world.leader, cohort=world.cohort, seed=42)

    assert pairs(first) == pairs(again)
    assert first.fingerprint == again.fingerprint


def test_rotation_preview_respects_meetings_ahead(world, board):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, meetings_ahead=1, seed=3)

    assert [p.slot.id for p in preview.picks] == [board[0].pk]


def test_rotation_preview_names_last_presented_date_and_median(world, board):
    past = meeting(world, -2)
    meeting(world, -1)  # in between, so nobody presented at the meeting right before
    SlotAssignment.objects.create(slot=SlotFactory(meeting=past), user=world.member)
    SlotAssignment.objects.create(slot=SlotFactory(meeting=past), user=world.leader)
    SlotAssignment.objects.create(slot=SlotFactory(meeting=past), user=world.facilitator)
    SlotAssignment.objects.create(slot=SlotFactory(meeting=past), user=world.facilitator)
    day = timezone.localdate(past.starts_at).isoformat()

    preview = rotation_preview(actor=world.leader, cohort=world.cohort, meetings_ahead=1, seed=0)

    [pick] = preview.picks
    assert pick.member_id in {world.member.pk, world.leader.pk}
    assert pick.reason == (
        f"1 presentation this cohort (median 1); last presented {day}; available"
    )


def test_rotation_preview_never_picks_away_members_and_explains_unfilled(world, board):
    day = timezone.localdate(board[0].meeting.starts_at)
    for user in (world.leader, world.facilitator, world.member):
        AwayPeriod.objects.create(cohort=world.cohort, user=user, start=day, end=day)

    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=0)

    assert [p.slot.id for p in preview.picks] == [board[1].pk]
    assert [(u.slot.id, u.places, u.code, u.reason) for u in preview.unfilled] == [
        (board[0].pk, 1, "everyone_away", "everyone is away that day")
    ]


def test_rotation_preview_skips_cancelled_and_past_meetings(world, board):
    cancelled = meeting(world, 2, status=MeetingStatus.CANCELLED)
    SlotFactory(meeting=cancelled)
    SlotFactory(meeting=meeting(world, -1))

    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=0)

    assert sorted(p.slot.id for p in preview.picks) == sorted(s.pk for s in board)


def test_rotation_preview_credits_late_joiners(world, board):
    past = meeting(world, -4)
    for user in (world.leader, world.facilitator, world.member):
        for _ in range(2):
            SlotAssignment.objects.create(slot=SlotFactory(meeting=past), user=user)
    late = MembershipFactory(
        cohort=world.cohort, joined_on=timezone.localdate() + timedelta(days=1)
    ).user

    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=0)

    first, second = preview.picks
    assert (first.member_id, first.reason) == (
        late.pk,
        "0 presentations this cohort, joined late: counted as the median 2; never presented; "
        "available",
    )
    assert second.member_id != late.pk


def test_rotation_preview_refuses_members_and_bad_input(world, board):
    with pytest.raises(PermissionDeniedError):
        rotation_preview(actor=world.member, cohort=world.cohort)
    with pytest.raises(ApplicationError) as caught:
        rotation_preview(actor=world.leader, cohort=world.cohort, meetings_ahead=0)
    assert caught.value.fields == {"meetings_ahead": ["Choose between 1 and 26 meetings."]}


def test_rotation_apply_writes_assignments_and_audit_rows(world, board):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)

    created = rotation_apply(
        actor=world.leader,
        cohort=world.cohort,
        preview_fingerprint=preview.fingerprint,
        picks=pairs(preview),
    )

    assert sorted((a.slot_id, a.user_id, a.source, a.assigned_by_id) for a in created) == sorted(
        (slot, member, "rotation", world.leader.pk) for slot, member in pairs(preview)
    )
    assert [a.reason for a in created] == [p.reason for p in preview.picks]
    changes = SlotChange.objects.order_by("id")
    assert [(c.slot_id, c.actor_id, c.action, c.to_user_id, c.reason) for c in changes] == [
        (p.slot.id, world.leader.pk, "rotation", p.member_id, p.reason) for p in preview.picks
    ]


def test_rotation_apply_refuses_after_a_claim_since_the_preview(world, board):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)
    slot_claim(actor=world.member, slot=board[0])

    with pytest.raises(ConflictError) as caught:
        rotation_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            picks=pairs(preview),
        )

    assert (caught.value.code, caught.value.status) == ("board_changed", 409)
    assert list(SlotAssignment.objects.values_list("user_id", "source")) == [
        (world.member.pk, "claim")
    ]
    assert list(SlotChange.objects.values_list("action", flat=True)) == ["claimed"]


@pytest.mark.parametrize(
    "change",
    ["away", "member", "capacity"],
)
def test_rotation_apply_refuses_after_other_board_changes(world, board, change):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)
    if change == "away":
        AwayPeriod.objects.create(
            cohort=world.cohort, user=world.member, start=date(2030, 1, 1), end=date(2030, 1, 2)
        )
    elif change == "member":
        MembershipFactory(cohort=world.cohort)
    else:
        board[1].capacity = 2
        board[1].save(update_fields=["capacity"])

    with pytest.raises(ConflictError):
        rotation_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            picks=pairs(preview),
        )

    assert SlotAssignment.objects.count() == 0


def test_rotation_apply_refuses_members_and_picks_that_break_rules(world, board):
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)
    day = timezone.localdate(board[0].meeting.starts_at)
    with pytest.raises(PermissionDeniedError):
        rotation_apply(
            actor=world.member,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            picks=pairs(preview),
        )
    other = SlotFactory(meeting=MeetingFactory(cohort=CohortFactory(lab=world.lab)))
    fresh = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)

    with pytest.raises(ApplicationError) as caught:
        rotation_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=fresh.fingerprint,
            picks=[(board[0].pk, world.outsider.pk), (other.pk, world.member.pk)],
        )

    assert caught.value.code == "invalid_picks"
    assert caught.value.fields == {
        "picks[0]": ["This person is not an active member of this cohort."],
        "picks[1]": ["This is not a slot of this cohort's upcoming meetings."],
    }
    AwayPeriod.objects.create(cohort=world.cohort, user=world.member, start=day, end=day)
    fresh = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)
    with pytest.raises(ApplicationError) as caught:
        rotation_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=fresh.fingerprint,
            picks=[
                (board[0].pk, world.member.pk),
                (board[0].pk, world.leader.pk),
                (board[0].pk, world.facilitator.pk),
            ],
        )
    assert caught.value.fields == {
        "picks[0]": ["This member is away on that day."],
        "picks[2]": ["This slot has no open place left."],
    }
    assert SlotAssignment.objects.count() == 0


def test_rotation_apply_leaves_guests_out(world, board):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    preview = rotation_preview(actor=world.leader, cohort=world.cohort, seed=9)

    with pytest.raises(ApplicationError) as caught:
        rotation_apply(
            actor=world.leader,
            cohort=world.cohort,
            preview_fingerprint=preview.fingerprint,
            picks=[(board[0].pk, guest.pk)],
        )

    assert guest.pk not in {p.member_id for p in preview.picks}
    assert caught.value.code == "invalid_picks"


@pytest.mark.parametrize("meetings", [1, 3])
def test_rotation_board_reads_in_constant_queries(world, django_assert_num_queries, meetings):
    for week in range(meetings):
        m = meeting(world, week + 1)
        for _ in range(3):
            slot = SlotFactory(meeting=m)
        SlotAssignment.objects.create(slot=slot, user=world.member)
        AwayPeriod.objects.create(
            cohort=world.cohort,
            user=world.leader,
            start=date(2030, 1, week + 1),
            end=date(2030, 2, 1),
        )

    with django_assert_num_queries(6):
        board = rotation_board(cohort=world.cohort, meetings_ahead=4, now=timezone.now())

    assert len(board.input.slots) == 3 * meetings
