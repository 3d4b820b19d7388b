"""CSV for spreadsheets: formula-safe cells and constant-memory streamed responses.

A cell that starts with = + - @ (or a tab / carriage return) is read as a formula by Excel,
Google Sheets and LibreOffice (CSV injection, OWASP). Such cells get a leading apostrophe,
which every spreadsheet shows as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> str:
    """One value as spreadsheet-safe text (None → empty)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def looks_like_formula(text: str) -> bool:
    """Whether an imported cell would run as a formula if written back to a sheet."""
    return text.startswith(FORMULA_PREFIXES)


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


# Rows per chunk of a streamed response: a few tens of kilobytes, so memory stays flat while
# the per-chunk cost (the generators, the encoding, the server's write) is paid rarely.
ROWS_PER_CHUNK = 256


def _is_plain(cell: Any) -> bool:
    """Whether csv.writer may write the cell as it is: text that cannot start a formula, a
    non-negative integer, or None (an empty cell)."""
    kind = type(cell)
    if kind is str:
        return not cell.startswith(FORMULA_PREFIXES)
    return cell is None or (kind is int and cell >= 0)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, one line at a time, every cell escaped (a UTF-8 BOM first for Excel)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        # Most cells are plain: only the others pay for escape_cell().
        yield writer.writerow([cell if _is_plain(cell) else escape_cell(cell) for cell in row])


def _chunks(lines: Iterable[str], size: int = ROWS_PER_CHUNK) -> Iterator[str]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download; pass an iterator (e.g. queryset.values_list().iterator())."""
    response = StreamingHttpResponse(
        _chunks(csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
