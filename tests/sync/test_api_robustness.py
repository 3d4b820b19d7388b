"""What schemathesis found, kept fixed: every refusal is a documented JSON error, never an HTML
page or a 500, and every response matches the schema (blank links, historical time zones)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from sessions.models import Meeting, Slot
from tests.factories import MeetingFactory, SlotFactory

pytestmark = pytest.mark.usefixtures("api_cache")


def test_robustness_a_list_cursor_we_did_not_issue_is_a_400(world, member_client):
    response = member_client.get("/api/v1/slots/", {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cursor"]


def test_robustness_a_list_cursor_with_a_position_that_is_not_an_id_is_a_400(world, member_client):
    cursor = base64.b64encode(b"p=abc").decode()

    response = member_client.get("/api/v1/slots/", {"cursor": cursor})

    assert response.status_code == 400


def test_robustness_an_unknown_api_url_is_a_json_404(world, member_client):
    response = member_client.get("/api/v1/slots/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_robustness_an_unknown_page_url_is_still_an_html_404(world, member_client):
    response = member_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_robustness_too_many_form_fields_is_a_json_400(world, leader_client):
    body = "&".join(f"f{i}=1" for i in range(1100))

    response = leader_client.post(
        "/api/v1/slots/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_robustness_updated_since_with_an_unusual_offset_is_accepted(world, member_client):
    SlotFactory(meeting=MeetingFactory(cohort=world.cohort))

    response = member_client.get("/api/v1/slots/", {"updated_since": "0018-08-01T16:17:25-22:45"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_robustness_a_moment_in_local_mean_time_is_given_in_utc(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime(1900, 1, 1, 3, 0, tzinfo=UTC),
        ends_at=datetime(1900, 1, 1, 7, 0, tzinfo=UTC),
    )

    body = member_client.get(f"/api/v1/meetings/{meeting.pk}/").json()

    assert (body["starts_at"], body["ends_at"]) == ("1900-01-01T03:00:00Z", "1900-01-01T07:00:00Z")


def test_robustness_schema_allows_blank_links_and_emails(tmp_path):
    path = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(path))

    schemas = json.loads(path.read_text())["components"]["schemas"]

    assert schemas["Slot"]["properties"]["materials_url"]["anyOf"] == [
        {"format": "uri"},
        {"maxLength": 0},
    ]
    assert "format" not in schemas["Slot"]["properties"]["materials_url"]
    assert schemas["Invitation"]["properties"]["email"]["anyOf"] == [
        {"format": "email"},
        {"maxLength": 0},
    ]
    assert Slot._meta.get_field("materials_url").blank is True
