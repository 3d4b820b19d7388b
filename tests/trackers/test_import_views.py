"""The import pages: upload, column mapping and preview, then all-or-nothing import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import client_for
from trackers.models import Problem

UPLOAD = "/labs/deep-lab/5/coding/import/"
SHEET = (
    "주차,플랫폼,번호,문제명,난이도\n"
    "1,백준,1931,회의실 배정,Silver 1\n"
    "1,백준,11047,동전 0,Silver 4\n"
)


@pytest.fixture(autouse=True)
def _cache(api_cache):
    """Uploads wait between the steps in the cache: a fresh one per test."""
    return api_cache


def _upload(client, data: bytes, *, kind: str = "problems", name: str = "sheet.csv"):
    return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_import_upload_page_lists_the_columns_of_each_kind(world, leader_client):
    page = leader_client.get(UPLOAD).content.decode()

    assert 'data-testid="import-columns-problems"' in page
    assert 'data-testid="import-columns-solves"' in page


def test_import_upload_leads_to_a_preview_with_the_guessed_mapping(world, leader_client):
    response = _upload(leader_client, SHEET.encode("cp949"))

    preview = leader_client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"].startswith(UPLOAD)
    assert preview.context["upload"].encoding == "cp949"
    choices = {item["field"].name: item["choice"] for item in preview.context["fields"]}
    assert (choices["week"], choices["platform"], choices["number"], choices["title"]) == (
        "0",
        "1",
        "2",
        "3",
    )
    assert preview.context["result"].counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert Problem.objects.count() == 0


def test_import_confirm_writes_every_row_and_goes_to_the_board(world, leader_client):
    preview_url = _upload(leader_client, SHEET.encode())["Location"]
    mapping = {"week": "0", "platform": "1", "number": "2", "title": "3", "difficulty": "4"}

    response = leader_client.post(preview_url, {**mapping, "action": "import"}, follow=True)

    assert response.redirect_chain[-1][0] == "/labs/deep-lab/5/coding/"
    assert [str(m) for m in response.context["messages"]] == [
        "Imported: 2 new, 0 changed, 0 unchanged."
    ]
    assert sorted(Problem.objects.values_list("number", "difficulty")) == [
        ("11047", "Silver 4"),
        ("1931", "Silver 1"),
    ]
    # The upload is gone: a second click finds nothing to import.
    again = leader_client.post(preview_url, {**mapping, "action": "import"})
    assert again["Location"] == UPLOAD


def test_import_with_a_changed_mapping_previews_again(world, leader_client):
    preview_url = _upload(leader_client, SHEET.encode())["Location"]

    response = leader_client.post(
        preview_url, {"week": "0", "platform": "1", "number": "", "title": "3", "action": "preview"}
    )

    assert response.status_code == 200
    assert response.context["result"].counts["created"] == 2
    assert Problem.objects.count() == 0


def test_import_with_row_errors_shows_them_and_writes_nothing(world, leader_client):
    sheet = SHEET + '2,우주,1,"=1+1",\n'
    preview_url = _upload(leader_client, sheet.encode())["Location"]

    response = leader_client.post(
        preview_url,
        {"week": "0", "platform": "1", "number": "2", "title": "3", "action": "import"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["errors"] == [
        {
            "line": 4,
            "field": "Title",
            "message": (
                "“Title” starts with =, which a spreadsheet would run as a formula. Remove that "
                "character or put an apostrophe (') first."
            ),
        }
    ]
    assert 'value="import" disabled data-testid="import-confirm"' in page
    assert Problem.objects.count() == 0


def test_import_upload_of_an_unreadable_file_shows_the_error(world, leader_client):
    response = _upload(leader_client, "이름\n".encode("utf-16"))

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file is UTF-16. Save it as CSV UTF-8 and upload it again."
    ]


def test_import_preview_of_someone_elses_upload_sends_back_to_the_upload(world, leader_client):
    preview_url = _upload(leader_client, SHEET.encode())["Location"]

    response = client_for(world.facilitator).get(preview_url)

    assert (response.status_code, response["Location"]) == (302, UPLOAD)


def test_import_pages_are_403_for_members(world, member_client):
    assert member_client.get(UPLOAD).status_code == 403
    assert _upload(member_client, SHEET.encode()).status_code == 403


def test_import_pages_are_404_for_outsiders(world, outsider_client, leader_client):
    preview_url = _upload(leader_client, SHEET.encode())["Location"]

    assert outsider_client.get(UPLOAD).status_code == 404
    assert outsider_client.get(preview_url).status_code == 404
