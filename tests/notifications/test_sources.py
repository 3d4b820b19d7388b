"""Reminder sources: what is due for whom, and the recheck at send time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from labs.models import Role
from notifications.models import Delivery, ReminderRule
from notifications.services import reminder_rules_ensure_defaults, reminders_plan
from notifications.sources import Check, registry
from sessions.models import Meeting, Paper, ReviewAssignment, SlotAssignment
from tests.factories import MeetingFactory, MembershipFactory, RsvpFactory, SlotFactory
from trackers.models import InterviewTopic, Problem, ProblemSet, Question, Solve

BUILT_IN = ("meeting", "presenter", "open_slots", "rsvp", "review_due", "tracker_due")


def planned(kind: str, channel: str = "inapp") -> list[str]:
    return sorted(
        Delivery.objects.filter(kind=kind, channel=channel).values_list(
            "recipient__email", flat=True
        )
    )


def in_hours(hours: float):
    return timezone.now() + timedelta(hours=hours)


def test_defaults_are_the_issue_list(world):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])

    rules = ReminderRule.objects.filter(cohort=world.cohort, kind__in=BUILT_IN)
    assert sorted(rules.values_list("kind", "minutes_before", "to_webhook")) == [
        ("meeting", 60, False),
        ("meeting", 1440, True),
        ("open_slots", 7200, True),
        ("presenter", 4320, False),
        ("review_due", 2880, False),
        ("rsvp", 2880, False),
        ("tracker_due", 1440, False),
    ]


def test_defaults_are_created_once(world):
    created = reminder_rules_ensure_defaults(cohorts=[world.cohort])

    again = reminder_rules_ensure_defaults(cohorts=[world.cohort])

    assert (created, again) == (len(registry.defaults()), 0)


def test_meeting_reminder_goes_to_yes_and_maybe_only(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(20))
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")
    RsvpFactory(meeting=meeting, user=world.facilitator, answer="maybe")
    RsvpFactory(meeting=meeting, user=world.leader, answer="no")

    reminders_plan()

    assert planned("meeting") == ["facilitator@example.com", "member@example.com"]


def test_meeting_far_away_is_not_due_yet(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(30))
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")

    reminders_plan()

    assert planned("meeting") == []


def test_the_closest_due_rule_fires_alone(world):
    # Created 50 minutes before it starts: the one-hour reminder, not also the one-day one.
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(50 / 60))
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")

    reminders_plan()

    rule = Delivery.objects.filter(kind="meeting", channel="inapp").get().rule
    assert rule.minutes_before == 60


def test_disabled_rule_plans_nothing(world):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    ReminderRule.objects.filter(cohort=world.cohort, kind="meeting").update(enabled=False)
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(20))
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")

    reminders_plan()

    assert planned("meeting") == []


def test_rsvp_reminder_goes_only_to_members_who_have_not_answered(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(40))
    RsvpFactory(meeting=meeting, user=world.member, answer="no")

    reminders_plan()

    assert planned("rsvp") == ["facilitator@example.com", "leader@example.com"]


def test_presenter_reminder_skips_presenters_with_materials(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(60))
    todo = SlotFactory(meeting=meeting)
    done = SlotFactory(meeting=meeting, materials_url="https://example.com/slides")
    SlotAssignment.objects.create(slot=todo, user=world.member)
    SlotAssignment.objects.create(slot=done, user=world.leader)

    reminders_plan()

    assert planned("presenter") == ["member@example.com"]


def test_open_slots_reminder_goes_to_leaders_while_a_slot_is_open(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(100))
    SlotFactory(meeting=meeting)
    full = MeetingFactory(cohort=world.cohort, starts_at=in_hours(101))
    SlotAssignment.objects.create(slot=SlotFactory(meeting=full), user=world.member)

    reminders_plan()

    assert planned("open_slots") == ["facilitator@example.com", "leader@example.com"]
    targets = set(Delivery.objects.filter(kind="open_slots").values_list("target_id", flat=True))
    assert targets == {meeting.pk}


def test_review_reminder_skips_submitted_reviews(world):
    paper = Paper.objects.create(cohort=world.cohort, title="Attention Is All You Need")
    ReviewAssignment.objects.create(paper=paper, reviewer=world.member, due_at=in_hours(30))
    ReviewAssignment.objects.create(
        paper=paper, reviewer=world.leader, due_at=in_hours(30), status="submitted"
    )

    reminders_plan()

    assert planned("review_due") == ["member@example.com"]


def test_tracker_reminder_goes_to_members_who_have_not_solved_everything(world):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    problems = ProblemSet.objects.create(cohort=world.cohort, week=1, due_at=in_hours(20))
    first = Problem.objects.create(problem_set=problems, platform="baekjoon", title="A")
    second = Problem.objects.create(problem_set=problems, platform="baekjoon", title="B")
    for problem in (first, second):
        Solve.objects.create(problem=problem, user=world.member, status="solved")
    Solve.objects.create(problem=first, user=world.leader, status="solved")
    topic = InterviewTopic.objects.create(
        cohort=world.cohort, week=1, title="Backprop", due_at=in_hours(20)
    )
    Question.objects.create(topic=topic, author=world.facilitator, text="Why ReLU?")

    reminders_plan()

    by_target = sorted(
        Delivery.objects.filter(kind="tracker_due", channel="inapp").values_list(
            "target_type__model", "recipient__email"
        )
    )
    assert guest.email not in {email for _model, email in by_target}
    assert by_target == [
        ("interviewtopic", "leader@example.com"),
        ("interviewtopic", "member@example.com"),
        ("problemset", "facilitator@example.com"),
        ("problemset", "leader@example.com"),
    ]


def test_recheck_meeting_moved_or_answered_no(world):
    meeting = MeetingFactory(cohort=world.cohort, starts_at=in_hours(20))
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")
    source = registry.get("meeting")
    check = Check(Meeting, meeting.pk, meeting.starts_at, world.member.pk)
    moved = Check(Meeting, meeting.pk, meeting.starts_at - timedelta(hours=1), world.member.pk)
    other = Check(Meeting, meeting.pk, meeting.starts_at, world.leader.pk)

    assert source.still_due(checks=[check, moved, other], now=timezone.now()) == {0}


@pytest.mark.parametrize("kind", registry.kinds())
def test_every_source_rechecks_an_empty_batch(kind):
    assert registry.get(kind).still_due(checks=[], now=timezone.now()) == set()
