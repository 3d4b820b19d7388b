"""The API's fast read path gives exactly what DRF gives: serializers, list rows, JSON bytes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from zoneinfo import ZoneInfo

import django_filters
import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from core.api import FastJSONRenderer, StaticFilterSet, datetime_column
from labs.api import CohortSerializer, InvitationSerializer, LabSerializer, MembershipSerializer
from labs.models import Cohort, Invitation, Lab, Membership, MembershipStatus
from members.api import ApiTokenSerializer
from members.models import ApiToken
from members.services import api_token_create
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.usefixtures("api_cache")

ZONES = ["Asia/Seoul", "UTC", "America/St_Johns"]


def context() -> dict:
    return {"request": Request(RequestFactory().get("/api/v1/")), "format": None, "view": None}


def drf(serializer_class, instance) -> dict:
    """What DRF's own ModelSerializer makes of the instance, field by field."""
    serializer = serializer_class(instance, context=context())
    return serializers.ModelSerializer.to_representation(serializer, instance)


def fast(serializer_class, instance_or_row) -> dict:
    return serializer_class(instance_or_row, context=context()).to_representation(instance_or_row)


def row(serializer_class, instance) -> dict:
    """The instance as the list reads it: one `.values()` row."""
    model = serializer_class.Meta.model
    columns = serializer_class.row_columns()
    return model.objects.filter(pk=instance.pk).values(*columns).get()


@pytest.fixture
def objects(world) -> dict[type, list]:
    """Objects of every type, with the values that take other paths: None, Z, fallbacks."""
    MembershipFactory(  # left: a date in left_on, an external id
        cohort=world.cohort,
        status=MembershipStatus.LEFT,
        left_on=dt.date(2026, 3, 1),
        external_id="sheet-7",
    )
    MembershipFactory(cohort=world.cohort, user=UserFactory(profile=None))
    blank_name = MembershipFactory(cohort=world.cohort)
    blank_name.user.profile.display_name = ""
    blank_name.user.profile.save()
    InvitationFactory(cohort=world.cohort, revoked_at=timezone.now(), email="a@b.kr")
    InvitationFactory(cohort=world.cohort)
    api_token_create(user=world.leader, name="sync", scope="write", lab_slug="deep-lab")
    api_token_create(user=world.leader, name="all", scope="read", lab_slug=None)
    # A timestamp with microseconds, and one exactly on the second.
    Lab.objects.filter(pk=world.lab.pk).update(
        updated_at=dt.datetime(2026, 5, 1, 3, 4, 5, tzinfo=dt.UTC)
    )
    return {
        LabSerializer: list(Lab.objects.all()),
        CohortSerializer: list(Cohort.objects.select_related("lab")),
        MembershipSerializer: list(
            Membership.objects.select_related("user__profile", "cohort__lab")
        ),
        InvitationSerializer: list(Invitation.objects.select_related("cohort__lab")),
        ApiTokenSerializer: list(ApiToken.objects.select_related("lab")),
    }


@pytest.mark.parametrize("zone", ZONES)
def test_fast_representation_equals_drf_for_every_serializer(objects, zone):
    with timezone.override(ZoneInfo(zone)):
        expected = {cls: [drf(cls, obj) for obj in items] for cls, items in objects.items()}
        actual = {cls: [fast(cls, obj) for obj in items] for cls, items in objects.items()}

    assert actual == expected
    assert [list(body) for body in actual[MembershipSerializer]] == [
        list(body) for body in expected[MembershipSerializer]
    ]


@pytest.mark.parametrize("zone", ZONES)
def test_fast_representation_of_a_list_row_equals_drf_of_the_instance(objects, zone):
    listed = [LabSerializer, CohortSerializer, MembershipSerializer]

    with timezone.override(ZoneInfo(zone)):
        expected = [drf(cls, obj) for cls in listed for obj in objects[cls]]
        actual = [fast(cls, row(cls, obj)) for cls in listed for obj in objects[cls]]

    assert actual == expected


def test_fast_representation_writes_utc_as_z(objects):
    membership = objects[MembershipSerializer][0]

    with timezone.override(dt.UTC):
        body = fast(MembershipSerializer, membership)
        expected = drf(MembershipSerializer, membership)

    assert body["created_at"].endswith("Z")
    assert body["created_at"] == expected["created_at"]


def test_row_columns_are_none_when_a_field_needs_the_instance():
    assert InvitationSerializer.row_columns() is None  # is_usable and join_url
    assert ApiTokenSerializer.row_columns() is None  # lab, a slug through a relation
    assert MembershipSerializer.row_columns() == (
        "id",
        "created_at",
        "updated_at",
        "external_id",
        "cohort_id",
        "cohort__lab__slug",
        "user_id",
        "user__email",
        "user__profile__display_name",
        "role",
        "status",
        "joined_on",
        "left_on",
    )


@pytest.mark.parametrize(
    ("name", "detail"),
    [("lab-list", "lab-detail"), ("cohort-list", "cohort-detail")],
)
def test_list_rows_equal_the_retrieved_objects(world, leader_client, name, detail):
    listed = leader_client.get(reverse(f"api:{name}")).json()["results"]

    retrieved = [
        leader_client.get(reverse(f"api:{detail}", kwargs={"pk": item["id"]})).json()
        for item in listed
    ]

    assert listed == retrieved


def test_membership_list_rows_equal_the_retrieved_memberships(objects, leader_client):
    listed = leader_client.get(reverse("api:membership-list"), {"page_size": 500}).json()

    retrieved = [
        leader_client.get(reverse("api:membership-detail", kwargs={"pk": item["id"]})).json()
        for item in listed["results"]
    ]

    assert listed["results"] == retrieved
    assert len(retrieved) == len(objects[MembershipSerializer]) - 1  # not the other lab's


def test_list_with_a_format_suffix_links_with_the_suffix(world, leader_client):
    response = leader_client.get("/api/v1/cohorts.json")

    assert response.status_code == 200
    assert [item["url"] for item in response.json()["results"]] == [
        f"http://testserver/api/v1/cohorts/{world.cohort.pk}.json"
    ]


# --- Column by column: a page of rows at once ----------------------------------------------

# Aware values of every kind a column may hold: UTC from the database (the shortcut), other
# zones and fixed offsets, years whose offsets had seconds (Seoul before 1908), naive values.
AWARE = st.datetimes(
    min_value=dt.datetime(1880, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [
            dt.UTC,
            ZoneInfo("UTC"),
            SEOUL_ZONE := ZoneInfo("Asia/Seoul"),
            dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
        ]
    ),
)
COLUMN_VALUES = st.lists(st.one_of(AWARE, st.none(), st.datetimes()), max_size=30)


@given(values=COLUMN_VALUES, zone=st.sampled_from([*ZONES, "Europe/London", "Asia/Kolkata"]))
def test_a_datetime_column_is_drf_s_text_for_every_value(values, zone):
    with timezone.override(ZoneInfo(zone)):
        field = serializers.DateTimeField()
        texts = datetime_column(field)
        assert texts is not None
        expected = [None if value is None else field.to_representation(value) for value in values]

        actual = texts(values, lambda index: field.to_representation(values[index]))

    assert actual == expected


@pytest.mark.parametrize("zone", ZONES)
def test_a_page_of_rows_equals_drf_row_by_row(objects, zone):
    """One column mixes values that take the shortcut and values that do not (a joined_on
    date next to None, a blank display name, a profile-less user)."""
    memberships = objects[MembershipSerializer]
    columns = MembershipSerializer.row_columns()
    rows = list(Membership.objects.order_by("pk").values(*columns))
    tuples = list(Membership.objects.order_by("pk").values_list(*columns))
    by_pk = {membership.pk: membership for membership in memberships}

    with timezone.override(ZoneInfo(zone)):
        serializer = MembershipSerializer(context=context())
        expected = [drf(MembershipSerializer, by_pk[row["id"]]) for row in rows]
        from_rows = serializer.represent_rows(rows)
        from_tuples = serializer.represent_values(columns, tuples)
        listed = MembershipSerializer(rows, many=True, context=context()).data

    assert len(rows) == len(memberships) > 3
    assert from_rows == expected
    assert from_tuples == expected
    assert list(listed) == expected


def test_a_page_with_an_old_or_foreign_timestamp_falls_back_for_that_value_only(world):
    cohort = Cohort.objects.get(pk=world.cohort.pk)
    Cohort.objects.filter(pk=cohort.pk).update(
        created_at=dt.datetime(1905, 6, 1, 12, tzinfo=dt.UTC)  # Seoul at +08:27:52
    )
    columns = CohortSerializer.row_columns()
    rows = list(Cohort.objects.order_by("pk").values(*columns))
    # A value the database did not give in UTC: moved to the zone all the same.
    rows.append({**rows[0], "created_at": dt.datetime(2026, 5, 1, 9, tzinfo=SEOUL_ZONE)})

    with timezone.override(SEOUL_ZONE):
        body = CohortSerializer(context=context()).represent_rows(rows)

    assert body[0]["created_at"] == "1905-06-01T12:00:00Z"
    assert body[-1]["created_at"] == "2026-05-01T09:00:00+09:00"
    assert body[0]["updated_at"] == drf(CohortSerializer, cohort)["updated_at"] is not None


# --- JSON rendering -----------------------------------------------------------------------

SEOUL = ZoneInfo("Asia/Seoul")
PAYLOAD = {
    "text": '딥러닝 연구실 \u2028 line \u2029 paragraph "quoted" \\ tab\t',
    "lazy": gettext_lazy("No such lab."),
    "aware": dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=SEOUL),
    "utc": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    "naive": dt.datetime(2026, 1, 2, 3, 4, 5),
    "date": dt.date(2026, 1, 2),
    "time": dt.time(9, 30, 1, 5),
    "delta": dt.timedelta(hours=1, seconds=3),
    "decimal": decimal.Decimal("12.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "numbers": [0, -1, 2**53, 1.5, True, False, None],
    "tuple": (1, "two"),
    "set": {3},
    1: "an int key",
    "nested": {"results": [{"id": 1, "url": "http://testserver/x/1/"}], "next": None},
}


def test_fast_json_renderer_writes_the_bytes_drf_writes():
    expected = JSONRenderer().render(PAYLOAD, "application/json", {})

    actual = FastJSONRenderer().render(PAYLOAD, "application/json", {})

    assert actual == expected
    assert b"\\u2028" in actual


@pytest.mark.parametrize(
    ("media_type", "context"),
    [("application/json; indent=4", {}), ("application/json", {"indent": 2})],
)
def test_fast_json_renderer_indents_like_drf(media_type, context):
    expected = JSONRenderer().render(PAYLOAD, media_type, context)

    actual = FastJSONRenderer().render(PAYLOAD, media_type, context)

    assert actual == expected


def test_fast_json_renderer_hands_what_orjson_cannot_encode_to_drf():
    data = {"big": 2**70, "none": None}

    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    assert FastJSONRenderer().render(None) == b""


def test_api_answers_json_rendered_by_the_fast_renderer(world, leader_client):
    response = leader_client.get(reverse("api:lab-detail", kwargs={"pk": world.lab.pk}))

    assert response.headers["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.json())


# --- Filters ------------------------------------------------------------------------------


class CohortNumberFilter(StaticFilterSet):
    number = django_filters.NumberFilter(method="filter_number")

    class Meta:
        model = Cohort
        fields = ("number",)

    def filter_number(self, queryset, name, value):
        self.asked = value
        return queryset.filter(number=value)


def test_static_filter_set_runs_method_filters_on_their_own_filter_set(world):
    cohorts = Cohort.objects.order_by("id")
    first = CohortNumberFilter({"number": "5"}, queryset=cohorts)
    second = CohortNumberFilter({"number": "404"}, queryset=cohorts)

    results = (list(first.qs), list(second.qs))

    assert results == ([world.cohort], [])
    assert (first.asked, second.asked) == (5, 404)


def test_static_filter_set_reports_invalid_input_every_time(world, member_client):
    url = reverse("api:cohort-list")

    responses = [member_client.get(url, {"status": status}) for status in ("x", "active", "x")]

    assert [response.status_code for response in responses] == [400, 200, 400]
    assert responses[0].json() == responses[2].json()
