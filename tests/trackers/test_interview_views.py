"""Interview study pages: visibility (outsiders 404), who sees and may use which form, htmx
partials and plain forms, sanitised Markdown, the bank (search, CSV) and the draw, and query
counts that do not grow with the number of rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from tests.conftest import client_for
from tests.factories import (
    AnswerFactory,
    CohortFactory,
    InterviewTopicFactory,
    MembershipFactory,
    PracticeFactory,
    QuestionFactory,
)
from trackers.models import Answer, InterviewTopic, Practice, Question

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TOPICS_URL = reverse("trackers:interview_topics", kwargs={"slug": "deep-lab", "number": 5})
TOPIC_CREATE_URL = reverse(
    "trackers:interview_topic_create", kwargs={"slug": "deep-lab", "number": 5}
)
BANK_URL = reverse("trackers:interview_bank", kwargs={"slug": "deep-lab"})
BANK_CSV_URL = reverse("trackers:interview_bank_csv", kwargs={"slug": "deep-lab"})
DRAW_URL = reverse("trackers:interview_draw", kwargs={"slug": "deep-lab"})


def url(name: str, pk: int) -> str:
    return reverse(f"trackers:{name}", kwargs={"pk": pk})


@pytest.fixture
def topic(world) -> InterviewTopic:
    return InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")


@pytest.fixture
def question(world, topic) -> Question:
    return QuestionFactory(
        topic=topic,
        author=world.member,
        text="학습률이 너무 크면?",
        model_answer="손실이 **발산**합니다.",
        reference_links=["https://ko.wikipedia.org/wiki/경사_하강법"],
    )


# --- visibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "interview_topic"),
        ("get", "interview_topic_edit"),
        ("post", "interview_topic_delete"),
        ("get", "interview_question_create"),
        ("post", "interview_question_create"),
    ],
)
def test_topic_pages_are_404_for_outsiders(world, outsider_client, topic, method, name):
    response = getattr(outsider_client, method)(url(name, topic.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "interview_question"),
        ("get", "interview_question_edit"),
        ("post", "interview_question_delete"),
        ("post", "interview_practice"),
        ("post", "interview_answer_create"),
    ],
)
def test_question_pages_are_404_for_outsiders(world, outsider_client, question, method, name):
    response = getattr(outsider_client, method)(url(name, question.pk))

    assert response.status_code == 404
    assert Practice.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "name"), [("get", "interview_answer_edit"), ("post", "interview_answer_delete")]
)
def test_answer_pages_are_404_for_outsiders(world, outsider_client, question, method, name):
    answer = AnswerFactory(question=question, author=world.leader)

    response = getattr(outsider_client, method)(url(name, answer.pk))

    assert response.status_code == 404
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("page", [TOPICS_URL, TOPIC_CREATE_URL, BANK_URL, BANK_CSV_URL, DRAW_URL])
def test_lab_and_cohort_pages_are_404_for_outsiders(world, outsider_client, page):
    assert outsider_client.get(page).status_code == 404


def test_bank_of_a_public_lab_is_404_for_outsiders(world, outsider_client):
    world.lab.visibility = "public"
    world.lab.save()

    assert outsider_client.get(BANK_URL).status_code == 404


def test_topic_page_redirects_anonymous_to_login(world, topic):
    response = client_for(None).get(url("interview_topic", topic.pk))

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_cohort_page_links_to_the_interview_study(world, member_client):
    response = member_client.get(reverse("labs:cohort_detail", args=["deep-lab", 5]))

    assert f'href="{TOPICS_URL}"'.encode() in response.content


# --- topics --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_topic_list_query_count_is_constant(world, django_assert_num_queries, count):
    for week in range(1, count + 1):
        topic = InterviewTopicFactory(cohort=world.cohort, week=week)
        QuestionFactory(topic=topic, author=world.member)
    client = client_for(world.leader)

    # session, user, profile; the cohort; the viewer's memberships; the topics with counts.
    with django_assert_num_queries(6):
        response = client.get(TOPICS_URL)

    assert response.content.count(b'data-testid="interview-topic-row"') == count


def test_topic_list_shows_the_add_form_to_managers_only(world, leader_client, member_client):
    assert b'data-testid="topic-form"' in leader_client.get(TOPICS_URL).content
    assert b'data-testid="topic-form"' not in member_client.get(TOPICS_URL).content


def test_topic_create_page_is_403_for_members(world, member_client):
    response = member_client.post(TOPIC_CREATE_URL, {"week": 1, "title": "경사하강법"})

    assert response.status_code == 403
    assert InterviewTopic.objects.count() == 0


def test_topic_create_by_the_leader_redirects_to_the_topic(world, leader_client):
    response = leader_client.post(TOPIC_CREATE_URL, {"week": 2, "title": "과적합과 정규화"})

    topic = InterviewTopic.objects.get()
    assert (topic.week, topic.title) == (2, "과적합과 정규화")
    assert response.status_code == 302
    assert response.url == url("interview_topic", topic.pk)


def test_topic_create_duplicate_with_htmx_rerenders_the_form_with_200(world, leader_client, topic):
    response = leader_client.post(
        TOPIC_CREATE_URL, {"week": 1, "title": "경사하강법"}, headers=HTMX
    )

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert "This week already has a topic with that title." in response.content.decode()
    assert InterviewTopic.objects.count() == 1


def test_topic_edit_is_403_for_members(world, member_client, topic):
    response = member_client.post(url("interview_topic_edit", topic.pk), {"week": 1, "title": "x"})

    assert response.status_code == 403


def test_topic_delete_by_the_leader_goes_back_to_the_list(world, leader_client, question):
    response = leader_client.post(url("interview_topic_delete", question.topic_id))

    assert (response.status_code, response.url) == (302, TOPICS_URL)
    assert Question.objects.count() == 0


# --- the topic page ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_topic_page_query_count_is_constant(world, django_assert_num_queries, topic, count):
    for _ in range(count):
        question = QuestionFactory(topic=topic, author=world.member)
        AnswerFactory(question=question, author=world.leader)
        AnswerFactory(question=question, author=world.facilitator)
        PracticeFactory(question=question, user=world.leader)
    client = client_for(world.member)

    # session, user, profile; the topic (with cohort and lab); the viewer's memberships;
    # the questions (authors, practice counts, my practice); their answers (with authors).
    with django_assert_num_queries(7):
        response = client.get(url("interview_topic", topic.pk))

    body = response.content.decode()
    assert body.count('class="card question-card"') == count
    assert body.count('class="answer"') == 2 * count


def test_topic_page_renders_the_model_answer_as_markdown_and_the_links(
    world, member_client, question
):
    body = member_client.get(url("interview_topic", question.topic_id)).content.decode()

    assert "손실이 <strong>발산</strong>합니다." in body
    assert (
        '<a href="https://ko.wikipedia.org/wiki/경사_하강법" rel="nofollow noopener noreferrer"'
        in body
    )


def test_topic_page_shows_edit_only_on_ones_own_question(world, topic):
    mine = QuestionFactory(topic=topic, author=world.member)
    theirs = QuestionFactory(topic=topic, author=world.leader)

    body = client_for(world.member).get(url("interview_topic", topic.pk)).content.decode()

    assert f'data-testid="question-edit-{mine.pk}"' in body
    assert f'data-testid="question-edit-{theirs.pk}"' not in body
    assert f'data-testid="question-delete-{theirs.pk}"' not in body


def test_topic_page_shows_moderators_a_delete_button_but_no_edit(world, question):
    body = client_for(world.leader).get(url("interview_topic", question.topic_id)).content.decode()

    assert f'data-testid="question-delete-{question.pk}"' in body
    assert f'data-testid="question-edit-{question.pk}"' not in body


def test_topic_page_hides_the_question_form_from_members_of_other_cohorts(world, topic):
    other = MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4)).user

    body = client_for(other).get(url("interview_topic", topic.pk)).content.decode()

    assert 'data-testid="question-form"' not in body


# --- posting and editing questions ---------------------------------------------------------


def test_question_post_by_a_member_redirects_to_its_card(world, member_client, topic):
    response = member_client.post(
        url("interview_question_create", topic.pk),
        {
            "text": "모멘텀은 왜 쓰나요?",
            "model_answer": "진동을 줄이고 *수렴을 빠르게* 합니다.",
            "reference_links": "https://distill.pub/2017/momentum/\r\n\r\nhttp://cs231n.github.io",
        },
    )

    question = Question.objects.get()
    assert (question.author_id, question.text, question.reference_links) == (
        world.member.pk,
        "모멘텀은 왜 쓰나요?",
        ["https://distill.pub/2017/momentum/", "http://cs231n.github.io"],
    )
    assert response.url == url("interview_question", question.pk)


def test_question_post_with_a_bad_link_over_htmx_shows_the_error_with_200(
    world, member_client, topic
):
    response = member_client.post(
        url("interview_question_create", topic.pk),
        {"text": "질문", "model_answer": "", "reference_links": "javascript:alert(1)"},
        headers=HTMX,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "is not a web address (http:// or https://)." in body
    assert Question.objects.count() == 0


def test_question_post_by_a_member_of_another_cohort_is_403(world, topic):
    other = MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4)).user

    response = client_for(other).post(url("interview_question_create", topic.pk), {"text": "질문"})

    assert response.status_code == 403
    assert Question.objects.count() == 0


def test_question_edit_of_someone_elses_question_is_403(world, leader_client, question):
    response = leader_client.post(
        url("interview_question_edit", question.pk), {"text": "랩장이 고친 질문"}
    )

    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text == "학습률이 너무 크면?"


def test_question_edit_form_is_filled_with_the_links_one_per_line(world, member_client, question):
    response = member_client.get(url("interview_question_edit", question.pk))

    assert "https://ko.wikipedia.org/wiki/경사_하강법</textarea>" in response.content.decode()


def test_question_edit_by_its_author_saves(world, member_client, question):
    response = member_client.post(
        url("interview_question_edit", question.pk),
        {"text": "학습률이 너무 작으면?", "model_answer": "느립니다.", "reference_links": ""},
    )

    question.refresh_from_db()
    assert (question.text, question.model_answer, question.reference_links) == (
        "학습률이 너무 작으면?",
        "느립니다.",
        [],
    )
    assert response.url == url("interview_question", question.pk)


def test_question_delete_by_another_member_is_403(world, question):
    third = MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user

    response = client_for(third).post(url("interview_question_delete", question.pk))

    assert response.status_code == 403
    assert Question.objects.count() == 1


def test_question_delete_by_the_leader_moderates(world, leader_client, question):
    response = leader_client.post(url("interview_question_delete", question.pk))

    assert response.url == url("interview_topic", question.topic_id)
    assert Question.objects.count() == 0


# --- answers -------------------------------------------------------------------------------


def test_answer_markdown_is_sanitised_on_the_question_page(world, leader_client, question):
    body = (
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[클릭](javascript:alert(1)) and [논문](https://arxiv.org/abs/1412.6980)\n\n"
        "**굵게**"
    )
    leader_client.post(url("interview_answer_create", question.pk), {"body": body})

    page = client_for(world.member).get(url("interview_question", question.pk)).content.decode()
    answer = Answer.objects.get()
    start = page.index(f'data-testid="answer-body-{answer.pk}"')
    html = page[start : page.index("</div>", start)]
    # Raw HTML is shown as text, never run; a javascript: link never becomes a link.
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert "<strong>굵게</strong>" in html
    assert '<a href="https://arxiv.org/abs/1412.6980" rel="nofollow noopener noreferrer">' in html


def test_answer_post_redirects_to_the_answer(world, leader_client, question):
    response = leader_client.post(url("interview_answer_create", question.pk), {"body": "답"})

    answer = Answer.objects.get()
    assert response.url == f"{url('interview_question', question.pk)}#answer-{answer.pk}"


def test_answer_post_over_htmx_returns_the_answers_with_the_new_one(world, leader_client, question):
    response = leader_client.post(
        url("interview_answer_create", question.pk), {"body": "손실이 *발산*합니다"}, headers=HTMX
    )

    body = response.content.decode()
    answer = Answer.objects.get()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section aria-labelledby="answers-title"')
    assert f'data-testid="answer-{answer.pk}"' in body
    assert "손실이 <em>발산</em>합니다" in body
    # The form comes back empty, ready for the next answer.
    textarea = body[body.index('name="body"') :]
    assert textarea[textarea.index(">") + 1 : textarea.index("</textarea>")].strip() == ""


def test_answer_post_empty_over_htmx_rerenders_the_form_with_200(world, leader_client, question):
    response = leader_client.post(
        url("interview_answer_create", question.pk), {"body": ""}, headers=HTMX
    )

    assert response.status_code == 200
    assert 'data-testid="answer-form"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert Answer.objects.count() == 0


def test_answer_post_by_a_member_of_another_cohort_is_403(world, question):
    other = MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4)).user

    response = client_for(other).post(url("interview_answer_create", question.pk), {"body": "답"})

    assert response.status_code == 403


def test_answer_edit_of_someone_elses_answer_is_403(world, member_client, question):
    answer = AnswerFactory(question=question, author=world.leader, body="랩장 답")

    response = member_client.post(url("interview_answer_edit", answer.pk), {"body": "바꿈"})

    assert response.status_code == 403
    answer.refresh_from_db()
    assert answer.body == "랩장 답"


def test_answer_edit_by_its_author_saves(world, leader_client, question):
    answer = AnswerFactory(question=question, author=world.leader, body="랩장 답")

    leader_client.post(url("interview_answer_edit", answer.pk), {"body": "고친 답"})

    answer.refresh_from_db()
    assert answer.body == "고친 답"


def test_answer_delete_by_the_facilitator_moderates(world, question):
    answer = AnswerFactory(question=question, author=world.member)

    response = client_for(world.facilitator).post(url("interview_answer_delete", answer.pk))

    assert response.url == url("interview_question", question.pk)
    assert Answer.objects.count() == 0


# --- practice ------------------------------------------------------------------------------


def test_practice_over_htmx_returns_the_refreshed_box(world, leader_client, question):
    response = leader_client.post(
        url("interview_practice", question.pk), {"action": "mark"}, headers=HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<div class="practice" id="practice-{question.pk}"')
    assert f'data-testid="practised-{question.pk}"' in body
    assert "1 member practised this" in body
    assert list(Practice.objects.values_list("user_id", flat=True)) == [world.leader.pk]


def test_practice_without_javascript_goes_back_to_next(world, leader_client, question):
    next_url = f"{BANK_URL}?q=%EA%B2%BD%EC%82%AC"

    response = leader_client.post(
        url("interview_practice", question.pk), {"action": "mark", "next": next_url}
    )

    assert (response.status_code, response.url) == (302, next_url)


def test_practice_refuses_an_offsite_next(world, leader_client, question):
    response = leader_client.post(
        url("interview_practice", question.pk),
        {"action": "mark", "next": "https://evil.example/"},
    )

    assert response.url == url("interview_question", question.pk)


def test_practice_undo_removes_the_mark(world, leader_client, question):
    PracticeFactory(question=question, user=world.leader)

    leader_client.post(url("interview_practice", question.pk), {"action": "unmark"}, headers=HTMX)

    assert Practice.objects.count() == 0


# --- the bank ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_bank_query_count_is_constant(world, django_assert_num_queries, topic, count):
    older = InterviewTopicFactory(cohort=CohortFactory(lab=world.lab, number=4))
    for index in range(count):
        question = QuestionFactory(topic=topic if index % 2 else older, author=world.member)
        AnswerFactory(question=question, author=world.leader)
        PracticeFactory(question=question, user=world.member)
    client = client_for(world.member)

    # session, user, profile; the lab; the topics for the filter; the page of questions.
    with django_assert_num_queries(6):
        response = client.get(BANK_URL)

    assert response.content.count(b'data-testid="bank-item"') == count


def test_bank_search_finds_korean_text(world, member_client, topic):
    QuestionFactory(topic=topic, text="경사하강법의 수렴 조건은?")
    QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort, week=2), text="드롭아웃이란?")

    response = member_client.get(BANK_URL, {"q": "경사"})

    body = response.content.decode()
    assert body.count('data-testid="bank-item"') == 1
    assert "경사하강법의 수렴 조건은?" in body


def test_bank_search_over_htmx_returns_only_the_results(world, member_client, topic):
    QuestionFactory(topic=topic, text="경사하강법의 수렴 조건은?")

    response = member_client.get(BANK_URL, {"q": "수렴"}, headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="bank-results"')
    assert body.count('data-testid="bank-item"') == 1


def test_bank_filters_by_topic_and_pages(world, member_client, topic):
    for number in range(25):
        QuestionFactory(topic=topic, text=f"질문 {number:02d}")
    QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort, week=2), text="다른 주제")

    first = member_client.get(BANK_URL, {"topic": topic.pk}).content.decode()
    second = member_client.get(BANK_URL, {"topic": topic.pk, "page": 2}).content.decode()

    assert (first.count('data-testid="bank-item"'), second.count('data-testid="bank-item"')) == (
        20,
        5,
    )
    assert f"?topic={topic.pk}&amp;page=2" in first
    assert "다른 주제" not in first + second


def test_bank_csv_exports_the_filtered_questions_formula_safe(world, member_client, topic):
    QuestionFactory(
        topic=topic,
        author=world.member,
        text='=HYPERLINK("http://evil")',
        model_answer="-1을 곱합니다",
        reference_links=["https://a.example"],
    )
    QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort, week=2), text="다른 주제")

    response = member_client.get(BANK_CSV_URL, {"topic": topic.pk})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="deep-lab-interview-questions.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["cohort", "week", "topic", "question", "model_answer", "reference_links"]
    assert [row[:6] for row in rows[1:]] == [
        [
            "5",
            "1",
            "경사하강법",
            '\'=HYPERLINK("http://evil")',
            "'-1을 곱합니다",
            "https://a.example",
        ]
    ]


# --- the draw ------------------------------------------------------------------------------


def test_draw_page_shows_a_fresh_question_and_the_fallback_note(world, member_client, topic):
    recent = QuestionFactory(topic=topic, text="최근에 연습한 질문")
    PracticeFactory(question=recent, user=world.member, practised_at=timezone.now())
    fresh = QuestionFactory(topic=topic, text="아직 안 한 질문")

    first = member_client.get(DRAW_URL, {"topic": topic.pk}).content.decode()
    fresh.delete()
    second = member_client.get(DRAW_URL, {"topic": topic.pk}).content.decode()

    assert 'data-testid="draw-question">아직 안 한 질문<' in first
    assert 'data-testid="draw-all-recent"' not in first
    assert 'data-testid="draw-question">최근에 연습한 질문<' in second
    assert 'data-testid="draw-all-recent"' in second


def test_draw_page_with_a_seed_repeats_the_draw(world, member_client, topic):
    for number in range(6):
        QuestionFactory(topic=topic, text=f"질문 {number}")

    pages = {
        member_client.get(DRAW_URL, {"seed": "abc123"}).content.decode().count("질문 3<")
        for _ in range(3)
    }

    assert len(pages) == 1


def test_draw_page_without_questions_says_so(world, member_client):
    response = member_client.get(DRAW_URL)

    assert 'data-testid="draw-empty"' in response.content.decode()


def test_draw_page_ignores_practice_older_than_two_weeks(world, member_client, topic):
    question = QuestionFactory(topic=topic, text="오래전에 연습한 질문")
    PracticeFactory(
        question=question, user=world.member, practised_at=timezone.now() - timedelta(days=15)
    )

    body = member_client.get(DRAW_URL).content.decode()

    assert 'data-testid="draw-all-recent"' not in body
    assert 'data-testid="draw-question">오래전에 연습한 질문<' in body
