"""Interview study writes: who may add topics, post, edit and delete questions and answers,
reference-link validation, practice marks and the notifications they send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus, Role
from notifications.models import Notification
from tests.factories import (
    AnswerFactory,
    CohortFactory,
    InterviewTopicFactory,
    MembershipFactory,
    QuestionFactory,
)
from trackers.models import Answer, InterviewTopic, Practice, Question
from trackers.services.interview import (
    answer_create,
    answer_delete,
    answer_update,
    clean_reference_links,
    interview_topic_create,
    interview_topic_delete,
    interview_topic_update,
    practice_mark,
    practice_unmark,
    question_create,
    question_delete,
    question_update,
)

pytestmark = pytest.mark.django_db


def make_topic(world, **kwargs) -> InterviewTopic:
    return InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법", **kwargs)


def leave(membership) -> None:
    membership.status = MembershipStatus.LEFT
    membership.left_on = timezone.localdate()
    membership.save()


# --- topics --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "facilitator"])
def test_topic_create_by_managers_saves_the_topic(world, who):
    actor = getattr(world, who)

    topic = interview_topic_create(actor=actor, cohort=world.cohort, week=2, title=" 과적합 ")

    assert (topic.cohort_id, topic.week, topic.title, topic.created_by_id) == (
        world.cohort.pk,
        2,
        "과적합",
        actor.pk,
    )


def test_topic_create_by_a_lab_leader_of_another_cohort_is_allowed(world):
    older = CohortFactory(lab=world.lab, number=4)

    topic = interview_topic_create(actor=world.leader, cohort=older, week=1, title="역전파")

    assert topic.cohort_id == older.pk


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_topic_create_by_others_is_refused(world, who):
    with pytest.raises(PermissionDeniedError):
        interview_topic_create(
            actor=getattr(world, who), cohort=world.cohort, week=1, title="경사하강법"
        )

    assert InterviewTopic.objects.count() == 0


def test_topic_create_twice_in_one_week_is_a_conflict(world):
    interview_topic_create(actor=world.leader, cohort=world.cohort, week=1, title="경사하강법")

    with pytest.raises(ConflictError) as caught:
        interview_topic_create(actor=world.leader, cohort=world.cohort, week=1, title="경사하강법")

    assert caught.value.code == "topic_exists"
    assert InterviewTopic.objects.count() == 1


def test_topic_create_refuses_a_week_out_of_range_and_an_empty_title(world):
    with pytest.raises(ApplicationError) as caught:
        interview_topic_create(actor=world.leader, cohort=world.cohort, week=0, title="  ")

    assert sorted(caught.value.fields) == ["title", "week"]


def test_topic_create_tells_the_other_active_members(world):
    topic = interview_topic_create(
        actor=world.leader, cohort=world.cohort, week=3, title="배치 정규화"
    )

    rows = Notification.objects.filter(kind="interview_topic_created").order_by("recipient_id")
    assert list(rows.values_list("recipient_id", "target_id")) == [
        (world.facilitator.pk, topic.pk),
        (world.member.pk, topic.pk),
    ]


def test_topic_update_by_a_member_is_refused(world):
    topic = make_topic(world)

    with pytest.raises(PermissionDeniedError):
        interview_topic_update(
            actor=world.member,
            topic=topic,
            week=1,
            title="바꾼 제목",
            description="",
            due_at=None,
        )

    topic.refresh_from_db()
    assert topic.title == "경사하강법"


def test_topic_update_by_the_facilitator_saves(world):
    topic = make_topic(world)
    due = timezone.now() + timedelta(days=3)

    interview_topic_update(
        actor=world.facilitator,
        topic=topic,
        week=2,
        title="확률적 경사하강법",
        description="SGD와 미니배치",
        due_at=due,
    )

    topic.refresh_from_db()
    assert (topic.week, topic.title, topic.description, topic.due_at) == (
        2,
        "확률적 경사하강법",
        "SGD와 미니배치",
        due,
    )


def test_topic_delete_by_a_member_is_refused_and_by_the_leader_deletes_questions(world):
    topic = make_topic(world)
    QuestionFactory(topic=topic, author=world.member)

    with pytest.raises(PermissionDeniedError):
        interview_topic_delete(actor=world.member, topic=topic)
    interview_topic_delete(actor=world.leader, topic=topic)

    assert (InterviewTopic.objects.count(), Question.objects.count()) == (0, 0)


# --- questions -----------------------------------------------------------------------------


def test_question_create_by_an_active_member_keeps_markdown_and_links(world):
    topic = make_topic(world)

    question = question_create(
        actor=world.member,
        topic=topic,
        text=" 경사하강법에서 학습률이 너무 크면? ",
        model_answer="**발산**할 수 있습니다.",
        reference_links=[
            "https://ko.wikipedia.org/wiki/경사_하강법",
            "",
            "http://cs231n.github.io",
        ],
    )

    assert (question.text, question.model_answer, question.reference_links) == (
        "경사하강법에서 학습률이 너무 크면?",
        "**발산**할 수 있습니다.",
        ["https://ko.wikipedia.org/wiki/경사_하강법", "http://cs231n.github.io"],
    )


def test_question_create_by_a_member_of_another_cohort_is_refused(world):
    topic = make_topic(world)
    other = MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4)).user

    with pytest.raises(PermissionDeniedError):
        question_create(actor=other, topic=topic, text="질문")


def test_question_create_by_a_member_who_left_is_refused(world):
    topic = make_topic(world)
    leave(world.member_membership)

    with pytest.raises(PermissionDeniedError):
        question_create(actor=world.member, topic=topic, text="질문")


def test_question_create_by_an_outsider_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        question_create(actor=world.outsider, topic=make_topic(world), text="질문")


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://files.example.com/a.pdf",
        "data:text/html,<script>alert(1)</script>",
        "그냥 텍스트",
        "//example.com/no-scheme",
    ],
)
def test_question_create_refuses_links_that_are_not_http(world, link):
    with pytest.raises(ApplicationError) as caught:
        question_create(
            actor=world.member, topic=make_topic(world), text="질문", reference_links=[link]
        )

    assert list(caught.value.fields) == ["reference_links"]
    assert Question.objects.count() == 0


def test_clean_reference_links_drops_duplicates_and_blanks():
    links = clean_reference_links(
        ["https://a.example/x", " ", "https://a.example/x", "http://b.kr"]
    )

    assert links == ["https://a.example/x", "http://b.kr"]


def test_clean_reference_links_refuses_more_than_ten():
    with pytest.raises(ApplicationError) as caught:
        clean_reference_links([f"https://example.com/{n}" for n in range(11)])

    assert caught.value.fields == {"reference_links": ["At most 10 reference links."]}


def test_question_create_refuses_an_empty_question(world):
    with pytest.raises(ApplicationError) as caught:
        question_create(actor=world.member, topic=make_topic(world), text="   ")

    assert list(caught.value.fields) == ["text"]


def test_question_create_with_a_taken_external_id_is_a_conflict(world):
    topic = make_topic(world)
    question_create(actor=world.member, topic=topic, text="하나", external_id="row-1")

    with pytest.raises(ConflictError):
        question_create(actor=world.leader, topic=topic, text="둘", external_id="row-1")

    assert Question.objects.count() == 1


def test_question_update_by_its_author_saves(world):
    question = QuestionFactory(topic=make_topic(world), author=world.member)

    question_update(
        actor=world.member,
        question=question,
        text="고친 질문",
        model_answer="고친 답",
        reference_links=["https://example.com"],
    )

    question.refresh_from_db()
    assert (question.text, question.model_answer, question.reference_links) == (
        "고친 질문",
        "고친 답",
        ["https://example.com"],
    )


@pytest.mark.parametrize("who", ["leader", "facilitator", "outsider"])
def test_question_update_by_anyone_else_is_refused(world, who):
    question = QuestionFactory(topic=make_topic(world), author=world.member, text="원래 질문")

    with pytest.raises(PermissionDeniedError):
        question_update(
            actor=getattr(world, who),
            question=question,
            text="남이 고친 질문",
            model_answer="",
            reference_links=[],
        )

    question.refresh_from_db()
    assert question.text == "원래 질문"


def test_question_update_by_its_author_after_leaving_is_refused(world):
    question = QuestionFactory(topic=make_topic(world), author=world.member)
    leave(world.member_membership)

    with pytest.raises(PermissionDeniedError):
        question_update(
            actor=world.member, question=question, text="x", model_answer="", reference_links=[]
        )


def test_question_delete_by_another_member_is_refused(world):
    question = QuestionFactory(topic=make_topic(world), author=world.leader)

    with pytest.raises(PermissionDeniedError):
        question_delete(actor=world.member, question=question)

    assert Question.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "leader", "facilitator"])
def test_question_delete_by_its_author_or_a_moderator_deletes_its_answers(world, who):
    question = QuestionFactory(topic=make_topic(world), author=world.member)
    AnswerFactory(question=question, author=world.leader)

    question_delete(actor=getattr(world, who), question=question)

    assert (Question.objects.count(), Answer.objects.count()) == (0, 0)


# --- answers -------------------------------------------------------------------------------


def test_answer_create_by_an_active_member_tells_the_question_author(world):
    question = QuestionFactory(topic=make_topic(world), author=world.member, text="과적합이란?")

    answer = answer_create(actor=world.leader, question=question, body="훈련 데이터에만 맞는 것")

    assert (answer.author_id, answer.body) == (world.leader.pk, "훈련 데이터에만 맞는 것")
    rows = Notification.objects.filter(kind="interview_answer_posted")
    assert list(rows.values_list("recipient_id", "target_id", "url")) == [
        (world.member.pk, answer.pk, f"/interview/questions/{question.pk}/")
    ]


def test_answer_create_on_ones_own_question_tells_nobody(world):
    question = QuestionFactory(topic=make_topic(world), author=world.member)

    answer_create(actor=world.member, question=question, body="덧붙임")

    assert Notification.objects.filter(kind="interview_answer_posted").count() == 0


@pytest.mark.parametrize("who", ["outsider"])
def test_answer_create_by_an_outsider_is_refused(world, who):
    question = QuestionFactory(topic=make_topic(world), author=world.member)

    with pytest.raises(PermissionDeniedError):
        answer_create(actor=getattr(world, who), question=question, body="답")

    assert Answer.objects.count() == 0


def test_answer_create_refuses_an_empty_body(world):
    question = QuestionFactory(topic=make_topic(world), author=world.member)

    with pytest.raises(ApplicationError) as caught:
        answer_create(actor=world.leader, question=question, body="  \n ")

    assert caught.value.fields == {"body": ["Write your answer."]}


def test_answer_update_by_its_author_saves_and_by_others_is_refused(world):
    answer = AnswerFactory(
        question=QuestionFactory(topic=make_topic(world), author=world.leader),
        author=world.member,
    )

    with pytest.raises(PermissionDeniedError):
        answer_update(actor=world.leader, answer=answer, body="랩장이 고침")
    answer_update(actor=world.member, answer=answer, body="제가 고침")

    answer.refresh_from_db()
    assert answer.body == "제가 고침"


def test_answer_delete_by_another_member_is_refused_and_by_a_moderator_works(world):
    third = MembershipFactory(cohort=world.cohort, role=Role.MEMBER).user
    answer = AnswerFactory(
        question=QuestionFactory(topic=make_topic(world), author=world.leader),
        author=world.member,
    )

    with pytest.raises(PermissionDeniedError):
        answer_delete(actor=third, answer=answer)
    answer_delete(actor=world.facilitator, answer=answer)

    assert Answer.objects.count() == 0


# --- practice ------------------------------------------------------------------------------


def test_practice_mark_twice_keeps_one_row_with_the_latest_time(world):
    question = QuestionFactory(topic=make_topic(world), author=world.leader)
    first = timezone.now() - timedelta(days=3)
    second = timezone.now()

    practice_mark(actor=world.member, question=question, at=first)
    practice_mark(actor=world.member, question=question, at=second)

    assert list(Practice.objects.values_list("user_id", "practised_at")) == [
        (world.member.pk, second)
    ]


def test_practice_mark_by_a_member_of_another_cohort_of_the_lab_is_allowed(world):
    older = InterviewTopicFactory(cohort=CohortFactory(lab=world.lab, number=4))
    question = QuestionFactory(topic=older)

    practice_mark(actor=world.member, question=question)

    assert Practice.objects.filter(user=world.member, question=question).count() == 1


def test_practice_mark_by_an_outsider_is_refused(world):
    question = QuestionFactory(topic=make_topic(world))

    with pytest.raises(PermissionDeniedError):
        practice_mark(actor=world.outsider, question=question)

    assert Practice.objects.count() == 0


def test_practice_unmark_removes_only_ones_own_mark(world):
    question = QuestionFactory(topic=make_topic(world))
    practice_mark(actor=world.member, question=question)
    practice_mark(actor=world.leader, question=question)

    removed = practice_unmark(actor=world.member, question=question)

    assert removed is True
    assert list(Practice.objects.values_list("user_id", flat=True)) == [world.leader.pk]
