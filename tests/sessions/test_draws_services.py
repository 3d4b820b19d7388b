"""draw_run and draw_verify: who may draw, what a draw needs, reproducibility from the stored
seed, and a pick written into a slot (assignment and audit row, a full slot refused)."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus
from sessions import draws
from sessions.models import Draw, SlotAssignment, SlotChange
from sessions.services.draws import draw_run, draw_verify
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory


@pytest.fixture
def four(world) -> list:
    """The leader, the facilitator, the member and one more member: four active members."""
    extra = MembershipFactory(cohort=world.cohort, user__profile__display_name="넷째").user
    return [world.leader, world.facilitator, world.member, extra]


def ids(users) -> list[int]:
    return [user.pk for user in users]


def test_draw_run_pick_stores_participants_seed_and_result(world, four):
    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="pick",
        title="8장 발표자",
        participant_ids=ids(four),
    )

    draw.refresh_from_db()
    assert [p["id"] for p in draw.participants] == ids(four)
    assert draw.participants[3]["name"] == "넷째"
    assert len(draw.seed) == 32
    assert draw.result == {"count": 1, "winners": draws.pick(ids(four), 1, draw.seed)}
    assert draw.created_by == world.leader
    assert draw.slot is None


def test_draw_run_keeps_the_entry_order_of_participants(world, four):
    order = ids(reversed(four))

    draw = draw_run(
        actor=world.leader, cohort=world.cohort, kind="pick", title="t", participant_ids=order
    )

    assert [p["id"] for p in draw.participants] == order


def test_draw_run_ladder_assigns_every_outcome_once(world, four):
    outcomes = ["랩장", "꽝", "꽝", "꽝"]

    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="ladder",
        title="다음 기수 랩장",
        participant_ids=ids(four),
        outcomes=outcomes,
    )

    draw.refresh_from_db()
    expected = draws.ladder(ids(four), outcomes, draw.seed)
    assert draw.outcomes == outcomes
    assert draw.result["assignment"] == {str(k): v for k, v in expected.assignment.items()}
    assert sorted(draw.result["assignment"].values()) == sorted(outcomes)
    assert draw.result["rungs"] == [list(rung) for rung in expected.rungs]


def test_draw_run_draws_a_new_seed_each_time(world, four):
    seeds = {
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
        ).seed
        for _ in range(5)
    }

    assert len(seeds) == 5


def test_draw_verify_confirms_a_stored_draw(world, four):
    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="ladder",
        title="t",
        participant_ids=ids(four),
        outcomes=["a", "b", "c", "d"],
    )

    assert draw_verify(draw=Draw.objects.get(pk=draw.pk)) is True


def test_draw_verify_detects_a_changed_result(world, four):
    draw = draw_run(
        actor=world.leader, cohort=world.cohort, kind="pick", title="t", participant_ids=ids(four)
    )
    others = [pk for pk in ids(four) if pk not in draw.result["winners"]]
    draw.result = {"count": 1, "winners": [others[0]]}
    draw.save(update_fields=["result"])

    assert draw_verify(draw=Draw.objects.get(pk=draw.pk)) is False


def test_draw_verify_detects_a_changed_seed(world, four):
    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="ladder",
        title="t",
        participant_ids=ids(four),
        outcomes=["a", "b", "c", "d"],
    )
    draw.seed = "0" * 32

    assert draw_verify(draw=draw) is False


def test_draw_run_facilitator_may_draw(world, four):
    draw = draw_run(
        actor=world.facilitator,
        cohort=world.cohort,
        kind="pick",
        title="t",
        participant_ids=ids(four),
    )

    assert draw.created_by == world.facilitator


def test_draw_run_member_is_refused(world, four):
    with pytest.raises(PermissionDeniedError):
        draw_run(
            actor=world.member,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
        )

    assert Draw.objects.count() == 0


def test_draw_run_ladder_needs_one_outcome_per_participant(world, four):
    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="ladder",
            title="t",
            participant_ids=ids(four),
            outcomes=["랩장", "꽝"],
        )

    assert caught.value.code == "outcomes_mismatch"
    assert list(caught.value.fields) == ["outcomes"]
    assert Draw.objects.count() == 0


def test_draw_run_refuses_fewer_than_two_participants(world):
    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=[world.member.pk],
        )

    assert caught.value.code == "too_few_participants"


def test_draw_run_refuses_someone_outside_the_cohort(world, four):
    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=[*ids(four), world.outsider.pk],
        )

    assert caught.value.code == "not_a_member"


def test_draw_run_refuses_a_member_who_left(world, four):
    world.member_membership.status = MembershipStatus.LEFT
    world.member_membership.left_on = date(2026, 6, 1)
    world.member_membership.save()

    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
        )

    assert caught.value.code == "not_a_member"


def test_draw_run_refuses_a_count_not_below_the_participants(world, four):
    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
            count=4,
        )

    assert list(caught.value.fields) == ["count"]


def test_draw_run_refuses_an_empty_title(world, four):
    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="  ",
            participant_ids=ids(four),
        )

    assert list(caught.value.fields) == ["title"]


def test_draw_run_pick_into_a_slot_writes_the_assignment_and_audit_row(world, four):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="8장")

    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="pick",
        title="8장 발표자",
        participant_ids=ids(four),
        slot=slot,
    )

    winner = draw.result["winners"][0]
    assert draw.slot == slot
    assert list(SlotAssignment.objects.values_list("slot_id", "user_id", "source")) == [
        (slot.pk, winner, "draw")
    ]
    assert list(
        SlotChange.objects.values_list("slot_id", "action", "actor_id", "to_user_id", "reason")
    ) == [(slot.pk, "draw", world.leader.pk, winner, f"Draw #{draw.pk}: 8장 발표자")]


def test_draw_run_pick_into_a_full_slot_is_refused_and_writes_nothing(world, four):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=1)
    outsider_of_draw = MembershipFactory(cohort=world.cohort).user
    SlotAssignment.objects.create(slot=slot, user=outsider_of_draw)

    with pytest.raises(ConflictError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
            slot=slot,
        )

    assert (caught.value.code, caught.value.status) == ("slot_taken", 409)
    assert Draw.objects.count() == 0
    assert SlotChange.objects.count() == 0
    assert list(SlotAssignment.objects.values_list("user_id", flat=True)) == [outsider_of_draw.pk]


def test_draw_run_pick_of_two_into_a_slot_for_two(world, four):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=2)

    draw = draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="pick",
        title="t",
        participant_ids=ids(four),
        count=2,
        slot=slot,
    )

    assert sorted(SlotAssignment.objects.values_list("user_id", flat=True)) == sorted(
        draw.result["winners"]
    )
    assert SlotChange.objects.filter(action="draw").count() == 2


def test_draw_run_refuses_a_slot_of_another_cohort(world, four):
    slot = SlotFactory()

    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
            slot=slot,
        )

    assert list(caught.value.fields) == ["slot"]
    assert Draw.objects.count() == 0


def test_draw_run_refuses_a_ladder_into_a_slot(world, four):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort))

    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="ladder",
            title="t",
            participant_ids=ids(four),
            outcomes=["a", "b", "c", "d"],
            slot=slot,
        )

    assert list(caught.value.fields) == ["slot"]


def test_draw_run_refuses_a_participant_already_presenting_in_the_slot(world, four):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=2)
    SlotAssignment.objects.create(slot=slot, user=world.member)

    with pytest.raises(ApplicationError) as caught:
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title="t",
            participant_ids=ids(four),
            slot=slot,
        )

    assert caught.value.code == "already_claimed"
