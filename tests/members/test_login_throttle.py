"""Login throttling (django-axes): five failures per (email, IP) lock that pair for a while."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
HOME_IP = "127.0.0.1"
OTHER_IP = "10.1.2.3"


def _login(client: Client, email: str, password: str, ip: str = HOME_IP):
    return client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client: Client, email: str, times: int, ip: str = HOME_IP) -> list[int]:
    return [_login(client, email, "wrong-password", ip).status_code for _ in range(times)]


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_url_is_the_contract():
    assert reverse("members:login") == LOGIN_URL
    assert settings.AXES_FAILURE_LIMIT == 5


def test_login_throttle_locks_after_five_failures_even_with_right_password(world):
    client = Client()

    statuses = _fail(client, "member@example.com", 5)
    response = _login(client, "member@example.com", DEFAULT_PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert [t.name for t in response.templates].count("members/locked_out.html") == 1
    assert _logged_in(client) is False


def test_login_throttle_page_says_how_long(world):
    client = Client()
    _fail(client, "member@example.com", 5)

    response = _login(client, "member@example.com", DEFAULT_PASSWORD)

    assert response.context["cooloff_timedelta"].total_seconds() == 15 * 60
    assert reverse("members:password_reset") in response.content.decode()


def test_login_throttle_counts_email_case_variants_together(world):
    client = Client()
    _fail(client, "MEMBER@example.com", 3)
    _fail(client, "Member@Example.com", 2)

    response = _login(client, "member@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert _logged_in(client) is False


def test_login_throttle_does_not_lock_same_email_from_another_ip(world):
    _fail(Client(), "member@example.com", 5)
    client = Client()

    response = _login(client, "member@example.com", DEFAULT_PASSWORD, ip=OTHER_IP)

    assert response.status_code == 302
    assert _logged_in(client) is True


def test_login_throttle_does_not_lock_another_email_from_same_ip(world):
    _fail(Client(), "member@example.com", 5)
    client = Client()

    response = _login(client, "leader@example.com", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert _logged_in(client) is True


def test_login_throttle_success_of_another_member_keeps_failures(world):
    _fail(Client(), "member@example.com", 4)
    _login(Client(), "leader@example.com", DEFAULT_PASSWORD)
    client = Client()

    statuses = _fail(client, "member@example.com", 1)
    response = _login(client, "member@example.com", DEFAULT_PASSWORD)

    assert statuses == [429]
    assert response.status_code == 429


def test_login_throttle_success_from_another_ip_keeps_failures(world):
    _fail(Client(), "member@example.com", 4)
    _login(Client(), "member@example.com", DEFAULT_PASSWORD, ip=OTHER_IP)
    client = Client()

    statuses = _fail(client, "member@example.com", 1)

    assert statuses == [429]


def test_login_throttle_success_resets_own_failures(world):
    _fail(Client(), "member@example.com", 4)
    _login(Client(), "member@example.com", DEFAULT_PASSWORD)
    client = Client()

    statuses = _fail(client, "member@example.com", 5)

    assert statuses == [200, 200, 200, 200, 429]
