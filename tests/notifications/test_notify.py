"""notify(): inbox entries, email deliveries per preferences, enqueue on commit, and the
events other apps raise through it."""

from __future__ import annotations

from datetime import time

from django.utils import timezone

from labs.services import invitation_accept
from notifications.models import Channel, Delivery, Notification, NotificationPreference
from notifications.services import notify
from notifications.texts import render
from sessions.services.slots import slot_claim, slot_release, slot_waitlist_join
from sessions.services.swaps import (
    swap_request_accept,
    swap_request_create,
    swap_request_decline,
)
from tests.factories import InvitationFactory, MeetingFactory, SlotFactory, UserFactory


def inbox(user) -> list[tuple[str, dict]]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", "params"))


def test_notify_writes_one_inbox_entry_and_one_email_per_recipient(world):
    notify(
        kind="swap_requested",
        recipients=[world.member, world.leader, world.member],
        cohort=world.cohort,
        target=world.cohort,
        params={"name": "A", "slot": "1장", "other_slot": "2장"},
        url="/x/",
    )

    assert Notification.objects.filter(kind="swap_requested").count() == 2
    assert sorted(
        Delivery.objects.values_list("recipient__email", "channel", "status", "digest")
    ) == [
        ("leader@example.com", "email", "pending", False),
        ("member@example.com", "email", "pending", False),
    ]


def test_notify_enqueues_email_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(kind="slot_promoted", recipients=[world.member], cohort=world.cohort, target=None)
        queued_inside = Delivery.objects.get().enqueued_at is not None

    assert len(callbacks) == 1
    assert queued_inside is True
    delivery = Delivery.objects.get()
    assert delivery.enqueued_at is not None


def test_notify_respects_email_opt_out(world):
    NotificationPreference.objects.create(user=world.member, email_enabled=False)

    notify(kind="slot_promoted", recipients=[world.member], cohort=world.cohort, target=None)

    assert inbox(world.member) == [("slot_promoted", {})]
    assert Delivery.objects.count() == 0


def test_notify_holds_email_through_quiet_hours(world):
    now = timezone.now()
    local = timezone.localtime(now, timezone.get_fixed_timezone(9 * 60))
    # Quiet from an hour ago to an hour ahead, in the member's zone (Asia/Seoul = UTC+9).
    start = time((local.hour - 1) % 24)
    end = time((local.hour + 1) % 24)
    NotificationPreference.objects.create(user=world.member, quiet_start=start, quiet_end=end)

    notify(kind="slot_promoted", recipients=[world.member], cohort=world.cohort, target=None)

    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at > now
    assert delivery.enqueued_at is None


def test_notify_folds_email_into_the_daily_digest(world):
    NotificationPreference.objects.create(user=world.member, digest=True, digest_hour=8)

    notify(kind="slot_promoted", recipients=[world.member], cohort=world.cohort, target=None)

    delivery = Delivery.objects.get()
    assert (delivery.digest, delivery.channel) == (True, Channel.EMAIL)
    assert timezone.localtime(delivery.next_attempt_at).hour == 8


def test_notify_without_recipients_writes_nothing(world):
    notify(kind="slot_promoted", recipients=[], cohort=world.cohort, target=None)

    assert Notification.objects.count() == 0


def test_unknown_kind_renders_a_generic_text():
    rendered = render("something_new", {"x": 1}, language="en")

    assert (rendered.title, rendered.body) == (
        "Something new in Labmate",
        "Open Labmate to see what changed.",
    )


def test_render_uses_the_readers_language_and_zone():
    params = {"meeting": 3, "title": "", "starts_at": "2026-11-20T10:00:00+00:00", "lab": "L"}
    params["cohort"] = 5

    english = render("meeting", params, language="en", zone="Asia/Seoul")

    assert english.title == "Meeting 3 is coming up"
    assert english.body == "L · cohort 5: meeting 3 starts 2026-11-20 (Fri) 19:00."


def test_waitlist_promotion_tells_the_member_the_slot_is_theirs(world):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    slot_claim(actor=world.leader, slot=slot)
    slot_waitlist_join(actor=world.member, slot=slot)

    slot_release(actor=world.leader, slot=slot)

    assert inbox(world.member) == [
        ("slot_promoted", {"slot": "1장", "meeting": slot.meeting.number})
    ]


def test_swaps_tell_the_other_member(world):
    meeting = MeetingFactory(cohort=world.cohort)
    mine = SlotFactory(meeting=meeting, title="1장")
    theirs = SlotFactory(meeting=meeting, title="2장")
    slot_claim(actor=world.member, slot=mine)
    slot_claim(actor=world.leader, slot=theirs)

    first = swap_request_create(actor=world.member, requester_slot=mine, target_slot=theirs)
    swap_request_decline(actor=world.leader, swap=first)
    second = swap_request_create(actor=world.member, requester_slot=mine, target_slot=theirs)
    swap_request_accept(actor=world.leader, swap=second)

    assert [kind for kind, _params in inbox(world.leader)] == ["swap_requested", "swap_requested"]
    assert sorted(kind for kind, _params in inbox(world.member)) == [
        "swap_accepted",
        "swap_declined",
    ]


def test_invitation_accepted_tells_the_cohorts_leaders(world):
    invitation = InvitationFactory(cohort=world.cohort)
    newcomer = UserFactory(email="new@example.com")

    invitation_accept(user=newcomer, invitation=invitation)

    assert [kind for kind, _p in inbox(world.leader)] == ["invitation_accepted"]
    assert inbox(world.member) == []
    assert inbox(newcomer) == []


def test_other_apps_kinds_have_their_own_words():
    decided = render(
        "application_decided",
        {"decision": "accepted", "lab": "딥러닝 연구실", "cohort": 6},
        language="en",
    )
    event = render(
        "event_deadline",
        {
            "title": "NeurIPS",
            "event_kind": "deadline",
            "starts_at": "2026-05-15T14:59:00+00:00",
            "cohort": 5,
            "lab": "L",
        },
        language="en",
        zone="Asia/Seoul",
    )

    assert decided.body == (
        "Your application to 딥러닝 연구실, cohort 6 was accepted: you are now a member."
    )
    assert event.body == "L · cohort 5: NeurIPS (submission deadline) on 2026-05-15 (Fri) 23:59."
