"""The API's one error shape, {"error": {"code", "message", "fields"?}}, for every status."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework import exceptions

from labs.models import Cohort, Lab
from tests.conftest import bearer_client, client_for

pytestmark = pytest.mark.usefixtures("api_cache")


@pytest.fixture(autouse=True)
def korean_members(request, db):
    """These tests check that the API answers in the member's language: Korean here."""
    from members.models import Profile

    if "world" in request.fixturenames:
        request.getfixturevalue("world")
    Profile.objects.update(language="ko")


def ko(message) -> str:
    """A message (ours or DRF's) as the API says it to a Korean-speaking member."""
    with translation.override("ko"):
        return gettext(str(message)) if isinstance(message, str) else str(message)


def cohort_data(lab: Lab, **changes) -> dict:
    return {"lab": lab.pk, "start_date": "2027-03-01", "end_date": "2027-06-30", **changes}


def test_error_400_from_input_shape_lists_fields(world, leader_client):
    before = Cohort.objects.count()

    response = leader_client.post(
        reverse("api:cohort-list"), {"lab": world.lab.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    required = ko("This field is required.")
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": ko("Some fields are invalid."),
            "fields": {"start_date": [required], "end_date": [required]},
        }
    }
    assert Cohort.objects.count() == before


def test_error_400_from_a_service_keeps_its_code_and_fields(world, leader_client):
    data = cohort_data(world.lab, end_date="2027-01-01")

    response = leader_client.post(reverse("api:cohort-list"), data, content_type="application/json")

    message = ko("The end date must not be before the start date.")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid_dates", "message": message, "fields": {"end_date": [message]}}
    }


def test_error_400_for_malformed_json(world, leader_client):
    response = leader_client.post(
        reverse("api:cohort-list"), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert list(response.json()["error"]) == ["code", "message"]


def test_error_401_without_credentials(world):
    response = Client().get(reverse("api:lab-list"))

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": ko(exceptions.NotAuthenticated.default_detail),
        }
    }


def test_error_403_when_visible_but_not_allowed(world, member_client):
    response = member_client.post(
        reverse("api:cohort-list"), cohort_data(world.lab), content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": ko("Only the lab's leaders can create cohorts."),
        }
    }


def test_error_404_when_not_visible(world, outsider_client):
    response = outsider_client.get(reverse("api:cohort-detail", kwargs={"pk": world.cohort.pk}))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": ko(exceptions.NotFound.default_detail)}
    }


def test_error_404_for_a_non_numeric_id(world, member_client):
    response = member_client.get("/api/v1/cohorts/five/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_error_405_for_an_unsupported_method(world, leader_client):
    response = leader_client.delete(reverse("api:lab-detail", kwargs={"pk": world.lab.pk}))

    assert response.status_code == 405
    with translation.override("ko"):
        message = str(exceptions.MethodNotAllowed("DELETE").detail)
    assert response.json() == {"error": {"code": "method_not_allowed", "message": message}}


def test_error_409_on_conflict(world, leader_client):
    before = Cohort.objects.count()

    response = leader_client.post(
        reverse("api:cohort-list"),
        cohort_data(world.lab, number=world.cohort.number),
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "cohort_exists",
            "message": ko("This lab already has a cohort with that number."),
            "fields": {"number": [ko("Already used.")]},
        }
    }
    assert Cohort.objects.count() == before


@pytest.fixture
def two_requests_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/min"},
    }


@pytest.mark.usefixtures("two_requests_a_minute")
def test_error_429_when_throttled_with_retry_after(world):
    client = bearer_client(world.member)
    url = reverse("api:lab-list")
    allowed = [client.get(url).status_code for _ in range(2)]

    response = client.get(url)

    assert allowed == [200, 200]
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    with translation.override("ko"):
        message = str(exceptions.Throttled(wait=wait).detail)
    assert response.json() == {"error": {"code": "throttled", "message": message}}


@pytest.mark.usefixtures("two_requests_a_minute")
def test_throttle_counts_each_token_separately(world):
    first = bearer_client(world.member)
    second = bearer_client(world.member)
    url = reverse("api:lab-list")
    for _ in range(2):
        first.get(url)

    assert (first.get(url).status_code, second.get(url).status_code) == (429, 200)


@pytest.mark.usefixtures("two_requests_a_minute")
def test_throttled_write_changes_nothing(world):
    client = client_for(world.leader)
    url = reverse("api:lab-detail", kwargs={"pk": world.lab.pk})
    for _ in range(2):
        client.get(url)

    response = client.patch(url, {"name": "late"}, content_type="application/json")

    assert response.status_code == 429
    world.lab.refresh_from_db()
    assert world.lab.name == "딥러닝 연구실"


@pytest.fixture
def two_requests_a_second(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/s"},
    }


def sleep_until_next_second() -> None:
    time.sleep(1 - time.time() % 1)


@pytest.mark.usefixtures("two_requests_a_second")
def test_throttle_window_opens_again_after_retry_after(world):
    client = bearer_client(world.member)
    url = reverse("api:lab-list")
    sleep_until_next_second()  # so that the first three requests share one window
    window = int(time.time())
    first = [client.get(url) for _ in range(3)]
    assert int(time.time()) == window, "the requests took a whole window; rerun on a calmer machine"
    sleep_until_next_second()

    after = client.get(url)

    assert [response.status_code for response in first] == [200, 200, 429]
    assert first[2].headers["Retry-After"] == "1"
    assert after.status_code == 200


@pytest.mark.redis
@pytest.mark.usefixtures("two_requests_a_minute")
def test_throttle_on_redis_counts_in_one_key_that_expires(world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # counters of earlier runs stay apart
        }
    }
    client = bearer_client(world.member)
    url = reverse("api:lab-list")

    statuses = [client.get(url).status_code for _ in range(3)]

    backend = caches["default"]
    redis = backend._cache.get_client()
    (key,) = redis.keys(f"{backend.key_prefix}:*")
    assert statuses == [200, 200, 429]
    assert (int(redis.get(key)), 0 < redis.ttl(key) <= 60) == (3, True)


@pytest.mark.usefixtures("two_requests_a_minute")
def test_throttle_counts_in_the_throttle_cache_when_there_is_one(world, settings):
    # The default cache forgets everything: only the "throttle" cache can count to three.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    caches["throttle"].clear()
    client = bearer_client(world.member)
    url = reverse("api:lab-list")

    statuses = [client.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
