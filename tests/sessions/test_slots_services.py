"""Slot services: claims, capacity, give-back cutoff, waitlist promotion, leaders' overrides,
the syllabus layout, away dates, and the audit entry each change writes."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus
from sessions.models import AwayPeriod, Slot, SlotAssignment, SlotChange, WaitlistEntry
from sessions.services import slots as services
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory


def presenters(slot: Slot) -> list[int]:
    return list(
        SlotAssignment.objects.filter(slot=slot)
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


def changes(slot: Slot) -> list[tuple[str, int | None, int | None, int | None]]:
    return list(
        SlotChange.objects.filter(slot=slot)
        .order_by("created_at", "id")
        .values_list("action", "actor_id", "from_user_id", "to_user_id")
    )


@pytest.fixture
def slot(world) -> Slot:
    return SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")


def test_slot_claim_assigns_the_actor_and_logs_it(world, slot):
    services.slot_claim(actor=world.member, slot=slot)

    assert presenters(slot) == [world.member.pk]
    assert SlotAssignment.objects.get(slot=slot).source == "claim"
    assert changes(slot) == [("claimed", world.member.pk, None, world.member.pk)]


def test_slot_claim_full_slot_names_the_latest_presenter(world, slot):
    world.leader.profile.display_name = "김리더"
    world.leader.profile.save()
    services.slot_claim(actor=world.leader, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_claim(actor=world.member, slot=slot)

    assert refused.value.code == "slot_taken"
    assert refused.value.message == "Just taken by 김리더"
    assert refused.value.status == 409
    assert presenters(slot) == [world.leader.pk]


def test_slot_claim_twice_is_already_claimed(world, slot):
    services.slot_claim(actor=world.member, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_claim(actor=world.member, slot=slot)

    assert refused.value.code == "already_claimed"
    assert presenters(slot) == [world.member.pk]


def test_slot_claim_capacity_two_takes_two_then_refuses(world):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=2)
    services.slot_claim(actor=world.leader, slot=slot)
    services.slot_claim(actor=world.facilitator, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_claim(actor=world.member, slot=slot)

    assert refused.value.code == "slot_taken"
    assert presenters(slot) == [world.leader.pk, world.facilitator.pk]


def test_slot_claim_refused_for_outsider_and_lab_member_outside_cohort(world, slot):
    other_cohort_member = MembershipFactory(
        cohort__lab=world.lab, cohort__number=6, status=MembershipStatus.ACTIVE
    ).user

    with pytest.raises(PermissionDeniedError):
        services.slot_claim(actor=world.outsider, slot=slot)
    with pytest.raises(PermissionDeniedError):
        services.slot_claim(actor=other_cohort_member, slot=slot)

    assert presenters(slot) == []


def test_slot_claim_refused_for_past_and_cancelled_meetings(world):
    past = SlotFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(days=1))
    )
    cancelled = SlotFactory(meeting=MeetingFactory(cohort=world.cohort, status="cancelled"))

    with pytest.raises(ConflictError) as too_late:
        services.slot_claim(actor=world.member, slot=past)
    with pytest.raises(ConflictError) as gone:
        services.slot_claim(actor=world.member, slot=cancelled)

    assert (too_late.value.code, gone.value.code) == ("meeting_past", "meeting_cancelled")


def test_slot_release_before_cutoff_frees_the_slot(world, slot):
    services.slot_claim(actor=world.member, slot=slot)

    services.slot_release(actor=world.member, slot=slot)

    assert presenters(slot) == []
    assert [c[0] for c in changes(slot)] == ["claimed", "released"]
    assert changes(slot)[1] == ("released", world.member.pk, world.member.pk, None)


def test_slot_release_after_cutoff_is_refused(world):
    # The default cutoff is 48 hours; the meeting is 47 hours away.
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=47))
    slot = SlotFactory(meeting=meeting)
    services.slot_claim(actor=world.member, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_release(actor=world.member, slot=slot)

    assert refused.value.code == "release_closed"
    assert "swap" in refused.value.message
    assert presenters(slot) == [world.member.pk]


def test_slot_release_follows_the_cohorts_cutoff(world):
    world.cohort.release_cutoff_hours = 12
    world.cohort.save()
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=13))
    slot = SlotFactory(meeting=meeting)
    services.slot_claim(actor=world.member, slot=slot)

    services.slot_release(actor=world.member, slot=slot)

    assert presenters(slot) == []


def test_slot_release_of_a_slot_not_held_is_refused(world, slot):
    with pytest.raises(ConflictError) as refused:
        services.slot_release(actor=world.member, slot=slot)

    assert refused.value.code == "not_claimed"


def test_slot_release_promotes_the_first_on_the_waitlist(world, slot):
    services.slot_claim(actor=world.leader, slot=slot)
    services.slot_waitlist_join(actor=world.member, slot=slot)
    services.slot_waitlist_join(actor=world.facilitator, slot=slot)

    services.slot_release(actor=world.leader, slot=slot)

    assert presenters(slot) == [world.member.pk]
    assert SlotAssignment.objects.get(slot=slot).source == "waitlist"
    assert list(WaitlistEntry.objects.filter(slot=slot).values_list("user_id", flat=True)) == [
        world.facilitator.pk
    ]
    assert changes(slot)[-2:] == [
        ("released", world.leader.pk, world.leader.pk, None),
        ("promoted", world.leader.pk, None, world.member.pk),
    ]


def test_slot_waitlist_join_refused_while_slot_has_room(world, slot):
    with pytest.raises(ConflictError) as refused:
        services.slot_waitlist_join(actor=world.member, slot=slot)

    assert refused.value.code == "slot_not_full"


def test_slot_waitlist_join_refused_for_the_presenter_and_twice(world, slot):
    services.slot_claim(actor=world.leader, slot=slot)
    services.slot_waitlist_join(actor=world.member, slot=slot)

    with pytest.raises(ConflictError) as holder:
        services.slot_waitlist_join(actor=world.leader, slot=slot)
    with pytest.raises(ConflictError) as twice:
        services.slot_waitlist_join(actor=world.member, slot=slot)

    assert (holder.value.code, twice.value.code) == ("already_claimed", "already_waiting")


def test_slot_waitlist_leave_removes_the_entry_and_logs_it(world, slot):
    services.slot_claim(actor=world.leader, slot=slot)
    services.slot_waitlist_join(actor=world.member, slot=slot)

    services.slot_waitlist_leave(actor=world.member, slot=slot)

    assert WaitlistEntry.objects.filter(slot=slot).count() == 0
    assert [c[0] for c in changes(slot)] == ["claimed", "waitlisted", "waitlist_left"]


def test_slot_assign_leader_overrides_after_cutoff_with_reason(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(hours=2))
    slot = SlotFactory(meeting=meeting)

    services.slot_assign(actor=world.leader, slot=slot, user=world.member, reason="자원")

    assignment = SlotAssignment.objects.get(slot=slot)
    assert (assignment.user_id, assignment.source, assignment.assigned_by_id) == (
        world.member.pk,
        "leader",
        world.leader.pk,
    )
    change = SlotChange.objects.get(slot=slot)
    assert (change.action, change.to_user_id, change.reason) == (
        "assigned",
        world.member.pk,
        "자원",
    )


def test_slot_assign_still_enforces_capacity(world, slot):
    services.slot_claim(actor=world.facilitator, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_assign(actor=world.leader, slot=slot, user=world.member)

    assert refused.value.code == "slot_taken"
    assert presenters(slot) == [world.facilitator.pk]


def test_slot_assign_only_by_managers_and_only_cohort_members(world, slot):
    with pytest.raises(PermissionDeniedError):
        services.slot_assign(actor=world.member, slot=slot, user=world.member)
    with pytest.raises(ApplicationError) as stranger:
        services.slot_assign(actor=world.leader, slot=slot, user=world.outsider)

    assert stranger.value.code == "not_a_member"
    assert presenters(slot) == []


def test_slot_unassign_removes_presenter_promotes_waiting_and_logs(world, slot):
    services.slot_claim(actor=world.facilitator, slot=slot)
    services.slot_waitlist_join(actor=world.member, slot=slot)

    services.slot_unassign(actor=world.leader, slot=slot, user=world.facilitator, reason="부재")

    assert presenters(slot) == [world.member.pk]
    assert changes(slot)[-2:] == [
        ("unassigned", world.leader.pk, world.facilitator.pk, None),
        ("promoted", world.leader.pk, None, world.member.pk),
    ]


def test_slot_unassign_refused_for_members(world, slot):
    services.slot_claim(actor=world.leader, slot=slot)

    with pytest.raises(PermissionDeniedError):
        services.slot_unassign(actor=world.member, slot=slot, user=world.leader)

    assert presenters(slot) == [world.leader.pk]


def test_slots_layout_syllabus_spreads_titles_over_coming_meetings(world):
    now = timezone.now()
    MeetingFactory(cohort=world.cohort, starts_at=now - timedelta(days=7))  # past: skipped
    coming = [
        MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=7 * i))
        for i in (1, 2, 3)
    ]
    MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=2), status="cancelled")
    titles = ["1장", "2장", "", "3장", "4장", "5장"]

    created = services.slots_layout_syllabus(
        actor=world.leader, cohort=world.cohort, kind="chapter", titles=titles, per_meeting=2
    )

    layout = [(s.meeting_id, s.title, s.position) for s in created]
    assert layout == [
        (coming[0].pk, "1장", 1),
        (coming[0].pk, "2장", 2),
        (coming[1].pk, "3장", 1),
        (coming[1].pk, "4장", 2),
        (coming[2].pk, "5장", 1),
    ]
    assert SlotChange.objects.filter(action="created").count() == 5


def test_slots_layout_syllabus_from_a_start_meeting_after_existing_slots(world):
    now = timezone.now()
    first = MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=7))
    second = MeetingFactory(cohort=world.cohort, starts_at=now + timedelta(days=14))
    SlotFactory(meeting=second, kind="paper", position=1)

    created = services.slots_layout_syllabus(
        actor=world.leader,
        cohort=world.cohort,
        kind="paper",
        titles=["Attention"],
        per_meeting=1,
        start_meeting=second,
    )

    assert [(s.meeting_id, s.position) for s in created] == [(second.pk, 2)]
    assert Slot.objects.filter(meeting=first).count() == 0


def test_slots_layout_syllabus_needs_enough_meetings(world):
    MeetingFactory(cohort=world.cohort)

    with pytest.raises(ApplicationError) as refused:
        services.slots_layout_syllabus(
            actor=world.leader,
            cohort=world.cohort,
            kind="chapter",
            titles=["a", "b"],
            per_meeting=1,
        )

    assert refused.value.code == "not_enough_meetings"
    assert Slot.objects.count() == 0


def test_slots_layout_syllabus_only_for_managers(world):
    MeetingFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.slots_layout_syllabus(
            actor=world.member, cohort=world.cohort, kind="chapter", titles=["a"], per_meeting=1
        )


def test_slot_create_update_delete_by_manager(world):
    meeting = MeetingFactory(cohort=world.cohort)

    slot = services.slot_create(actor=world.leader, meeting=meeting, kind="paper", title=" ViT ")
    services.slot_update(
        actor=world.leader,
        slot=slot,
        kind="paper",
        title="ViT",
        description="",
        materials_url="https://example.com/vit.pdf",
        capacity=2,
    )
    slot.refresh_from_db()
    assert (slot.title, slot.capacity, slot.materials_url, slot.position) == (
        "ViT",
        2,
        "https://example.com/vit.pdf",
        1,
    )
    assert [c[0] for c in changes(slot)] == ["created", "updated"]

    services.slot_delete(actor=world.leader, slot=slot)
    assert Slot.objects.filter(pk=slot.pk).exists() is False


def test_slot_update_capacity_below_presenters_is_refused(world):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=2)
    services.slot_claim(actor=world.member, slot=slot)
    services.slot_claim(actor=world.leader, slot=slot)

    with pytest.raises(ConflictError) as refused:
        services.slot_update(
            actor=world.leader,
            slot=slot,
            kind="chapter",
            title=slot.title,
            description="",
            materials_url="",
            capacity=1,
        )

    assert refused.value.code == "capacity_below_presenters"


def test_slot_create_refused_for_members_and_bad_fields(world):
    meeting = MeetingFactory(cohort=world.cohort)

    with pytest.raises(PermissionDeniedError):
        services.slot_create(actor=world.member, meeting=meeting, kind="paper", title="x")
    with pytest.raises(ApplicationError) as invalid:
        services.slot_create(
            actor=world.leader, meeting=meeting, kind="nope", title="", materials_url="ftp://x"
        )

    assert sorted(invalid.value.fields) == ["kind", "materials_url", "title"]


def test_away_period_set_for_myself_and_by_manager(world):
    mine = services.away_period_set(
        actor=world.member,
        cohort=world.cohort,
        user=world.member,
        start=dt.date(2026, 12, 1),
        end=dt.date(2026, 12, 3),
        reason="시험",
    )
    theirs = services.away_period_set(
        actor=world.leader,
        cohort=world.cohort,
        user=world.facilitator,
        start=dt.date(2026, 12, 5),
        end=dt.date(2026, 12, 5),
    )

    rows = list(AwayPeriod.objects.order_by("start").values_list("user_id", "reason"))
    assert rows == [(world.member.pk, "시험"), (world.facilitator.pk, "")]
    assert (mine.end, theirs.end) == (dt.date(2026, 12, 3), dt.date(2026, 12, 5))


def test_away_period_set_refuses_end_before_start_and_others_dates(world):
    with pytest.raises(ApplicationError) as backwards:
        services.away_period_set(
            actor=world.member,
            cohort=world.cohort,
            user=world.member,
            start=dt.date(2026, 12, 3),
            end=dt.date(2026, 12, 1),
        )
    with pytest.raises(PermissionDeniedError):
        services.away_period_set(
            actor=world.member,
            cohort=world.cohort,
            user=world.leader,
            start=dt.date(2026, 12, 1),
            end=dt.date(2026, 12, 1),
        )

    assert backwards.value.fields == {"end": ["The last day cannot be before the first."]}
    assert AwayPeriod.objects.count() == 0


def test_away_period_delete_own_only(world):
    period = AwayPeriod.objects.create(
        cohort=world.cohort, user=world.leader, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1)
    )

    with pytest.raises(PermissionDeniedError):
        services.away_period_delete(actor=world.member, period=period)
    services.away_period_delete(actor=world.leader, period=period)

    assert AwayPeriod.objects.count() == 0


def test_slot_materials_set_by_presenter_is_logged_and_a_repeat_writes_nothing(world, slot):
    services.slot_claim(actor=world.member, slot=slot)

    services.slot_materials_set(actor=world.member, slot=slot, materials_url=" https://a.kr/s ")
    services.slot_materials_set(actor=world.member, slot=slot, materials_url="https://a.kr/s")

    slot.refresh_from_db()
    updates = SlotChange.objects.filter(slot=slot, action=services.Action.UPDATED)
    assert slot.materials_url == "https://a.kr/s"
    assert updates.count() == 1


def test_slot_materials_set_by_leader_who_does_not_present(world, slot):
    services.slot_materials_set(actor=world.leader, slot=slot, materials_url="https://b.kr/")

    slot.refresh_from_db()
    assert slot.materials_url == "https://b.kr/"


def test_slot_materials_set_refuses_another_member_and_bad_links(world, slot):
    services.slot_claim(actor=world.facilitator, slot=slot)

    with pytest.raises(PermissionDeniedError):
        services.slot_materials_set(actor=world.member, slot=slot, materials_url="https://c.kr/")
    with pytest.raises(ApplicationError) as caught:
        services.slot_materials_set(
            actor=world.facilitator, slot=slot, materials_url="ftp://c.kr/file"
        )

    assert caught.value.fields == {
        "materials_url": ["Enter a link starting with http:// or https://."]
    }
