"""The health check answers for the process and its database."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_health_returns_ok(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_health_is_never_cached(client):
    response = client.get(reverse("health"))

    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_health_refuses_post(client):
    response = client.post(reverse("health"))

    assert response.status_code == 405
