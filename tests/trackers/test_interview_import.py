"""CSV import of interview questions through the generic engine: mapping, preview, all or
nothing, encodings, formula-looking cells, duplicates, idempotent re-import, the bank's own
export read back, and who may import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import PermissionDeniedError
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import InterviewTopicFactory, QuestionFactory
from trackers import csv_import
from trackers.models import InterviewTopic, Question
from trackers.services.interview import QuestionImporter, question_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_cache")]

UPLOAD_URL = reverse("trackers:interview_import", kwargs={"slug": "deep-lab", "number": 5})
SHEET = (
    "주차,주제,질문,모범 답안,참고 링크,작성자,id\n"
    "1,경사하강법,학습률이 너무 크면?,손실이 **발산**합니다.,https://a.example https://b.example,"
    "member@example.com,q-1\n"
    "1,경사하강법,모멘텀은 왜 쓰나요?,진동을 줄입니다.,,leader@example.com,q-2\n"
    "2,과적합과 정규화,L2 정규화의 효과는?,가중치를 작게 합니다.,https://c.example,,q-3\n"
)


def run(world, text: str, *, commit: bool = True, mapping: dict | None = None):
    table = csv_import.read_table(text)
    if mapping is None:
        mapping = csv_import.guess_mapping(QuestionImporter.fields, table.header)
    return question_import(
        actor=world.leader, cohort=world.cohort, table=table, mapping=mapping, commit=commit
    )


def rows() -> list[tuple]:
    return list(
        Question.objects.order_by("external_id").values_list(
            "topic__week", "topic__title", "text", "reference_links", "author__email", "external_id"
        )
    )


def messages(result) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


def test_guess_mapping_reads_korean_headers():
    table = csv_import.read_table(SHEET)

    mapping = csv_import.guess_mapping(QuestionImporter.fields, table.header)

    assert mapping == {
        "week": 0,
        "topic": 1,
        "question": 2,
        "model_answer": 3,
        "links": 4,
        "author": 5,
        "external_id": None,
    }


def test_import_creates_topics_and_questions(world):
    table = csv_import.read_table(SHEET)
    mapping = csv_import.guess_mapping(QuestionImporter.fields, table.header) | {"external_id": 6}

    result = question_import(
        actor=world.leader, cohort=world.cohort, table=table, mapping=mapping, commit=True
    )

    assert (result.committed, result.counts) == (True, {"created": 3, "updated": 0, "unchanged": 0})
    assert rows() == [
        (
            1,
            "경사하강법",
            "학습률이 너무 크면?",
            ["https://a.example", "https://b.example"],
            "member@example.com",
            "q-1",
        ),
        (1, "경사하강법", "모멘텀은 왜 쓰나요?", [], "leader@example.com", "q-2"),
        (
            2,
            "과적합과 정규화",
            "L2 정규화의 효과는?",
            ["https://c.example"],
            "leader@example.com",
            "q-3",
        ),
    ]
    # Imported topics are created quietly: nobody gets a notification per row.
    assert Notification.objects.count() == 0


def test_import_twice_changes_nothing(world):
    mapping = csv_import.guess_mapping(
        QuestionImporter.fields, csv_import.read_table(SHEET).header
    ) | {"external_id": 6}
    run(world, SHEET, mapping=mapping)
    before = list(Question.objects.values_list("pk", "updated_at"))

    again = run(world, SHEET, mapping=mapping)

    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(Question.objects.values_list("pk", "updated_at")) == before
    assert InterviewTopic.objects.count() == 2


def test_import_without_external_ids_is_idempotent_by_week_topic_and_text(world):
    run(world, SHEET)

    again = run(world, SHEET)

    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3}
    assert Question.objects.count() == 3


def test_import_updates_a_changed_model_answer(world):
    run(world, SHEET)

    changed = run(world, SHEET.replace("진동을 줄입니다.", "관성으로 진동을 줄입니다."))

    assert changed.counts == {"created": 0, "updated": 1, "unchanged": 2}
    assert (
        Question.objects.get(text="모멘텀은 왜 쓰나요?").model_answer == "관성으로 진동을 줄입니다."
    )


def test_preview_writes_nothing(world):
    result = run(world, SHEET, commit=False)

    assert (result.ok, result.committed, result.counts["created"]) == (True, False, 3)
    assert (Question.objects.count(), InterviewTopic.objects.count()) == (0, 0)


def test_import_with_one_bad_row_writes_nothing(world):
    sheet = SHEET + "3,드롭아웃,드롭아웃이란?,,javascript:alert(1),,q-4\n"

    result = run(world, sheet)

    assert (result.committed, messages(result)) == (
        False,
        [(5, "“javascript:alert(1)” is not a web address (http:// or https://).")],
    )
    assert (Question.objects.count(), InterviewTopic.objects.count()) == (0, 0)


def test_import_refuses_malformed_rows_and_formula_cells(world):
    sheet = (
        "주차,주제,질문\n"
        "1,경사하강법\n"
        '1,경사하강법,"=HYPERLINK(""http://evil"")"\n'
        "1,경사하강법,멀쩡한 질문\n"
    )

    result = run(world, sheet)

    assert [(error.line, error.field) for error in result.errors] == [(2, ""), (3, "question")]
    assert result.errors[0].message == "Expected 3 cells like the header, found 2."
    assert Question.objects.count() == 0


def test_import_refuses_a_week_that_is_not_a_number(world):
    result = run(world, "주차,주제,질문\n1,경사하강법,질문\n열,경사하강법,주차가 숫자가 아님\n")

    assert [(error.line, error.field) for error in result.errors] == [(3, "week")]
    assert (Question.objects.count(), InterviewTopic.objects.count()) == (0, 0)


def test_import_accepts_an_escaped_formula_cell_as_text(world):
    result = run(world, "주차,주제,질문\n1,수식,'=SUM(A1:A3)은 왜 위험한가?\n")

    assert result.committed is True
    assert Question.objects.get().text == "=SUM(A1:A3)은 왜 위험한가?"


def test_import_refuses_duplicate_rows(world):
    sheet = "주차,주제,질문\n1,경사하강법,같은 질문\n1,경사하강법,같은 질문\n"

    result = run(world, sheet)

    assert messages(result) == [(3, "Same row as line 2.")]
    assert Question.objects.count() == 0


def test_import_refuses_an_unknown_author(world):
    sheet = "주차,주제,질문,작성자\n1,경사하강법,질문,outsider@example.com\n"

    result = run(world, sheet)

    assert [(error.line, error.field) for error in result.errors] == [(2, "author")]


def test_import_finds_the_author_by_display_name(world):
    name = world.member.display_name

    run(world, f"주차,주제,질문,작성자\n1,경사하강법,질문,{name}\n")

    assert Question.objects.get().author_id == world.member.pk


def test_import_reads_a_cp949_file(world):
    data = SHEET.encode("cp949")

    decoded = csv_import.decode(data)
    result = run(world, decoded.text)

    assert (decoded.encoding, result.counts["created"]) == ("cp949", 3)
    assert Question.objects.filter(text="학습률이 너무 크면?").count() == 1


def test_import_adds_to_existing_topics(world):
    topic = InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")
    QuestionFactory(topic=topic, author=world.member, text="학습률이 너무 크면?")

    result = run(world, SHEET)

    assert result.counts == {"created": 2, "updated": 1, "unchanged": 0}
    assert InterviewTopic.objects.count() == 2
    assert Question.objects.count() == 3


def test_the_bank_export_imports_back_unchanged(world, member_client):
    topic = InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")
    QuestionFactory(
        topic=topic,
        author=world.member,
        text="+1 하면?",
        model_answer="-1을 더한 것과 반대",
        reference_links=["https://a.example", "https://b.example"],
        external_id="x-1",
    )
    QuestionFactory(topic=topic, author=world.leader, text="두 번째", model_answer="")
    export = member_client.get(reverse("trackers:interview_bank_csv", args=["deep-lab"]))
    text = b"".join(export.streaming_content).decode("utf-8")
    decoded = csv_import.decode(text.encode("utf-8"))

    result = run(world, decoded.text)

    assert (result.ok, result.counts) == (True, {"created": 0, "updated": 0, "unchanged": 2})


def test_import_by_a_member_is_refused(world):
    table = csv_import.read_table(SHEET)
    mapping = csv_import.guess_mapping(QuestionImporter.fields, table.header)

    with pytest.raises(PermissionDeniedError):
        question_import(
            actor=world.member, cohort=world.cohort, table=table, mapping=mapping, commit=True
        )


# --- the pages -----------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "면접.csv"):
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_import_pages_upload_preview_and_import(world, leader_client):
    uploaded = upload(leader_client, SHEET.encode("utf-8-sig"))
    preview_url = uploaded.url

    preview = leader_client.get(preview_url)
    done = leader_client.post(
        preview_url,
        {
            "action": "import",
            "week": "0",
            "topic": "1",
            "question": "2",
            "model_answer": "3",
            "links": "4",
            "author": "5",
            "external_id": "6",
        },
    )

    assert uploaded.status_code == 302
    assert 'data-testid="import-counts"' in preview.content.decode()
    assert (done.status_code, done.url) == (
        302,
        reverse("trackers:interview_topics", args=["deep-lab", 5]),
    )
    assert [row[-1] for row in rows()] == ["q-1", "q-2", "q-3"]


def test_import_preview_shows_row_errors_and_disables_import(world, leader_client):
    uploaded = upload(leader_client, "주차,주제,질문\n1,경사하강법,\n".encode())

    body = leader_client.get(uploaded.url).content.decode()

    assert 'data-testid="import-error"' in body
    assert 'value="import" disabled' in body


def test_import_upload_refuses_an_unreadable_file(world, leader_client):
    response = upload(leader_client, "주차,주제,질문\n".encode("utf-16"))

    assert response.status_code == 200
    assert "UTF-16" in response.content.decode()


def test_import_pages_are_403_for_members_and_404_for_outsiders(
    world, member_client, outsider_client
):
    assert upload(member_client, SHEET.encode()).status_code == 403
    assert outsider_client.get(UPLOAD_URL).status_code == 404


def test_import_preview_of_someone_elses_upload_sends_back_to_upload(world, leader_client):
    uploaded = upload(leader_client, SHEET.encode())

    response = client_for(world.facilitator).get(uploaded.url)

    assert (response.status_code, response.url) == (302, UPLOAD_URL)
