"""Date poll services: who may create, answer, reuse answers and schedule; what they refuse."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import MembershipStatus, Role
from sessions.models import Meeting, Poll, PollOption, PollVote
from sessions.services.polls import (
    poll_close_to_meeting,
    poll_copy_answers,
    poll_create,
    poll_vote,
)
from tests.factories import CohortFactory, LocationFactory, MembershipFactory

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_evening(weeks_ahead: int, weekday: int, hour: int = 19) -> datetime:
    """A Seoul time on `weekday` (0 = Monday) about `weeks_ahead` weeks from now."""
    today = timezone.localdate(timezone=SEOUL)
    day = today + timedelta(days=7 * weeks_ahead + (weekday - today.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SEOUL)


def make_poll(world, times=None, **kwargs) -> Poll:
    if times is None:
        times = [seoul_evening(2, 1), seoul_evening(2, 3), seoul_evening(3, 1)]
    return poll_create(
        actor=world.leader,
        cohort=world.cohort,
        title=kwargs.pop("title", "5기 첫 모임"),
        starts_at_options=times,
        duration_minutes=kwargs.pop("duration_minutes", 180),
        **kwargs,
    )


def option_ids(poll: Poll) -> list[int]:
    return list(poll.options.order_by("starts_at").values_list("pk", flat=True))


def my_answers(poll: Poll, user) -> dict[int, str]:
    return dict(
        PollVote.objects.filter(option__poll=poll, user=user).values_list("option_id", "answer")
    )


# --- create ----------------------------------------------------------------------------------


def test_poll_create_by_leader_creates_sorted_distinct_options(world):
    later, earlier = seoul_evening(3, 1), seoul_evening(2, 1)

    poll = make_poll(world, times=[later, earlier, later.astimezone(ZoneInfo("UTC"))])

    assert list(poll.options.values_list("starts_at", flat=True)) == [earlier, later]
    assert (poll.title, poll.duration_minutes, poll.created_by) == (
        "5기 첫 모임",
        180,
        world.leader,
    )


def test_poll_create_by_facilitator_is_allowed(world):
    poll = poll_create(
        actor=world.facilitator,
        cohort=world.cohort,
        title="번개",
        starts_at_options=[seoul_evening(1, 4), seoul_evening(1, 5)],
        duration_minutes=120,
    )

    assert poll.options.count() == 2


def test_poll_create_by_member_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        poll_create(
            actor=world.member,
            cohort=world.cohort,
            title="x",
            starts_at_options=[seoul_evening(1, 1), seoul_evening(1, 2)],
            duration_minutes=60,
        )

    assert Poll.objects.count() == 0


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ([], "starts_at_options"),
        (["one"], "starts_at_options"),
        (["one", "one"], "starts_at_options"),
        (["past", "one"], "starts_at_options"),
        (["naive", "one"], "starts_at_options"),
    ],
)
def test_poll_create_refuses_bad_options(world, times, field):
    one = seoul_evening(2, 1)
    values = {
        "one": one,
        "past": timezone.now() - timedelta(hours=1),
        "naive": one.replace(tzinfo=None) + timedelta(days=1),
    }

    with pytest.raises(ApplicationError) as caught:
        make_poll(world, times=[values[t] for t in times])

    assert list(caught.value.fields) == [field]
    assert Poll.objects.count() == 0


def test_poll_create_refuses_more_than_thirty_options(world):
    start = seoul_evening(1, 0)
    times = [start + timedelta(hours=hour) for hour in range(31)]

    with pytest.raises(ApplicationError) as caught:
        make_poll(world, times=times)

    assert caught.value.fields == {"starts_at_options": ["Propose at most 30 times."]}


def test_poll_create_accepts_thirty_options(world):
    start = seoul_evening(1, 0)

    poll = make_poll(world, times=[start + timedelta(hours=hour) for hour in range(30)])

    assert poll.options.count() == 30


def test_poll_create_refuses_a_place_of_another_lab(world):
    elsewhere = LocationFactory(lab=world.other_lab)

    with pytest.raises(ApplicationError) as caught:
        make_poll(world, location=elsewhere)

    assert list(caught.value.fields) == ["location"]


def test_poll_create_refuses_blank_title_and_bad_duration(world):
    with pytest.raises(ApplicationError) as blank:
        make_poll(world, title="   ")
    with pytest.raises(ApplicationError) as long:
        make_poll(world, duration_minutes=0)

    assert (list(blank.value.fields), list(long.value.fields)) == (["title"], ["duration_minutes"])


# --- vote ------------------------------------------------------------------------------------


def test_poll_vote_saves_one_answer_per_option(world):
    poll = make_poll(world)
    first, second, third = option_ids(poll)

    votes = poll_vote(
        actor=world.member,
        poll=poll,
        answers={first: "yes", second: "if_need_be", third: "no"},
    )

    assert len(votes) == 3
    assert my_answers(poll, world.member) == {first: "yes", second: "if_need_be", third: "no"}


def test_poll_vote_replaces_previous_answers(world):
    poll = make_poll(world)
    first, second, third = option_ids(poll)
    poll_vote(actor=world.member, poll=poll, answers={first: "yes", second: "yes", third: "yes"})

    poll_vote(actor=world.member, poll=poll, answers={first: "no", second: "no", third: "yes"})

    assert my_answers(poll, world.member) == {first: "no", second: "no", third: "yes"}
    assert PollVote.objects.filter(user=world.member).count() == 3


def test_poll_vote_with_a_bad_answer_keeps_previous_answers(world):
    poll = make_poll(world)
    first, second, third = option_ids(poll)
    poll_vote(actor=world.member, poll=poll, answers={first: "yes", second: "yes", third: "yes"})

    with pytest.raises(ApplicationError) as caught:
        poll_vote(
            actor=world.member, poll=poll, answers={first: "no", second: "maybe", third: "no"}
        )

    assert caught.value.fields == {str(second): ["Answer yes, if need be, or no."]}
    assert my_answers(poll, world.member) == {first: "yes", second: "yes", third: "yes"}


def test_poll_vote_must_answer_every_option_of_this_poll_only(world):
    poll = make_poll(world)
    other = make_poll(world, title="다른 투표")
    first, second, third = option_ids(poll)
    foreign = option_ids(other)[0]

    with pytest.raises(ApplicationError) as caught:
        poll_vote(
            actor=world.member, poll=poll, answers={first: "yes", second: "no", foreign: "no"}
        )

    assert caught.value.fields == {
        str(foreign): ["Not a candidate time of this poll."],
        str(third): ["Answer this time too."],
    }
    assert PollVote.objects.count() == 0


def test_poll_vote_by_member_of_another_cohort_is_refused(world):
    other_cohort = CohortFactory(lab=world.lab, number=4)
    stranger = MembershipFactory(cohort=other_cohort, role=Role.MEMBER).user
    poll = make_poll(world)
    answers = dict.fromkeys(option_ids(poll), "yes")

    with pytest.raises(PermissionDeniedError):
        poll_vote(actor=stranger, poll=poll, answers=answers)

    assert PollVote.objects.count() == 0


def test_poll_vote_by_member_who_left_is_refused(world):
    membership = world.member_membership
    membership.status = MembershipStatus.LEFT
    membership.left_on = timezone.localdate()
    membership.save()
    poll = make_poll(world)

    with pytest.raises(PermissionDeniedError):
        poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(option_ids(poll), "yes"))


def test_poll_vote_on_closed_poll_is_refused_and_changes_nothing(world):
    poll = make_poll(world)
    ids = option_ids(poll)
    poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids, "yes"))
    poll_close_to_meeting(actor=world.leader, poll=poll, option=poll.options.first())

    with pytest.raises(ConflictError) as caught:
        poll_vote(actor=world.member, poll=poll, answers=dict.fromkeys(ids, "no"))

    assert caught.value.code == "poll_closed"
    assert my_answers(poll, world.member) == dict.fromkeys(ids, "yes")


# --- reuse answers ---------------------------------------------------------------------------


def option_at(poll: Poll, moment: datetime) -> int:
    return poll.options.get(starts_at=moment).pk


def test_poll_copy_answers_matches_same_weekday_and_time(world):
    tuesday, thursday, saturday = seoul_evening(2, 1), seoul_evening(2, 3), seoul_evening(2, 5)
    source = make_poll(world, title="지난 투표", times=[tuesday, thursday, saturday])
    poll_vote(
        actor=world.member,
        poll=source,
        answers={
            option_at(source, tuesday): "yes",
            option_at(source, thursday): "if_need_be",
            option_at(source, saturday): "no",
        },
    )
    # A week later: Tuesday and Thursday at the same times, Friday is new, Saturday is at 10:00.
    later = [tuesday, thursday, seoul_evening(3, 4), seoul_evening(3, 5, hour=10)]
    poll = make_poll(
        world, title="다음 투표", times=[t + timedelta(weeks=1) for t in later[:2]] + later[2:]
    )

    copied = poll_copy_answers(actor=world.member, poll=poll, source_poll=source)

    assert copied == 2
    assert my_answers(poll, world.member) == {
        option_at(poll, tuesday + timedelta(weeks=1)): "yes",
        option_at(poll, thursday + timedelta(weeks=1)): "if_need_be",
    }


def first_weekday_of(year: int, month: int, weekday: int, hour: int) -> datetime:
    day = datetime(year, month, 1, hour, 0, tzinfo=SEOUL)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.mark.parametrize(("zone", "expected_hour"), [("Asia/Seoul", 19), ("Europe/Berlin", 18)])
def test_poll_copy_answers_uses_the_members_own_time_zone(world, zone, expected_hour):
    # Tuesday 19:00 in Seoul is 11:00 in Berlin in January but 12:00 in July (summer time),
    # when Berlin's Tuesday 11:00 is 18:00 in Seoul.
    profile = world.member.profile
    profile.timezone = zone
    profile.save()
    year = timezone.now().year + 1
    source = make_poll(
        world,
        title="겨울 투표",
        times=[first_weekday_of(year, 1, 1, 19), first_weekday_of(year, 1, 3, 19)],
    )
    poll_vote(actor=world.member, poll=source, answers=dict.fromkeys(option_ids(source), "yes"))
    summer_18, summer_19 = first_weekday_of(year, 7, 1, 18), first_weekday_of(year, 7, 1, 19)
    poll = make_poll(world, title="여름 투표", times=[summer_18, summer_19])
    expected = poll.options.get(starts_at=summer_18 if expected_hour == 18 else summer_19)

    copied = poll_copy_answers(actor=world.member, poll=poll, source_poll=source)

    assert copied == 1
    assert my_answers(poll, world.member) == {expected.pk: "yes"}


def test_poll_copy_answers_leaves_other_members_alone(world):
    source = make_poll(world, title="지난 투표")
    poll_vote(actor=world.member, poll=source, answers=dict.fromkeys(option_ids(source), "no"))
    poll_vote(actor=world.leader, poll=source, answers=dict.fromkeys(option_ids(source), "yes"))
    poll = make_poll(
        world,
        times=[t + timedelta(weeks=4) for t in source.options.values_list("starts_at", flat=True)],
    )

    copied = poll_copy_answers(actor=world.member, poll=poll, source_poll=source)

    assert copied == 3
    assert my_answers(poll, world.member) == dict.fromkeys(option_ids(poll), "no")
    assert my_answers(poll, world.leader) == {}


def test_poll_copy_answers_refuses_a_poll_of_another_cohort(world):
    other_cohort = CohortFactory(lab=world.lab, number=4)
    MembershipFactory(cohort=other_cohort, user=world.leader, role=Role.LEADER)
    source = poll_create(
        actor=world.leader,
        cohort=other_cohort,
        title="4기",
        starts_at_options=[seoul_evening(1, 1), seoul_evening(1, 2)],
        duration_minutes=60,
    )
    poll = make_poll(world)

    with pytest.raises(ApplicationError) as caught:
        poll_copy_answers(actor=world.member, poll=poll, source_poll=source)

    assert caught.value.code == "invalid_source"


def test_poll_copy_answers_on_closed_poll_is_refused(world):
    source = make_poll(world, title="지난 투표")
    poll_vote(actor=world.member, poll=source, answers=dict.fromkeys(option_ids(source), "yes"))
    poll = make_poll(
        world,
        times=[t + timedelta(weeks=1) for t in source.options.values_list("starts_at", flat=True)],
    )
    poll_close_to_meeting(actor=world.leader, poll=poll, option=poll.options.first())

    with pytest.raises(ConflictError):
        poll_copy_answers(actor=world.member, poll=poll, source_poll=source)

    assert my_answers(poll, world.member) == {}


# --- schedule --------------------------------------------------------------------------------


def test_poll_close_to_meeting_creates_one_meeting_and_closes_the_poll(world):
    place = LocationFactory(lab=world.lab)
    poll = make_poll(world, location=place)
    option = poll.options.order_by("starts_at").last()

    meeting = poll_close_to_meeting(actor=world.leader, poll=poll, option=option)

    poll.refresh_from_db()
    assert Meeting.objects.count() == 1
    assert (
        meeting.cohort,
        meeting.starts_at,
        meeting.ends_at,
        meeting.title,
        meeting.location,
    ) == (
        world.cohort,
        option.starts_at,
        option.starts_at + timedelta(minutes=180),
        "5기 첫 모임",
        place,
    )
    assert poll.meeting == meeting
    assert poll.closed_at is not None


def test_poll_close_to_meeting_twice_is_a_conflict(world):
    poll = make_poll(world)
    first, second = poll.options.order_by("starts_at")[:2]
    meeting = poll_close_to_meeting(actor=world.leader, poll=poll, option=first)

    with pytest.raises(ConflictError) as caught:
        poll_close_to_meeting(actor=world.leader, poll=poll, option=second)

    poll.refresh_from_db()
    assert caught.value.status == 409
    assert Meeting.objects.count() == 1
    assert poll.meeting == meeting


def test_poll_close_to_meeting_by_member_is_refused(world):
    poll = make_poll(world)

    with pytest.raises(PermissionDeniedError):
        poll_close_to_meeting(actor=world.member, poll=poll, option=poll.options.first())

    poll.refresh_from_db()
    assert (Meeting.objects.count(), poll.closed_at) == (0, None)


def test_poll_close_to_meeting_refuses_an_option_of_another_poll(world):
    poll = make_poll(world)
    other = make_poll(world, title="다른 투표")

    with pytest.raises(ApplicationError) as caught:
        poll_close_to_meeting(actor=world.leader, poll=poll, option=other.options.first())

    assert caught.value.code == "invalid_option"
    assert Meeting.objects.count() == 0


def test_poll_option_rows_are_removed_with_the_poll(world):
    poll = make_poll(world)

    poll.delete()

    assert PollOption.objects.count() == 0
