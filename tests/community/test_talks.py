"""Guest talks: members ask and upvote before the talk (one vote each), the host sees the
questions by votes and marks answers (the asker is told), and after the talk the page is the
Q&A record. Outsiders see nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from community import services
from community.models import TalkQuestion, TalkVote
from core.errors import ConflictError, PermissionDeniedError
from notifications.models import Notification
from tests.conftest import bearer_client, client_for
from tests.factories import MembershipFactory


def ask(talk, user, text: str = "스케일링 법칙은 어디까지 맞나요?") -> TalkQuestion:
    return services.talk_question_ask(actor=user, talk=talk, text=text)


def start_now(talk) -> None:
    type(talk).objects.filter(pk=talk.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    talk.refresh_from_db()


# --- services ------------------------------------------------------------------------------------


def test_talk_create_refuses_member(world):
    with pytest.raises(PermissionDeniedError):
        services.talk_create(
            actor=world.member,
            cohort=world.cohort,
            title="x",
            speaker="y",
            starts_at=timezone.now() + timedelta(days=1),
        )


def test_talk_create_refuses_host_outside_the_lab(world):
    with pytest.raises(services.ApplicationError) as caught:
        services.talk_create(
            actor=world.leader,
            cohort=world.cohort,
            title="x",
            speaker="y",
            starts_at=timezone.now() + timedelta(days=1),
            host=world.outsider,
        )

    assert list(caught.value.fields) == ["host"]


def test_talk_question_vote_counts_once_per_member(world, talk):
    question = ask(talk, world.member)

    services.talk_question_vote(actor=world.leader, question=question)
    services.talk_question_vote(actor=world.member, question=question)
    with pytest.raises(ConflictError) as caught:
        services.talk_question_vote(actor=world.member, question=question)

    question.refresh_from_db()
    assert caught.value.code == "already_voted"
    assert question.vote_count == 2
    assert TalkVote.objects.filter(question=question).count() == 2


def test_talk_vote_once_per_member_is_a_database_constraint(world, talk):
    question = ask(talk, world.member)
    TalkVote.objects.create(question=question, user=world.leader)

    with pytest.raises(IntegrityError), transaction.atomic():
        TalkVote.objects.create(question=question, user=world.leader)


def test_talk_question_unvote_takes_the_vote_back(world, talk):
    question = ask(talk, world.member)
    services.talk_question_vote(actor=world.member, question=question)

    services.talk_question_unvote(actor=world.member, question=question)
    with pytest.raises(ConflictError) as caught:
        services.talk_question_unvote(actor=world.member, question=question)

    question.refresh_from_db()
    assert (question.vote_count, caught.value.code) == (0, "not_voted")


def test_talk_question_ask_and_vote_close_when_the_talk_starts(world, talk):
    question = ask(talk, world.member)
    start_now(talk)
    question.refresh_from_db()

    with pytest.raises(ConflictError) as asked:
        ask(talk, world.member)
    with pytest.raises(ConflictError) as voted:
        services.talk_question_vote(actor=world.leader, question=question)

    assert (asked.value.code, voted.value.code) == ("talk_started", "talk_started")


def test_talk_question_ask_refuses_outsider(world, talk):
    with pytest.raises(PermissionDeniedError):
        ask(talk, world.outsider)


def test_talk_question_answer_by_host_tells_the_asker_once(world, talk):
    question = ask(talk, world.member)

    services.talk_question_answer(actor=world.facilitator, question=question, summary="대체로 맞다")
    services.talk_question_answer(actor=world.facilitator, question=question, summary="고침")

    question.refresh_from_db()
    notices = Notification.objects.filter(kind="talk_question_answered")
    assert (question.answer_summary, question.answered_by_id) == ("고침", world.facilitator.pk)
    assert [(n.recipient_id, n.url) for n in notices] == [(world.member.pk, f"/talks/{talk.pk}/")]


def test_talk_question_answer_refuses_plain_member(world, talk):
    question = ask(talk, world.leader)

    with pytest.raises(PermissionDeniedError):
        services.talk_question_answer(actor=world.member, question=question, summary="x")


def test_talk_question_delete_by_author_before_the_talk(world, talk):
    question = ask(talk, world.member)

    with pytest.raises(PermissionDeniedError):
        services.talk_question_delete(
            actor=MembershipFactory(cohort=world.cohort).user, question=question
        )
    services.talk_question_delete(actor=world.member, question=question)

    assert TalkQuestion.objects.count() == 0


# --- pages ---------------------------------------------------------------------------------------


def test_talk_page_orders_questions_by_votes(world, talk, member_client):
    few = ask(talk, world.member, "하나")
    many = ask(talk, world.leader, "여럿")
    services.talk_question_vote(actor=world.member, question=many)
    services.talk_question_vote(actor=world.leader, question=many)
    services.talk_question_vote(actor=world.leader, question=few)

    response = member_client.get(f"/talks/{talk.pk}/")

    rows = [(q.text, q.vote_count, q.my_vote) for q in response.context["questions"]]
    assert rows == [("여럿", 2, True), ("하나", 1, False)]
    assert response.context["can_ask"] is True
    assert response.context["can_host"] is False


def test_talk_page_after_the_talk_reads_as_the_record(world, talk, member_client):
    unanswered = ask(talk, world.member, "미답변")
    answered = ask(talk, world.member, "답변됨")
    services.talk_question_vote(actor=world.leader, question=unanswered)
    services.talk_question_answer(actor=world.leader, question=answered, summary="**요지**")
    start_now(talk)

    response = member_client.get(f"/talks/{talk.pk}/")

    body = response.content.decode()
    assert [q.text for q in response.context["questions"]] == ["답변됨", "미답변"]
    assert response.context["can_ask"] is False
    assert 'data-testid="talk-record-heading"' in body
    assert 'data-testid="talk-ask-form"' not in body
    assert "<strong>요지</strong>" in body


def test_talk_page_vote_with_htmx_swaps_the_row(world, talk, member_client):
    question = ask(talk, world.leader)

    response = member_client.post(
        f"/talk-questions/{question.pk}/vote/", {"action": "vote"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="question-{question.pk}"')
    assert 'data-testid="talk-unvote"' in body


def test_talk_page_ask_form_adds_a_question(world, talk, member_client):
    response = member_client.post(f"/talks/{talk.pk}/questions/", {"text": "질문입니다"})

    assert response.status_code == 302
    assert TalkQuestion.objects.get().author_id == world.member.pk


def test_talk_page_answer_form_for_host(world, talk):
    question = ask(talk, world.member)
    host = client_for(world.facilitator)

    response = host.post(f"/talk-questions/{question.pk}/answer/", {"summary": "요약"})

    question.refresh_from_db()
    assert response.status_code == 302
    assert question.answer_summary == "요약"


def test_talk_pages_outsider_gets_404(world, talk, outsider_client):
    question = ask(talk, world.member)

    assert outsider_client.get("/labs/deep-lab/talks/").status_code == 404
    assert outsider_client.get(f"/talks/{talk.pk}/").status_code == 404
    assert outsider_client.post(f"/talk-questions/{question.pk}/vote/").status_code == 404


def test_talk_create_page_for_leader(world, leader_client):
    starts = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    response = leader_client.post(
        "/labs/deep-lab/talks/new/",
        {
            "cohort": world.cohort.pk,
            "title": "마스터 클래스",
            "speaker": "박강사",
            "starts_at": starts,
            "host": "",
        },
    )

    assert response.status_code == 302
    assert world.cohort.guest_talks.get().title == "마스터 클래스"


def test_talk_create_page_is_403_for_member(world, member_client):
    assert member_client.get("/labs/deep-lab/talks/new/").status_code == 403


@pytest.mark.parametrize("count", [1, 3])
def test_talk_list_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    for n in range(count):
        talk = services.talk_create(
            actor=world.leader,
            cohort=world.cohort,
            title=f"talk {n}",
            speaker="s",
            starts_at=timezone.now() + timedelta(days=n + 1),
            host=world.leader,
        )
        ask(talk, world.member)

    # Session, user, profile; the lab; the viewer's memberships; the talks with counts.
    with django_assert_num_queries(6):
        response = member_client.get("/labs/deep-lab/talks/")

    assert len(response.context["talks"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_talk_page_query_count_is_constant(
    world, talk, member_client, django_assert_num_queries, count
):
    for n in range(count):
        question = ask(talk, MembershipFactory(cohort=world.cohort).user, f"q{n}")
        services.talk_question_vote(actor=world.member, question=question)
        services.talk_question_answer(actor=world.leader, question=question, summary="s")

    # Session, user, profile; the talk (cohort, lab, host); the viewer's memberships; the
    # questions with their authors and my votes.
    with django_assert_num_queries(6):
        response = member_client.get(f"/talks/{talk.pk}/")

    assert len(response.context["questions"]) == count


# --- API -----------------------------------------------------------------------------------------


def test_talk_question_api_vote_unvote_and_answer(world, talk, api_cache):
    member = bearer_client(world.member, scope="write")
    host = bearer_client(world.facilitator, scope="write")
    created = member.post(
        "/api/v1/talk-questions/",
        {"talk": talk.pk, "text": "API 질문"},
        content_type="application/json",
    )
    url = f"/api/v1/talk-questions/{created.json()['id']}/"

    voted = member.post(f"{url}vote/")
    again = member.post(f"{url}vote/")
    unvoted = member.post(f"{url}unvote/")
    answered = host.post(f"{url}answer/", {"summary": "답"}, content_type="application/json")

    assert created.status_code == 201
    assert (voted.json()["vote_count"], voted.json()["voted"]) == (1, True)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_voted")
    assert (unvoted.json()["vote_count"], unvoted.json()["voted"]) == (0, False)
    assert (answered.json()["is_answered"], answered.json()["answer_summary"]) == (True, "답")


def test_talk_question_api_member_cannot_answer(world, talk, api_cache):
    question = ask(talk, world.leader)

    response = bearer_client(world.member, scope="write").post(
        f"/api/v1/talk-questions/{question.pk}/answer/",
        {"summary": "x"},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_talk_api_outsider_gets_404(world, talk, api_cache):
    response = bearer_client(world.outsider).get(f"/api/v1/talks/{talk.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_talk_question_api_list_query_count_is_constant(
    world, talk, api_cache, django_assert_num_queries, count
):
    for n in range(count):
        ask(talk, world.member, f"q{n}")
    client = client_for(world.member)

    # Session, user, profile; the questions (with author, cohort, lab and my vote).
    with django_assert_num_queries(4):
        response = client.get("/api/v1/talk-questions/", {"talk": talk.pk})

    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_talk_api_list_query_count_is_constant(world, api_cache, django_assert_num_queries, count):
    for n in range(count):
        services.talk_create(
            actor=world.leader,
            cohort=world.cohort,
            title=f"t{n}",
            speaker="s",
            starts_at=timezone.now() + timedelta(days=1),
        )
    client = client_for(world.member)

    with django_assert_num_queries(4):
        response = client.get("/api/v1/talks/")

    assert len(response.json()["results"]) == count


# Committed transactions: on PostgreSQL the feed serves a change once its transaction is over.
@pytest.mark.django_db(transaction=True)
def test_talk_vote_shows_up_in_the_changes_feed(world, talk, api_cache):
    question = ask(talk, world.leader)
    api = bearer_client(world.member, scope="write")
    cursor = api.get("/api/v1/changes/", {"since": "now"}).json()["next_cursor"]

    services.talk_question_vote(actor=world.member, question=question)
    changes = api.get("/api/v1/changes/", {"since": cursor}).json()["results"]

    assert [(c["type"], c["id"], c["op"]) for c in changes] == [
        ("talk_question", question.pk, "upsert")
    ]
    assert changes[0]["object"]["vote_count"] == 1
