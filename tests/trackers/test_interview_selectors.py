"""Interview study reads: the lab-wide question bank and its search (Korean too), visibility,
and "draw a question" (the pure choice function and the draw over the database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import (
    CohortFactory,
    InterviewTopicFactory,
    PracticeFactory,
    QuestionFactory,
)
from trackers.practice import choose_question
from trackers.selectors.interview import (
    interview_lab_get_for_user,
    question_bank_csv_rows,
    question_bank_for_lab,
    question_draw_for_user,
    question_get_for_user,
    question_list_visible,
)

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
TWO_WEEKS = timedelta(days=14)


def texts(questions) -> list[str]:
    return [question.text for question in questions]


# --- visibility ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_question_list_visible_hides_other_labs(world):
    mine = QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort))
    QuestionFactory(topic=InterviewTopicFactory(cohort=CohortFactory(lab=world.other_lab)))

    assert list(question_list_visible(user=world.member)) == [mine]


@pytest.mark.django_db
def test_question_get_for_user_is_404_for_an_outsider(world):
    question = QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort))

    with pytest.raises(Http404):
        question_get_for_user(user=world.outsider, pk=question.pk)


@pytest.mark.django_db
def test_interview_lab_of_a_public_lab_is_404_for_an_outsider(world):
    world.lab.visibility = "public"
    world.lab.save()

    with pytest.raises(Http404):
        interview_lab_get_for_user(user=world.outsider, slug="deep-lab")


# --- the bank and its search ---------------------------------------------------------------


@pytest.fixture
def bank(world):
    old = InterviewTopicFactory(
        cohort=CohortFactory(lab=world.lab, number=4), week=1, title="역전파"
    )
    gd = InterviewTopicFactory(cohort=world.cohort, week=1, title="경사하강법")
    reg = InterviewTopicFactory(cohort=world.cohort, week=2, title="과적합과 정규화")
    QuestionFactory(topic=old, text="체인 룰을 설명해 주세요.", model_answer="미분의 연쇄 법칙")
    QuestionFactory(
        topic=gd, text="학습률이 너무 크면 어떻게 되나요?", model_answer="손실이 발산합니다."
    )
    QuestionFactory(
        topic=gd, text="SGD와 Batch GD의 차이는?", model_answer="확률적 **경사** 추정을 씁니다."
    )
    QuestionFactory(topic=reg, text="L2 정규화의 효과는?", model_answer="가중치를 작게 만듭니다.")
    QuestionFactory(topic=InterviewTopicFactory(cohort=world.cohort, week=9))
    return {"old": old, "gd": gd, "reg": reg}


@pytest.mark.django_db
def test_bank_spans_every_cohort_newest_first_then_by_week(world, bank):
    questions = question_bank_for_lab(lab=world.lab, user=world.member)

    assert [(q.topic.cohort.number, q.topic.week) for q in questions] == [
        (5, 1),
        (5, 1),
        (5, 2),
        (5, 9),
        (4, 1),
    ]


@pytest.mark.django_db
def test_bank_search_finds_a_korean_substring_in_the_text_model_answer_and_topic(world, bank):
    found = question_bank_for_lab(lab=world.lab, user=world.member, search="경사")

    # "경사" is in the topic 경사하강법 (both its questions) and in one model answer.
    assert texts(found) == ["학습률이 너무 크면 어떻게 되나요?", "SGD와 Batch GD의 차이는?"]


@pytest.mark.django_db
def test_bank_search_matches_in_the_model_answer_only(world, bank):
    found = question_bank_for_lab(lab=world.lab, user=world.member, search="가중치")

    assert texts(found) == ["L2 정규화의 효과는?"]


@pytest.mark.django_db
def test_bank_search_needs_every_word(world, bank):
    found = question_bank_for_lab(lab=world.lab, user=world.member, search="sgd 경사")

    assert texts(found) == ["SGD와 Batch GD의 차이는?"]


@pytest.mark.django_db
def test_bank_search_treats_percent_and_underscore_literally(world, bank):
    assert list(question_bank_for_lab(lab=world.lab, user=world.member, search="%")) == []
    assert list(question_bank_for_lab(lab=world.lab, user=world.member, search="_")) == []


@pytest.mark.django_db
def test_bank_filters_by_topic(world, bank):
    found = question_bank_for_lab(lab=world.lab, user=world.member, topic_id=bank["reg"].pk)

    assert texts(found) == ["L2 정규화의 효과는?"]


@pytest.mark.django_db
def test_bank_never_shows_another_labs_questions(world, bank):
    foreign = InterviewTopicFactory(cohort=CohortFactory(lab=world.other_lab), title="경사하강법")
    QuestionFactory(topic=foreign, text="다른 연구실의 경사 질문")

    found = question_bank_for_lab(lab=world.lab, user=world.member, search="경사")

    assert "다른 연구실의 경사 질문" not in texts(found)
    assert len(found) == 2


@pytest.mark.django_db
def test_bank_marks_my_last_practice(world, bank):
    question = bank["reg"].questions.get()
    PracticeFactory(question=question, user=world.member, practised_at=NOW)
    PracticeFactory(question=question, user=world.leader, practised_at=NOW - TWO_WEEKS)

    row = question_bank_for_lab(lab=world.lab, user=world.member).get(pk=question.pk)

    assert (row.my_practised_at, row.practice_count, row.answer_count) == (NOW, 2, 0)


@pytest.mark.django_db
def test_bank_csv_rows_put_links_one_per_line(world):
    topic = InterviewTopicFactory(cohort=world.cohort, week=3, title="드롭아웃")
    QuestionFactory(
        topic=topic,
        author=world.member,
        text="드롭아웃은 왜 효과가 있나요?",
        model_answer="=앙상블 효과",
        reference_links=["https://a.example", "https://b.example"],
        external_id="sheet-7",
    )

    rows = list(question_bank_csv_rows(lab=world.lab))

    assert [row[:7] + row[8:] for row in rows] == [
        (
            5,
            3,
            "드롭아웃",
            "드롭아웃은 왜 효과가 있나요?",
            "=앙상블 효과",
            "https://a.example\nhttps://b.example",
            world.member.display_name,
            "sheet-7",
        )
    ]


# --- choose_question (pure) ----------------------------------------------------------------


def test_choose_question_skips_the_recently_practised():
    practised = {
        1: NOW - timedelta(days=1),
        2: NOW - timedelta(days=13),
        4: NOW - timedelta(days=3),
    }

    picks = {
        choose_question([1, 2, 3, 4], practised, now=NOW, avoid=TWO_WEEKS, seed=f"s{n}").question_id
        for n in range(50)
    }

    assert picks == {3}


def test_choose_question_counts_a_practice_exactly_at_the_cutoff_as_old():
    practised = {1: NOW - TWO_WEEKS, 2: NOW - TWO_WEEKS + timedelta(seconds=1)}

    choice = choose_question([1, 2], practised, now=NOW, avoid=TWO_WEEKS, seed="x")

    assert (choice.question_id, choice.fresh, choice.fresh_count) == (1, True, 1)


def test_choose_question_falls_back_to_the_least_recently_practised():
    practised = {1: NOW - timedelta(days=1), 2: NOW - timedelta(days=10), 3: NOW}

    choice = choose_question([1, 2, 3], practised, now=NOW, avoid=TWO_WEEKS, seed="any")

    assert (choice.question_id, choice.fresh, choice.fresh_count, choice.candidate_count) == (
        2,
        False,
        0,
        3,
    )


def test_choose_question_returns_none_without_candidates():
    assert choose_question([], {}, now=NOW, avoid=TWO_WEEKS, seed="s") is None


def test_choose_question_follows_the_documented_procedure():
    practised = {5: NOW}

    choice = choose_question([9, 3, 5, 7, 3], practised, now=NOW, avoid=TWO_WEEKS, seed="seed-1")

    assert choice.question_id == random.Random("seed-1").choice([3, 7, 9])


def test_choose_question_reaches_every_fresh_question_over_many_seeds():
    picks = {
        choose_question([10, 20, 30], {}, now=NOW, avoid=TWO_WEEKS, seed=str(n)).question_id
        for n in range(100)
    }

    assert picks == {10, 20, 30}


@given(
    candidates=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=20),
    ages=st.dictionaries(
        st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=40)
    ),
    seed=st.text(max_size=20),
)
def test_choose_question_is_deterministic_and_prefers_fresh(candidates, ages, seed):
    practised = {pk: NOW - timedelta(days=days) for pk, days in ages.items()}

    first = choose_question(candidates, practised, now=NOW, avoid=TWO_WEEKS, seed=seed)
    second = choose_question(
        list(reversed(candidates)), practised, now=NOW, avoid=TWO_WEEKS, seed=seed
    )

    assert first == second
    assert first is not None
    fresh = {pk for pk in candidates if pk not in practised or practised[pk] <= NOW - TWO_WEEKS}
    if fresh:
        assert first.question_id in fresh
    else:
        assert practised[first.question_id] == min(practised[pk] for pk in candidates)


# --- the draw over the database ------------------------------------------------------------


@pytest.mark.django_db
def test_draw_avoids_questions_practised_in_the_last_two_weeks(world):
    topic = InterviewTopicFactory(cohort=world.cohort)
    recent = [QuestionFactory(topic=topic) for _ in range(3)]
    fresh = QuestionFactory(topic=topic)
    now = timezone.now()
    for question in recent:
        PracticeFactory(question=question, user=world.member, practised_at=now - timedelta(days=2))
    # Someone else's practice does not count against me.
    PracticeFactory(question=fresh, user=world.leader, practised_at=now)

    drawn = {
        question_draw_for_user(lab=world.lab, user=world.member, seed=str(n), now=now).question.pk
        for n in range(30)
    }

    assert drawn == {fresh.pk}


@pytest.mark.django_db
def test_draw_when_everything_is_recent_gives_the_longest_ago(world):
    topic = InterviewTopicFactory(cohort=world.cohort)
    now = timezone.now()
    older = QuestionFactory(topic=topic)
    newer = QuestionFactory(topic=topic)
    PracticeFactory(question=older, user=world.member, practised_at=now - timedelta(days=5))
    PracticeFactory(question=newer, user=world.member, practised_at=now - timedelta(days=1))

    result = question_draw_for_user(lab=world.lab, user=world.member, seed="s", now=now)

    assert (result.question.pk, result.choice.fresh, result.last_practised_at) == (
        older.pk,
        False,
        now - timedelta(days=5),
    )


@pytest.mark.django_db
def test_draw_limited_to_a_topic_stays_in_it(world):
    wanted = InterviewTopicFactory(cohort=world.cohort, week=1)
    other = InterviewTopicFactory(cohort=world.cohort, week=2)
    question = QuestionFactory(topic=wanted)
    for _ in range(5):
        QuestionFactory(topic=other)

    drawn = {
        question_draw_for_user(
            lab=world.lab, user=world.member, seed=str(n), now=NOW, topic_id=wanted.pk
        ).question.pk
        for n in range(10)
    }

    assert drawn == {question.pk}


@pytest.mark.django_db
def test_draw_in_a_lab_without_questions_is_none(world):
    assert question_draw_for_user(lab=world.lab, user=world.member, seed="s", now=NOW) is None
