"""The sessions admin: every model is registered and its list page opens."""

from __future__ import annotations

import pytest
from django.contrib import admin

from sessions.models import (
    Attendance,
    Location,
    Meeting,
    MeetingSeries,
    Poll,
    PollOption,
    PollVote,
    Rsvp,
    TravelTime,
)
from tests.conftest import client_for
from tests.factories import MeetingFactory, RsvpFactory, UserFactory

MODELS = [
    Location,
    TravelTime,
    MeetingSeries,
    Meeting,
    Rsvp,
    Attendance,
    Poll,
    PollOption,
    PollVote,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_opens(db, model):
    RsvpFactory(meeting=MeetingFactory())
    superuser = UserFactory(is_staff=True, is_superuser=True)

    response = client_for(superuser).get(
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    )

    assert response.status_code == 200


def test_admin_registers_every_sessions_model():
    registered = {m for m in admin.site._registry if m._meta.app_label == "study_sessions"}

    assert registered == set(MODELS)
