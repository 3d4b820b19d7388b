"""Fixtures for the community tests: a public lab with a recruiting next cohort, a meeting
that took place, and a guest talk that has not started yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import GuestTalk, Recruitment
from labs.models import Cohort, CohortStatus, Visibility
from tests.factories import CohortFactory, MeetingFactory


@pytest.fixture
def public_lab(world):
    world.lab.visibility = Visibility.PUBLIC
    world.lab.save(update_fields=["visibility", "updated_at"])
    return world.lab


@pytest.fixture
def next_cohort(world) -> Cohort:
    return CohortFactory(lab=world.lab, number=6, status=CohortStatus.PLANNED)


@pytest.fixture
def recruitment(world, public_lab, next_cohort) -> Recruitment:
    return services.recruitment_open(
        actor=world.leader,
        cohort=next_cohort,
        closes_on=timezone.localdate() + timedelta(days=10),
        question="Which paper would you present?",
    )


@pytest.fixture
def past_meeting(world):
    start = timezone.now() - timedelta(days=3)
    return MeetingFactory(
        cohort=world.cohort, number=1, starts_at=start, ends_at=start + timedelta(hours=4)
    )


@pytest.fixture
def talk(world) -> GuestTalk:
    return services.talk_create(
        actor=world.leader,
        cohort=world.cohort,
        title="Scaling laws, in practice",
        speaker="김연구",
        starts_at=timezone.now() + timedelta(days=5),
        host=world.facilitator,
    )
