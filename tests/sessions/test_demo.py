"""seed_demo's sessions content: a biweekly series with past and future meetings, answers,
attendance, places in Seoul and home areas — and a second run changes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from labs.models import Cohort
from members.models import Profile
from sessions.models import (
    Attendance,
    Draw,
    Location,
    Meeting,
    MeetingSeries,
    Poll,
    PollVote,
    Rsvp,
    Slot,
    SlotAssignment,
    SwapRequest,
    WaitlistEntry,
)


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            MeetingSeries,
            Meeting,
            Rsvp,
            Attendance,
            Location,
            Poll,
            PollVote,
            Slot,
            SlotAssignment,
            WaitlistEntry,
            SwapRequest,
            Draw,
        )
    )


def test_seed_demo_schedules_the_current_cohort_idempotently(db):
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())

    cohort = Cohort.objects.get(lab__slug="seoul-ai-lab", number=5)
    now = timezone.now()
    held = cohort.meetings.filter(starts_at__lte=now)
    assert _counts() == first
    assert cohort.series.count() == 1
    assert held.exists()
    assert cohort.meetings.filter(starts_at__gt=now).exists()
    assert Attendance.objects.filter(meeting__in=held).count() > 0
    assert Location.objects.filter(lab=cohort.lab, latitude__isnull=False).count() == 3
    slots = Slot.objects.filter(meeting__cohort=cohort)
    assert set(slots.values_list("kind", flat=True)) == {"chapter", "paper"}
    assert slots.filter(assignments__isnull=True).exists()
    assert WaitlistEntry.objects.filter(slot__meeting__cohort=cohort).count() == 1
    assert SwapRequest.objects.filter(status="accepted").count() == 1
    assert Draw.objects.filter(cohort=cohort, kind="ladder").count() == 1


def test_seed_demo_home_areas_are_rounded(db):
    call_command("seed_demo", stdout=io.StringIO())

    profile = Profile.objects.get(user__email="seoyeon@demo.labmate.kr")

    assert (profile.home_area, profile.home_latitude, profile.home_longitude) == (
        "성동구 성수동",
        Decimal("37.54"),
        Decimal("127.06"),
    )
