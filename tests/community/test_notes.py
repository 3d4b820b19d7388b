"""Meeting notes: the moderators and the members they allow write them (Markdown sanitised,
links checked), everyone in the lab reads them, the lab's history is searchable (Korean too),
and the calendar feed links each meeting to its notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import MeetingNote, NoteEditor
from community.services import QuestionInput
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.conftest import bearer_client, client_for
from tests.factories import MeetingFactory

NOTES = "/labs/deep-lab/notes/"


def write(world, meeting, body: str = "노트", questions=(), actor=None) -> MeetingNote:
    return services.meeting_note_save(
        actor=actor or world.leader, meeting=meeting, body=body, questions=list(questions)
    )


def meeting_at(world, days_ago: int, **extra):
    start = timezone.now() - timedelta(days=days_ago)
    return MeetingFactory(
        cohort=world.cohort, starts_at=start, ends_at=start + timedelta(hours=4), **extra
    )


# --- who writes ----------------------------------------------------------------------------------


def test_note_save_by_facilitator_writes_body_and_questions(world, past_meeting):
    note = write(
        world,
        past_meeting,
        body="## 요약",
        questions=[QuestionInput("질문 1: 왜 풀링?", "계산량을 줄이려고", ("https://e.com/a",))],
        actor=world.facilitator,
    )

    question = note.questions.get()
    assert (note.body, note.cohort_id) == ("## 요약", world.cohort.pk)
    assert (question.position, question.question, question.link_list) == (
        1,
        "질문 1: 왜 풀링?",
        ["https://e.com/a"],
    )


def test_note_save_refuses_member_not_allowed(world, past_meeting):
    with pytest.raises(PermissionDeniedError):
        write(world, past_meeting, actor=world.member)


def test_note_save_by_member_allowed_for_the_cohort(world, past_meeting):
    services.note_editor_add(actor=world.leader, cohort=world.cohort, user=world.member)

    note = write(world, past_meeting, actor=world.member)

    assert note.created_by_id == world.member.pk


def test_note_save_by_member_allowed_for_one_meeting_only(world, past_meeting):
    other = meeting_at(world, 17)
    services.note_editor_add(
        actor=world.leader, cohort=world.cohort, user=world.member, meeting=past_meeting
    )

    write(world, past_meeting, actor=world.member)
    with pytest.raises(PermissionDeniedError):
        write(world, other, actor=world.member)


def test_note_editor_add_refuses_member_actor(world):
    with pytest.raises(PermissionDeniedError):
        services.note_editor_add(actor=world.member, cohort=world.cohort, user=world.member)


def test_note_editor_add_twice_is_a_conflict(world):
    services.note_editor_add(actor=world.leader, cohort=world.cohort, user=world.member)

    with pytest.raises(ConflictError):
        services.note_editor_add(actor=world.leader, cohort=world.cohort, user=world.member)


def test_note_save_replaces_questions_and_keeps_one_note(world, past_meeting):
    write(world, past_meeting, questions=[QuestionInput("A"), QuestionInput("B")])

    note = write(world, past_meeting, body="new", questions=[QuestionInput("C")])

    assert MeetingNote.objects.count() == 1
    assert [q.question for q in note.questions.all()] == ["C"]


def test_note_save_drops_empty_rows_and_refuses_bad_links(world, past_meeting):
    note = write(world, past_meeting, questions=[QuestionInput(""), QuestionInput("Q")])
    assert note.questions.count() == 1

    with pytest.raises(ApplicationError) as caught:
        write(world, past_meeting, questions=[QuestionInput("Q", "", ("javascript:alert(1)",))])

    assert list(caught.value.fields) == ["questions"]


# --- pages ---------------------------------------------------------------------------------------


def test_note_page_renders_markdown_sanitised(world, past_meeting, member_client):
    write(
        world,
        past_meeting,
        body="<script>alert(1)</script>\n\n**굵게** [출처](https://example.com)",
        questions=[
            QuestionInput("Q", "<b onclick=x()>답</b> [링크](https://a.io)", ("https://b.io",))
        ],
    )

    body = member_client.get(f"/meetings/{past_meeting.pk}/notes/").content.decode()

    assert "<script>alert" not in body
    assert "<b onclick" not in body  # raw HTML stays escaped text
    assert "<strong>굵게</strong>" in body
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">출처</a>' in body
    assert '<a href="https://a.io" rel="nofollow noopener noreferrer">링크</a>' in body
    assert '<a href="https://b.io" rel="nofollow noopener noreferrer">' in body


def test_note_page_offers_writing_only_to_writers(
    world, past_meeting, member_client, leader_client
):
    member = member_client.get(f"/meetings/{past_meeting.pk}/notes/")
    leader = leader_client.get(f"/meetings/{past_meeting.pk}/notes/")

    assert (member.context["can_write"], leader.context["can_write"]) == (False, True)


def test_note_page_outsider_gets_404(world, past_meeting, outsider_client):
    assert outsider_client.get(f"/meetings/{past_meeting.pk}/notes/").status_code == 404
    assert outsider_client.get(f"/meetings/{past_meeting.pk}/notes/edit/").status_code == 404


def test_note_edit_page_saves_the_formset(world, past_meeting, leader_client):
    response = leader_client.post(
        f"/meetings/{past_meeting.pk}/notes/edit/",
        {
            "body": "본문",
            "questions-TOTAL_FORMS": "2",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "30",
            "questions-0-question": "질문 1",
            "questions-0-answer": "답 1",
            "questions-0-links": "https://e.com/1\nhttps://e.com/2",
            "questions-1-question": "",
            "questions-1-answer": "",
            "questions-1-links": "",
        },
    )

    note = MeetingNote.objects.get(meeting=past_meeting)
    assert response.status_code == 302
    assert [(q.question, q.link_list) for q in note.questions.all()] == [
        ("질문 1", ["https://e.com/1", "https://e.com/2"])
    ]


def test_note_edit_page_bad_link_rerenders_with_200(world, past_meeting, leader_client):
    response = leader_client.post(
        f"/meetings/{past_meeting.pk}/notes/edit/",
        {
            "body": "",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "30",
            "questions-0-question": "Q",
            "questions-0-answer": "",
            "questions-0-links": "not a link",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'data-testid="notes-error"' in response.content.decode()
    assert MeetingNote.objects.count() == 0


def test_note_edit_page_is_403_for_member(world, past_meeting, member_client):
    assert member_client.get(f"/meetings/{past_meeting.pk}/notes/edit/").status_code == 403


def test_note_writers_page_allows_a_member(world, leader_client):
    response = leader_client.post(
        "/labs/deep-lab/5/note-writers/", {"user": world.member.pk, "meeting": ""}
    )

    assert response.status_code == 302
    assert NoteEditor.objects.get().user_id == world.member.pk


def test_note_writers_page_is_403_for_member_and_404_for_outsider(
    world, member_client, outsider_client
):
    assert member_client.get("/labs/deep-lab/5/note-writers/").status_code == 403
    assert outsider_client.get("/labs/deep-lab/5/note-writers/").status_code == 404


# --- search --------------------------------------------------------------------------------------


def test_notes_search_finds_korean_in_body_questions_answers_and_links(world, member_client):
    first = meeting_at(world, 20, title="CNN")
    second = meeting_at(world, 10)
    third = meeting_at(world, 5)
    write(world, first, body="오늘은 합성곱 신경망을 다뤘다")
    write(world, second, questions=[QuestionInput("질문 1: 왜 풀링(pooling)을 하나요?")])
    write(
        world,
        third,
        questions=[QuestionInput("Q", "답변에 합성곱이 나옴", ("https://arxiv.org/abs/1",))],
    )

    def found(q: str) -> list[int]:
        response = member_client.get(NOTES, {"q": q})
        return [note.meeting_id for note in response.context["notes"]]

    assert found("합성곱") == [third.pk, first.pk]
    assert found("풀링") == [second.pk]
    assert found("POOLING") == [second.pk]
    assert found("arxiv.org") == [third.pk]
    assert found("cnn") == [first.pk]
    assert found("트랜스포머") == []


def test_notes_search_is_limited_to_the_lab(world, outsider_client, member_client, past_meeting):
    write(world, past_meeting, body="비밀 노트")
    other_meeting = MeetingFactory(cohort=world.other_lab.cohorts.get())
    services.meeting_note_save(
        actor=world.outsider, meeting=other_meeting, body="비밀 노트 다른 랩", questions=[]
    )

    response = member_client.get(NOTES, {"q": "비밀"})

    assert [n.meeting_id for n in response.context["notes"]] == [past_meeting.pk]
    assert outsider_client.get(NOTES).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_notes_list_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    for n in range(count):
        write(world, meeting_at(world, n + 1), questions=[QuestionInput("Q1"), QuestionInput("Q2")])

    # Session, user, profile; the lab; the viewer's memberships; the notes with counts.
    with django_assert_num_queries(6):
        response = member_client.get(NOTES, {"q": "노트"})

    assert len(response.context["notes"]) == count


# --- feed and API --------------------------------------------------------------------------------


def test_cohort_feed_links_each_meeting_to_its_notes(world, past_meeting, client):
    response = client.get(f"/calendar/cohort/{world.cohort.calendar_token}.ics")

    # icalendar folds long lines; unfold before looking.
    body = response.content.decode().replace("\r\n ", "")
    assert response.status_code == 200
    assert f"/meetings/{past_meeting.pk}/notes/" in body


def test_note_api_create_and_search(world, past_meeting, api_cache):
    api = bearer_client(world.leader, scope="write")

    created = api.post(
        "/api/v1/meeting-notes/",
        {
            "meeting": past_meeting.pk,
            "body": "**요약** <script>x</script>",
            "questions": [{"question": "왜 풀링?", "answer": "", "links": ["https://e.com"]}],
        },
        content_type="application/json",
    )
    found = api.get("/api/v1/meeting-notes/", {"q": "풀링"})
    missing = api.get("/api/v1/meeting-notes/", {"q": "트랜스포머"})

    assert created.status_code == 201
    assert (
        created.json()["body_html"]
        == "<p><strong>요약</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    )
    assert created.json()["questions"][0]["links"] == ["https://e.com"]
    assert [n["id"] for n in found.json()["results"]] == [created.json()["id"]]
    assert missing.json()["results"] == []


def test_note_api_member_gets_403_outsider_404(world, past_meeting, api_cache):
    body = {"meeting": past_meeting.pk, "body": "x"}

    member = bearer_client(world.member, scope="write").post(
        "/api/v1/meeting-notes/", body, content_type="application/json"
    )
    outsider = bearer_client(world.outsider, scope="write").post(
        "/api/v1/meeting-notes/", body, content_type="application/json"
    )

    assert (member.status_code, outsider.status_code) == (403, 404)


@pytest.mark.parametrize("count", [1, 3])
def test_note_api_list_query_count_is_constant(world, api_cache, django_assert_num_queries, count):
    for n in range(count):
        write(world, meeting_at(world, n + 1), questions=[QuestionInput("Q")])
    client = client_for(world.member)

    # Session, user, profile; the notes (with meeting, cohort, lab); their questions.
    with django_assert_num_queries(5):
        response = client.get("/api/v1/meeting-notes/")

    assert len(response.json()["results"]) == count


def test_meeting_page_links_to_its_notes(world, past_meeting, member_client):
    response = member_client.get(f"/meetings/{past_meeting.pk}/")

    assert f'href="/meetings/{past_meeting.pk}/notes/"' in response.content.decode()


def test_note_api_partial_update_with_a_question_without_text_is_a_400(
    world, past_meeting, api_cache
):
    api = bearer_client(world.leader, scope="write")
    created = api.post(
        "/api/v1/meeting-notes/",
        {"meeting": past_meeting.pk, "body": "요약", "questions": []},
        content_type="application/json",
    ).json()

    response = api.patch(
        f"/api/v1/meeting-notes/{created['id']}/",
        {"questions": [{"answer": "답만 있어요"}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    # A token request is answered in the token's member's language (English here).
    assert response.json()["error"]["fields"] == {"questions": ["Each question needs its text."]}
