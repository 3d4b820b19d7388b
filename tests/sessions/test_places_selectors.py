"""Places selectors: the fair place suggestion for a meeting, and who may manage places."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from labs.models import CohortStatus, MembershipStatus, Role
from labs.selectors import viewer_access_for_lab
from members.models import Profile
from sessions.fairplace import PlaceScore
from sessions.models import RsvpAnswer, TravelTime
from sessions.selectors.places import (
    can_change_places,
    location_list_for_lab,
    place_ranking_for_meeting,
    place_suggestion_for_meeting,
)
from tests.factories import (
    CohortFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    RsvpFactory,
    UserFactory,
)

# The whiteboard story: five members around Seoul, three candidate places.
HOMES = [
    ("성수동", "37.54", "127.06"),
    ("신촌", "37.56", "126.94"),
    ("잠실", "37.51", "127.10"),
    ("일산", "37.66", "126.77"),
    ("수원", "37.27", "127.01"),
]
PLACES = [
    ("판교 스터디룸", "37.394700", "127.111200"),
    ("강남역 스터디카페", "37.497900", "127.027600"),
    ("시청 공유오피스", "37.566300", "126.977900"),
]
MINUTES = {
    "성수동": (45, 25, 30),
    "신촌": (70, 40, 20),
    "잠실": (35, 20, 40),
    "일산": (110, 75, 50),
    "수원": (40, 50, 70),
}


def set_home(user, area: str, latitude: str | None, longitude: str | None) -> None:
    Profile.objects.filter(user=user).update(
        home_area=area,
        home_latitude=Decimal(latitude) if latitude else None,
        home_longitude=Decimal(longitude) if longitude else None,
    )


@pytest.fixture
def whiteboard(world):
    """The world's leader, facilitator and member plus two more members, each with a home
    area; the lab's three places; a meeting of the cohort."""
    people = [
        world.leader,
        world.facilitator,
        world.member,
        *(MembershipFactory(cohort=world.cohort).user for _ in range(2)),
    ]
    for user, (area, lat, lng) in zip(people, HOMES, strict=True):
        set_home(user, area, lat, lng)
    places = [
        LocationFactory(lab=world.lab, name=name, latitude=Decimal(lat), longitude=Decimal(lng))
        for name, lat, lng in PLACES
    ]
    meeting = MeetingFactory(cohort=world.cohort)
    return people, places, meeting


def upload_minutes(lab, places) -> None:
    for area, values in MINUTES.items():
        for place, minutes in zip(places, values, strict=True):
            TravelTime.objects.create(lab=lab, area=area, location=place, minutes=minutes)


def test_place_suggestion_whiteboard_story_in_kilometres(whiteboard):
    people, _places, meeting = whiteboard
    for user in people:
        RsvpFactory(meeting=meeting, user=user, answer=RsvpAnswer.YES)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.source == "rsvp"
    assert suggestion.unit == "km"
    assert [row.location.name for row in suggestion.rows] == [
        "강남역 스터디카페",
        "시청 공유오피스",
        "판교 스터디룸",
    ]
    assert [(row.worst_label, row.total_label, row.counted) for row in suggestion.rows] == [
        ("29.0 km", "76.7 km", 5),
        ("33.1 km", "77.8 km", 5),
        ("42.1 km", "112.1 km", 5),
    ]
    assert suggestion.reason == (
        "Longest trip 29.0 km (vs 33.1 km at 시청 공유오피스), total 76.7 km for 5 people."
    )


def test_place_suggestion_whiteboard_story_with_travel_times(whiteboard):
    people, places, meeting = whiteboard
    upload_minutes(meeting.cohort.lab, places)
    for user in people:
        RsvpFactory(meeting=meeting, user=user, answer=RsvpAnswer.YES)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.unit == "min"
    assert [(r.location.name, r.worst_label, r.total_label) for r in suggestion.rows] == [
        ("시청 공유오피스", "70 min", "210 min"),
        ("강남역 스터디카페", "75 min", "210 min"),
        ("판교 스터디룸", "110 min", "300 min"),
    ]
    assert suggestion.reason == (
        "Longest trip 70 min (vs 75 min at 강남역 스터디카페), total 210 min for 5 people."
    )


def test_place_suggestion_counts_only_those_who_come(whiteboard):
    people, places, meeting = whiteboard
    # Ilsan and Suwon, the two far ends, are not coming; Seongsu may come.
    RsvpFactory(meeting=meeting, user=people[0], answer=RsvpAnswer.MAYBE)
    RsvpFactory(meeting=meeting, user=people[1], answer=RsvpAnswer.YES)
    RsvpFactory(meeting=meeting, user=people[2], answer=RsvpAnswer.YES)
    RsvpFactory(meeting=meeting, user=people[3], answer=RsvpAnswer.NO)
    RsvpFactory(meeting=meeting, user=people[4], answer=RsvpAnswer.NO)
    upload_minutes(meeting.cohort.lab, places)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.attendees == 3
    assert [(r.location.name, r.worst, r.total) for r in suggestion.rows] == [
        ("강남역 스터디카페", 40, 85),
        ("시청 공유오피스", 40, 90),
        ("판교 스터디룸", 70, 150),
    ]
    assert suggestion.reason == (
        "Same longest trip as 시청 공유오피스 (40 min), but a shorter total: 85 min vs 90 min "
        "for 3 people."
    )


def test_place_suggestion_before_anyone_answers_counts_the_whole_cohort(whiteboard):
    _people, _places, meeting = whiteboard

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.source == "cohort"
    assert suggestion.attendees == 5
    assert suggestion.rows[0].location.name == "강남역 스터디카페"


def test_place_suggestion_when_everyone_declines_ranks_nothing(whiteboard):
    people, _places, meeting = whiteboard
    for user in people:
        RsvpFactory(meeting=meeting, user=user, answer=RsvpAnswer.NO)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert (suggestion.source, suggestion.attendees, suggestion.rows) == ("rsvp", 0, ())
    assert suggestion.reason == ""


def test_place_suggestion_ignores_people_who_left_and_other_cohorts(whiteboard):
    people, _places, meeting = whiteboard
    left = MembershipFactory(
        cohort=meeting.cohort, status=MembershipStatus.LEFT, left_on="2026-02-01"
    ).user
    stranger = MembershipFactory(cohort=CohortFactory(lab=meeting.cohort.lab)).user
    for user in (left, stranger):
        set_home(user, "일산", "37.66", "126.77")
    for user in [*people, left, stranger]:
        RsvpFactory(meeting=meeting, user=user, answer=RsvpAnswer.YES)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.attendees == 5


def test_place_suggestion_counts_people_without_a_home_area_apart(whiteboard):
    people, _places, meeting = whiteboard
    set_home(people[3], "", None, None)
    set_home(people[4], "수원", None, None)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.attendees == 5
    assert suggestion.ranking.counted == 3
    assert suggestion.ranking.without_home_area == 1
    assert suggestion.ranking.without_coordinates == 1
    assert [row.counted for row in suggestion.rows] == [3, 3, 3]


def test_place_suggestion_hides_figures_below_three_people(whiteboard):
    people, _places, meeting = whiteboard
    RsvpFactory(meeting=meeting, user=people[0], answer=RsvpAnswer.YES)
    RsvpFactory(meeting=meeting, user=people[1], answer=RsvpAnswer.YES)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.figures_hidden is True
    assert [(r.location.name, r.worst_label, r.total_label) for r in suggestion.rows] == [
        ("시청 공유오피스", "", ""),
        ("강남역 스터디카페", "", ""),
        ("판교 스터디룸", "", ""),
    ]
    assert suggestion.reason == (
        "시청 공유오피스 keeps the longest trip shortest. Trip figures are hidden while fewer "
        "than 3 of the people expected have a home area, so that nobody's home can be worked "
        "out from them."
    )


def test_place_suggestion_falls_back_to_kilometres_and_names_uncovered_places(whiteboard):
    _people, places, meeting = whiteboard
    upload_minutes(meeting.cohort.lab, places)
    newer = LocationFactory(lab=meeting.cohort.lab, name="을지로 카페")

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.unit == "km"
    assert suggestion.has_travel_times is True
    assert suggestion.missing_travel_times == (newer,)


def test_place_suggestion_skips_places_without_coordinates(whiteboard):
    _people, _places, meeting = whiteboard
    online = LocationFactory(lab=meeting.cohort.lab, name="줌", latitude=None, longitude=None)

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert suggestion.skipped == (online,)
    assert len(suggestion.rows) == 3


def test_place_suggestion_marks_the_meetings_current_place(whiteboard):
    _people, places, meeting = whiteboard
    meeting.location = places[2]
    meeting.save(update_fields=["location"])

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert [row.is_current for row in suggestion.rows] == [False, True, False]


def test_place_suggestion_never_uses_another_labs_places(whiteboard, world):
    _people, _places, meeting = whiteboard
    LocationFactory(lab=world.other_lab, name="다른 랩", latitude=Decimal("37.5"))

    suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert "다른 랩" not in [row.location.name for row in suggestion.rows]
    assert len(suggestion.rows) == 3


def test_place_ranking_for_meeting_returns_scores_best_first(whiteboard):
    _people, places, meeting = whiteboard
    upload_minutes(meeting.cohort.lab, places)

    scores = place_ranking_for_meeting(meeting=meeting)

    assert scores == [
        PlaceScore(
            key=places[2].pk, name="시청 공유오피스", worst=70, total=210, counted=5, unit="min"
        ),
        PlaceScore(
            key=places[1].pk, name="강남역 스터디카페", worst=75, total=210, counted=5, unit="min"
        ),
        PlaceScore(
            key=places[0].pk, name="판교 스터디룸", worst=110, total=300, counted=5, unit="min"
        ),
    ]


@pytest.mark.parametrize("people", [3, 12])
def test_place_suggestion_query_count_is_constant(world, django_assert_num_queries, people):
    meeting = MeetingFactory(cohort=world.cohort)
    for i in range(people):
        user = MembershipFactory(cohort=world.cohort).user
        set_home(user, f"동네{i}", "37.5", "127.0")
        RsvpFactory(meeting=meeting, user=user)
    for i in range(people):
        LocationFactory(lab=world.lab, name=f"장소{i}")

    with django_assert_num_queries(4):
        suggestion = place_suggestion_for_meeting(meeting=meeting)

    assert len(suggestion.rows) == people


# --- lists and permissions -----------------------------------------------------------------


def test_location_list_for_lab_counts_meetings_per_place(world):
    busy = LocationFactory(lab=world.lab, name="가 카페")
    LocationFactory(lab=world.lab, name="나 카페")
    LocationFactory(lab=world.other_lab, name="다 카페")
    MeetingFactory(cohort=world.cohort, location=busy)
    MeetingFactory(cohort=world.cohort, location=busy)

    rows = [(p.name, p.meeting_count) for p in location_list_for_lab(lab=world.lab)]

    assert rows == [("가 카페", 2), ("나 카페", 0)]


@pytest.fixture
def place_people(world):
    finished = CohortFactory(lab=world.lab, number=1, status=CohortStatus.FINISHED)
    return {
        "leader": world.leader,
        "facilitator": world.facilitator,
        "member": world.member,
        "outsider": world.outsider,
        "superuser": UserFactory(is_superuser=True),
        "old facilitator": MembershipFactory(cohort=finished, role=Role.FACILITATOR).user,
        "guest": MembershipFactory(cohort=world.cohort, role=Role.GUEST).user,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize(
    "who",
    [
        "leader",
        "facilitator",
        "member",
        "outsider",
        "superuser",
        "old facilitator",
        "guest",
        "anonymous",
    ],
)
def test_can_change_places_agrees_with_the_rule(world, place_people, who):
    user = place_people[who]

    access = viewer_access_for_lab(user=user, lab=world.lab)

    assert can_change_places(access) is user.has_perm("study_sessions.change_location", world.lab)
