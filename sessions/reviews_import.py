"""Reading papers out of pasted text: a list of URLs or arXiv ids, or a BibTeX file.

Pure module (no Django, no network): it parses what it is given and never fetches anything.
An arXiv id is normalised ("arXiv:1706.03762v5", "https://arxiv.org/pdf/1706.03762.pdf" →
"1706.03762") so a paper pasted twice is recognised. Values are clipped to the lengths the
paper pool stores.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

TITLE_MAX = 300
URL_MAX = 500
AUTHORS_MAX = 1000
VENUE_MAX = 200
ABSTRACT_MAX = 10000
TAG_MAX = 40
TAGS_MAX = 12
MAX_ENTRIES = 300
MAX_TEXT = 1_000_000

# New-style ids (0704.0001 onwards: YYMM.NNNN or YYMM.NNNNN) and old-style (archive/YYMMNNN).
_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})"
_OLD_ID = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v\d+)?"
_BARE_ID = re.compile(rf"^(?:arxiv:\s*)?(?:{_NEW_ID}|{_OLD_ID}){_VERSION}$", re.IGNORECASE)
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?(?:arxiv\.org|ar5iv\.(?:labs\.arxiv\.)?org|alphaxiv\.org)/"
    rf"(?:abs|pdf|html)/(?:{_NEW_ID}|{_OLD_ID}){_VERSION}(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_LIST_MARK = re.compile(r"^(?:[-*+•]|\d+[.)])\s+")
_SEPARATORS = " \t-\u2013\u2014|:\u00b7,;"  # dashes, bars, colons and dots around a link


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper read from the text (only the title is always there)."""

    title: str
    url: str = ""
    arxiv_id: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    tags: tuple[str, ...] = ()
    abstract: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """A line (list) or entry (BibTeX), counted from 1, that could not be read, and why."""

    where: int
    text: str
    why: str  # "no_title", "too_many", "unbalanced", "not_an_entry"


@dataclass(slots=True)
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def normalize_arxiv_id(text: str) -> str:
    """The arXiv id in an id or an arXiv link, without its version; "" when it is neither."""
    text = text.strip().rstrip(".,;)")
    match = _BARE_ID.match(text) or _ARXIV_URL.match(text)
    if match is None:
        return ""
    if match.group("new"):
        return match.group("new")
    archive, number = match.group("old").split("/")
    name, _dot, subject = archive.partition(".")
    # "math.GT/0309136": the archive in lower case, its subject class in upper case.
    return f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv id was issued (from its YYMM part)."""
    digits = arxiv_id.split("/")[-1][:2]
    if not digits.isdigit():
        return None
    year = int(digits)
    return 2000 + year if year < 91 else 1900 + year


def _entry_for_link(link: str, title: str) -> Entry:
    arxiv_id = normalize_arxiv_id(link)
    if arxiv_id:
        return Entry(
            title=_clip(title, TITLE_MAX) or f"arXiv:{arxiv_id}",
            url=arxiv_url(arxiv_id),
            arxiv_id=arxiv_id,
            year=arxiv_year(arxiv_id),
        )
    url = link.rstrip(".,;)")
    fallback = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    return Entry(
        title=_clip(title, TITLE_MAX) or _clip(fallback, TITLE_MAX),
        url=url if len(url) <= URL_MAX else "",
    )


def parse_list(text: str) -> Parsed:
    """One paper per line: an arXiv id, a link, or a title with a link before or after it
    ("Attention Is All You Need - https://arxiv.org/abs/1706.03762"); a line with neither
    is taken as a title. List bullets and numbers are ignored; blank lines are skipped."""
    parsed = Parsed()
    for number, raw in enumerate(text[:MAX_TEXT].splitlines(), start=1):
        line = _LIST_MARK.sub("", raw.strip())
        if not line or line.startswith("#"):
            continue
        if len(parsed.entries) >= MAX_ENTRIES:
            parsed.problems.append(Problem(number, _clip(line, 80), "too_many"))
            continue
        arxiv_id = normalize_arxiv_id(line)
        if arxiv_id:
            parsed.entries.append(_entry_for_link(line, ""))
            continue
        match = _URL.search(line)
        if match is not None:
            title = (line[: match.start()] + " " + line[match.end() :]).strip(_SEPARATORS)
            parsed.entries.append(_entry_for_link(match.group(0), title))
            continue
        title = _clip(line.strip(_SEPARATORS), TITLE_MAX)
        if not title:
            parsed.problems.append(Problem(number, _clip(line, 80), "no_title"))
            continue
        parsed.entries.append(Entry(title=title))
    return parsed


# --- BibTeX ----------------------------------------------------------------------------------

_LATEX_COMMANDS = {
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
    "---": "\u2014",  # em dash
    "--": "\u2013",  # en dash
    "~": " ",
}
# \'e, \'{e}, {\"o}; letter accents (\c c, \v{r}) need a space or a brace, so \cite stays.
_ACCENT = re.compile(r"\\(?:([`'^\"~=.])\s*|([uvHckr])(?:\s+|(?=\{)))\{?([A-Za-z])\}?")
# LaTeX accent commands as Unicode combining marks (\"{o} → ö once composed).
_COMBINING = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "r": "\u030a",
    "H": "\u030b",
    "v": "\u030c",
    "c": "\u0327",
    "k": "\u0328",
}
_COMMAND_WITH_ARGUMENT = re.compile(r"\\(?:emph|textit|textbf|textsc|texttt|mathrm|text)\s*")
_COMMAND = re.compile(r"\\[A-Za-z]+\s*")


def _detex(value: str) -> str:
    """BibTeX text as plain text: accents, braces and the common escapes removed."""
    value = _ACCENT.sub(lambda m: m.group(3) + _COMBINING[m.group(1) or m.group(2)], value)
    value = _COMMAND_WITH_ARGUMENT.sub("", value)
    for command, plain in _LATEX_COMMANDS.items():
        value = value.replace(command, plain)
    value = _COMMAND.sub("", value)
    value = unicodedata.normalize("NFC", value.replace("{", "").replace("}", ""))
    return " ".join(value.split())


class _Unbalanced(ValueError):
    pass


class _Reader:
    """A cursor over BibTeX text: @type{key, name = value # value, ...}."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def word(self) -> str:
        self.skip_space()
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "_-:.+/'"
        ):
            self.pos += 1
        return self.text[start : self.pos]

    def braced(self) -> str:
        """The text between a `{` at the cursor and its matching `}`."""
        depth, start = 0, self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return self.text[start + 1 : self.pos - 1]
            self.pos += 1
        raise _Unbalanced

    def quoted(self) -> str:
        depth, start = 0, self.pos
        self.pos += 1
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth == 0:
                self.pos += 1
                return self.text[start + 1 : self.pos - 1]
            self.pos += 1
        raise _Unbalanced

    def value(self, strings: dict[str, str]) -> str:
        parts = []
        while True:
            self.skip_space()
            char = self.peek()
            if char == "{":
                parts.append(self.braced())
            elif char == '"':
                parts.append(self.quoted())
            else:
                token = self.word()
                if not token:
                    break
                parts.append(strings.get(token.lower(), token))
            self.skip_space()
            if self.peek() != "#":
                break
            self.pos += 1
        return "".join(parts)


_MONTHS = {
    m: m.capitalize()
    for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
}


def _authors(value: str) -> str:
    """ "Vaswani, Ashish and Shazeer, Noam" → "Ashish Vaswani, Noam Shazeer"."""
    names = []
    for raw in re.split(r"\s+and\s+", _detex(value)):
        name = raw.strip()
        if name.lower() == "others":
            names.append("et al.")
            continue
        if "," in name:
            last, _sep, first = name.partition(",")
            name = f"{first.strip()} {last.strip()}".strip()
        if name:
            names.append(name)
    return ", ".join(names)


def _tags(value: str) -> tuple[str, ...]:
    tags = [_clip(_detex(tag), TAG_MAX) for tag in re.split(r"[,;]", value)]
    return tuple(dict.fromkeys(tag for tag in tags if tag))[:TAGS_MAX]


def _year(value: str) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", value)
    return int(match.group(1)) if match else None


def _entry(fields: dict[str, str]) -> Entry | None:
    title = _clip(_detex(fields.get("title", "")), TITLE_MAX)
    if not title:
        return None
    arxiv_id = ""
    eprint = fields.get("eprint", "").strip()
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).strip().lower()
    if eprint and (prefix == "arxiv" or not prefix):
        arxiv_id = normalize_arxiv_id(eprint)
    url = fields.get("url", "").strip()
    if not arxiv_id and url:
        arxiv_id = normalize_arxiv_id(url)
    journal = fields.get("journal", "")
    if not arxiv_id and re.match(r"(?i)arxiv", journal):
        found = re.search(r"(\d{4}\.\d{4,5})", journal)
        arxiv_id = found.group(1) if found else ""
    doi = fields.get("doi", "").strip()
    if not url:
        url = arxiv_url(arxiv_id) if arxiv_id else (f"https://doi.org/{doi}" if doi else "")
    if not re.match(r"(?i)^https?://", url) or len(url) > URL_MAX:
        url = arxiv_url(arxiv_id) if arxiv_id else ""
    venue = fields.get("booktitle") or journal or fields.get("publisher", "")
    year = _year(fields.get("year", "")) or (arxiv_year(arxiv_id) if arxiv_id else None)
    return Entry(
        title=title,
        url=url,
        arxiv_id=arxiv_id,
        authors=_clip(_authors(fields.get("author", "")), AUTHORS_MAX),
        venue=_clip(_detex(venue), VENUE_MAX),
        year=year,
        tags=_tags(fields.get("keywords", "")),
        abstract=_detex(fields.get("abstract", ""))[:ABSTRACT_MAX],
    )


def parse_bibtex(text: str) -> Parsed:
    """Every @article, @inproceedings, @misc … entry with a title. @string macros are
    expanded; @comment and @preamble are skipped; an entry that cannot be read is reported
    and the rest are still read."""
    parsed = Parsed()
    reader = _Reader(text[:MAX_TEXT])
    strings: dict[str, str] = dict(_MONTHS)
    number = 0
    while True:
        at = reader.text.find("@", reader.pos)
        if at < 0:
            break
        reader.pos = at + 1
        kind = reader.word().lower()
        reader.skip_space()
        if reader.peek() not in "{(" or not kind:
            continue
        if kind in {"comment", "preamble"}:
            if reader.peek() == "{":
                try:
                    reader.braced()
                except _Unbalanced:
                    break
            continue
        number += 1
        closing = "}" if reader.peek() == "{" else ")"
        reader.pos += 1
        try:
            fields: dict[str, str] = {}
            if kind == "string":
                name = reader.word().lower()
                reader.skip_space()
                if reader.peek() == "=":
                    reader.pos += 1
                    strings[name] = reader.value(strings)
                number -= 1
                continue
            reader.word()  # the citation key
            reader.skip_space()
            if reader.peek() == ",":
                reader.pos += 1
            while True:
                reader.skip_space()
                if reader.peek() in (closing, ""):
                    reader.pos += 1
                    break
                name = reader.word().lower()
                reader.skip_space()
                if not name or reader.peek() != "=":
                    raise _Unbalanced
                reader.pos += 1
                fields[name] = reader.value(strings)
                reader.skip_space()
                if reader.peek() == ",":
                    reader.pos += 1
        except _Unbalanced:
            parsed.problems.append(Problem(number, kind, "unbalanced"))
            # Resume at the next line that starts an entry.
            following = reader.text.find("\n@", at + 1)
            reader.pos = following + 1 if following >= 0 else len(reader.text)
            continue
        if len(parsed.entries) >= MAX_ENTRIES:
            parsed.problems.append(Problem(number, kind, "too_many"))
            continue
        entry = _entry(fields)
        if entry is None:
            parsed.problems.append(Problem(number, kind, "no_title"))
            continue
        parsed.entries.append(entry)
    return parsed
