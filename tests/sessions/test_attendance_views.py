"""The attendance sheet (leaders record everyone at once) and the rates on the cohort page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import Attendance, MeetingStatus
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, RsvpFactory

HTMX = {"HX-Request": "true"}


def attendance_url(meeting) -> str:
    return f"/meetings/{meeting.pk}/attendance/"


def past_meeting(cohort, days: int = 1, **kwargs):
    return MeetingFactory(cohort=cohort, starts_at=timezone.now() - timedelta(days=days), **kwargs)


def checked(content: bytes) -> dict[int, str]:
    pairs = re.findall(r'name="status-(\d+)" value="(\w+)" checked', content.decode())
    return {int(user_id): status for user_id, status in pairs}


def test_attendance_page_prefills_from_rsvps_and_records(world, leader_client):
    meeting = past_meeting(world.cohort)
    RsvpFactory(meeting=meeting, user=world.member, answer="yes")
    Attendance.objects.create(meeting=meeting, user=world.facilitator, status="excused")

    response = leader_client.get(attendance_url(meeting))

    assert response.status_code == 200
    assert response.content.count(b'data-testid="attendance-row"') == 3
    assert checked(response.content) == {
        world.member.pk: "present",
        world.facilitator.pk: "excused",
    }
    assert b'hx-post="/meetings/' in response.content
    assert f'action="{attendance_url(meeting)}"'.encode() in response.content


def test_attendance_post_saves_everyone_at_once_and_redirects(world, leader_client):
    meeting = past_meeting(world.cohort)
    data = {
        f"status-{world.leader.pk}": "present",
        f"status-{world.facilitator.pk}": "late",
        f"status-{world.member.pk}": "absent",
    }

    response = leader_client.post(attendance_url(meeting), data)

    assert response.status_code == 302
    assert response["Location"] == attendance_url(meeting)
    assert dict(Attendance.objects.values_list("user_id", "status")) == {
        world.leader.pk: "present",
        world.facilitator.pk: "late",
        world.member.pk: "absent",
    }


def test_attendance_post_htmx_returns_the_sheet_with_notice(world, leader_client):
    meeting = past_meeting(world.cohort)

    response = leader_client.post(
        attendance_url(meeting), {f"status-{world.member.pk}": "late"}, headers=HTMX
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.strip().startswith('<div id="attendance-sheet">')
    assert response.context["notice"] == "Attendance saved."
    assert checked(response.content) == {world.member.pk: "late"}


def test_attendance_post_with_one_bad_entry_saves_nothing(world, leader_client):
    meeting = past_meeting(world.cohort)
    data = {
        f"status-{world.leader.pk}": "present",
        f"status-{world.member.pk}": "asleep",
        f"status-{world.outsider.pk}": "present",
    }

    response = leader_client.post(attendance_url(meeting), data, headers=HTMX)

    assert response.status_code == 200
    assert response.context["error"] == "Some entries are invalid; nothing was saved."
    rows = {row["user_id"]: row["errors"] for row in response.context["rows"]}
    assert rows[world.member.pk] == ["Choose present, late, absent or excused."]
    # What the leader chose stays chosen, so only the bad entry needs fixing.
    selected = {row["user_id"]: row["selected"] for row in response.context["rows"]}
    assert selected == {
        world.leader.pk: "present",
        world.facilitator.pk: "",
        world.member.pk: "asleep",
    }
    assert Attendance.objects.count() == 0


def test_attendance_before_the_meeting_shows_why_without_form(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = leader_client.get(attendance_url(meeting))

    assert response.status_code == 200
    assert response.context["closed_reason"] == (
        "Attendance can be recorded once the meeting has started."
    )
    assert b'data-testid="attendance-table"' not in response.content


def test_attendance_cancelled_meeting_post_is_refused(world, leader_client):
    meeting = past_meeting(world.cohort, status=MeetingStatus.CANCELLED)

    response = leader_client.post(attendance_url(meeting), {f"status-{world.member.pk}": "present"})

    assert response.status_code == 200
    assert response.context["error"] == (
        "This meeting was cancelled; there is no attendance to record."
    )
    assert Attendance.objects.count() == 0


def test_attendance_member_gets_403(world, member_client):
    meeting = past_meeting(world.cohort)

    get = member_client.get(attendance_url(meeting))
    post = member_client.post(attendance_url(meeting), {f"status-{world.member.pk}": "present"})

    assert (get.status_code, post.status_code) == (403, 403)
    assert get.context["message"] == (
        "Only the cohort's leaders and facilitators can record attendance."
    )
    assert Attendance.objects.count() == 0


def test_attendance_outsider_gets_404(world, outsider_client):
    meeting = past_meeting(world.cohort)

    get = outsider_client.get(attendance_url(meeting))
    post = outsider_client.post(attendance_url(meeting), {f"status-{world.member.pk}": "present"})

    assert (get.status_code, post.status_code) == (404, 404)
    assert Attendance.objects.count() == 0


@pytest.mark.parametrize("members", [1, 3])
def test_attendance_page_query_count_is_constant(world, django_assert_num_queries, members):
    meeting = past_meeting(world.cohort)
    for membership in MembershipFactory.create_batch(members, cohort=world.cohort):
        RsvpFactory(meeting=meeting, user=membership.user, answer="yes")
        Attendance.objects.create(meeting=meeting, user=membership.user, status="late")
    client = client_for(world.leader)

    # session, user, profile; meeting (visibility); the viewer's memberships in the lab;
    # RSVPs; records; roster; RSVP counts.
    with django_assert_num_queries(9):
        response = client.get(attendance_url(meeting))

    assert response.content.count(b'data-testid="attendance-row"') == 3 + members


# --- the cohort page -------------------------------------------------------------------------


def test_cohort_page_shows_each_members_attendance_rate(world, member_client):
    meetings = [past_meeting(world.cohort, days=d) for d in (9, 6, 3, 1, 2)]
    for meeting, status in zip(
        meetings, ["present", "late", "absent", "present", "present"], strict=True
    ):
        Attendance.objects.create(meeting=meeting, user=world.member, status=status)
    Attendance.objects.create(meeting=meetings[0], user=world.leader, status="absent")

    response = member_client.get("/labs/deep-lab/5/")

    assert response.status_code == 200
    rates = re.findall(r'data-testid="attendance-rate">([^<]*)<', response.content.decode())
    assert sorted(rates) == ["Attendance rate 0%", "Attendance rate 80%"]
    by_name = {row["name"]: row["attendance_rate"] for row in response.context["rows"]}
    assert by_name[world.member.display_name] == 80
    assert by_name[world.facilitator.display_name] is None
