"""Smoke test of the coding-test bench targets: their floors read and write what the board and
the import do."""

from __future__ import annotations

import orjson
import pytest
from django.test.utils import override_settings

from bench import csv_import, tracker_board
from trackers.models import Solve


def _quiet(_message: str) -> None:
    return None


@pytest.fixture
def board_target(db):
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield tracker_board.build_target(log=_quiet)


def test_bench_coding_board_page_shows_the_floors_cells(board_target):
    floor = orjson.loads(board_target.floor())

    page = tracker_board.page_cells(board_target.client.get(board_target.path).content)

    assert board_target.notes == []
    assert page == tracker_board.floor_cells(floor)
    assert (len(floor["rows"]), len(floor["problems"]), len(page)) == (40, 50, 2000)
    assert [row["mine"] for row in floor["rows"]].count(True) == 1


def test_bench_coding_board_floor_reads_four_queries(board_target, django_assert_num_queries):
    with django_assert_num_queries(4):
        board_target.floor()


def test_bench_coding_board_page_reads_a_constant_number_of_queries(
    board_target, django_assert_num_queries
):
    with django_assert_num_queries(9):
        response = board_target.client.get(board_target.path)

    assert response.status_code == 200


def test_bench_coding_board_data_is_kept_when_current(board_target):
    first = tracker_board.ensure_data(log=_quiet)

    again = tracker_board.ensure_data(log=_quiet)

    assert (again.cohort.pk, again.viewer.pk) == (first.cohort.pk, first.viewer.pk)


def test_bench_csv_import_sheet_has_ten_thousand_rows(db):
    data = csv_import.sheet()

    lines = data.decode("utf-8-sig").splitlines()

    assert (len(lines), lines[0]) == (10_001, "member,week,problem,status,language,solved_at")


def test_bench_csv_import_times_the_import_and_its_floor(db, api_cache):
    with override_settings(ROOT_URLCONF="bench.urls"):
        target = csv_import.measured_target(log=_quiet, repeat=1, warmup=0)

    assert target.notes == []
    assert (target.rows, target.floor_rows) == (10_000, 10_000)
    assert [len(target.request_ms), len(target.floor_ms), len(target.stack_floor_ms)] == [1, 1, 1]
    assert Solve.objects.count() == 0
