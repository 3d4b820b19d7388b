"""Member Markdown is sanitised; CSV cells that would run as formulas are escaped."""

from __future__ import annotations

import pytest

from core.markdown import render_markdown
from core.spreadsheet import csv_lines, escape_cell


def test_render_markdown_escapes_raw_html_and_refuses_javascript_links() -> None:
    html = render_markdown("<script>alert(1)</script> [x](javascript:alert(1)) <img onerror=x>")

    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) "
        "&lt;img onerror=x&gt;</p>\n"
    )


def test_render_markdown_strips_unsafe_link_schemes_from_reference_links() -> None:
    html = render_markdown("[x][r]\n\n[r]: data:text/html;base64,PHNjcmlwdD4=")

    assert html == "<p>[x][r]</p>\n<p>[r]: data:text/html;base64,PHNjcmlwdD4=</p>\n"


def test_render_markdown_links_get_nofollow() -> None:
    html = render_markdown("[paper](https://arxiv.org/abs/1706.03762)")

    assert html == (
        '<p><a href="https://arxiv.org/abs/1706.03762" rel="nofollow noopener noreferrer">'
        "paper</a></p>\n"
    )


def test_render_markdown_keeps_korean_and_emphasis() -> None:
    assert render_markdown("**풀링**은 왜 쓸까요?") == "<p><strong>풀링</strong>은 왜 쓸까요?</p>\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (3, "3"),
    ],
)
def test_escape_cell_escapes_formula_starts(value: object, expected: str) -> None:
    assert escape_cell(value) == expected


def test_csv_lines_escape_every_cell_and_start_with_bom() -> None:
    lines = list(csv_lines(["name", "score"], [["=1+1", 3], ["김지우", None]]))

    assert lines == ["\ufeffname,score\r\n", "'=1+1,3\r\n", "김지우,\r\n"]
