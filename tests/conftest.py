"""Shared fixtures: a lab with its leader, facilitator and member, and an outsider elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from labs.models import Cohort, Lab, Membership, Role
from members.models import User
from members.services import api_token_create
from tests.factories import CohortFactory, LabFactory, MembershipFactory


def _on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _missing_services() -> set[str]:
    """Markers whose server is not configured in this run (CI configures both)."""
    missing = set()
    if not _on_postgresql():
        missing.add("postgres")
    if not os.environ.get("REDIS_URL"):
        missing.add("redis")
    return missing


def pytest_collection_modifyitems(config, items):
    """Tests that need a real PostgreSQL (row locks) or Redis run where they are configured.

    On the embedded default they are deselected, not skipped, and the header says so;
    .ci/run always sets DATABASE_URL and REDIS_URL, so CI runs every one of them.
    """
    missing = _missing_services()
    if not missing:
        return

    def needs_missing(item) -> bool:
        return any(item.get_closest_marker(name) for name in missing)

    deselected = [item for item in items if needs_missing(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not needs_missing(item)]


@pytest.fixture(autouse=True)
def english_assertions():
    """Tests compare messages in English; requests still speak whatever the middleware picks.

    Lazy strings (form errors, service messages) are rendered when asserted, in the test
    thread, so the thread's language is fixed here rather than left to the catalogue default.
    """
    with translation.override("en"):
        yield


def pytest_report_header(config):
    missing = _missing_services()
    database = "SQLite" if "postgres" in missing else "PostgreSQL"
    broker = "filesystem" if "redis" in missing else "Redis"
    note = f" (deselected markers: {', '.join(sorted(missing))})" if missing else ""
    return f"database: {database}, broker and cache: {broker}{note}"


@dataclass
class LabWorld:
    lab: Lab
    cohort: Cohort
    leader: User
    facilitator: User
    member: User
    outsider: User
    other_lab: Lab
    leader_membership: Membership
    member_membership: Membership


@pytest.fixture
def world(db) -> LabWorld:
    lab = LabFactory(slug="deep-lab", name="딥러닝 연구실")
    cohort = CohortFactory(lab=lab, number=5)
    leader_m = MembershipFactory(cohort=cohort, role=Role.LEADER, user__email="leader@example.com")
    facilitator_m = MembershipFactory(
        cohort=cohort, role=Role.FACILITATOR, user__email="facilitator@example.com"
    )
    member_m = MembershipFactory(cohort=cohort, role=Role.MEMBER, user__email="member@example.com")
    other_cohort = CohortFactory(lab=LabFactory(slug="other-lab", name="다른 연구실"), number=1)
    outsider_m = MembershipFactory(
        cohort=other_cohort, role=Role.LEADER, user__email="outsider@example.com"
    )
    return LabWorld(
        lab=lab,
        cohort=cohort,
        leader=leader_m.user,
        facilitator=facilitator_m.user,
        member=member_m.user,
        outsider=outsider_m.user,
        other_lab=other_cohort.lab,
        leader_membership=leader_m,
        member_membership=member_m,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def leader_client(world: LabWorld) -> Client:
    return client_for(world.leader)


@pytest.fixture
def member_client(world: LabWorld) -> Client:
    return client_for(world.member)


@pytest.fixture
def outsider_client(world: LabWorld) -> Client:
    return client_for(world.outsider)


@pytest.fixture
def api_cache(settings):
    """An empty in-memory cache for this test: API throttle counters start at zero and
    never leak between tests or into the shared file cache of parallel runs."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "api-tests",
        }
    }
    cache.clear()
    yield cache
    cache.clear()


def bearer_client(user: User, *, scope: str = "read", lab_slug: str | None = None) -> Client:
    """A test client that sends `Authorization: Bearer <a fresh personal token of user>`."""
    _token, raw = api_token_create(user=user, name="test", scope=scope, lab_slug=lab_slug)
    return Client(headers={"Authorization": f"Bearer {raw}"})
