"""The fair-place algorithm: properties (hypothesis) and worked examples, no database."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sessions.fairplace import (
    Attendee,
    Place,
    PlaceScore,
    Ranking,
    haversine_km,
    normalize_area,
    rank_places,
)

# Greater Seoul, where the labs meet: coordinates in a 60 km box.
LATITUDE = st.floats(min_value=37.2, max_value=37.8, allow_nan=False, allow_infinity=False)
LONGITUDE = st.floats(min_value=126.7, max_value=127.3, allow_nan=False, allow_infinity=False)
MINUTES = st.integers(min_value=0, max_value=300)


@st.composite
def attendees(draw, *, min_size: int = 1, max_size: int = 8) -> list[Attendee]:
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    return [
        Attendee(key=i, area=f"area-{i}", latitude=draw(LATITUDE), longitude=draw(LONGITUDE))
        for i in range(count)
    ]


@st.composite
def places(draw, *, min_size: int = 1, max_size: int = 6, first_key: int = 0) -> list[Place]:
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    return [
        Place(
            key=first_key + i,
            # Few names, so equal names (ties down to the key) happen too.
            name=draw(st.sampled_from(["강남", "성수", "신촌", "잠실"])),
            latitude=draw(LATITUDE),
            longitude=draw(LONGITUDE),
        )
        for i in range(count)
    ]


@st.composite
def full_table(draw, people: list[Attendee], spots: list[Place]) -> dict:
    return {(a.area, p.key): draw(MINUTES) for a in people for p in spots}


@st.composite
def scenarios(draw) -> tuple[list[Attendee], list[Place], dict | None]:
    """Attendees and places, ranked by kilometres (no table) or minutes (a complete table)."""
    people = draw(attendees())
    spots = draw(places())
    table = draw(full_table(people, spots)) if draw(st.booleans()) else None
    return people, spots, table


def best_worst(ranking: Ranking) -> float:
    assert ranking.best is not None
    return ranking.best.worst


def order(ranking: Ranking) -> list:
    return [score.key for score in ranking.scores]


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_adding_a_place_never_lengthens_the_best_worst_trip(data):
    people, spots, table = data.draw(scenarios())
    extra = data.draw(places(min_size=1, max_size=1, first_key=100))[0]
    if table is not None:
        table |= {(a.area, extra.key): data.draw(MINUTES) for a in people}

    before = rank_places(people, spots, table)
    after = rank_places(people, [*spots, extra], table)

    assert after.unit == before.unit
    assert best_worst(after) <= best_worst(before)


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_removing_an_attendee_never_lengthens_the_best_worst_trip(data):
    people, spots, table = data.draw(scenarios())
    assume(len(people) >= 2)
    leaving = data.draw(st.integers(min_value=0, max_value=len(people) - 1))
    rest = people[:leaving] + people[leaving + 1 :]

    before = rank_places(people, spots, table)
    after = rank_places(rest, spots, table)

    assert after.unit == before.unit
    assert best_worst(after) <= best_worst(before)


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_is_invariant_to_attendee_order(data):
    people, spots, table = data.draw(scenarios())
    shuffled = data.draw(st.permutations(people))

    assert rank_places(shuffled, spots, table) == rank_places(people, spots, table)


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_is_invariant_to_place_order(data):
    people, spots, table = data.draw(scenarios())
    shuffled = data.draw(st.permutations(spots))

    assert order(rank_places(people, shuffled, table)) == order(rank_places(people, spots, table))


NEAR = st.floats(min_value=-0.02, max_value=0.02, allow_nan=False)
FAR = st.floats(min_value=0.1, max_value=0.3, allow_nan=False)


@st.composite
def one_place_closest_for_everyone(draw) -> tuple[list[Attendee], list[Place]]:
    """Attendees around a centre with a place on it, and other places well away from them."""
    lat, lng = draw(LATITUDE), draw(LONGITUDE)
    people = [
        Attendee(key=i, area=f"area-{i}", latitude=lat + draw(NEAR), longitude=lng + draw(NEAR))
        for i in range(draw(st.integers(min_value=1, max_value=8)))
    ]
    spots = [
        Place(key=0, name=draw(st.sampled_from(["성수", "잠실"])), latitude=lat, longitude=lng)
    ]
    for key in range(1, draw(st.integers(min_value=2, max_value=6))):
        sign = draw(st.sampled_from([-1, 1]))
        spots.append(
            Place(
                key=key,
                name=draw(st.sampled_from(["강남", "성수", "신촌"])),
                latitude=lat + sign * draw(FAR),
                longitude=lng + draw(NEAR),
            )
        )
    return people, draw(st.permutations(spots))


@settings(max_examples=200)
@given(case=one_place_closest_for_everyone())
def test_rank_places_place_closest_for_everyone_wins_in_kilometres(case):
    people, spots = case
    winner = next(p for p in spots if p.key == 0)
    for a in people:
        mine = haversine_km(a.latitude, a.longitude, winner.latitude, winner.longitude)
        others = [
            haversine_km(a.latitude, a.longitude, p.latitude, p.longitude)
            for p in spots
            if p.key != 0
        ]
        assert all(mine < d for d in others)  # the generator's promise

    ranking = rank_places(people, spots)

    assert ranking.best.key == 0


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_place_closest_for_everyone_wins_in_minutes(data):
    people = data.draw(attendees())
    spots = data.draw(places(min_size=2))
    table = {}
    for a in people:
        fastest = data.draw(st.integers(min_value=0, max_value=100))
        table[(a.area, spots[0].key)] = fastest
        for p in spots[1:]:
            table[(a.area, p.key)] = fastest + data.draw(st.integers(min_value=1, max_value=100))

    ranking = rank_places(people, spots, table)

    assert ranking.unit == "min"
    assert ranking.best.key == spots[0].key


@settings(max_examples=200)
@given(data=st.data())
def test_rank_places_order_follows_worst_then_total_then_name(data):
    people, spots, table = data.draw(scenarios())

    keys = [score.sort_key() for score in rank_places(people, spots, table).scores]

    assert keys == sorted(keys)
    assert len({score[3] for score in keys}) == len(keys)  # every tie ends at a unique key


@settings(max_examples=100)
@given(people=attendees(), spots=places())
def test_rank_places_worst_is_the_longest_trip_and_total_their_sum(people, spots):
    ranking = rank_places(people, spots)

    for score in ranking.scores:
        place = next(p for p in spots if p.key == score.key)
        trips = [
            haversine_km(a.latitude, a.longitude, place.latitude, place.longitude) for a in people
        ]
        assert score.worst == max(trips)
        assert score.total == math.fsum(trips)
        assert score.counted == len(people)


# --- ties, units and what is left out ------------------------------------------------------


def test_rank_places_full_tie_is_broken_by_name_then_key():
    people = [Attendee(key=1, area="성수동")]
    spots = [Place(key=3, name="을지로"), Place(key=2, name="강남"), Place(key=1, name="을지로")]
    table = {("성수동", 1): 30, ("성수동", 2): 30, ("성수동", 3): 30}

    ranking = rank_places(people, spots, table)

    assert order(ranking) == [2, 1, 3]
    assert ranking.reason.decided_by == "name"


def test_rank_places_equal_worst_is_broken_by_total():
    people = [Attendee(key=1, area="a"), Attendee(key=2, area="b")]
    spots = [Place(key=1, name="가"), Place(key=2, name="나")]
    table = {("a", 1): 50, ("b", 1): 40, ("a", 2): 50, ("b", 2): 10}

    ranking = rank_places(people, spots, table)

    assert order(ranking) == [2, 1]
    assert ranking.reason.decided_by == "total"
    assert ranking.reason.runner_up.key == 1


def test_rank_places_minimax_beats_a_smaller_total():
    # Place 1 is shorter in total, but one person would travel 90 minutes.
    people = [Attendee(key=i, area=area) for i, area in enumerate(["a", "b", "c"])]
    spots = [Place(key=1, name="가"), Place(key=2, name="나")]
    table = {("a", 1): 5, ("b", 1): 5, ("c", 1): 90, ("a", 2): 40, ("b", 2): 40, ("c", 2): 40}

    ranking = rank_places(people, spots, table)

    assert ranking.scores == (
        PlaceScore(key=2, name="나", worst=40, total=120, counted=3, unit="min"),
        PlaceScore(key=1, name="가", worst=90, total=100, counted=3, unit="min"),
    )
    assert ranking.reason.decided_by == "worst"


def test_rank_places_one_missing_table_entry_switches_everything_to_kilometres():
    people = [
        Attendee(key=1, area="성수동", latitude=37.54, longitude=127.05),
        Attendee(key=2, area="신촌", latitude=37.56, longitude=126.94),
    ]
    covered = Place(key=1, name="강남역", latitude=37.4979, longitude=127.0276)
    uncovered = Place(key=2, name="을지로", latitude=37.566, longitude=126.991)
    table = {("성수동", 1): 30, ("신촌", 1): 45, ("성수동", 2): 25}

    ranking = rank_places(people, [covered, uncovered], table)

    assert ranking.unit == "km"
    assert ranking.missing_travel_times == (uncovered,)
    assert {score.unit for score in ranking.scores} == {"km"}


def test_rank_places_table_ranks_places_without_coordinates():
    people = [Attendee(key=1, area="성수동"), Attendee(key=2, area="신촌")]
    spots = [Place(key=1, name="공유 오피스"), Place(key=2, name="온라인")]
    table = {("성수동", 1): 30, ("신촌", 1): 20}

    ranking = rank_places(people, spots, table)

    assert ranking.unit == "min"
    assert order(ranking) == [1]
    assert ranking.skipped == (spots[1],)


def test_rank_places_kilometres_skip_places_without_coordinates():
    people = [Attendee(key=1, area="성수동", latitude=37.54, longitude=127.05)]
    online = Place(key=1, name="줌")
    office = Place(key=2, name="강남역", latitude=37.4979, longitude=127.0276)

    ranking = rank_places(people, [online, office])

    assert order(ranking) == [2]
    assert ranking.skipped == (online,)


def test_rank_places_counts_attendees_left_out():
    people = [
        Attendee(key=1, area="성수동", latitude=37.54, longitude=127.05),
        Attendee(key=2),  # no home area at all
        Attendee(key=3, area="신촌"),  # a label without coordinates
    ]
    office = Place(key=1, name="강남역", latitude=37.4979, longitude=127.0276)

    ranking = rank_places(people, [office])

    assert (ranking.counted, ranking.without_home_area, ranking.without_coordinates) == (1, 1, 1)
    assert ranking.best.counted == 1


def test_rank_places_without_counted_attendees_ranks_nothing():
    ranking = rank_places(
        [Attendee(key=1)], [Place(key=1, name="강남", latitude=37.5, longitude=127.0)]
    )

    assert ranking.scores == ()
    assert ranking.best is None
    assert ranking.reason is None
    assert ranking.without_home_area == 1


def test_rank_places_single_candidate_reason_is_only():
    people = [Attendee(key=1, area="a", latitude=37.5, longitude=127.0)]

    ranking = rank_places(people, [Place(key=1, name="가", latitude=37.5, longitude=127.01)])

    assert ranking.reason.decided_by == "only"
    assert ranking.reason.runner_up is None


def test_rank_places_table_areas_match_however_they_are_written():
    people = [Attendee(key=1, area=" 성수동 "), Attendee(key=2, area="Hongdae")]
    table = {("성수동", 1): 30, ("hongdae", 1): 20}

    ranking = rank_places(people, [Place(key=1, name="가")], table)

    assert ranking.unit == "min"
    assert ranking.best.worst == 30


@pytest.mark.parametrize(
    ("raw", "normal"),
    [(" 성수동 ", "성수동"), ("Gangnam  Gu", "gangnam gu"), ("\u1109\u1165\u11bc", "성")],
)
def test_normalize_area_trims_folds_and_composes(raw, normal):
    assert normalize_area(raw) == normal


def test_haversine_km_seoul_station_to_gangnam_station():
    # Seoul Station (37.5547, 126.9707) to Gangnam Station (37.4979, 127.0276): about 8.1 km.
    assert round(haversine_km(37.5547, 126.9707, 37.4979, 127.0276), 1) == 8.1


# --- the whiteboard story ------------------------------------------------------------------

# Five members around Seoul wrote where they live on the whiteboard; three candidate places.
WHITEBOARD_MEMBERS = [
    Attendee(key=1, area="성수동", latitude=37.54, longitude=127.06),
    Attendee(key=2, area="신촌", latitude=37.56, longitude=126.94),
    Attendee(key=3, area="잠실", latitude=37.51, longitude=127.10),
    Attendee(key=4, area="일산", latitude=37.66, longitude=126.77),
    Attendee(key=5, area="수원", latitude=37.27, longitude=127.01),
]
PANGYO = Place(key=1, name="판교 스터디룸", latitude=37.3947, longitude=127.1112)
GANGNAM = Place(key=2, name="강남역 스터디카페", latitude=37.4979, longitude=127.0276)
CITY_HALL = Place(key=3, name="시청 공유오피스", latitude=37.5663, longitude=126.9779)


def test_rank_places_whiteboard_story_picks_the_middle_in_kilometres():
    ranking = rank_places(WHITEBOARD_MEMBERS, [PANGYO, GANGNAM, CITY_HALL])

    assert ranking.unit == "km"
    assert [s.name for s in ranking.scores] == [
        "강남역 스터디카페",
        "시청 공유오피스",
        "판교 스터디룸",
    ]
    assert [round(s.worst, 1) for s in ranking.scores] == [29.0, 33.1, 42.1]
    assert [round(s.total, 1) for s in ranking.scores] == [76.7, 77.8, 112.1]
    assert ranking.reason.decided_by == "worst"
    assert ranking.reason.runner_up.name == "시청 공유오피스"


def test_rank_places_whiteboard_story_with_the_labs_travel_times():
    # Straight lines favour Gangnam; the subway does not: from Ilsan it is 75 minutes.
    minutes = {
        "성수동": (45, 25, 30),
        "신촌": (70, 40, 20),
        "잠실": (35, 20, 40),
        "일산": (110, 75, 50),
        "수원": (40, 50, 70),
    }
    table = {
        (area, place.key): value
        for area, values in minutes.items()
        for place, value in zip([PANGYO, GANGNAM, CITY_HALL], values, strict=True)
    }

    ranking = rank_places(WHITEBOARD_MEMBERS, [PANGYO, GANGNAM, CITY_HALL], table)

    assert ranking.unit == "min"
    assert ranking.scores == (
        PlaceScore(key=3, name="시청 공유오피스", worst=70, total=210, counted=5, unit="min"),
        PlaceScore(key=2, name="강남역 스터디카페", worst=75, total=210, counted=5, unit="min"),
        PlaceScore(key=1, name="판교 스터디룸", worst=110, total=300, counted=5, unit="min"),
    )
    assert ranking.reason.decided_by == "worst"
