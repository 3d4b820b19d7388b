"""Mirror Labmate boards into Notion databases and keep them in step with the changes feed.

One row (page) per Labmate object, found again by its "Labmate ID" column: created when new,
updated when changed, moved to Notion's trash when deleted in Labmate. The first run lists
each board in full; every later run reads only GET /api/v1/changes/ from the cursor it saved,
so it resumes where it stopped, even mid-way (a page of changes applied twice is harmless).
Requests to Notion are paced to three a second (Notion's average limit), and a 429 from
either side is retried after its Retry-After.

    export LABMATE_TOKEN=lm_...   # a read token, best limited to your lab
    export NOTION_TOKEN=ntn_...   # an internal integration, connected to the databases
    python contrib/notion_sync.py --config notion-sync.json --setup   # once: add the columns
    python contrib/notion_sync.py --config notion-sync.json           # then from cron
    python contrib/notion_sync.py --config notion-sync.json --watch 300

notion-sync.json:
    {"labmate_url": "https://labmate.example.org",
     "state_file": "notion-sync-state.json",
     "databases": {"slot": "<Notion database id>", "meeting": "<Notion database id>"}}

Types: slot, meeting, paper, review_assignment, problem, solve, question (see BOARDS). Runs
on the standard library, httpx and notion-client (pip install notion-client).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from notion_client import APIErrorCode, APIResponseError, Client

log = logging.getLogger("notion_sync")

LABMATE_ID = "Labmate ID"
LABMATE_URL = "Labmate link"
NOTION_REQUESTS_PER_SECOND = 3.0
TEXT_LIMIT = 2000  # Notion's limit for one rich text item

type Value = Callable[[Mapping[str, Any]], Any]


# --- What each board looks like in Notion ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # rich_text, number, url, date, select, checkbox
    value: Value


@dataclass(frozen=True)
class Board:
    resource: str  # the API list: /api/v1/<resource>/
    title: Value
    columns: tuple[Column, ...] = ()


def _get(name: str) -> Value:
    return lambda obj: obj.get(name)


def _names(name: str) -> Value:
    return lambda obj: ", ".join(p.get("display_name", "") for p in obj.get(name) or [])


BOARDS: dict[str, Board] = {
    "slot": Board(
        "slots",
        title=_get("title"),
        columns=(
            Column("Meeting", "number", _get("meeting")),
            Column("Track", "select", _get("kind")),
            Column("Presenters", "rich_text", _names("presenters")),
            Column("Capacity", "number", _get("capacity")),
            Column("Materials", "url", _get("materials_url")),
        ),
    ),
    "meeting": Board(
        "meetings",
        title=lambda m: m.get("title") or f"#{m.get('number')}",
        columns=(
            Column("Number", "number", _get("number")),
            Column("Starts", "date", _get("starts_at")),
            Column("Ends", "date", _get("ends_at")),
            Column("Status", "select", _get("status")),
            Column("Online link", "url", _get("online_url")),
        ),
    ),
    "paper": Board(
        "papers",
        title=_get("title"),
        columns=(
            Column("Link", "url", _get("link")),
            Column("Authors", "rich_text", _get("authors")),
            Column("Status", "select", _get("status")),
            Column("Write-up", "url", _get("writeup_url")),
        ),
    ),
    "review_assignment": Board(
        "review-assignments",
        title=lambda r: r.get("reviewer_name") or str(r.get("reviewer")),
        columns=(
            Column("Paper", "number", _get("paper")),
            Column("Status", "select", _get("status")),
            Column("Due", "date", _get("due_at")),
            Column("Write-up", "url", _get("writeup_url")),
        ),
    ),
    "problem": Board(
        "problems",
        title=_get("title"),
        columns=(
            Column("Week", "number", _get("week")),
            Column("Platform", "select", _get("platform")),
            Column("Number", "rich_text", _get("number")),
            Column("Link", "url", _get("link")),
        ),
    ),
    "solve": Board(
        "solves",
        title=lambda s: f"{s.get('display_name', '')} · {s.get('problem')}",
        columns=(
            Column("Problem", "number", _get("problem")),
            Column("Member", "rich_text", _get("display_name")),
            Column("Status", "select", _get("status")),
            Column("Presented", "checkbox", _get("presented")),
            Column("Solution", "url", _get("solution_url")),
        ),
    ),
    "question": Board(
        "questions",
        title=_get("text"),
        columns=(
            Column("Week", "number", _get("week")),
            Column("Topic", "rich_text", _get("topic_title")),
            Column("Author", "rich_text", _get("author_name")),
        ),
    ),
}


def _text(value: Any) -> list[dict[str, Any]]:
    text = "" if value is None else str(value)
    return [{"type": "text", "text": {"content": text[:TEXT_LIMIT]}}] if text else []


def property_value(kind: str, value: Any) -> dict[str, Any]:
    """A Notion property value of `kind` for a Labmate value (None or "" clears it)."""
    empty = value is None or value == ""
    match kind:
        case "title":
            return {"title": _text(value)}
        case "rich_text":
            return {"rich_text": _text(value)}
        case "number":
            return {"number": None if empty else value}
        case "url":
            return {"url": None if empty else str(value)}
        case "date":
            return {"date": None if empty else {"start": str(value)}}
        case "select":
            # Notion refuses commas in option names.
            return {"select": None if empty else {"name": str(value).replace(",", " ")[:100]}}
        case "checkbox":
            return {"checkbox": bool(value)}
    raise ValueError(f"unknown column kind {kind!r}")


def page_properties(board: Board, title_name: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    properties = {
        title_name: property_value("title", board.title(obj)),
        LABMATE_ID: property_value("number", obj["id"]),
        LABMATE_URL: property_value("url", obj.get("url")),
    }
    for column in board.columns:
        properties[column.name] = property_value(column.kind, column.value(obj))
    return properties


# --- Pacing ---------------------------------------------------------------------------------


class Pacer:
    """At most `rate` requests a second, evenly spaced (an httpx request hook, so Notion's
    own retries are paced too)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self.next_at = 0.0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> None:
        with self.lock:
            now = self.clock()
            wait = self.next_at - now
            if wait > 0:
                time.sleep(wait)
                now += wait
            self.next_at = now + self.interval


# --- Labmate ----------------------------------------------------------------------------------


class LabmateClient:
    """GETs against the Labmate API with a personal token; waits out a 429's Retry-After."""

    def __init__(self, base_url: str, token: str, *, retries: int = 5) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=30,
        )
        self.retries = retries

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        for _attempt in range(self.retries + 1):
            response = self.http.get(path_or_url, params=params)
            if response.status_code != 429:
                response.raise_for_status()
                return response.json()
            delay = float(response.headers.get("Retry-After", "1"))
            log.info("Labmate throttled us; waiting %.0f s", delay)
            time.sleep(delay)
        response.raise_for_status()
        raise RuntimeError("unreachable")

    def list_all(self, resource: str) -> Iterator[dict[str, Any]]:
        """Every object of a list, following `next` (cursor pagination, 500 a page)."""
        page = self.get(f"{resource}/", {"page_size": 500})
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.get(page["next"])

    def changes(self, since: str | None, page_size: int = 100) -> dict[str, Any]:
        params: dict[str, Any] = {"page_size": page_size}
        if since:
            params["since"] = since
        result: dict[str, Any] = self.get("changes/", params)
        return result

    def close(self) -> None:
        self.http.close()


# --- Notion -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One configured Notion database: its data source and the name of its title column."""

    board: Board
    data_source_id: str
    title_name: str


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    trashed: int = 0
    skipped: int = 0


@dataclass
class State:
    """What a run leaves for the next: the feed cursor and the page of each object."""

    path: Path
    cursor: str | None = None
    pages: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text())
        return cls(path, cursor=data.get("cursor"), pages=dict(data.get("pages", {})))

    def save(self) -> None:
        """Atomically: a crash leaves the old state or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"cursor": self.cursor, "pages": self.pages}, indent=1)
        with tempfile.NamedTemporaryFile(
            "w", dir=self.path.parent, delete=False, suffix=".tmp"
        ) as handle:
            handle.write(payload)
        os.replace(handle.name, self.path)


class NotionMirror:
    def __init__(self, notion: Client, databases: Mapping[str, str]) -> None:
        self.notion = notion
        self.targets: dict[str, Target] = {}
        self._missing: dict[str, dict[str, Any]] = {}
        for kind, database_id in databases.items():
            board = BOARDS.get(kind)
            if board is None:
                raise SystemExit(f"No board named {kind!r}; choose from {', '.join(BOARDS)}.")
            database = self.notion.databases.retrieve(database_id=database_id)
            assert isinstance(database, dict)
            data_source_id = database["data_sources"][0]["id"]
            source = self.notion.data_sources.retrieve(data_source_id=data_source_id)
            assert isinstance(source, dict)
            title_name = next(
                name for name, spec in source["properties"].items() if spec["type"] == "title"
            )
            self.targets[kind] = Target(board, data_source_id, title_name)
            self._missing[kind] = self._missing_columns(board, source["properties"])

    @staticmethod
    def _missing_columns(board: Board, existing: Mapping[str, Any]) -> dict[str, Any]:
        wanted = {LABMATE_ID: "number", LABMATE_URL: "url"}
        wanted.update({column.name: column.kind for column in board.columns})
        return {name: {kind: {}} for name, kind in wanted.items() if name not in existing}

    def setup(self) -> list[str]:
        """Add the columns each database lacks; returns what was added."""
        added = []
        for kind, target in self.targets.items():
            missing = self._missing.get(kind) or {}
            if missing:
                self.notion.data_sources.update(
                    data_source_id=target.data_source_id, properties=missing
                )
                added += [f"{kind}: {name}" for name in missing]
                self._missing[kind] = {}
        return added

    def check_columns(self) -> None:
        for kind, missing in self._missing.items():
            if missing:
                names = ", ".join(missing)
                raise SystemExit(f"The {kind} database lacks {names}: run once with --setup.")

    def _find(self, target: Target, object_id: int) -> str | None:
        found = self.notion.data_sources.query(
            data_source_id=target.data_source_id,
            filter={"property": LABMATE_ID, "number": {"equals": object_id}},
            page_size=1,
        )
        assert isinstance(found, dict)
        results = found.get("results") or []
        return str(results[0]["id"]) if results else None

    def upsert(self, kind: str, obj: Mapping[str, Any], state: State, report: Report) -> None:
        target = self.targets[kind]
        key = f"{kind}:{obj['id']}"
        properties = page_properties(target.board, target.title_name, obj)
        page_id = state.pages.get(key) or self._find(target, obj["id"])
        if page_id is not None:
            try:
                self.notion.pages.update(page_id=page_id, properties=properties, in_trash=False)
            except APIResponseError as error:
                if error.code != APIErrorCode.ObjectNotFound:
                    raise
                page_id = None  # deleted in Notion meanwhile: make it again
            else:
                state.pages[key] = page_id
                report.updated += 1
                return
        parent = {"type": "data_source_id", "data_source_id": target.data_source_id}
        page = self.notion.pages.create(parent=parent, properties=properties)
        assert isinstance(page, dict)
        state.pages[key] = str(page["id"])
        report.created += 1

    def trash(self, kind: str, object_id: int, state: State, report: Report) -> None:
        key = f"{kind}:{object_id}"
        page_id = state.pages.pop(key, None) or self._find(self.targets[kind], object_id)
        if page_id is None:
            report.skipped += 1
            return
        try:
            self.notion.pages.update(page_id=page_id, in_trash=True)
        except APIResponseError as error:
            if error.code != APIErrorCode.ObjectNotFound:
                raise
        report.trashed += 1


# --- The run ----------------------------------------------------------------------------------


def notion_client(token: str, *, base_url: str | None = None, rate: float = 3.0) -> Client:
    """The official client, on an httpx client paced to `rate` requests a second."""
    http = httpx.Client(event_hooks={"request": [Pacer(rate)]})
    options: dict[str, Any] = {"auth": token}
    if base_url:
        options["base_url"] = base_url
    return Client(options, client=http)


def sync_once(labmate: LabmateClient, mirror: NotionMirror, state: State) -> Report:
    """Bring the Notion databases up to date; save the state after every page of changes."""
    report = Report()
    if state.cursor is None:
        # A cursor first, then the lists: whatever changes while we list comes again from
        # the feed (and an upsert twice is harmless), so nothing falls in between.
        state.cursor = labmate.changes("now", page_size=1)["next_cursor"]
        for kind, target in mirror.targets.items():
            for obj in labmate.list_all(target.board.resource):
                mirror.upsert(kind, obj, state, report)
        state.save()
    while True:
        page = labmate.changes(state.cursor)
        for change in page["results"]:
            kind = change["type"]
            if kind not in mirror.targets:
                continue
            if change["op"] == "delete" or change["object"] is None:
                mirror.trash(kind, change["id"], state, report)
            else:
                mirror.upsert(kind, change["object"], state, report)
        state.cursor = page["next_cursor"]
        state.save()
        if not page["has_more"]:
            return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--setup", action="store_true", help="Add missing columns, then sync.")
    parser.add_argument("--watch", type=float, metavar="SECONDS", help="Sync again every N s.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    config = json.loads(args.config.read_text())
    labmate = LabmateClient(config["labmate_url"], os.environ["LABMATE_TOKEN"])
    notion = notion_client(
        os.environ["NOTION_TOKEN"],
        base_url=config.get("notion_url"),
        rate=float(config.get("notion_requests_per_second", NOTION_REQUESTS_PER_SECOND)),
    )
    mirror = NotionMirror(notion, config["databases"])
    if args.setup:
        for added in mirror.setup():
            log.info("added column %s", added)
    mirror.check_columns()
    state_path = Path(config.get("state_file", "notion-sync-state.json"))
    try:
        while True:
            state = State.load(state_path)
            report = sync_once(labmate, mirror, state)
            log.info(
                "created %d, updated %d, trashed %d", report.created, report.updated, report.trashed
            )
            if not args.watch:
                return 0
            time.sleep(args.watch)
    finally:
        labmate.close()


if __name__ == "__main__":
    sys.exit(main())
