"""Date poll pages: visibility, permissions, answering with and without htmx, scheduling."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import Role
from sessions.models import Meeting, Poll, PollVote
from sessions.services.polls import poll_close_to_meeting, poll_create, poll_vote
from tests.conftest import client_for
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory

SEOUL = ZoneInfo("Asia/Seoul")
HTMX = {"HX-Request": "true"}
POLLS_URL = reverse("sessions:polls", kwargs={"slug": "deep-lab", "number": 5})
CREATE_URL = reverse("sessions:poll_create", kwargs={"slug": "deep-lab", "number": 5})


def future(hours: int) -> datetime:
    base = timezone.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
    return base + timedelta(days=7, hours=hours)


def make_poll(world, count: int = 3, title: str = "5기 첫 모임") -> Poll:
    return poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title=title,
        starts_at_options=[future(hour) for hour in range(count)],
        duration_minutes=120,
    )


def ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("starts_at").values_list("pk", flat=True))


def url(name: str, poll: Poll) -> str:
    return reverse(f"sessions:{name}", kwargs={"pk": poll.pk})


def answers_form(poll: Poll, *answers: str) -> dict[str, str]:
    return {f"answer-{pk}": answer for pk, answer in zip(ids(poll), answers, strict=True)}


def my_answers(poll: Poll, user) -> list[str]:
    return list(
        PollVote.objects.filter(option__poll=poll, user=user)
        .order_by("option__starts_at")
        .values_list("answer", flat=True)
    )


def another_cohort_member(world):
    return MembershipFactory(cohort=CohortFactory(lab=world.lab, number=4), role=Role.MEMBER).user


# --- visibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["poll_detail", "poll_vote", "poll_copy_answers", "poll_to_meeting"]
)
def test_poll_pages_are_404_for_outsiders(world, outsider_client, name):
    poll = make_poll(world)
    method = outsider_client.get if name == "poll_detail" else outsider_client.post

    response = method(url(name, poll))

    assert response.status_code == 404


@pytest.mark.parametrize("page", [POLLS_URL, CREATE_URL])
def test_poll_cohort_pages_are_404_for_outsiders(world, outsider_client, page):
    assert outsider_client.get(page).status_code == 404


def test_poll_detail_redirects_anonymous_to_login(world):
    poll = make_poll(world)

    response = client_for(None).get(url("poll_detail", poll))

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


# --- list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("polls", [1, 3])
def test_poll_list_query_count_is_constant(world, django_assert_num_queries, polls):
    for number in range(polls):
        make_poll(world, title=f"투표 {number}")
    client = client_for(world.member)

    # session, user, profile; cohort; the viewer's memberships; the polls with their counts.
    with django_assert_num_queries(6):
        response = client.get(POLLS_URL)

    assert response.content.count(b'data-testid="poll-item"') == polls


def test_poll_list_shows_create_link_to_managers_only(world, leader_client, member_client):
    assert b'data-testid="poll-create-link"' in leader_client.get(POLLS_URL).content
    assert b'data-testid="poll-create-link"' not in member_client.get(POLLS_URL).content


# --- create --------------------------------------------------------------------------------


def test_poll_create_page_is_403_for_members(world, member_client):
    response = member_client.get(CREATE_URL)

    assert response.status_code == 403


def test_poll_create_post_creates_the_poll_in_the_viewers_zone(world, leader_client):
    day = (timezone.now() + timedelta(days=10)).astimezone(SEOUL).date()
    data = {
        "title": "6월 모임",
        "duration_minutes": "180",
        "location": "",
        "option_1": f"{day.isoformat()}T19:00",
        "option_2": "",
        "option_3": f"{day.isoformat()}T20:30",
    }

    response = leader_client.post(CREATE_URL, data)

    poll = Poll.objects.get()
    assert response.status_code == 302
    assert response.url == url("poll_detail", poll)
    assert list(poll.options.values_list("starts_at", flat=True)) == [
        datetime(day.year, day.month, day.day, 19, 0, tzinfo=SEOUL),
        datetime(day.year, day.month, day.day, 20, 30, tzinfo=SEOUL),
    ]


def test_poll_create_with_one_time_rerenders_the_form_with_the_reason(world, leader_client):
    day = (timezone.now() + timedelta(days=10)).astimezone(SEOUL).date()
    data = {"title": "모임", "duration_minutes": "60", "option_1": f"{day.isoformat()}T19:00"}

    response = leader_client.post(CREATE_URL, data, headers=HTMX)

    assert response.status_code == 200
    assert "Propose at least two different times." in response.content.decode()
    assert b"<html" not in response.content
    assert Poll.objects.count() == 0


def test_poll_create_form_has_eight_empty_time_rows(world, leader_client):
    response = leader_client.get(CREATE_URL)

    assert response.content.count(b'type="datetime-local"') == 8


# --- the poll page -------------------------------------------------------------------------


def test_poll_detail_shows_times_in_the_viewers_zone(world):
    poll = make_poll(world, count=2)
    profile = world.member.profile
    profile.timezone = "America/New_York"
    profile.save()
    first = (
        poll.options.order_by("starts_at")
        .first()
        .starts_at.astimezone(ZoneInfo("America/New_York"))
    )

    response = client_for(world.member).get(url("poll_detail", poll))

    assert first.strftime("%Y-%m-%d") + " (" in response.content.decode()
    assert f"{first:%H:%M}" in response.content.decode()
    assert "America/New_York" in response.content.decode()


def test_poll_detail_highlights_the_winner_and_offers_schedule_to_managers(world):
    poll = make_poll(world)
    poll_vote(
        actor=world.member,
        poll=poll,
        answers=dict(zip(ids(poll), ["no", "yes", "no"], strict=True)),
    )

    leader_page = client_for(world.leader).get(url("poll_detail", poll)).content.decode()
    member_page = client_for(world.member).get(url("poll_detail", poll)).content.decode()

    assert f'data-testid="poll-winner" data-option="{ids(poll)[1]}"' in leader_page
    assert leader_page.count('data-testid="poll-schedule"') == 3
    assert 'data-testid="poll-schedule"' not in member_page
    assert 'data-testid="poll-vote-form"' in member_page


@pytest.mark.parametrize("size", [3, 10])
def test_poll_detail_query_count_is_constant(world, django_assert_num_queries, size):
    poll = make_poll(world, count=size)
    users = [world.leader, world.facilitator, world.member]
    users += [MembershipFactory(cohort=world.cohort).user for _ in range(size - 3)]
    for user in users:
        poll_vote(actor=user, poll=poll, answers=dict.fromkeys(ids(poll), "if_need_be"))
    client = client_for(world.member)

    # session, user, profile; poll (with cohort, lab, place, meeting); the viewer's
    # memberships; options; members; votes; the previous answered poll.
    with django_assert_num_queries(9):
        response = client.get(url("poll_detail", poll))

    assert response.content.count(b'data-testid="poll-grid-row"') == size
    assert response.content.count(b'class="poll-cell poll-cell-if_need_be"') == size * size


# --- answering -----------------------------------------------------------------------------


def test_poll_vote_without_js_saves_and_redirects(world, member_client):
    poll = make_poll(world)

    response = member_client.post(
        url("poll_vote", poll), answers_form(poll, "yes", "no", "if_need_be")
    )

    assert response.status_code == 302
    assert response.url == url("poll_detail", poll)
    assert my_answers(poll, world.member) == ["yes", "no", "if_need_be"]


def test_poll_vote_with_htmx_returns_the_grid_partial(world, member_client):
    poll = make_poll(world)
    poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "no"))

    response = member_client.post(
        url("poll_vote", poll), answers_form(poll, "yes", "yes", "no"), headers=HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="poll-grid"')
    assert body.count('class="poll-cell poll-cell-yes"') == 2
    assert my_answers(poll, world.member) == ["yes", "yes", "no"]


def test_poll_vote_missing_answer_rerenders_with_error(world, member_client):
    poll = make_poll(world)

    response = member_client.post(
        url("poll_vote", poll),
        answers_form(poll, "yes", "no", "no") | {f"answer-{ids(poll)[2]}": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert 'data-testid="poll-error"' in response.content.decode()
    assert my_answers(poll, world.member) == []


def test_poll_vote_by_member_of_another_cohort_is_403(world):
    poll = make_poll(world)
    client = client_for(another_cohort_member(world))

    response = client.post(url("poll_vote", poll), answers_form(poll, "yes", "yes", "yes"))

    assert response.status_code == 403
    assert PollVote.objects.count() == 0


def test_poll_vote_on_closed_poll_shows_why_and_changes_nothing(world, member_client):
    poll = make_poll(world)
    poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids(poll), "yes"))
    poll_close_to_meeting(actor=world.leader, poll=poll, option=poll.options.first())

    response = member_client.post(url("poll_vote", poll), answers_form(poll, "no", "no", "no"))

    assert response.status_code == 200
    assert "This poll is closed." in response.content.decode()
    assert my_answers(poll, world.member) == ["yes", "yes", "yes"]


def test_poll_reuse_answers_copies_from_the_previous_poll(world, member_client):
    source = make_poll(world, title="지난 투표")
    poll_vote(
        actor=world.member,
        poll=source,
        answers=dict(zip(ids(source), ["yes", "no", "if_need_be"], strict=True)),
    )
    times = [
        t + timedelta(weeks=1)
        for t in source.options.order_by("starts_at").values_list("starts_at", flat=True)
    ]
    poll = poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title="이번 투표",
        starts_at_options=times,
        duration_minutes=60,
    )
    page = member_client.get(url("poll_detail", poll)).content.decode()

    response = member_client.post(
        url("poll_copy_answers", poll), {"source": source.pk}, headers=HTMX
    )

    assert 'data-testid="poll-reuse"' in page
    assert response.status_code == 200
    assert "Reused 3 answers" in response.content.decode()
    assert my_answers(poll, world.member) == ["yes", "no", "if_need_be"]


# --- scheduling ----------------------------------------------------------------------------


def test_poll_to_meeting_by_leader_creates_the_meeting_and_redirects(world, leader_client):
    poll = make_poll(world)
    option = poll.options.order_by("starts_at").last()

    response = leader_client.post(url("poll_to_meeting", poll), {"option": option.pk})

    meeting = Meeting.objects.get()
    poll.refresh_from_db()
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert (meeting.starts_at, poll.meeting) == (option.starts_at, meeting)


def test_poll_to_meeting_second_time_shows_closed_and_creates_nothing(world, leader_client):
    poll = make_poll(world)
    first, second = poll.options.order_by("starts_at")[:2]
    leader_client.post(url("poll_to_meeting", poll), {"option": first.pk})

    response = leader_client.post(url("poll_to_meeting", poll), {"option": second.pk})

    assert response.status_code == 200
    assert "This poll is closed." in response.content.decode()
    assert Meeting.objects.count() == 1


def test_poll_to_meeting_by_member_is_403(world, member_client):
    poll = make_poll(world)

    response = member_client.post(url("poll_to_meeting", poll), {"option": ids(poll)[0]})

    poll.refresh_from_db()
    assert response.status_code == 403
    assert (Meeting.objects.count(), poll.closed_at) == (0, None)


def test_poll_to_meeting_warns_about_an_overlapping_meeting(world, leader_client):
    poll = make_poll(world)
    option = poll.options.order_by("starts_at").first()
    MeetingFactory(cohort=world.cohort, number=1, starts_at=option.starts_at)

    response = leader_client.post(url("poll_to_meeting", poll), {"option": option.pk}, follow=True)

    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["success", "warning"]
