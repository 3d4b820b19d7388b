"""Reading papers from pasted lists and BibTeX (sessions/reviews_import.py): pure, no network."""

from __future__ import annotations

import pytest

from sessions.reviews_import import (
    MAX_ENTRIES,
    TITLE_MAX,
    Entry,
    Problem,
    normalize_arxiv_id,
    parse_bibtex,
    parse_list,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1706.03762", "1706.03762"),
        ("1706.03762v5", "1706.03762"),
        ("arXiv:1810.04805", "1810.04805"),
        ("ARXIV: 2005.14165v4", "2005.14165"),
        ("https://arxiv.org/abs/1706.03762v2", "1706.03762"),
        ("https://arxiv.org/pdf/1706.03762.pdf", "1706.03762"),
        ("http://export.arxiv.org/abs/2010.11929", "2010.11929"),
        ("https://www.alphaxiv.org/abs/2303.08774", "2303.08774"),
        ("https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("CS.lg/0112017", "cs.LG/0112017"),
        ("https://openreview.net/forum?id=abc", ""),
        ("Attention Is All You Need", ""),
    ],
)
def test_normalize_arxiv_id_reads_ids_and_links(text, expected):
    assert normalize_arxiv_id(text) == expected


def test_parse_list_reads_ids_links_and_titles():
    text = """
    1. https://arxiv.org/abs/1706.03762v5
    - arXiv:1810.04805
    Deep Residual Learning - https://arxiv.org/pdf/1512.03385.pdf
    https://proceedings.mlr.press/v37/ioffe15.html Batch Normalization
    Dropout: A Simple Way to Prevent Neural Networks from Overfitting

    # a comment line
    """

    parsed = parse_list(text)

    assert parsed.entries == [
        Entry("arXiv:1706.03762", "https://arxiv.org/abs/1706.03762", "1706.03762", year=2017),
        Entry("arXiv:1810.04805", "https://arxiv.org/abs/1810.04805", "1810.04805", year=2018),
        Entry(
            "Deep Residual Learning",
            "https://arxiv.org/abs/1512.03385",
            "1512.03385",
            year=2015,
        ),
        Entry("Batch Normalization", "https://proceedings.mlr.press/v37/ioffe15.html"),
        Entry("Dropout: A Simple Way to Prevent Neural Networks from Overfitting"),
    ]
    assert parsed.problems == []


def test_parse_list_clips_long_titles_and_stops_at_the_limit():
    long_title = "x" * (TITLE_MAX + 50)
    text = "\n".join([long_title] + [f"paper {n}" for n in range(MAX_ENTRIES + 2)])

    parsed = parse_list(text)

    assert len(parsed.entries) == MAX_ENTRIES
    assert len(parsed.entries[0].title) == TITLE_MAX
    assert [problem.why for problem in parsed.problems] == ["too_many"] * 3


def test_parse_bibtex_reads_fields_strings_and_accents():
    text = r"""
    @string{neurips = "Advances in Neural Information Processing Systems"}
    @comment{this {is} ignored}
    @inproceedings{vaswani2017,
      title     = {Attention is {All} you Need},
      author    = {Vaswani, Ashish and Shazeer, Noam and others},
      booktitle = neurips,
      year      = {2017},
      keywords  = {transformers, attention; NLP},
      eprint    = {1706.03762v5},
      archivePrefix = {arXiv},
      abstract  = {The dominant sequence transduction models \ldots}
    }
    @article{scholkopf,
      title = "Sch{\"o}lkopf's kernels \& more --- a {\'e}tude",
      author = "Bernhard Sch\"{o}lkopf",
      journal = {JMLR}, year = 1998,
      doi = {10.5555/1234}
    }
    """

    parsed = parse_bibtex(text)

    assert parsed.entries == [
        Entry(
            title="Attention is All you Need",
            url="https://arxiv.org/abs/1706.03762",
            arxiv_id="1706.03762",
            authors="Ashish Vaswani, Noam Shazeer, et al.",
            venue="Advances in Neural Information Processing Systems",
            year=2017,
            tags=("transformers", "attention", "NLP"),
            abstract="The dominant sequence transduction models",
        ),
        Entry(
            title="Schölkopf's kernels & more \u2014 a étude",
            url="https://doi.org/10.5555/1234",
            authors="Bernhard Schölkopf",
            venue="JMLR",
            year=1998,
        ),
    ]
    assert parsed.problems == []


def test_parse_bibtex_reports_broken_entries_and_reads_the_rest():
    text = """@misc{broken, title={never closed
@misc{untitled, author={Someone}}
@article{fine, title={Fine}, year={2020}}
"""

    parsed = parse_bibtex(text)

    assert [entry.title for entry in parsed.entries] == ["Fine"]
    assert parsed.problems == [Problem(1, "misc", "unbalanced"), Problem(2, "misc", "no_title")]


def test_parse_bibtex_takes_the_arxiv_id_from_a_url_or_an_arxiv_journal():
    text = """@misc{a, title={A}, url={https://arxiv.org/abs/2106.09685}}
@article{b, title={B}, journal={arXiv preprint arXiv:2203.02155}}"""

    parsed = parse_bibtex(text)

    assert [(e.arxiv_id, e.url, e.year) for e in parsed.entries] == [
        ("2106.09685", "https://arxiv.org/abs/2106.09685", 2021),
        ("2203.02155", "https://arxiv.org/abs/2203.02155", 2022),
    ]
