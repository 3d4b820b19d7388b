"""OpenAPI schema (valid, no warnings, errors documented) and the docs page (local assets, CSP)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("api_cache")

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
FOUNDATION_PATHS = {
    "/api/v1/labs/",
    "/api/v1/labs/{id}/",
    "/api/v1/cohorts/",
    "/api/v1/cohorts/{id}/",
    "/api/v1/cohorts/{id}/roll-over/",
    "/api/v1/memberships/",
    "/api/v1/memberships/{id}/",
    "/api/v1/invitations/",
    "/api/v1/invitations/{id}/",
    "/api/v1/invitations/{id}/revoke/",
    "/api/v1/invitations/accept/",
    "/api/v1/me/tokens/",
    "/api/v1/me/tokens/{id}/",
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    """The schema as `manage.py spectacular --validate --fail-on-warn` writes it."""
    path = tmp_path_factory.mktemp("schema") / "openapi.json"
    with django_db_blocker.unblock():
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--format",
            "openapi-json",
            "--lang",
            "en",
            "--file",
            str(path),
        )
    return json.loads(path.read_text())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_is_valid_without_warnings_and_has_every_endpoint(schema):
    assert set(schema["paths"]) >= FOUNDATION_PATHS


def test_schema_documents_errors_with_one_component_everywhere(schema):
    missing = []
    for path, method, operation in operations(schema):
        expected = {"401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if method in {"post", "put", "patch", "delete"}:
            expected |= {"400", "409"}
        for code in sorted(expected):
            content = operation["responses"].get(code, {}).get("content", {})
            if content.get("application/json", {}).get("schema") != ERROR_REF:
                missing.append(f"{method.upper()} {path} {code}")

    assert missing == []


def test_schema_error_component_has_the_error_shape(schema):
    components = schema["components"]["schemas"]

    assert components["ErrorResponse"]["properties"] == {
        "error": {"$ref": "#/components/schemas/ErrorDetail"}
    }
    assert components["ErrorResponse"]["required"] == ["error"]
    assert set(components["ErrorDetail"]["properties"]) == {"code", "message", "fields"}
    assert components["ErrorDetail"]["required"] == ["code", "message"]


def test_schema_announces_retry_after_on_429(schema):
    operation = schema["paths"]["/api/v1/labs/"]["get"]

    assert operation["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_schema_custom_actions_have_request_and_response_bodies(schema):
    roll_over = schema["paths"]["/api/v1/cohorts/{id}/roll-over/"]["post"]
    accept = schema["paths"]["/api/v1/invitations/accept/"]["post"]
    create_token = schema["paths"]["/api/v1/me/tokens/"]["post"]

    def body(operation, code):
        return operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]

    def request(operation):
        return operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]

    assert (request(roll_over), body(roll_over, "201")) == (
        "#/components/schemas/CohortRollOverRequest",
        "#/components/schemas/Cohort",
    )
    assert (request(accept), body(accept, "201")) == (
        "#/components/schemas/InvitationAcceptRequest",
        "#/components/schemas/Membership",
    )
    assert body(create_token, "201") == "#/components/schemas/ApiTokenCreated"


def test_schema_describes_bearer_token_auth(schema):
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]

    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_schema_endpoint_serves_the_schema(client):
    response = client.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    assert set(response.json()["paths"]) >= FOUNDATION_PATHS


class AssetCollector(HTMLParser):
    """Collects what a page loads, and any inline script or style it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.stylesheets: list[str] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes.get("src"))
            self._open = "script"
        elif tag == "style":
            self._open = "style"
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(self._open)


@pytest.fixture
def docs_page(db, client):
    response = client.get(reverse("api-docs"))
    collector = AssetCollector()
    collector.feed(response.content.decode())
    return response, collector


def test_docs_page_loads_only_local_assets(docs_page):
    response, page = docs_page

    assert response.status_code == 200
    assert page.scripts == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "/api/docs/?script=",
    ]
    assert page.stylesheets == ["/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"]
    assert "http://" not in response.content.decode()
    assert "https://" not in response.content.decode()


def test_docs_page_assets_are_shipped(docs_page):
    _response, page = docs_page
    static = [url for url in [*page.scripts, *page.stylesheets] if url.startswith("/static/")]

    found = [finders.find(url.removeprefix("/static/")) is not None for url in static]

    assert found == [True, True, True]


def test_docs_page_has_nothing_inline_that_the_csp_blocks(docs_page):
    response, page = docs_page
    policy = response.headers["Content-Security-Policy"]

    assert page.inline == []
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_docs_init_script_is_served_as_javascript(client, db):
    response = client.get(reverse("api-docs"), {"script": ""})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript"
    assert 'url: "/api/schema/"' in response.content.decode()
