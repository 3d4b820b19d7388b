"""REST API of the interview study (`interview-topics/`, `questions/`, `answers/`): the object
shape, filters and search, who may write what, outsiders 404, tokens, the draw, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from tests.conftest import bearer_client, client_for
from tests.factories import (
    AnswerFactory,
    CohortFactory,
    InterviewTopicFactory,
    MembershipFactory,
    PracticeFactory,
    QuestionFactory,
)
from trackers.models import Answer, InterviewTopic, Practice, Question

pytestmark = pytest.mark.usefixtures("api_cache")

TOPICS = "/api/v1/interview-topics/"
QUESTIONS = "/api/v1/questions/"
ANSWERS = "/api/v1/answers/"
DRAW = "/api/v1/questions/draw/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


def patch(client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


@pytest.fixture
def topic(world) -> InterviewTopic:
    return InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")


@pytest.fixture
def question(world, topic) -> Question:
    return QuestionFactory(
        topic=topic,
        author=world.member,
        text="학습률이 너무 크면?",
        model_answer="**발산**",
        reference_links=["https://example.com/gd"],
        external_id="sheet-1",
    )


def test_interview_api_is_routed_under_v1():
    assert (
        reverse("api:interview-topic-list"),
        reverse("api:question-list"),
        reverse("api:answer-list"),
    ) == (TOPICS, QUESTIONS, ANSWERS)


# --- shape ---------------------------------------------------------------------------------


def test_question_detail_has_the_contract_fields(world, member_client, question):
    body = member_client.get(f"{QUESTIONS}{question.pk}/").json()

    assert body == {
        "id": question.pk,
        "url": f"http://testserver{QUESTIONS}{question.pk}/",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "external_id": "sheet-1",
        "topic": question.topic_id,
        "cohort": world.cohort.pk,
        "lab_slug": "deep-lab",
        "topic_title": "경사하강법",
        "week": 1,
        "author": world.member.pk,
        "author_name": world.member.display_name,
        "text": "학습률이 너무 크면?",
        "model_answer": "**발산**",
        "reference_links": ["https://example.com/gd"],
    }
    assert body["created_at"].endswith("+09:00")


def test_answer_list_rows_match_the_detail(world, member_client, question):
    answer = AnswerFactory(question=question, author=world.leader, body="답")

    listed = member_client.get(ANSWERS).json()["results"]
    detail = member_client.get(f"{ANSWERS}{answer.pk}/").json()

    assert listed == [detail]
    assert (detail["question"], detail["topic"], detail["cohort"], detail["author_name"]) == (
        question.pk,
        question.topic_id,
        world.cohort.pk,
        world.leader.display_name,
    )


def test_topic_list_rows_match_the_detail(world, member_client, topic):
    listed = member_client.get(TOPICS).json()["results"]
    detail = member_client.get(f"{TOPICS}{topic.pk}/").json()

    assert listed == [detail]
    assert (detail["cohort"], detail["lab_slug"], detail["week"], detail["title"]) == (
        world.cohort.pk,
        "deep-lab",
        1,
        "경사하강법",
    )


# --- visibility ----------------------------------------------------------------------------


def test_lists_show_nothing_of_other_labs(world, outsider_client, question):
    AnswerFactory(question=question)

    assert (
        ids(outsider_client.get(TOPICS)),
        ids(outsider_client.get(QUESTIONS)),
        ids(outsider_client.get(ANSWERS)),
    ) == ([], [], [])


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_question_detail_is_404_for_outsiders(world, outsider_client, question, method):
    response = getattr(outsider_client, method)(
        f"{QUESTIONS}{question.pk}/", content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Question.objects.count() == 1


@pytest.mark.parametrize(
    "url_of", [lambda t, q, a: f"{TOPICS}{t}/", lambda t, q, a: f"{ANSWERS}{a}/"]
)
def test_topic_and_answer_details_are_404_for_outsiders(world, outsider_client, question, url_of):
    answer = AnswerFactory(question=question)

    response = outsider_client.get(url_of(question.topic_id, question.pk, answer.pk))

    assert response.status_code == 404


def test_practice_and_draw_are_404_for_outsiders(world, outsider_client, question):
    practice = outsider_client.post(f"{QUESTIONS}{question.pk}/practice/")
    draw = outsider_client.get(DRAW, {"lab": "deep-lab"})

    assert (practice.status_code, draw.status_code) == (404, 404)
    assert Practice.objects.count() == 0


def test_question_create_on_an_invisible_topic_is_a_400_without_details(
    world, outsider_client, topic
):
    response = post(outsider_client, QUESTIONS, {"topic": topic.pk, "text": "질문"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"topic": ["No such topic."]}


def test_lab_limited_token_sees_only_its_lab(world, question):
    elsewhere = MembershipFactory(cohort=CohortFactory(lab=world.other_lab), user=world.member)
    foreign = QuestionFactory(topic=InterviewTopicFactory(cohort=elsewhere.cohort))
    client = bearer_client(world.member, lab_slug="other-lab")

    assert ids(client.get(QUESTIONS)) == [foreign.pk]
    assert client.get(f"{QUESTIONS}{question.pk}/").status_code == 404


# --- filters and search --------------------------------------------------------------------


def test_question_search_finds_a_korean_substring(world, member_client, topic):
    hit = QuestionFactory(topic=topic, text="확률적 경사 하강의 장점은?")
    by_answer = QuestionFactory(
        topic=InterviewTopicFactory(cohort=world.cohort, week=2, title="정규화"),
        text="L1과 L2의 차이?",
        model_answer="L1은 희소한 해, L2는 작은 가중치. 둘 다 경사에 벌점을 더합니다.",
    )
    QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort, week=3), text="드롭아웃?")

    response = member_client.get(QUESTIONS, {"search": "경사"})

    # Every question of the topic 경사하강법 matches too (its title has the word).
    assert ids(response) == [hit.pk, by_answer.pk]


def test_question_filters_by_lab_cohort_topic_and_author(world, member_client, topic):
    mine = QuestionFactory(topic=topic, author=world.member)
    theirs = QuestionFactory(topic=topic, author=world.leader)
    older_topic = InterviewTopicFactory(cohort=CohortFactory(lab=world.lab, number=4))
    old = QuestionFactory(topic=older_topic, author=world.member)

    assert ids(member_client.get(QUESTIONS, {"lab": "deep-lab"})) == [mine.pk, theirs.pk, old.pk]
    assert ids(member_client.get(QUESTIONS, {"cohort": world.cohort.pk})) == [mine.pk, theirs.pk]
    assert ids(member_client.get(QUESTIONS, {"topic": older_topic.pk})) == [old.pk]
    assert ids(member_client.get(QUESTIONS, {"author": world.member.pk})) == [mine.pk, old.pk]


def test_answer_filters_by_question_and_search(world, member_client, question):
    first = AnswerFactory(question=question, body="발산합니다")
    AnswerFactory(question=QuestionFactory(topic=question.topic), body="수렴합니다")

    assert ids(member_client.get(ANSWERS, {"question": question.pk})) == [first.pk]
    assert ids(member_client.get(ANSWERS, {"search": "발산"})) == [first.pk]


def test_topic_filters_by_week_and_search(world, member_client, topic):
    second = InterviewTopicFactory(cohort=world.cohort, week=2, title="과적합과 정규화")

    assert ids(member_client.get(TOPICS, {"week": 2})) == [second.pk]
    assert ids(member_client.get(TOPICS, {"search": "정규화"})) == [second.pk]


# --- query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_question_list_query_count_is_constant(world, django_assert_num_queries, topic, count):
    for _ in range(count):
        QuestionFactory(topic=topic, author=world.member)
    client = bearer_client(world.member)

    # the token (with its user and lab) and its last use; the page of questions.
    with django_assert_num_queries(3):
        response = client.get(QUESTIONS)

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_answer_list_query_count_is_constant(world, django_assert_num_queries, question, count):
    for _ in range(count):
        AnswerFactory(question=question, author=world.leader)
    client = bearer_client(world.member)

    with django_assert_num_queries(3):
        response = client.get(ANSWERS)

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_topic_list_query_count_is_constant(world, django_assert_num_queries, count):
    for week in range(1, count + 1):
        InterviewTopicFactory(cohort=world.cohort, week=week)
    client = bearer_client(world.member)

    with django_assert_num_queries(3):
        response = client.get(TOPICS)

    assert len(response.json()["results"]) == count


# --- topics: managers write ----------------------------------------------------------------


def test_topic_create_by_the_leader(world, leader_client):
    response = post(
        leader_client,
        TOPICS,
        {
            "cohort": world.cohort.pk,
            "week": 3,
            "title": "배치 정규화",
            "due_at": "2026-10-10T21:00:00+09:00",
            "external_id": "notion-w3",
        },
    )

    assert response.status_code == 201
    topic = InterviewTopic.objects.get()
    assert (topic.week, topic.title, topic.external_id, response.json()["id"]) == (
        3,
        "배치 정규화",
        "notion-w3",
        topic.pk,
    )


def test_topic_create_by_a_member_is_403(world, member_client):
    response = post(member_client, TOPICS, {"cohort": world.cohort.pk, "week": 1, "title": "x"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_topic_create_duplicate_is_409(world, leader_client, topic):
    response = post(
        leader_client, TOPICS, {"cohort": world.cohort.pk, "week": 1, "title": "경사하강법"}
    )

    assert (response.status_code, response.json()["error"]["code"]) == (409, "topic_exists")


def test_topic_patch_by_the_facilitator_keeps_the_other_fields(world, topic):
    client = client_for(world.facilitator)

    response = patch(client, f"{TOPICS}{topic.pk}/", {"description": "SGD부터"})

    topic.refresh_from_db()
    assert response.status_code == 200
    assert (topic.week, topic.title, topic.description) == (1, "경사하강법", "SGD부터")


def test_topic_delete_by_a_member_is_403(world, member_client, topic):
    assert member_client.delete(f"{TOPICS}{topic.pk}/").status_code == 403
    assert InterviewTopic.objects.count() == 1


# --- questions: members write their own ----------------------------------------------------


def test_question_create_by_a_member(world, member_client, topic):
    response = post(
        member_client,
        QUESTIONS,
        {
            "topic": topic.pk,
            "text": "모멘텀은?",
            "model_answer": "관성",
            "reference_links": ["https://distill.pub/2017/momentum/"],
        },
    )

    assert response.status_code == 201
    assert (response.json()["author"], response.json()["reference_links"]) == (
        world.member.pk,
        ["https://distill.pub/2017/momentum/"],
    )


def test_question_create_with_a_javascript_link_is_400(world, member_client, topic):
    response = post(
        member_client,
        QUESTIONS,
        {"topic": topic.pk, "text": "질문", "reference_links": ["javascript:alert(1)"]},
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reference_links"]
    assert Question.objects.count() == 0


def test_question_patch_by_its_author_keeps_the_other_fields(world, member_client, question):
    response = patch(member_client, f"{QUESTIONS}{question.pk}/", {"text": "학습률이 작으면?"})

    question.refresh_from_db()
    assert response.status_code == 200
    assert (question.text, question.model_answer, question.reference_links) == (
        "학습률이 작으면?",
        "**발산**",
        ["https://example.com/gd"],
    )


@pytest.mark.parametrize("who", ["leader", "facilitator"])
def test_question_patch_by_anyone_else_is_403(world, question, who):
    response = patch(client_for(getattr(world, who)), f"{QUESTIONS}{question.pk}/", {"text": "x"})

    assert response.status_code == 403
    question.refresh_from_db()
    assert question.text == "학습률이 너무 크면?"


def test_question_delete_by_another_member_is_403_and_by_the_leader_204(world, question):
    third = MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user

    refused = client_for(third).delete(f"{QUESTIONS}{question.pk}/")
    moderated = client_for(world.leader).delete(f"{QUESTIONS}{question.pk}/")

    assert (refused.status_code, moderated.status_code) == (403, 204)
    assert Question.objects.count() == 0


def test_read_token_cannot_post_a_question(world, topic):
    client = bearer_client(world.member, scope="read")

    response = post(client, QUESTIONS, {"topic": topic.pk, "text": "질문"})

    assert response.status_code == 403
    assert Question.objects.count() == 0


def test_write_token_posts_a_question(world, topic):
    client = bearer_client(world.member, scope="write")

    response = post(client, QUESTIONS, {"topic": topic.pk, "text": "질문", "external_id": "r-9"})

    assert response.status_code == 201
    assert Question.objects.get().external_id == "r-9"


# --- answers -------------------------------------------------------------------------------


def test_answer_create_and_edit_own_only(world, question):
    leader = client_for(world.leader)
    created = post(leader, ANSWERS, {"question": question.pk, "body": "발산합니다"})
    answer_url = f"{ANSWERS}{created.json()['id']}/"

    refused = patch(client_for(world.member), answer_url, {"body": "남의 답 고치기"})
    edited = patch(leader, answer_url, {"body": "손실이 발산합니다"})

    assert (created.status_code, refused.status_code, edited.status_code) == (201, 403, 200)
    assert Answer.objects.get().body == "손실이 발산합니다"


def test_answer_create_by_a_member_of_another_cohort_is_403(world, question):
    other = MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4)).user

    response = post(client_for(other), ANSWERS, {"question": question.pk, "body": "답"})

    assert response.status_code == 403


def test_answer_delete_by_a_facilitator_moderates(world, question):
    answer = AnswerFactory(question=question, author=world.member)

    response = client_for(world.facilitator).delete(f"{ANSWERS}{answer.pk}/")

    assert response.status_code == 204
    assert Answer.objects.count() == 0


# --- practice and draw ---------------------------------------------------------------------


def test_practice_post_marks_and_delete_unmarks(world, member_client, question):
    marked = member_client.post(f"{QUESTIONS}{question.pk}/practice/")
    after_mark = list(Practice.objects.values_list("user_id", flat=True))
    unmarked = member_client.delete(f"{QUESTIONS}{question.pk}/practice/")

    assert (marked.status_code, unmarked.status_code) == (200, 204)
    assert marked.json()["question"] == question.pk
    assert after_mark == [world.member.pk]
    assert Practice.objects.count() == 0


def test_draw_avoids_recent_practice_and_repeats_with_its_seed(world, member_client, topic):
    recent = QuestionFactory(topic=topic)
    fresh = QuestionFactory(topic=topic)
    PracticeFactory(question=recent, user=world.member, practised_at=timezone.now())

    first = member_client.get(DRAW, {"lab": "deep-lab"}).json()
    again = member_client.get(DRAW, {"lab": "deep-lab", "seed": first["seed"]}).json()

    assert (first["question"]["id"], first["fresh"], first["fresh_count"]) == (fresh.pk, True, 1)
    assert again["question"]["id"] == first["question"]["id"]


def test_draw_when_all_are_recent_gives_the_longest_ago(world, member_client, topic):
    older = QuestionFactory(topic=topic)
    newer = QuestionFactory(topic=topic)
    now = timezone.now()
    PracticeFactory(question=older, user=world.member, practised_at=now - timedelta(days=9))
    PracticeFactory(question=newer, user=world.member, practised_at=now - timedelta(days=1))

    body = member_client.get(DRAW, {"lab": "deep-lab", "topic": topic.pk}).json()

    assert (body["question"]["id"], body["fresh"]) == (older.pk, False)


def test_draw_without_questions_is_204(world, member_client):
    assert member_client.get(DRAW, {"lab": "deep-lab"}).status_code == 204


# --- sync: ETag / If-Match, upsert by external id ------------------------------------------


def test_question_patch_with_a_stale_etag_is_412(world, member_client, question):
    etag = member_client.get(f"{QUESTIONS}{question.pk}/")["ETag"]
    patch(member_client, f"{QUESTIONS}{question.pk}/", {"text": "먼저 고침"})

    response = member_client.patch(
        f"{QUESTIONS}{question.pk}/",
        {"text": "나중에 고침"},
        content_type="application/json",
        headers={"If-Match": etag},
    )

    assert response.status_code == 412
    question.refresh_from_db()
    assert question.text == "먼저 고침"


def test_question_put_by_external_id_creates_then_changes_nothing(world, member_client, topic):
    body = {"topic": topic.pk, "text": "노션에서 온 질문", "model_answer": "답"}
    url = f"{QUESTIONS}external/notion-42/"

    created = member_client.put(url, body, content_type="application/json")
    stamp = Question.objects.get().updated_at
    again = member_client.put(url, body, content_type="application/json")

    assert (created.status_code, again.status_code) == (201, 200)
    question = Question.objects.get()
    assert (question.external_id, question.author_id, question.updated_at) == (
        "notion-42",
        world.member.pk,
        stamp,
    )
