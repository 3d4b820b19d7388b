"""Chromium opens the login page with its styles and scripts, and CSP blocks nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_page_loads_in_chromium_without_console_errors(page: Page):
    errors: list[str] = []
    statuses: dict[str, int] = {}
    page.on("console", lambda message: _keep_error(message, errors))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: _keep_static(response, statuses))

    page.goto("/accounts/login/", wait_until="load")

    assert "Labmate" in page.title()
    assert statuses == {
        "/static/css/labmate.css": 200,
        "/static/django_htmx/htmx-2.min.js": 200,
    }
    assert page.evaluate("typeof window.htmx") == "object"
    assert errors == [], "\n".join(errors)


def _keep_error(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(message.text)


def _keep_static(response: Response, statuses: dict[str, int]) -> None:
    path = "/" + response.url.split("/", 3)[3]
    if path.startswith("/static/"):
        statuses[path] = response.status
