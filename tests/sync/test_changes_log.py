"""The change log behind the feed: saves, deletes and cascades write rows in the same
transaction; writes that send no signals (bulk_create, update()) are logged by the services
that make them; every service that bulk-writes a tracked model says so."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from datetime import date, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.api import FastReadModelSerializer
from core.changes import (
    _NAMES_SHOWN,
    feed_types,
    record_changes,
    tracked_models,
)
from core.models import Change
from labs.models import Membership
from labs.services import cohort_roll_over
from members.models import User
from members.services import profile_update
from sessions.models import Meeting, Slot, SlotAssignment
from sessions.services.meetings import meeting_series_create
from sessions.services.polls import poll_create, poll_vote
from sessions.services.slots import slots_layout_syllabus
from tests.factories import (
    InterviewTopicFactory,
    LocationFactory,
    MeetingFactory,
    PaperFactory,
    QuestionFactory,
    RsvpFactory,
    SlotFactory,
    SolveFactory,
)


def logged(since: int = 0) -> list[tuple[str, int, str]]:
    rows = Change.objects.filter(id__gt=since).order_by("id")
    return list(rows.values_list("object_type", "object_id", "op"))


def last_seq() -> int:
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_change_log_row_carries_the_lab_and_cohort_of_the_object(world):
    meeting = MeetingFactory(cohort=world.cohort)
    slot = SlotFactory(meeting=meeting)

    row = Change.objects.filter(object_type="slot", object_id=slot.pk).get()

    assert (row.op, row.lab_id, row.cohort_id) == ("upsert", world.lab.pk, world.cohort.pk)


def test_change_log_rolls_back_with_the_write(world):
    since = last_seq()

    def write_then_fail() -> None:
        with transaction.atomic():
            LocationFactory(lab=world.lab)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert logged(since) == []


def test_change_log_records_every_object_a_cascade_deletes(world):
    meeting = MeetingFactory(cohort=world.cohort)
    slot = SlotFactory(meeting=meeting)
    SlotAssignment.objects.create(slot=slot, user=world.member)
    meeting_id, slot_id = meeting.pk, slot.pk
    since = last_seq()

    meeting.delete()

    assert logged(since) == [
        ("slot", slot_id, "upsert"),  # its presenter goes first
        ("slot", slot_id, "delete"),
        ("meeting", meeting_id, "delete"),
    ]


def test_change_log_records_objects_a_deletion_sets_to_null(world):
    place = LocationFactory(lab=world.lab)
    meeting = MeetingFactory(cohort=world.cohort, location=place)
    place_id = place.pk
    since = last_seq()

    place.delete()

    assert logged(since) == [("location", place_id, "delete"), ("meeting", meeting.pk, "upsert")]
    assert Meeting.objects.get(pk=meeting.pk).location_id is None


def test_change_log_record_changes_logs_rows_written_in_bulk(world):
    meeting = MeetingFactory(cohort=world.cohort)
    since = last_seq()

    slots = Slot.objects.bulk_create(
        [Slot(meeting=meeting, kind="chapter", title=f"{n}장") for n in (1, 2)]
    )
    record_changes(Slot, slots)

    assert logged(since) == [("slot", slots[0].pk, "upsert"), ("slot", slots[1].pk, "upsert")]


def test_change_log_record_changes_ignores_untracked_models(world):
    since = last_seq()

    record_changes(type(world.leader), [world.leader.pk])

    assert logged(since) == []


def test_change_log_roll_over_logs_the_carried_memberships(world):
    since = last_seq()

    cohort = cohort_roll_over(
        actor=world.leader,
        source=world.cohort,
        carry_over_user_ids=[world.leader.pk, world.member.pk],
        start_date=date(2027, 1, 1),
        end_date=date(2027, 6, 30),
    )

    carried = set(cohort.memberships.values_list("pk", flat=True))
    assert {object_id for kind, object_id, _op in logged(since) if kind == "membership"} == carried


def test_change_log_series_create_logs_its_meetings(world):
    world.cohort.end_date = timezone.localdate() + timedelta(days=365)
    world.cohort.save()
    since = last_seq()

    _series, meetings = meeting_series_create(
        actor=world.leader,
        cohort=world.cohort,
        interval_weeks=2,
        weekday=2,
        start_time=time(19, 0),
        duration_minutes=240,
        first_date=timezone.localdate() + timedelta(days=7),
        count=3,
    )

    assert [row for row in logged(since) if row[0] == "meeting"] == [
        ("meeting", m.pk, "upsert") for m in meetings
    ]


def test_change_log_syllabus_layout_logs_its_slots(world):
    for days in (7, 14):
        MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=days))
    since = last_seq()

    slots = slots_layout_syllabus(
        actor=world.leader,
        cohort=world.cohort,
        kind="chapter",
        titles=["1장", "2장"],
        per_meeting=1,
    )

    assert [row for row in logged(since) if row[0] == "slot"] == [
        ("slot", s.pk, "upsert") for s in slots
    ]


def test_change_log_poll_vote_logs_the_poll(world):
    start = timezone.now() + timedelta(days=10)
    poll = poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title="다음 모임",
        starts_at_options=[start, start + timedelta(days=1)],
        duration_minutes=120,
    )
    options = list(poll.options.order_by("starts_at").values_list("pk", flat=True))
    since = last_seq()

    poll_vote(actor=world.member, poll=poll, answers={options[0]: "yes", options[1]: "no"})

    assert set(logged(since)) == {("poll", poll.pk, "upsert")}


def test_change_log_a_topic_edit_logs_its_questions_which_show_its_title(world):
    topic = InterviewTopicFactory(cohort=world.cohort)
    questions = [QuestionFactory(topic=topic, author=world.member) for _ in range(2)]
    since = last_seq()

    topic.title = "경사하강법"
    topic.save()

    assert logged(since) == [
        ("interview_topic", topic.pk, "upsert"),
        ("question", questions[0].pk, "upsert"),
        ("question", questions[1].pk, "upsert"),
    ]


def test_change_log_a_topic_without_questions_logs_only_itself(world):
    topic = InterviewTopicFactory(cohort=world.cohort)
    since = last_seq()

    topic.save()

    assert logged(since) == [("interview_topic", topic.pk, "upsert")]


def test_change_log_many_to_many_edits_log_the_object(world):
    paper = PaperFactory(cohort=world.cohort)
    since = last_seq()

    paper.member_authors.add(world.member)
    world.member.authored_papers.clear()

    assert logged(since) == [("paper", paper.pk, "upsert"), ("paper", paper.pk, "upsert")]


def _rename(user, name: str) -> None:
    profile = user.profile
    profile_update(
        actor=user,
        profile=profile,
        display_name=name,
        bio=profile.bio,
        interests=profile.interests,
        timezone_name=profile.timezone,
        language=profile.language,
    )


def test_change_log_a_rename_logs_every_object_that_shows_the_name(world):
    meeting = MeetingFactory(cohort=world.cohort)
    slot = SlotFactory(meeting=meeting)
    SlotAssignment.objects.create(slot=slot, user=world.member)
    rsvp = RsvpFactory(meeting=meeting, user=world.member)
    RsvpFactory(meeting=meeting, user=world.leader)  # someone else's: not logged
    question = QuestionFactory(
        topic=InterviewTopicFactory(cohort=world.cohort), author=world.member
    )
    solve = SolveFactory(problem__problem_set__cohort=world.cohort, user=world.member)
    membership = Membership.objects.get(user=world.member, cohort=world.cohort)
    since = last_seq()

    _rename(world.member, "새 이름")

    assert sorted(logged(since)) == sorted(
        [
            ("membership", membership.pk, "upsert"),
            ("rsvp", rsvp.pk, "upsert"),
            ("slot", slot.pk, "upsert"),
            ("question", question.pk, "upsert"),
            ("solve", solve.pk, "upsert"),
        ]
    )


def test_change_log_a_profile_edit_that_keeps_the_name_logs_nothing(world):
    RsvpFactory(meeting=MeetingFactory(cohort=world.cohort), user=world.member)
    since = last_seq()

    _rename(world.member, world.member.profile.display_name)

    assert logged(since) == []


def test_change_log_names_are_declared_on_foreign_keys_to_the_member():
    declared = [(model, field) for model, fields in _NAMES_SHOWN.items() for field in fields]

    targets = {
        (model, field): model._meta.get_field(field).related_model for model, field in declared
    }

    assert len(declared) >= 10
    assert set(targets.values()) == {User}


def test_change_log_every_name_a_feed_type_lists_is_declared():
    """A list row that reads `<member>__profile__display_name` shows that member's name:
    its model must log a rename."""
    shown: dict[type, set[str]] = {}
    for feed in feed_types().values():
        serializer = import_string(feed.viewset).serializer_class
        if issubclass(serializer, FastReadModelSerializer):
            for _function, columns in serializer.row_sources.values():
                for column in columns:
                    if column.endswith("__profile__display_name"):
                        member = column.removesuffix("__profile__display_name")
                        shown.setdefault(serializer.Meta.model, set()).add(member)

    undeclared = {
        model.__name__: members - set(_NAMES_SHOWN.get(model, ()))
        for model, members in shown.items()
        if members - set(_NAMES_SHOWN.get(model, ()))
    }

    assert len(shown) >= 6  # memberships, RSVPs, swaps, solves, questions, answers, ...
    assert undeclared == {}


@pytest.mark.parametrize("name", sorted(feed_types()))
def test_change_log_every_feed_type_has_a_viewset_for_its_model(name):
    feed = feed_types()[name]

    viewset = import_string(feed.viewset)

    assert viewset.serializer_class.Meta.model is feed.model
    assert hasattr(viewset, "etag_fields")


# --- The audit: a bulk write of a tracked model comes with record_changes() -------------------

_BULK = {"bulk_create", "bulk_update", "update"}
# Bulk writes whose object is already logged, in the same transaction, by a write that sends
# signals; each with the reason.
COVERED = {
    "sessions.services.polls.poll_create: PollOption.bulk_create": "Poll.objects.create",
    "community.services.talk_question_vote: TalkQuestion.update": "TalkVote.objects.create",
    "community.services.talk_question_unvote: TalkQuestion.update": "TalkVote delete()",
}


def _service_modules():
    for package_name in ("labs", "sessions", "trackers", "members", "community", "notifications"):
        for suffix in ("services",):
            try:
                package = importlib.import_module(f"{package_name}.{suffix}")
            except ModuleNotFoundError:
                continue
            yield package
            for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
                yield importlib.import_module(f"{package.__name__}.{info.name}")


def _bulk_writes_without_record(source: str, namespace: dict, name: str) -> list[str]:
    """Functions that bulk_create / bulk_update / update() a tracked model (a chain that
    starts at the model's name) and never call record_changes()."""
    tracked = set(tracked_models())
    problems = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef):
            continue
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
        records = any(
            isinstance(call.func, ast.Name) and call.func.id == "record_changes" for call in calls
        )
        for call in calls:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in _BULK):
                continue
            root = call.func.value
            while isinstance(root, ast.Call | ast.Attribute):
                root = root.func if isinstance(root, ast.Call) else root.value
            model = namespace.get(root.id) if isinstance(root, ast.Name) else None
            if model in tracked and not records:
                problems.append(f"{name}.{function.name}: {root.id}.{call.func.attr}")
    return problems


def test_change_log_every_service_bulk_write_of_a_tracked_model_is_recorded(db):
    problems = [
        problem
        for module in _service_modules()
        for problem in _bulk_writes_without_record(
            inspect.getsource(module), vars(module), module.__name__
        )
        if problem not in COVERED
    ]

    assert problems == []


def test_change_log_audit_catches_a_bulk_write_without_record(db):
    source = """
def sneaky(meeting):
    Slot.objects.filter(meeting=meeting).update(title="x")

def honest(meeting):
    rows = Slot.objects.bulk_create([])
    record_changes(Slot, rows)

def untracked():
    Poll.objects.none()
"""

    problems = _bulk_writes_without_record(source, {"Slot": Slot}, "fake")

    assert problems == ["fake.sneaky: Slot.update"]
