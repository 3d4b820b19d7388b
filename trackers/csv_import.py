"""The CSV import engine: read a sheet exported as CSV, map its columns onto an importer's
fields, check every row, preview the outcome and write it all or not at all.

Generic: an importer (see `Importer`) names its target fields and upserts one checked row at
a time; the engine does the rest, the same for problems, solves and interview questions:

1. `decode` reads the bytes as UTF-8 (with or without a BOM) or CP949 (Korean Excel's
   default), and refuses anything else rather than guessing;
2. `read_table` splits the text into a header and numbered rows;
3. `guess_mapping` pairs header cells with fields by name and alias (Korean too); people
   correct it on the mapping step;
4. `run_import` checks every row (cell count, required cells, formula-looking cells,
   duplicates within the file), then, only if all pass, runs the importer's upserts in one
   transaction. Any row error rolls everything back, and a preview (`commit=False`) always
   rolls back: it reports what an import would do without writing anything.

Importers key rows by external id where the sheet has one (else by a natural key), and write
only what differs, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils.crypto import get_random_string
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.errors import ApplicationError
from core.spreadsheet import looks_like_formula

ENCODINGS = ("utf-8", "cp949")
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
MAX_CELL = 20_000
# How many errors and outcomes a result keeps for display; the counts cover every row.
MAX_REPORTED = 200

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ACTION_LABELS = {
    CREATED: _lazy("New"),
    UPDATED: _lazy("Changed"),
    UNCHANGED: _lazy("Unchanged"),
}


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read (encoding, size, no header)."""

    code = "import_unreadable"


@dataclass(frozen=True, slots=True)
class Field:
    """A target field of an importer, as the mapping step offers it."""

    name: str
    label: str | Promise
    required: bool = False
    # Header texts that map to this field (compared case-, space- and punctuation-blind).
    aliases: tuple[str, ...] = ()
    help_text: str | Promise = ""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-8-sig" or "cp949"


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    # (row number as the spreadsheet shows it, cells); the header is row 1.
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Row:
    """One checked data row: the text of each mapped field, stripped and unescaped."""

    line: int
    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def has(self, name: str) -> bool:
        """Whether the field is mapped to a column (an empty cell is still "has")."""
        return name in self.values


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 0: the file or the mapping as a whole
    field: str  # "" when the error is about the row, not one cell
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    line: int
    action: str  # CREATED, UPDATED or UNCHANGED
    summary: str  # what the row is, for the preview ("W1 · Baekjoon 1931 회의실 배정")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


class RowProblem(Exception):
    """Raised by an importer's upsert, before it writes anything, for a row it refuses."""

    def __init__(self, message: str | Promise, *, field: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class Importer(Protocol):
    """What the engine needs from one kind of import."""

    @property
    def fields(self) -> Sequence[Field]:
        """The target fields, in the order the mapping step shows them."""
        ...

    def key(self, row: Row) -> Hashable | None:
        """What makes two rows of one file the same row (duplicates are refused); None: no key."""
        ...

    def prepare(self, rows: Sequence[Row]) -> None:
        """Load what the upserts will look up, in a few queries for all rows."""
        ...

    def upsert(self, row: Row) -> Outcome:
        """Create or update the row's object; raise RowProblem before writing to refuse it."""
        ...

    def finish(self) -> None:
        """Write whatever the upserts buffered (bulk inserts and updates)."""
        ...


@dataclass
class ImportResult:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0})
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def changes(self) -> int:
        return self.counts[CREATED] + self.counts[UPDATED]

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error)

    def add_outcome(self, outcome: Outcome) -> None:
        self.counts[outcome.action] += 1
        if len(self.outcomes) < MAX_REPORTED:
            self.outcomes.append(outcome)


# --- reading the file -------------------------------------------------------------------------


def decode(data: bytes) -> Decoded:
    """The file's text: UTF-8 with a BOM, UTF-8, or CP949 (EUC-KR's superset), in that order.

    A CP949 file almost never decodes as UTF-8 (its Hangul bytes are not valid UTF-8
    sequences), so trying UTF-8 first is safe. Anything else is refused, not guessed:
    a wrong guess would import garbled names.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)},
            code="import_too_large",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data[3:].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            pass
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            _("This file is UTF-16. Save it as CSV UTF-8 and upload it again."),
            code="import_encoding",
        )
    else:
        for encoding in ENCODINGS:
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError:
                continue
    raise ImportFileError(
        _("The file is neither UTF-8 nor CP949 (EUC-KR) text. Save it as CSV UTF-8 and try again."),
        code="import_encoding",
    )


def read_table(text: str) -> Table:
    """Split CSV text into its header and numbered rows (blank lines are skipped).

    Rows are numbered as the spreadsheet numbers them (the header is row 1; a cell with a
    line break does not push the next row down), so an error names the row to fix."""
    if "\x00" in text:
        raise ImportFileError(
            _("This does not look like a CSV file (it contains binary data)."),
            code="import_not_csv",
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    line = 0
    try:
        for cells in reader:
            line += 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in cells)
                continue
            rows.append((line, tuple(cells)))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(count)d rows. Split it into smaller files.")
                    % {"count": MAX_ROWS},
                    code="import_too_large",
                )
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(line)d cannot be read as CSV: %(reason)s") % {"line": line + 1, "reason": exc},
            code="import_not_csv",
        ) from None
    if header is None:
        raise ImportFileError(_("The file is empty."), code="import_empty")
    if not any(header):
        raise ImportFileError(_("The first row must name the columns."), code="import_no_header")
    return Table(header=header, rows=tuple(rows))


# --- mapping ---------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def _normal(text: str) -> str:
    """A header cell compared loosely: NFKC, case-folded, without spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def guess_mapping(fields: Sequence[Field], header: Sequence[str]) -> dict[str, int | None]:
    """Each field's column index by its name, label or aliases (first match wins), else None.
    A column is given to one field at most."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        columns.setdefault(_normal(cell), index)
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for target in fields:
        mapping[target.name] = None
        for name in (target.name, str(target.label), *target.aliases):
            found = columns.get(_normal(name))
            if found is not None and found not in taken:
                mapping[target.name] = found
                taken.add(found)
                break
    return mapping


def mapping_from_choices(
    fields: Sequence[Field], header: Sequence[str], choices: Mapping[str, str]
) -> dict[str, int | None]:
    """A mapping from the mapping form's answers ({field name: column index as text, or ""})."""
    mapping: dict[str, int | None] = {}
    for target in fields:
        raw = (choices.get(target.name) or "").strip()
        index = int(raw) if raw.isdigit() else None
        mapping[target.name] = index if index is not None and index < len(header) else None
    return mapping


def check_mapping(fields: Sequence[Field], mapping: Mapping[str, int | None]) -> list[RowError]:
    """Every required field mapped, and no column used for two fields."""
    errors = []
    used: dict[int, str] = {}
    for target in fields:
        index = mapping.get(target.name)
        if index is None:
            if target.required:
                errors.append(
                    RowError(
                        0,
                        target.name,
                        _("Choose the column for “%(field)s”.") % {"field": target.label},
                    )
                )
            continue
        if index in used:
            errors.append(
                RowError(
                    0,
                    target.name,
                    _("One column cannot fill both “%(first)s” and “%(second)s”.")
                    % {"first": used[index], "second": target.label},
                )
            )
        used[index] = str(target.label)
    return errors


# --- checking and running ---------------------------------------------------------------------


# A lone sign or a signed number ("-", "+", "-3", "+82") starts like a formula but cannot run
# as one: sheets write "-" for "not done".
_HARMLESS = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?)?")


def clean_cell(text: str) -> tuple[str, bool]:
    """(the cell's text, whether it is safe): stripped; a leading apostrophe that escapes a
    formula character (how our own CSV exports write such cells) is removed. A cell that
    would run as a formula in a spreadsheet is not safe."""
    value = text.strip()
    if value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:], True
    return value, not looks_like_formula(value) or bool(_HARMLESS.fullmatch(value))


def check_rows(
    importer: Importer, table: Table, mapping: Mapping[str, int | None], result: ImportResult
) -> list[Row]:
    """The rows as the importer will see them; every problem found goes into `result`."""
    width = len(table.header)
    labels = {target.name: str(target.label) for target in importer.fields}
    required = [target.name for target in importer.fields if target.required]
    mapped = [(name, index) for name, index in mapping.items() if index is not None]
    seen: dict[Hashable, int] = {}
    rows: list[Row] = []
    for line, cells in table.rows:
        result.total += 1
        if len(cells) != width:
            result.add_error(
                RowError(
                    line,
                    "",
                    _("Expected %(expected)d cells like the header, found %(found)d.")
                    % {"expected": width, "found": len(cells)},
                )
            )
            continue
        values: dict[str, str] = {}
        row_ok = True
        for name, index in mapped:
            value, safe = clean_cell(cells[index])
            if not safe:
                result.add_error(
                    RowError(
                        line,
                        name,
                        _(
                            "“%(field)s” starts with %(char)s, which a spreadsheet would run as "
                            "a formula. Remove that character or put an apostrophe (') first."
                        )
                        % {"field": labels[name], "char": value[:1] or "="},
                    )
                )
                row_ok = False
            elif len(value) > MAX_CELL:
                result.add_error(RowError(line, name, _("This cell is too long.")))
                row_ok = False
            values[name] = value
        for name in required:
            if row_ok and not values.get(name):
                result.add_error(
                    RowError(line, name, _("“%(field)s” is empty.") % {"field": labels[name]})
                )
                row_ok = False
        if not row_ok:
            continue
        row = Row(line=line, values=values)
        key = importer.key(row)
        if key is not None:
            first = seen.setdefault(key, line)
            if first != line:
                result.add_error(
                    RowError(line, "", _("Same row as line %(line)d.") % {"line": first})
                )
                continue
        rows.append(row)
    return rows


def run_import(
    importer: Importer, table: Table, mapping: Mapping[str, int | None], *, commit: bool
) -> ImportResult:
    """Check and upsert every row, all or nothing. With `commit=False` (the preview) the same
    work runs and is rolled back, so the preview shows exactly what an import would do.

    Side effects: with `commit=True` and no errors, the importer's writes, in one transaction.
    """
    result = ImportResult()
    for error in check_mapping(importer.fields, mapping):
        result.add_error(error)
    if not result.ok:
        return result
    rows = check_rows(importer, table, mapping, result)
    if not result.ok:
        return result
    with transaction.atomic():
        importer.prepare(rows)
        for row in rows:
            try:
                result.add_outcome(importer.upsert(row))
            except RowProblem as problem:
                result.add_error(RowError(row.line, problem.field, problem.message))
            except (DatabaseError, ApplicationError) as exc:
                # The transaction may be unusable now (PostgreSQL aborts it): stop here.
                result.add_error(RowError(row.line, "", _error_text(exc)))
                break
        if result.ok:
            try:
                importer.finish()
            except (DatabaseError, ApplicationError) as exc:
                result.add_error(RowError(0, "", _error_text(exc)))
        result.committed = commit and result.ok
        if not result.committed:
            transaction.set_rollback(True)
    return result


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return _("The database refused this row (it conflicts with another one).")


# --- the uploaded file between the steps -----------------------------------------------------

UPLOAD_SECONDS = 3600
_UPLOAD_KEY = "trackers:csv-import:{token}"


@dataclass(frozen=True, slots=True)
class Upload:
    kind: str
    filename: str
    encoding: str
    table: Table


def stash_upload(*, user_id: int, scope: str, kind: str, filename: str, data: bytes) -> str:
    """Read an uploaded file (refusing what cannot be read) and keep its text for an hour,
    for the mapping and preview steps; the token to find it again.

    `scope` says what it is for (e.g. "coding:<cohort id>"): it is only found again by the
    same user, for the same scope. Side effect: one cache entry.
    """
    decoded = decode(data)
    read_table(decoded.text)
    token = get_random_string(24)
    cache.set(
        _UPLOAD_KEY.format(token=token),
        {
            "user": user_id,
            "scope": scope,
            "kind": kind,
            "filename": filename[:200],
            "encoding": decoded.encoding,
            "text": decoded.text,
        },
        UPLOAD_SECONDS,
    )
    return token


def load_upload(*, token: str, user_id: int, scope: str) -> Upload | None:
    """The stashed upload, when it exists, is this user's and is for this scope."""
    if not token.isalnum():
        return None
    stashed = cache.get(_UPLOAD_KEY.format(token=token))
    if not stashed or stashed.get("user") != user_id or stashed.get("scope") != scope:
        return None
    return Upload(
        kind=stashed["kind"],
        filename=stashed["filename"],
        encoding=stashed["encoding"],
        table=read_table(stashed["text"]),
    )


def drop_upload(*, token: str) -> None:
    """Forget an upload once imported (a second "Import" click then finds nothing)."""
    cache.delete(_UPLOAD_KEY.format(token=token))


def header_choices(header: Iterable[str]) -> list[tuple[str, str]]:
    """(column index, label) for the mapping form's selects, e.g. ("2", "C · 문제 번호")."""
    return [(str(index), f"{_column_letter(index)} · {cell}") for index, cell in enumerate(header)]


def _column_letter(index: int) -> str:
    """A, B, …, Z, AA, AB, … as a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
