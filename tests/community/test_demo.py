"""The community demo: the public lab's page and recruiting, 5기's notes, talks and events —
and a second run changes nothing."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db.models import Max
from django.test import Client

from community.demo import seed_community_demo
from community.models import (
    Application,
    GuestTalk,
    LabShowcase,
    MeetingNote,
    NoteQuestion,
    OutsideEvent,
    Recruitment,
    ShowcaseMember,
    ShowcaseOutput,
    TalkQuestion,
    TalkVote,
)
from labs.models import Membership
from members.models import User

MODELS = (
    LabShowcase,
    ShowcaseMember,
    ShowcaseOutput,
    Recruitment,
    Application,
    MeetingNote,
    NoteQuestion,
    GuestTalk,
    TalkQuestion,
    TalkVote,
    OutsideEvent,
    Membership,
)


def _snapshot() -> dict[str, tuple[int, object]]:
    return {
        model.__name__: (
            model.objects.count(),
            model.objects.aggregate(newest=Max("created_at"))["newest"],
        )
        for model in MODELS
    }


def _users() -> dict[str, User]:
    return {
        user.email.split("@")[0]: user
        for user in User.objects.filter(email__endswith="@demo.labmate.kr")
    }


def test_seed_community_demo_is_idempotent_and_fills_every_area(db):
    call_command("seed_demo", stdout=io.StringIO())
    seed_community_demo(users=_users())
    first = _snapshot()

    seed_community_demo(users=_users())

    assert _snapshot() == first
    assert LabShowcase.objects.get().lab.slug == "bootcamp-coding-test"
    assert ShowcaseMember.objects.count() == 3
    assert sorted(Application.objects.values_list("status", flat=True)) == ["accepted", "pending"]
    assert MeetingNote.objects.count() == 2
    assert GuestTalk.objects.count() == 2
    assert OutsideEvent.objects.count() == 4


def test_seed_community_demo_public_page_and_listing_open(db):
    call_command("seed_demo", stdout=io.StringIO())
    seed_community_demo(users=_users())
    client = Client()

    showcase = client.get("/labs/bootcamp-coding-test/showcase/")
    listing = client.get("/recruiting/")

    assert showcase.status_code == 200
    assert [m.name for m in showcase.context["members"]] == ["정하은", "이서연", "오건우"]
    assert [r.cohort.lab.slug for r in listing.context["recruitments"]] == ["bootcamp-coding-test"]
    assert client.get("/labs/seoul-ai-lab/showcase/").status_code == 404
