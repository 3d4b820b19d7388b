"""Smoke test of the benchmark harness: its floors fetch what the page and the API show."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from bench import measure
from labs.models import Membership, MembershipStatus, Role
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
