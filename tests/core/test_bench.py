"""Smoke test of the benchmark harness: its floors fetch what the pages and the API show."""

from __future__ import annotations

import re
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone, translation

from bench import board, measure, schedule
from labs.models import Membership, MembershipStatus, Role
from sessions.models import (
    AwayPeriod,
    Meeting,
    Rsvp,
    RsvpAnswer,
    Slot,
    SlotAssignment,
    WaitlistEntry,
)
from tests.conftest import client_for


@pytest.fixture
def bench_targets(db):
    call_command("seed_scale", "--labs", "2", "--members", "30", stdout=StringIO())
    subject = measure.pick_subject()
    client = client_for(subject.leader)
    with override_settings(ROOT_URLCONF="bench.urls"):
        targets = measure.build_targets(subject)
        yield subject, client, targets


def test_bench_subject_is_a_scale_cohort_seen_by_its_leader(bench_targets):
    subject, _client, _targets = bench_targets

    leader = Membership.objects.get(user=subject.leader, cohort=subject.cohort)

    assert subject.cohort.lab.slug.startswith("scale-")
    assert (leader.role, leader.status) == (Role.LEADER, MembershipStatus.ACTIVE)
    assert subject.size == subject.cohort.memberships.count()


def test_bench_floors_match_the_rows_and_fields_of_each_target(bench_targets):
    _subject, client, targets = bench_targets

    measure.check_targets(client, targets)

    assert {t.name: t.notes for t in targets} == {
        "cohort_page": [],
        "api_cohorts": [],
        "api_memberships": [],
    }
    assert [t.rows for t in targets] == [t.floor_rows for t in targets]


def test_bench_summary_reports_both_floors_and_the_gate(bench_targets):
    _subject, client, targets = bench_targets

    measure.count_queries(client, targets)
    measure.run_timings(client, targets, repeat=3, warmup=1)
    row = measure.summary(targets[0], gate="stack")

    assert row["samples"] == 3
    assert row["gate"] == "stack"
    assert row["floor_queries"] == 1
    assert row["passed"] == (row["stack_ratio"] <= row["threshold"])


def test_bench_p90_interpolates_between_samples():
    assert measure.p90([float(n) for n in range(1, 11)]) == pytest.approx(9.1)


# --- the cohort schedule target (bench/schedule.py) -------------------------------------------


@pytest.fixture
def schedule_target(db):
    subject = schedule.ensure_schedule_data(log=lambda _message: None)
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield subject, schedule.build_schedule_target(subject)


def test_bench_schedule_data_is_40_members_who_answered_30_meetings(schedule_target):
    subject, _target = schedule_target
    now = timezone.now()

    viewer = Membership.objects.get(user=subject.viewer, cohort=subject.cohort)
    meetings = Meeting.objects.filter(cohort=subject.cohort)

    assert subject.cohort.lab.slug == "bench-schedule"
    assert (viewer.role, viewer.status) == (Role.MEMBER, MembershipStatus.ACTIVE)
    assert subject.cohort.memberships.filter(status=MembershipStatus.ACTIVE).count() == 40
    assert (
        meetings.filter(ends_at__lt=now).count(),
        meetings.filter(ends_at__gte=now).count(),
    ) == (
        15,
        15,
    )
    assert Rsvp.objects.filter(meeting__cohort=subject.cohort).count() == 40 * 30


def test_bench_schedule_data_is_kept_when_current(schedule_target):
    subject, _target = schedule_target

    again = schedule.ensure_schedule_data(log=lambda _message: None)

    assert (again.cohort.pk, again.viewer.pk) == (subject.cohort.pk, subject.viewer.pk)


def test_bench_schedule_floor_has_the_pages_meetings_in_its_order(schedule_target):
    _subject, target = schedule_target

    measure.check_targets(target.client, [target])

    assert target.notes == []
    assert (target.rows, target.floor_rows) == (30, 30)


def test_bench_schedule_floor_has_the_pages_counts_and_my_answers(schedule_target):
    _subject, target = schedule_target
    floor = orjson.loads(target.floor())
    rows = [*floor["upcoming"], *floor["past"]]

    page = target.client.get(target.path).content.decode()

    shown_counts = {
        int(pk): [int(n) for n in re.findall(r"\d+", text)]
        for pk, text in re.findall(r'data-testid="rsvp-count-(\d+)">([^<]*)<', page)
    }
    # Open meetings show my answer as the pressed button; closed ones (past or cancelled)
    # as text, in the viewer's language (Korean).
    pressed = re.findall(r'aria-pressed="true" data-testid="rsvp-(yes|maybe|no)-(\d+)"', page)
    with translation.override("ko"):
        labels = {str(answer.label): answer.value for answer in RsvpAnswer}
    written = re.findall(r'data-testid="rsvp-mine-(\d+)">[^:]*: ([^<·]*?)[ <·]', page)
    shown_answers = {int(pk): answer for answer, pk in pressed} | {
        int(pk): labels[label] for pk, label in written
    }
    assert shown_counts == {row["id"]: [row["yes"], row["maybe"]] for row in rows}
    assert {row["yes"] + row["maybe"] + row["no"] for row in rows} == {40}
    assert shown_answers == {row["id"]: row["my_answer"] for row in rows}
    assert (len(pressed), len(written)) == (13, 17)


def test_bench_schedule_floor_reads_three_queries(schedule_target, django_assert_num_queries):
    _subject, target = schedule_target

    with django_assert_num_queries(3):
        target.floor()


# --- the presenters board target (bench/board.py) ---------------------------------------------


@pytest.fixture
def board_target(db):
    subject = board.ensure_board_data(log=lambda _message: None)
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield subject, board.build_board_target(subject)


def test_bench_board_data_is_26_meetings_x_3_tracks_of_40_members(board_target):
    subject, _target = board_target
    now = timezone.now()

    viewer = Membership.objects.get(user=subject.viewer, cohort=subject.cohort)
    meetings = Meeting.objects.filter(cohort=subject.cohort)
    slots = Slot.objects.filter(meeting__cohort=subject.cohort)

    assert subject.cohort.lab.slug == "bench-board"
    assert (viewer.role, viewer.status) == (Role.MEMBER, MembershipStatus.ACTIVE)
    assert subject.cohort.memberships.filter(status=MembershipStatus.ACTIVE).count() == 40
    assert (
        meetings.filter(ends_at__lt=now).count(),
        meetings.filter(ends_at__gte=now).count(),
    ) == (13, 13)
    assert set(slots.values_list("kind", flat=True)) == {"chapter", "paper", "implementation"}
    assert (slots.count(), set(slots.values_list("capacity", flat=True))) == (78, {1})
    assert SlotAssignment.objects.filter(slot__in=slots).count() == 52
    assert WaitlistEntry.objects.filter(slot__in=slots).count() == 6
    assert AwayPeriod.objects.filter(cohort=subject.cohort).count() == 2


def test_bench_board_data_is_kept_when_current(board_target):
    subject, _target = board_target

    again = board.ensure_board_data(log=lambda _message: None)

    assert (again.cohort.pk, again.viewer.pk) == (subject.cohort.pk, subject.viewer.pk)


def test_bench_board_floor_has_the_pages_rows(board_target):
    _subject, target = board_target

    measure.check_targets(target.client, [target])

    assert target.notes == []
    assert (target.rows, target.floor_rows) == (16, 16)


def test_bench_board_page_rows_equal_the_floor_rows(board_target):
    _subject, target = board_target
    floor = orjson.loads(target.floor())

    page = board.page_board(target.client.get(target.path).content)

    assert page == board.floor_board(floor)
    assert [len(row["slots"]) for row in page] == [3] * 16
    assert sum(len(slot["presenters"]) for row in page for slot in row["slots"]) == 32
    assert [slot["waiting"] for row in page for slot in row["slots"] if slot["waiting"]] == [
        2,
        2,
        1,
        1,
    ]
    assert [row["away"] for row in page if row["away"]] == [
        ["발표 회원 10"],
        ["발표 회원 10"],
        ["발표 회원 25"],
    ]
    assert (len(floor["upcoming"]), len(floor["past"])) == (12, 4)


def test_bench_board_floor_knows_the_viewers_slot_and_wait(board_target):
    _subject, target = board_target
    floor = orjson.loads(target.floor())
    slots = [
        (row["number"], slot["kind"])
        for row in (*floor["upcoming"], *floor["past"])
        for cells in row["tracks"]
        for slot in cells
    ]
    flags = [
        (slot["mine"], slot["waiting"])
        for row in (*floor["upcoming"], *floor["past"])
        for cells in row["tracks"]
        for slot in cells
    ]

    mine = [cell for cell, flag in zip(slots, flags, strict=True) if flag[0]]
    waiting = [cell for cell, flag in zip(slots, flags, strict=True) if flag[1]]

    assert (mine, waiting) == ([(15, "paper")], [(17, "chapter")])


def test_bench_board_floor_reads_five_queries(board_target, django_assert_num_queries):
    _subject, target = board_target

    with django_assert_num_queries(5):
        target.floor()


def test_bench_board_page_reads_a_constant_number_of_queries(
    board_target, django_assert_num_queries
):
    _subject, target = board_target

    with django_assert_num_queries(12):
        response = target.client.get(target.path)

    assert response.status_code == 200
