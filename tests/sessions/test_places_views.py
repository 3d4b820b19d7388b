"""Places pages: the list, create/edit/delete, travel times, the fair place suggestion and the
home area, with their permissions, privacy and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs.models import Visibility
from members.models import Profile
from sessions.models import Location, Meeting, RsvpAnswer, TravelTime
from tests.conftest import client_for
from tests.factories import LocationFactory, MeetingFactory, MembershipFactory, RsvpFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def places_url(slug: str = "deep-lab") -> str:
    return reverse("sessions:places", kwargs={"slug": slug})


def create_url(slug: str = "deep-lab") -> str:
    return reverse("sessions:place_create", kwargs={"slug": slug})


def edit_url(location: Location) -> str:
    return reverse("sessions:place_edit", kwargs={"pk": location.pk})


def delete_url(location: Location) -> str:
    return reverse("sessions:place_delete", kwargs={"pk": location.pk})


def travel_url(slug: str = "deep-lab") -> str:
    return reverse("sessions:travel_times", kwargs={"slug": slug})


def suggestion_url(meeting: Meeting) -> str:
    return reverse("sessions:place_suggestion", kwargs={"pk": meeting.pk})


HOME_URL = "/settings/home-area/"

PLACE_FORM = {
    "name": "성수 스터디룸",
    "address": "서울 성동구 아차산로 1",
    "latitude": "37.5446",
    "longitude": "127.0557",
    "capacity": "12",
    "online_url": "https://meet.example.com/deep",
    "notes": "2층",
}


def set_home(user, area: str, latitude: str, longitude: str) -> None:
    Profile.objects.filter(user=user).update(
        home_area=area, home_latitude=Decimal(latitude), home_longitude=Decimal(longitude)
    )


def test_urls_follow_the_contract():
    assert (places_url(), create_url(), travel_url(), HOME_URL) == (
        "/labs/deep-lab/places/",
        "/labs/deep-lab/places/new/",
        "/labs/deep-lab/places/travel-times/",
        reverse("sessions:home_area"),
    )
    assert reverse("sessions:place_edit", kwargs={"pk": 7}) == "/places/7/edit/"
    assert reverse("sessions:place_delete", kwargs={"pk": 7}) == "/places/7/delete/"
    assert reverse("sessions:place_suggestion", kwargs={"pk": 7}) == "/meetings/7/place-suggestion/"


# --- the list ------------------------------------------------------------------------------


def test_places_member_sees_the_labs_places_without_manage_links(world, member_client):
    LocationFactory(lab=world.lab, name="강남역 스터디카페")
    LocationFactory(lab=world.other_lab, name="다른 랩 카페")

    response = member_client.get(places_url())

    assert response.status_code == 200
    assert [p.name for p in response.context["places"]] == ["강남역 스터디카페"]
    assert response.context["can_change"] is False
    assert b'data-testid="place-edit-link"' not in response.content
    assert b'data-testid="place-create-link"' not in response.content


def test_places_leader_sees_manage_links(world, leader_client):
    location = LocationFactory(lab=world.lab)

    response = leader_client.get(places_url())

    assert response.context["can_change"] is True
    assert f'href="{edit_url(location)}"'.encode() in response.content
    assert f'href="{create_url()}"'.encode() in response.content


def test_places_shows_the_map_link(world, member_client):
    LocationFactory(lab=world.lab, name="강남", latitude=Decimal("37.5"), longitude=Decimal("127"))

    response = member_client.get(places_url())

    assert b"https://map.kakao.com/link/map/%EA%B0%95%EB%82%A8,37.500000,127.000000" in (
        response.content
    )


def test_lab_page_links_members_to_the_places(world, member_client, outsider_client):
    world.lab.visibility = Visibility.PUBLIC
    world.lab.save(update_fields=["visibility"])
    lab_url = reverse("labs:lab_detail", kwargs={"slug": "deep-lab"})

    assert f'href="{places_url()}"' in member_client.get(lab_url).content.decode()
    assert f'href="{places_url()}"' not in outsider_client.get(lab_url).content.decode()


def test_places_outsider_gets_404(world, outsider_client):
    assert outsider_client.get(places_url()).status_code == 404


def test_places_outsider_of_a_public_lab_gets_404(world, outsider_client):
    world.lab.visibility = Visibility.PUBLIC
    world.lab.save(update_fields=["visibility"])

    assert outsider_client.get(places_url()).status_code == 404


def test_places_unknown_lab_gets_404(world, member_client):
    assert member_client.get(places_url("no-such-lab")).status_code == 404


def test_places_anonymous_is_sent_to_login(world, client):
    response = client.get(places_url())

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={places_url()}"


@pytest.mark.parametrize("count", [1, 3])
def test_places_query_count_is_constant(world, django_assert_num_queries, leader_client, count):
    for _ in range(count):
        location = LocationFactory(lab=world.lab)
        MeetingFactory(cohort=world.cohort, location=location)

    # Session, user, profile (the middleware), the lab, the viewer's access, the places.
    with django_assert_num_queries(6):
        response = leader_client.get(places_url())

    assert len(response.context["places"]) == count


# --- create, edit, delete ------------------------------------------------------------------


def test_place_create_by_leader_saves_and_redirects(world, leader_client):
    response = leader_client.post(create_url(), PLACE_FORM)

    assert response.status_code == 302
    assert response["Location"] == places_url()
    location = Location.objects.get(lab=world.lab)
    assert (location.name, location.latitude, location.longitude, location.capacity) == (
        "성수 스터디룸",
        Decimal("37.544600"),
        Decimal("127.055700"),
        12,
    )


def test_place_create_by_facilitator_is_allowed(world):
    response = client_for(world.facilitator).post(create_url(), PLACE_FORM)

    assert response.status_code == 302
    assert Location.objects.filter(lab=world.lab).count() == 1


def test_place_create_htmx_success_redirects_the_client(world, leader_client):
    response = leader_client.post(create_url(), PLACE_FORM, **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == places_url()


def test_place_create_with_bad_coordinates_shows_the_form_again(world, leader_client):
    response = leader_client.post(create_url(), {**PLACE_FORM, "latitude": "91", "longitude": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["latitude"] == ["Must be between -90 and 90."]
    assert Location.objects.count() == 0


def test_place_create_with_one_coordinate_shows_the_form_again(world, leader_client):
    response = leader_client.post(create_url(), {**PLACE_FORM, "longitude": ""}, **HTMX)

    assert response.status_code == 200
    assert response.context["form"].errors["longitude"] == [
        "Enter both latitude and longitude, or neither."
    ]
    assert b"<html" not in response.content  # only the form partial


def test_place_create_taken_name_is_a_form_error(world, leader_client):
    LocationFactory(lab=world.lab, name="성수 스터디룸")

    response = leader_client.post(create_url(), PLACE_FORM)

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Already used for another place of this lab."
    ]


def test_place_create_member_gets_403(world, member_client):
    assert member_client.get(create_url()).status_code == 403
    response = member_client.post(create_url(), PLACE_FORM)

    assert response.status_code == 403
    assert Location.objects.count() == 0


def test_place_create_outsider_gets_404(world, outsider_client):
    assert outsider_client.get(create_url()).status_code == 404
    assert outsider_client.post(create_url(), PLACE_FORM).status_code == 404
    assert Location.objects.count() == 0


def test_place_edit_shows_the_current_values(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역")

    response = leader_client.get(edit_url(location))

    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "강남역"


def test_place_edit_by_facilitator_saves(world):
    location = LocationFactory(lab=world.lab)

    response = client_for(world.facilitator).post(
        edit_url(location), {**PLACE_FORM, "latitude": "", "longitude": ""}
    )

    assert response.status_code == 302
    location.refresh_from_db()
    assert (location.name, location.latitude, location.longitude) == ("성수 스터디룸", None, None)


def test_place_edit_member_gets_403(world, member_client):
    location = LocationFactory(lab=world.lab, name="강남역")

    assert member_client.get(edit_url(location)).status_code == 403
    assert member_client.post(edit_url(location), PLACE_FORM).status_code == 403
    location.refresh_from_db()
    assert location.name == "강남역"


def test_place_edit_outsider_gets_404(world, outsider_client):
    location = LocationFactory(lab=world.lab, name="강남역")

    assert outsider_client.get(edit_url(location)).status_code == 404
    assert outsider_client.post(edit_url(location), PLACE_FORM).status_code == 404


def test_place_delete_confirmation_says_meetings_keep_their_dates(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역")
    MeetingFactory.create_batch(2, cohort=world.cohort, location=location)

    response = leader_client.get(delete_url(location))

    assert response.status_code == 200
    assert response.context["meeting_count"] == 2
    assert (
        "2 meetings are held here. They stay on the schedule, with their dates and times, "
        "but without a place."
    ) in response.content.decode()


def test_place_delete_keeps_the_meetings_and_says_so(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역")
    meetings = MeetingFactory.create_batch(2, cohort=world.cohort, location=location)

    response = leader_client.post(delete_url(location), follow=True)

    assert response.redirect_chain == [(places_url(), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Place “강남역” deleted. 2 meetings keep their dates and now have no place."
    ]
    assert Location.objects.count() == 0
    assert [Meeting.objects.get(pk=m.pk).location_id for m in meetings] == [None, None]


def test_place_delete_unused_place(world, leader_client):
    location = LocationFactory(lab=world.lab, name="강남역")

    response = leader_client.post(delete_url(location), follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Place “강남역” deleted."]


def test_place_delete_member_gets_403(world, member_client):
    location = LocationFactory(lab=world.lab)

    assert member_client.get(delete_url(location)).status_code == 403
    assert member_client.post(delete_url(location)).status_code == 403
    assert Location.objects.filter(pk=location.pk).exists()


def test_place_delete_outsider_gets_404(world, outsider_client):
    location = LocationFactory(lab=world.lab)

    assert outsider_client.get(delete_url(location)).status_code == 404
    assert outsider_client.post(delete_url(location)).status_code == 404
    assert Location.objects.filter(pk=location.pk).exists()


# --- travel times --------------------------------------------------------------------------


@pytest.fixture
def two_places(world):
    return [
        LocationFactory(lab=world.lab, name="강남역 스터디카페"),
        LocationFactory(lab=world.lab, name="시청 공유오피스"),
    ]


CSV = "area,place,minutes\n성수동,강남역 스터디카페,25\n성수동,시청 공유오피스,30\n"


def test_travel_times_preview_lists_rows_without_saving(world, two_places, leader_client):
    response = leader_client.post(travel_url(), {"action": "preview", "csv_text": CSV})

    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(r.line, r.area, r.place, r.value) for r in preview.rows] == [
        (2, "성수동", "강남역 스터디카페", 25),
        (3, "성수동", "시청 공유오피스", 30),
    ]
    assert b'data-testid="travel-times-apply"' in response.content
    assert TravelTime.objects.count() == 0


def test_travel_times_preview_shows_row_errors_and_no_apply_button(
    world, two_places, leader_client
):
    csv_text = "area,place,minutes\n성수동,없는 곳,25\n성수동,시청 공유오피스,-1\n"

    response = leader_client.post(travel_url(), {"action": "preview", "csv_text": csv_text}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "No place of this lab is called “없는 곳”." in content
    assert "Minutes cannot be negative." in content
    assert 'data-testid="travel-times-apply"' not in content
    assert "<html" not in content


def test_travel_times_upload_reads_a_utf8_file_with_bom(world, two_places, leader_client):
    upload = SimpleUploadedFile("times.csv", ("\ufeff" + CSV).encode(), content_type="text/csv")

    response = leader_client.post(travel_url(), {"action": "preview", "file": upload})

    assert response.context["preview"].is_valid is True
    assert response.context["csv_text"] == CSV


def test_travel_times_upload_refuses_a_file_that_is_not_utf8(world, two_places, leader_client):
    upload = SimpleUploadedFile("times.csv", CSV.encode("cp949"), content_type="text/csv")

    response = leader_client.post(travel_url(), {"action": "preview", "file": upload})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
    ]


def test_travel_times_apply_replaces_the_table(world, two_places, leader_client):
    response = leader_client.post(travel_url(), {"action": "apply", "csv_text": CSV}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Travel-time table saved: 2 rows."]
    assert list(response.context["rows"].values_list("area", "location__name", "minutes")) == [
        ("성수동", "강남역 스터디카페", 25),
        ("성수동", "시청 공유오피스", 30),
    ]


def test_travel_times_apply_of_a_bad_table_changes_nothing(world, two_places, leader_client):
    TravelTime.objects.create(lab=world.lab, area="신촌", location=two_places[0], minutes=40)

    response = leader_client.post(
        travel_url(), {"action": "apply", "csv_text": "area,place,minutes\n성수동,없는 곳,1\n"}
    )

    assert response.status_code == 200
    assert response.context["error"] == (
        "The table was not imported: correct the marked lines and upload it again."
    )
    assert list(TravelTime.objects.values_list("area", "minutes")) == [("신촌", 40)]


def test_travel_times_member_gets_403(world, two_places, member_client):
    assert member_client.get(travel_url()).status_code == 403
    response = member_client.post(travel_url(), {"action": "apply", "csv_text": CSV})

    assert response.status_code == 403
    assert TravelTime.objects.count() == 0


def test_travel_times_outsider_gets_404(world, two_places, outsider_client):
    assert outsider_client.get(travel_url()).status_code == 404
    assert (
        outsider_client.post(travel_url(), {"action": "apply", "csv_text": CSV}).status_code == 404
    )
    assert TravelTime.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_travel_times_query_count_is_constant(
    world, django_assert_num_queries, leader_client, count
):
    for i in range(count):
        location = LocationFactory(lab=world.lab)
        TravelTime.objects.create(lab=world.lab, area=f"동네{i}", location=location, minutes=10)

    with django_assert_num_queries(6):
        response = leader_client.get(travel_url())

    assert len(response.context["rows"]) == count


# --- the fair place suggestion -------------------------------------------------------------

SECRET_AREA = "비밀의숲동"
SECRET_LAT, SECRET_LNG = "37.61", "126.93"


@pytest.fixture
def suggestion_world(world):
    """Three members with home areas (one with a distinctive one), two places, a meeting."""
    set_home(world.member, SECRET_AREA, SECRET_LAT, SECRET_LNG)
    set_home(world.leader, "성수동", "37.54", "127.06")
    set_home(world.facilitator, "잠실", "37.51", "127.10")
    places = [
        LocationFactory(
            lab=world.lab,
            name="강남역 스터디카페",
            latitude=Decimal("37.4979"),
            longitude=Decimal("127.0276"),
        ),
        LocationFactory(
            lab=world.lab,
            name="시청 공유오피스",
            latitude=Decimal("37.5663"),
            longitude=Decimal("126.9779"),
        ),
    ]
    meeting = MeetingFactory(cohort=world.cohort, title="논문 리뷰")
    return places, meeting


def test_place_suggestion_leader_sees_the_ranking_and_reason(
    world, suggestion_world, leader_client
):
    _places, meeting = suggestion_world

    response = leader_client.get(suggestion_url(meeting))

    assert response.status_code == 200
    suggestion = response.context["suggestion"]
    assert [row.location.name for row in suggestion.rows] == [
        "시청 공유오피스",
        "강남역 스터디카페",
    ]
    content = response.content.decode()
    assert suggestion.reason in content
    assert "Nobody has answered yet, so all 3 active members of the cohort are counted." in content


def test_place_suggestion_facilitator_may_see_it(world, suggestion_world):
    _places, meeting = suggestion_world

    assert client_for(world.facilitator).get(suggestion_url(meeting)).status_code == 200


def test_place_suggestion_never_shows_a_members_area_or_coordinates(
    world, suggestion_world, leader_client
):
    _places, meeting = suggestion_world
    RsvpFactory(meeting=meeting, user=world.member, answer=RsvpAnswer.YES)
    RsvpFactory(meeting=meeting, user=world.leader, answer=RsvpAnswer.YES)
    RsvpFactory(meeting=meeting, user=world.facilitator, answer=RsvpAnswer.MAYBE)

    content = leader_client.get(suggestion_url(meeting)).content.decode()

    for secret in (SECRET_AREA, SECRET_LAT, SECRET_LNG, "성수동", "잠실", "37.54", "127.06"):
        assert secret not in content
    assert world.member.display_name not in content


def test_place_suggestion_member_gets_403(world, suggestion_world, member_client):
    places, meeting = suggestion_world

    assert member_client.get(suggestion_url(meeting)).status_code == 403
    assert (
        member_client.post(suggestion_url(meeting), {"location": places[0].pk}).status_code == 403
    )
    assert Meeting.objects.get(pk=meeting.pk).location_id is None


def test_place_suggestion_outsider_gets_404(world, suggestion_world, outsider_client):
    places, meeting = suggestion_world

    assert outsider_client.get(suggestion_url(meeting)).status_code == 404
    assert (
        outsider_client.post(suggestion_url(meeting), {"location": places[0].pk}).status_code == 404
    )


def test_place_suggestion_meet_here_sets_the_meetings_place(world, suggestion_world, leader_client):
    places, meeting = suggestion_world

    response = leader_client.post(suggestion_url(meeting), {"location": places[1].pk}, follow=True)

    assert response.redirect_chain == [(suggestion_url(meeting), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The meeting is now at “시청 공유오피스”."
    ]
    meeting.refresh_from_db()
    assert (meeting.location_id, meeting.edited, meeting.sequence) == (places[1].pk, True, 1)
    assert meeting.title == "논문 리뷰"
    assert [row.is_current for row in response.context["suggestion"].rows] == [True, False]


def test_place_suggestion_meet_here_with_htmx_swaps_the_ranking(
    world, suggestion_world, leader_client
):
    places, meeting = suggestion_world

    response = leader_client.post(suggestion_url(meeting), {"location": places[0].pk}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert "The meeting is now at “강남역 스터디카페”." in content
    assert [row.is_current for row in response.context["suggestion"].rows] == [False, True]
    assert Meeting.objects.get(pk=meeting.pk).location_id == places[0].pk


def test_place_suggestion_meet_here_refuses_another_labs_place(
    world, suggestion_world, leader_client
):
    _places, meeting = suggestion_world
    theirs = LocationFactory(lab=world.other_lab)

    response = leader_client.post(suggestion_url(meeting), {"location": theirs.pk}, **HTMX)

    assert response.status_code == 200
    assert response.context["error"] == "Choose one of the lab's places."
    assert Meeting.objects.get(pk=meeting.pk).location_id is None


@pytest.mark.parametrize("count", [1, 3])
def test_place_suggestion_query_count_is_constant(
    world, django_assert_num_queries, leader_client, count
):
    meeting = MeetingFactory(cohort=world.cohort)
    for i in range(count):
        LocationFactory(lab=world.lab, name=f"장소{i}")
        user = MembershipFactory(cohort=world.cohort).user
        set_home(user, f"동네{i}", "37.5", "127.0")
        RsvpFactory(meeting=meeting, user=user)

    with django_assert_num_queries(9):
        response = leader_client.get(suggestion_url(meeting))

    assert len(response.context["suggestion"].rows) == count


# --- home area -----------------------------------------------------------------------------


def test_home_area_saves_rounded_coordinates(world, member_client):
    response = member_client.post(
        HOME_URL,
        {"action": "save", "area": "성수동", "latitude": "37.5446", "longitude": "127.0557"},
    )

    assert response.status_code == 302
    profile = Profile.objects.get(user=world.member)
    assert (profile.home_area, profile.home_latitude, profile.home_longitude) == (
        "성수동",
        Decimal("37.54"),
        Decimal("127.06"),
    )


def test_home_area_shows_my_own_stored_values(world, member_client):
    set_home(world.member, SECRET_AREA, SECRET_LAT, SECRET_LNG)

    content = member_client.get(HOME_URL).content.decode()

    assert SECRET_AREA in content
    assert SECRET_LAT in content


def test_home_area_clear_removes_everything(world, member_client):
    set_home(world.member, SECRET_AREA, SECRET_LAT, SECRET_LNG)

    response = member_client.post(HOME_URL, {"action": "clear", "area": "무시", "latitude": "x"})

    assert response.status_code == 302
    profile = Profile.objects.get(user=world.member)
    assert (profile.home_area, profile.home_latitude, profile.home_longitude) == ("", None, None)


def test_home_area_bad_input_shows_the_form_again(world, member_client):
    response = member_client.post(
        HOME_URL, {"action": "save", "area": "성수동", "latitude": "95", "longitude": "127"}, **HTMX
    )

    assert response.status_code == 200
    assert response.context["form"].errors["latitude"] == ["Must be between -90 and 90."]
    assert Profile.objects.get(user=world.member).home_area == ""


def test_home_area_anonymous_is_sent_to_login(db, client):
    response = client.get(HOME_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={HOME_URL}"


def test_settings_page_links_to_the_home_area(world, member_client):
    content = member_client.get(reverse("members:settings")).content.decode()

    assert f'href="{HOME_URL}"' in content


def test_another_members_area_appears_on_no_page(world, suggestion_world, leader_client):
    """The leader browses every page that could show people or places: the member's area
    and coordinates are on none of them."""
    places, meeting = suggestion_world
    RsvpFactory(meeting=meeting, user=world.member, answer=RsvpAnswer.YES)
    pages = [
        reverse("members:settings"),
        HOME_URL,
        places_url(),
        edit_url(places[0]),
        delete_url(places[0]),
        travel_url(),
        suggestion_url(meeting),
        reverse("labs:cohort_detail", kwargs={"slug": "deep-lab", "number": 5}),
        reverse("labs:lab_detail", kwargs={"slug": "deep-lab"}),
        reverse("sessions:meeting_detail", kwargs={"pk": meeting.pk}),
        "/api/v1/memberships/",
        f"/api/v1/memberships/{world.member_membership.pk}/",
        "/api/v1/locations/",
        "/api/v1/rsvps/",
    ]

    for page in pages:
        response = leader_client.get(page)
        content = response.content.decode()
        assert response.status_code == 200, page
        assert SECRET_AREA not in content, page
        assert SECRET_LAT not in content, page
        assert SECRET_LNG not in content, page
