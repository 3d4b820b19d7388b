"""The generic CSV import engine: encodings, reading, mapping, row checks, all or nothing."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pytest

from trackers import csv_import
from trackers.csv_import import (
    CREATED,
    Field,
    ImportFileError,
    Outcome,
    Row,
    RowError,
    RowProblem,
)
from trackers.models import InterviewTopic

HEADER = "이름,주차,메모\n"


# --- decoding ------------------------------------------------------------------------------------


def test_decode_reads_utf8():
    decoded = csv_import.decode("이름,주차\n김지우,1\n".encode())

    assert (decoded.encoding, decoded.text) == ("utf-8", "이름,주차\n김지우,1\n")


def test_decode_reads_utf8_with_a_bom():
    decoded = csv_import.decode("\ufeff이름\n김지우\n".encode())

    assert (decoded.encoding, decoded.text) == ("utf-8-sig", "이름\n김지우\n")


def test_decode_reads_cp949_from_korean_excel():
    decoded = csv_import.decode("이름,주차\n김지우,1\n".encode("cp949"))

    assert (decoded.encoding, decoded.text) == ("cp949", "이름,주차\n김지우,1\n")


def test_decode_refuses_utf16():
    with pytest.raises(ImportFileError) as caught:
        csv_import.decode("이름\n".encode("utf-16"))

    assert caught.value.code == "import_encoding"


def test_decode_refuses_bytes_that_are_neither_utf8_nor_cp949():
    with pytest.raises(ImportFileError) as caught:
        csv_import.decode(b"\xff\xfe\xfa\x80\x81 name")

    assert caught.value.code == "import_encoding"


def test_decode_refuses_a_file_over_the_limit():
    with pytest.raises(ImportFileError) as caught:
        csv_import.decode(b"a" * (csv_import.MAX_BYTES + 1))

    assert caught.value.code == "import_too_large"


# --- reading -------------------------------------------------------------------------------------


def test_read_table_numbers_rows_by_their_line_and_skips_blank_ones():
    table = csv_import.read_table('이름,메모\n\n김지우,"두 줄\n메모"\n,\n박민준,\n')

    assert table.header == ("이름", "메모")
    assert table.rows == ((3, ("김지우", "두 줄\n메모")), (5, ("박민준", "")))


def test_read_table_refuses_an_empty_file():
    with pytest.raises(ImportFileError) as caught:
        csv_import.read_table("\n\n")

    assert caught.value.code == "import_empty"


def test_read_table_refuses_binary_data():
    with pytest.raises(ImportFileError) as caught:
        csv_import.read_table("a,b\n\x00\x01,2\n")

    assert caught.value.code == "import_not_csv"


# --- mapping -------------------------------------------------------------------------------------

FIELDS = (
    Field("member", "Member", required=True, aliases=("이름", "멤버")),
    Field("week", "Week", aliases=("주차",)),
    Field("notes", "Notes", aliases=("메모",)),
)


def test_guess_mapping_matches_korean_and_english_headers_loosely():
    mapping = csv_import.guess_mapping(FIELDS, ("  이 름 ", "WEEK", "비고"))

    assert mapping == {"member": 0, "week": 1, "notes": None}


def test_guess_mapping_gives_a_column_to_one_field_only():
    fields = (Field("a", "A", aliases=("x",)), Field("b", "B", aliases=("x",)))

    assert csv_import.guess_mapping(fields, ("x",)) == {"a": 0, "b": None}


def test_mapping_from_choices_ignores_unknown_columns():
    mapping = csv_import.mapping_from_choices(
        FIELDS, ("이름", "주차"), {"member": "0", "week": "7", "notes": "abc"}
    )

    assert mapping == {"member": 0, "week": None, "notes": None}


def test_check_mapping_wants_required_fields_and_one_field_per_column():
    errors = csv_import.check_mapping(FIELDS, {"member": None, "week": 1, "notes": 1})

    assert [(e.line, e.field) for e in errors] == [(0, "member"), (0, "notes")]


def test_header_choices_name_columns_like_a_spreadsheet():
    header = [f"c{n}" for n in range(28)]

    choices = csv_import.header_choices(header)

    assert (choices[0], choices[25], choices[26], choices[27]) == (
        ("0", "A · c0"),
        ("25", "Z · c25"),
        ("26", "AA · c26"),
        ("27", "AB · c27"),
    )


# --- running: a small importer writing interview topics ---------------------------------------


class TopicImporter:
    """Writes one InterviewTopic per row (title = member, week = week): a real table, so
    rollbacks are visible."""

    fields = FIELDS

    def __init__(self, cohort, *, refuse: str = "") -> None:
        self.cohort, self.refuse = cohort, refuse
        self.prepared = 0

    def key(self, row: Row) -> Hashable | None:
        return row.get("member")

    def prepare(self, rows: Sequence[Row]) -> None:
        self.prepared = len(rows)

    def upsert(self, row: Row) -> Outcome:
        if row.get("member") == self.refuse:
            raise RowProblem("refused", field="member")
        InterviewTopic.objects.create(
            cohort=self.cohort, week=int(row.get("week") or 1), title=row.get("member")
        )
        return Outcome(row.line, CREATED, row.get("member"))

    def finish(self) -> None:
        pass


def _run(world, text: str, *, commit: bool = True, refuse: str = ""):
    table = csv_import.read_table(text)
    importer = TopicImporter(world.cohort, refuse=refuse)
    mapping = csv_import.guess_mapping(importer.fields, table.header)
    return csv_import.run_import(importer, table, mapping, commit=commit)


def test_run_import_writes_every_row(world):
    result = _run(world, HEADER + "김지우,1,\n박민준,2,\n")

    assert (result.ok, result.committed, result.counts[CREATED]) == (True, True, 2)
    assert sorted(InterviewTopic.objects.values_list("title", "week")) == [
        ("김지우", 1),
        ("박민준", 2),
    ]


def test_run_import_preview_writes_nothing(world):
    result = _run(world, HEADER + "김지우,1,\n", commit=False)

    assert (result.ok, result.committed, result.counts[CREATED]) == (True, False, 1)
    assert InterviewTopic.objects.count() == 0


def test_run_import_refuses_a_row_with_the_wrong_number_of_cells(world):
    result = _run(world, HEADER + "김지우,1,\n박민준,2\n")

    assert result.errors == [RowError(3, "", "Expected 3 cells like the header, found 2.")]
    assert InterviewTopic.objects.count() == 0


def test_run_import_refuses_an_empty_required_cell(world):
    result = _run(world, HEADER + ",1,메모\n")

    assert result.errors == [RowError(2, "member", "“Member” is empty.")]


@pytest.mark.parametrize("cell", ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3"])
def test_run_import_refuses_formula_looking_cells_and_writes_nothing(world, cell):
    result = _run(world, HEADER + f'김지우,1,\n박민준,1,"{cell}"\n')

    assert [(e.line, e.field) for e in result.errors] == [(3, "notes")]
    assert result.errors[0].message.startswith("“Notes” starts with ")
    assert InterviewTopic.objects.count() == 0


@pytest.mark.parametrize("cell", ["-", "+", "-3", "+82"])
def test_run_import_accepts_a_lone_sign_or_a_signed_number(world, cell):
    result = _run(world, HEADER + f"김지우,1,{cell}\n")

    assert result.ok is True


def test_clean_cell_unescapes_our_own_exported_formula_cells():
    assert csv_import.clean_cell("'=SUM(A1)") == ("=SUM(A1)", True)
    assert csv_import.clean_cell("'plain") == ("'plain", True)
    assert csv_import.clean_cell("  =SUM(A1)") == ("=SUM(A1)", False)


def test_run_import_refuses_duplicate_rows_and_writes_nothing(world):
    result = _run(world, HEADER + "김지우,1,\n박민준,1,\n김지우,2,\n")

    assert result.errors == [RowError(4, "", "Same row as line 2.")]
    assert InterviewTopic.objects.count() == 0


def test_run_import_rolls_back_every_row_when_one_upsert_refuses(world):
    result = _run(world, HEADER + "김지우,1,\n박민준,2,\n이서연,3,\n", refuse="이서연")

    assert result.errors == [RowError(4, "member", "refused")]
    assert (result.committed, InterviewTopic.objects.count()) == (False, 0)


def test_run_import_reports_a_missing_mapping_before_reading_rows(world):
    table = csv_import.read_table("week\n1\n")
    importer = TopicImporter(world.cohort)

    result = csv_import.run_import(
        importer, table, {"member": None, "week": 0, "notes": None}, commit=True
    )

    assert [(e.line, e.field) for e in result.errors] == [(0, "member")]
    assert importer.prepared == 0


def test_run_import_counts_every_error_but_keeps_the_first_200(world):
    rows = "".join(f",{n},\n" for n in range(250))

    result = _run(world, HEADER + rows)

    assert (result.error_count, len(result.errors)) == (250, 200)


# --- the upload between steps --------------------------------------------------------------------


def test_stash_upload_is_found_again_only_by_its_user_and_scope(world, api_cache):
    token = csv_import.stash_upload(
        user_id=world.leader.pk,
        scope="coding:1",
        kind="problems",
        filename="sheet.csv",
        data="주차,문제\n1,1931\n".encode("cp949"),
    )

    mine = csv_import.load_upload(token=token, user_id=world.leader.pk, scope="coding:1")

    assert (mine.kind, mine.filename, mine.encoding, mine.table.header) == (
        "problems",
        "sheet.csv",
        "cp949",
        ("주차", "문제"),
    )
    assert csv_import.load_upload(token=token, user_id=world.member.pk, scope="coding:1") is None
    assert csv_import.load_upload(token=token, user_id=world.leader.pk, scope="coding:2") is None


def test_stash_upload_refuses_an_unreadable_file(world, api_cache):
    with pytest.raises(ImportFileError):
        csv_import.stash_upload(
            user_id=world.leader.pk, scope="coding:1", kind="problems", filename="x", data=b""
        )


def test_drop_upload_forgets_it(world, api_cache):
    token = csv_import.stash_upload(
        user_id=1, scope="s", kind="problems", filename="f", data=b"a\n1\n"
    )

    csv_import.drop_upload(token=token)

    assert csv_import.load_upload(token=token, user_id=1, scope="s") is None
