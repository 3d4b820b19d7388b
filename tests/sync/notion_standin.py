"""A local stand-in for the parts of Notion's API that contrib/notion_sync.py uses, served on
127.0.0.1: databases with one data source, its columns, querying by a number column, pages
created, updated and trashed. It checks what a real Notion would refuse (a missing token or
version header, a column that does not exist, a value of the wrong type) and can answer 429
(with Retry-After) or 500 on demand. Every request is recorded with its time."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "ntn_standin_secret"


@dataclass
class Recorded:
    at: float
    method: str
    path: str
    status: int = 0


@dataclass
class NotionStandIn:
    databases: dict[str, str] = field(default_factory=dict)  # database id -> data source id
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> properties
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    throttle_next: int = 0  # answer the next N requests with 429
    fail_page_writes_after: int | None = None  # a 500 once this many page writes succeeded
    page_writes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_database(self, name: str) -> str:
        database_id, source_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.databases[database_id] = source_id
        self.sources[source_id] = {"Name": {"id": "title", "name": "Name", "type": "title"}}
        self.sources[source_id]["Name"]["title"] = {}
        return database_id

    def live_pages(self, database_id: str) -> list[dict[str, Any]]:
        source = self.databases[database_id]
        return [
            page
            for page in self.pages.values()
            if page["parent"]["data_source_id"] == source and not page["in_trash"]
        ]

    # --- request handling -------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, Any, dict]:
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "unauthorized", "API token is invalid.")
        if not headers.get("Notion-Version"):
            return _error(400, "missing_version", "Notion-Version header failed validation.")
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                status, payload, extra = _error(429, "rate_limited", "Rate limited.")
                return status, payload, {**extra, "Retry-After": "1"}
            return self._route(method, path, body or {})

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any, dict]:
        if match := re.fullmatch(r"/v1/databases/([\w-]+)", path):
            source = self.databases.get(match[1])
            if method != "GET" or source is None:
                return _error(404, "object_not_found", "Could not find database.")
            return 200, {"object": "database", "id": match[1], "data_sources": [{"id": source}]}, {}
        if match := re.fullmatch(r"/v1/data_sources/([\w-]+)(/query)?", path):
            properties = self.sources.get(match[1])
            if properties is None:
                return _error(404, "object_not_found", "Could not find data source.")
            if match[2] and method == "POST":
                return 200, self._query(match[1], body), {}
            if method == "PATCH":
                for name, spec in body.get("properties", {}).items():
                    (kind,) = spec
                    properties[name] = {"id": name, "name": name, "type": kind, kind: {}}
            return 200, {"object": "data_source", "id": match[1], "properties": properties}, {}
        if path == "/v1/pages" and method == "POST":
            return self._write_page(None, body)
        if (match := re.fullmatch(r"/v1/pages/([\w-]+)", path)) and method == "PATCH":
            if match[1] not in self.pages:
                return _error(404, "object_not_found", "Could not find page.")
            return self._write_page(match[1], body)
        return _error(404, "invalid_request_url", "Invalid request URL.")

    def _query(self, source: str, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("filter", {})
        results = []
        for page in self.pages.values():
            if page["parent"]["data_source_id"] != source or page["in_trash"]:
                continue
            value = page["properties"].get(wanted.get("property"), {}).get("number")
            if value == wanted.get("number", {}).get("equals"):
                results.append(page)
        return {"object": "list", "results": results[: body.get("page_size", 100)]}

    def _write_page(self, page_id: str | None, body: dict[str, Any]) -> tuple[int, Any, dict]:
        failing = self.fail_page_writes_after
        if failing is not None and self.page_writes >= failing:
            self.fail_page_writes_after = None
            return _error(500, "internal_server_error", "Unexpected error.")
        page = self.pages.get(page_id) if page_id else None
        source = (page or body)["parent"]["data_source_id"]
        schema = self.sources[source]
        for name, value in body.get("properties", {}).items():
            column = schema.get(name)
            if column is None:
                return _error(400, "validation_error", f"{name} is not a property that exists.")
            if list(value) != [column["type"]]:
                return _error(
                    400, "validation_error", f"{name} is expected to be {column['type']}."
                )
        if page is None:
            page_id = str(uuid.uuid4())
            page = {"object": "page", "id": page_id, "parent": body["parent"], "properties": {}}
            page["in_trash"] = False
            self.pages[page_id] = page
        page["properties"].update(body.get("properties", {}))
        if "in_trash" in body:
            page["in_trash"] = bool(body["in_trash"])
        self.page_writes += 1
        return 200, page, {}


def _error(status: int, code: str, message: str) -> tuple[int, Any, dict]:
    return status, {"object": "error", "status": status, "code": code, "message": message}, {}


def serve(standin: NotionStandIn) -> tuple[ThreadingHTTPServer, str]:
    """Start the stand-in on a free port of 127.0.0.1; returns the server and its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            record = Recorded(time.monotonic(), self.command, self.path)
            standin.requests.append(record)
            status, payload, extra = standin.handle(
                self.command, self.path.split("?")[0], self.headers, json.loads(raw or b"{}")
            )
            record.status = status
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}"
