"""Places services: saving places, the travel-time CSV import and members' home areas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import CohortStatus, Role
from members.models import Profile
from sessions.models import Location, Meeting, MeetingSeries, TravelTime
from sessions.services.places import (
    home_area_clear,
    home_area_set,
    location_create,
    location_delete,
    location_update,
    travel_times_import,
    travel_times_parse,
)
from tests.factories import CohortFactory, LocationFactory, MeetingFactory, MembershipFactory

PLACE = {
    "name": "성수 스터디룸",
    "address": "서울 성동구 아차산로 1",
    "latitude": "37.5446123",
    "longitude": "127.0557",
    "capacity": 12,
    "online_url": "https://meet.example.com/deep-lab",
    "notes": "2층",
}


def place_values(location: Location) -> dict:
    return {
        "name": location.name,
        "address": location.address,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "capacity": location.capacity,
        "online_url": location.online_url,
        "notes": location.notes,
    }


# --- places --------------------------------------------------------------------------------


def test_location_create_by_leader_saves_rounded_coordinates(world):
    location = location_create(actor=world.leader, lab=world.lab, **PLACE)

    location.refresh_from_db()
    assert place_values(location) == {
        **PLACE,
        "latitude": Decimal("37.544612"),
        "longitude": Decimal("127.055700"),
    }
    assert location.lab == world.lab


def test_location_create_by_facilitator_is_allowed(world):
    location = location_create(actor=world.facilitator, lab=world.lab, name="강남역")

    assert Location.objects.get(pk=location.pk).name == "강남역"


def test_location_create_by_member_is_refused(world):
    with pytest.raises(PermissionDeniedError) as exc:
        location_create(actor=world.member, lab=world.lab, name="강남역")

    assert exc.value.message == "Only the lab's leaders and facilitators can manage places."
    assert Location.objects.count() == 0


def test_location_create_by_facilitator_of_finished_cohort_is_refused(world):
    finished = CohortFactory(lab=world.lab, number=1, status=CohortStatus.FINISHED)
    old_hand = MembershipFactory(cohort=finished, role=Role.FACILITATOR).user

    with pytest.raises(PermissionDeniedError):
        location_create(actor=old_hand, lab=world.lab, name="강남역")


def test_location_create_by_outsider_is_refused(world):
    with pytest.raises(PermissionDeniedError):
        location_create(actor=world.outsider, lab=world.lab, name="강남역")


@pytest.mark.parametrize(
    ("latitude", "longitude", "fields"),
    [
        ("90.5", "127", {"latitude": ["Must be between -90 and 90."]}),
        ("37.5", "-180.01", {"longitude": ["Must be between -180 and 180."]}),
        ("37.5", None, {"longitude": ["Enter both latitude and longitude, or neither."]}),
        ("", "127", {"latitude": ["Enter both latitude and longitude, or neither."]}),
        ("north", "127", {"latitude": ["Enter a number, such as 37.54."]}),
        ("NaN", "127", {"latitude": ["Enter a number, such as 37.54."]}),
    ],
)
def test_location_create_refuses_bad_coordinates(world, latitude, longitude, fields):
    with pytest.raises(ApplicationError) as exc:
        location_create(
            actor=world.leader, lab=world.lab, name="강남역", latitude=latitude, longitude=longitude
        )

    assert exc.value.fields == fields
    assert Location.objects.count() == 0


def test_location_create_accepts_the_extremes(world):
    location = location_create(
        actor=world.leader, lab=world.lab, name="끝", latitude=-90, longitude=Decimal("180")
    )

    assert (location.latitude, location.longitude) == (Decimal("-90.000000"), Decimal("180.000000"))


def test_location_create_refuses_empty_name_zero_capacity_and_bad_link(world):
    with pytest.raises(ApplicationError) as exc:
        location_create(
            actor=world.leader, lab=world.lab, name="  ", capacity=0, online_url="zoom meeting"
        )

    assert exc.value.fields == {
        "name": ["Name the place."],
        "capacity": ["Capacity must be at least 1, or left empty."],
        "online_url": ["Enter a web address starting with https://."],
    }


def test_location_create_refuses_a_name_taken_in_the_lab(world):
    LocationFactory(lab=world.lab, name="강남역")

    with pytest.raises(ConflictError) as exc:
        location_create(actor=world.leader, lab=world.lab, name=" 강남역 ")

    assert exc.value.code == "place_name_taken"
    assert Location.objects.filter(lab=world.lab).count() == 1


def test_location_create_same_name_in_another_lab_is_fine(world):
    LocationFactory(lab=world.other_lab, name="강남역")

    location = location_create(actor=world.leader, lab=world.lab, name="강남역")

    assert location.lab == world.lab


def test_location_update_changes_every_field(world):
    location = LocationFactory(lab=world.lab)

    location_update(actor=world.facilitator, location=location, **PLACE)

    location.refresh_from_db()
    assert place_values(location) == {
        **PLACE,
        "latitude": Decimal("37.544612"),
        "longitude": Decimal("127.055700"),
    }


def test_location_update_can_clear_coordinates(world):
    location = LocationFactory(lab=world.lab)

    location_update(
        actor=world.leader,
        location=location,
        **{**PLACE, "latitude": None, "longitude": None, "capacity": None},
    )

    location.refresh_from_db()
    assert (location.latitude, location.longitude, location.capacity) == (None, None, None)


def test_location_update_by_member_is_refused(world):
    location = LocationFactory(lab=world.lab, name="강남역")

    with pytest.raises(PermissionDeniedError):
        location_update(actor=world.member, location=location, **PLACE)

    location.refresh_from_db()
    assert location.name == "강남역"


def test_location_update_refuses_another_places_name(world):
    LocationFactory(lab=world.lab, name="강남역")
    location = LocationFactory(lab=world.lab, name="성수")

    with pytest.raises(ConflictError):
        location_update(actor=world.leader, location=location, **{**PLACE, "name": "강남역"})


def test_location_delete_keeps_meetings_without_a_place(world):
    location = LocationFactory(lab=world.lab)
    meetings = [MeetingFactory(cohort=world.cohort, location=location) for _ in range(2)]
    series = MeetingSeries.objects.create(
        cohort=world.cohort,
        weekday=2,
        start_time="19:00",
        first_date="2026-03-04",
        count=4,
        location=location,
    )
    TravelTime.objects.create(lab=world.lab, area="성수동", location=location, minutes=20)

    lost = location_delete(actor=world.leader, location=location)

    assert lost == 2
    assert Location.objects.filter(pk=location.pk).exists() is False
    assert list(
        Meeting.objects.filter(pk__in=[m.pk for m in meetings]).values_list("location", flat=True)
    ) == [
        None,
        None,
    ]
    series.refresh_from_db()
    assert series.location is None
    assert TravelTime.objects.count() == 0


def test_location_delete_by_member_is_refused(world):
    location = LocationFactory(lab=world.lab)

    with pytest.raises(PermissionDeniedError):
        location_delete(actor=world.member, location=location)

    assert Location.objects.filter(pk=location.pk).exists()


# --- travel times --------------------------------------------------------------------------


@pytest.fixture
def places(world):
    return {
        name: LocationFactory(lab=world.lab, name=name)
        for name in ("강남역 스터디카페", "시청 공유오피스", "Pangyo Lab")
    }


def table(lab) -> dict[tuple[str, str], int]:
    return {
        (row.area, row.location.name): row.minutes
        for row in TravelTime.objects.filter(lab=lab).select_related("location")
    }


GOOD_CSV = (
    "\ufeffarea,place,minutes\r\n"
    "성수동,강남역 스터디카페,25\r\n"
    "성수동,시청 공유오피스,30\r\n"
    "신촌,강남역 스터디카페,40\r\n"
    "\r\n"
    "신촌,pangyo lab,70\r\n"
)


def test_travel_times_import_reads_korean_csv_with_bom(world, places):
    count = travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)

    assert count == 4
    assert table(world.lab) == {
        ("성수동", "강남역 스터디카페"): 25,
        ("성수동", "시청 공유오피스"): 30,
        ("신촌", "강남역 스터디카페"): 40,
        ("신촌", "Pangyo Lab"): 70,
    }


def test_travel_times_import_accepts_korean_headers_in_any_order(world, places):
    csv_text = "분,장소,지역\n35,시청 공유오피스,잠실\n"

    travel_times_import(actor=world.facilitator, lab=world.lab, csv_text=csv_text)

    assert table(world.lab) == {("잠실", "시청 공유오피스"): 35}


def test_travel_times_import_is_idempotent(world, places):
    travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)
    before = list(
        TravelTime.objects.order_by("id").values_list("id", "area", "minutes", "updated_at")
    )

    count = travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)

    assert count == 4
    assert (
        list(TravelTime.objects.order_by("id").values_list("id", "area", "minutes", "updated_at"))
        == before
    )


def test_travel_times_import_replaces_the_whole_table(world, places):
    travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)
    kept = TravelTime.objects.get(area="성수동", location__name="강남역 스터디카페")

    travel_times_import(
        actor=world.leader,
        lab=world.lab,
        csv_text=(
            "area,place,minutes\n"
            "성수동,강남역 스터디카페,25\n"
            "잠실,Pangyo Lab,30\n"
            "성수동,시청 공유오피스,35\n"
        ),
    )

    assert table(world.lab) == {
        ("성수동", "강남역 스터디카페"): 25,
        ("잠실", "Pangyo Lab"): 30,
        ("성수동", "시청 공유오피스"): 35,
    }
    assert TravelTime.objects.get(area="성수동", location__name="강남역 스터디카페").pk == kept.pk


def test_travel_times_import_leaves_other_labs_alone(world, places):
    theirs = LocationFactory(lab=world.other_lab, name="강남역 스터디카페")
    TravelTime.objects.create(lab=world.other_lab, area="성수동", location=theirs, minutes=99)

    travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)

    assert table(world.other_lab) == {("성수동", "강남역 스터디카페"): 99}


def test_travel_times_import_with_one_bad_row_changes_nothing(world, places):
    travel_times_import(actor=world.leader, lab=world.lab, csv_text=GOOD_CSV)
    before = table(world.lab)
    csv_text = "area,place,minutes\n성수동,강남역 스터디카페,10\n신촌,없는 곳,20\n"

    with pytest.raises(ApplicationError) as exc:
        travel_times_import(actor=world.leader, lab=world.lab, csv_text=csv_text)

    assert exc.value.code == "invalid_travel_times"
    assert exc.value.fields == {"csv": ["Line 3: No place of this lab is called “없는 곳”."]}
    assert table(world.lab) == before


def test_travel_times_import_by_member_is_refused(world, places):
    with pytest.raises(PermissionDeniedError):
        travel_times_import(actor=world.member, lab=world.lab, csv_text=GOOD_CSV)

    assert TravelTime.objects.count() == 0


def test_travel_times_parse_reports_each_rows_errors(world, places):
    csv_text = (
        "area,place,minutes\n"
        "성수동,강남역 스터디카페,25\n"  # 2: fine
        "성수동,없는 곳,30\n"  # 3: unknown place
        "신촌,강남역 스터디카페,삼십\n"  # 4: not a number
        "잠실,강남역 스터디카페,-5\n"  # 5: negative
        " 성수동 ,강남역 스터디카페,27\n"  # 6: same as line 2
        "일산,시청 공유오피스,12.5\n"  # 7: not whole
        ",시청 공유오피스,10\n"  # 8: no area
        "수원,시청 공유오피스\n"  # 9: no minutes
    )

    parsed = travel_times_parse(lab=world.lab, csv_text=csv_text)

    assert parsed.is_valid is False
    assert [(row.line, list(row.errors)) for row in parsed.rows] == [
        (2, []),
        (3, ["No place of this lab is called “없는 곳”."]),
        (4, ["Minutes must be a whole number, such as 35."]),
        (5, ["Minutes cannot be negative."]),
        (6, ["Same area and place as line 2."]),
        (7, ["Minutes must be a whole number, such as 35."]),
        (8, ["The area is empty."]),
        (9, ["Minutes must be a whole number, such as 35."]),
    ]


@pytest.mark.parametrize(
    ("csv_text", "errors"),
    [
        ("", ["The file is empty. Its first line must be: area,place,minutes"]),
        ("\ufeff\n\n", ["The file is empty. Its first line must be: area,place,minutes"]),
        (
            "성수동,강남역 스터디카페,25\n",
            [
                "The first line must name the columns area, place and minutes; missing: "
                "area, place, minutes."
            ],
        ),
        (
            "area,minutes\n성수동,25\n",
            ["The first line must name the columns area, place and minutes; missing: place."],
        ),
        ("area,place,minutes\n", ["The table has a header but no rows."]),
    ],
)
def test_travel_times_parse_refuses_files_without_a_usable_header(world, places, csv_text, errors):
    parsed = travel_times_parse(lab=world.lab, csv_text=csv_text)

    assert list(parsed.errors) == errors
    assert parsed.is_valid is False


def test_travel_times_parse_does_not_match_another_labs_places(world, places):
    LocationFactory(lab=world.other_lab, name="다른 랩 카페")

    parsed = travel_times_parse(
        lab=world.lab, csv_text="area,place,minutes\n성수동,다른 랩 카페,5\n"
    )

    assert list(parsed.rows[0].errors) == ["No place of this lab is called “다른 랩 카페”."]


def test_travel_times_parse_reads_quoted_cells(world, places):
    LocationFactory(lab=world.lab, name="카페, 2층")

    parsed = travel_times_parse(
        lab=world.lab, csv_text='area,place,minutes\n성수동,"카페, 2층",15\n'
    )

    assert parsed.is_valid is True
    assert parsed.entries() == {("성수동", Location.objects.get(name="카페, 2층").pk): 15}


# --- home areas ----------------------------------------------------------------------------


def home(user) -> tuple:
    profile = Profile.objects.get(user=user)
    return profile.home_area, profile.home_latitude, profile.home_longitude


def test_home_area_set_rounds_to_a_hundredth_of_a_degree_before_storing(world):
    home_area_set(actor=world.member, area=" 성수동 ", latitude="37.5446", longitude="127.0557")

    assert home(world.member) == ("성수동", Decimal("37.54"), Decimal("127.06"))


@pytest.mark.parametrize(
    ("latitude", "longitude", "stored"),
    [
        ("37.545", "127.055", (Decimal("37.55"), Decimal("127.06"))),
        ("-33.8675", "151.2070", (Decimal("-33.87"), Decimal("151.21"))),
        (Decimal("89.999"), Decimal("-179.999"), (Decimal("90.00"), Decimal("-180.00"))),
        (37.5, 127, (Decimal("37.50"), Decimal("127.00"))),
    ],
)
def test_home_area_set_rounds_half_away_from_zero(world, latitude, longitude, stored):
    home_area_set(actor=world.member, area="어딘가", latitude=latitude, longitude=longitude)

    assert home(world.member)[1:] == stored


def test_home_area_set_label_alone_is_allowed(world):
    home_area_set(actor=world.member, area="성수동", latitude=None, longitude=None)

    assert home(world.member) == ("성수동", None, None)


def test_home_area_set_coordinates_need_a_label(world):
    with pytest.raises(ApplicationError) as exc:
        home_area_set(actor=world.member, area="", latitude="37.54", longitude="127.06")

    assert exc.value.fields == {"area": ["Name your area, e.g. 성수동."]}
    assert home(world.member) == ("", None, None)


@pytest.mark.parametrize(
    ("latitude", "longitude", "fields"),
    [
        ("91", "127", {"latitude": ["Must be between -90 and 90."]}),
        ("37.5", "181", {"longitude": ["Must be between -180 and 180."]}),
        ("37.5", "", {"longitude": ["Enter both latitude and longitude, or neither."]}),
    ],
)
def test_home_area_set_refuses_bad_coordinates(world, latitude, longitude, fields):
    with pytest.raises(ApplicationError) as exc:
        home_area_set(actor=world.member, area="성수동", latitude=latitude, longitude=longitude)

    assert exc.value.fields == fields


def test_home_area_set_with_nothing_clears(world):
    home_area_set(actor=world.member, area="성수동", latitude="37.54", longitude="127.06")

    home_area_set(actor=world.member, area=" ", latitude=None, longitude="")

    assert home(world.member) == ("", None, None)


def test_home_area_clear_forgets_label_and_coordinates(world):
    home_area_set(actor=world.member, area="성수동", latitude="37.54", longitude="127.06")

    home_area_clear(actor=world.member)

    assert home(world.member) == ("", None, None)


def test_home_area_set_only_touches_my_own_profile(world):
    home_area_set(actor=world.leader, area="신촌", latitude="37.56", longitude="126.94")

    home_area_set(actor=world.member, area="성수동", latitude="37.54", longitude="127.06")

    assert home(world.leader) == ("신촌", Decimal("37.56"), Decimal("126.94"))
