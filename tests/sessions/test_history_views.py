"""History pages: a member's presentations across the lab's cohorts, and the lab's archive
(search by title in Korean, filters, pagination), visibility and constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import MembershipStatus
from sessions.models import MeetingStatus, SlotAssignment
from tests.conftest import client_for
from tests.factories import (
    CohortFactory,
    MeetingFactory,
    MembershipFactory,
    SlotFactory,
)

ARCHIVE = "/labs/deep-lab/archive/"


def history_url(user_id: int) -> str:
    return f"/labs/deep-lab/members/{user_id}/presentations/"


def past_meeting(cohort, days_ago: int, **kwargs):
    return MeetingFactory(
        cohort=cohort, starts_at=timezone.now() - timedelta(days=days_ago), **kwargs
    )


def presented(user, meeting, title: str, **kwargs):
    slot = SlotFactory(meeting=meeting, title=title, **kwargs)
    SlotAssignment.objects.create(slot=slot, user=user)
    return slot


def test_history_url_names(db):
    assert reverse("sessions:member_history", args=["deep-lab", 7]) == history_url(7)
    assert reverse("sessions:archive", args=["deep-lab"]) == ARCHIVE


def test_member_history_lists_past_presentations_across_cohorts_newest_first(world, member_client):
    old_cohort = CohortFactory(lab=world.lab, number=4, name="봄")
    MembershipFactory(
        cohort=old_cohort,
        user=world.member,
        status=MembershipStatus.LEFT,
        left_on=timezone.localdate(),
    )
    presented(
        world.member,
        past_meeting(old_cohort, 200, number=3),
        "트랜스포머",
        kind="paper",
        materials_url="https://example.com/slides",
    )
    presented(world.member, past_meeting(world.cohort, 7, number=2), "2장")
    presented(world.member, MeetingFactory(cohort=world.cohort), "다음 발표")  # upcoming
    cancelled = past_meeting(world.cohort, 3, status=MeetingStatus.CANCELLED)
    presented(world.member, cancelled, "취소됨")
    presented(world.leader, past_meeting(world.cohort, 14), "남의 발표")

    response = member_client.get(history_url(world.member.pk))

    assert response.status_code == 200
    rows = response.context["presentations"]
    assert [(r.title, r.cohort_number, r.meeting_number, r.kind) for r in rows] == [
        ("2장", 5, 2, "chapter"),
        ("트랜스포머", 4, 3, "paper"),
    ]
    assert rows[1].materials_url == "https://example.com/slides"
    assert 'href="https://example.com/slides"' in response.content.decode()


def test_member_history_visible_to_lab_members_only(world, outsider_client):
    stranger = MembershipFactory(cohort__lab=world.other_lab).user

    assert outsider_client.get(history_url(world.member.pk)).status_code == 404
    assert client_for(world.leader).get(history_url(stranger.pk)).status_code == 404
    assert client_for(world.leader).get(history_url(world.member.pk)).status_code == 200


def test_member_history_of_a_public_lab_is_404_for_outsiders(world, outsider_client):
    world.lab.visibility = "public"
    world.lab.save()

    assert outsider_client.get(history_url(world.member.pk)).status_code == 404
    assert outsider_client.get(ARCHIVE).status_code == 404


def test_archive_searches_titles_in_korean_and_filters(world, member_client):
    meeting = past_meeting(world.cohort, 7)
    presented(world.member, meeting, "어텐션 메커니즘", kind="paper")
    presented(world.leader, meeting, "강화학습 입문", kind="chapter")
    presented(world.leader, past_meeting(world.cohort, 14), "Attention Is All You Need")
    SlotFactory(meeting=meeting, title="어텐션 빈 자리")  # nobody presented it

    korean = member_client.get(ARCHIVE, {"q": "어텐션"})
    english = member_client.get(ARCHIVE, {"q": "attention"})
    papers = member_client.get(ARCHIVE, {"kind": "paper"})
    other_cohort = member_client.get(ARCHIVE, {"cohort": "4"})

    assert [e.slot.title for e in korean.context["entries"]] == ["어텐션 메커니즘"]
    assert [e.slot.title for e in english.context["entries"]] == ["Attention Is All You Need"]
    assert [e.slot.title for e in papers.context["entries"]] == ["어텐션 메커니즘"]
    assert other_cohort.context["entries"] == []
    assert [name for _id, name in korean.context["entries"][0].presenters] == [
        world.member.display_name
    ]


def test_archive_htmx_returns_only_the_results(world, member_client):
    presented(world.member, past_meeting(world.cohort, 7), "1장")

    response = member_client.get(ARCHIVE, {"q": "1"}, HTTP_HX_REQUEST="true")

    assert response.content.decode().lstrip().startswith('<section id="archive-results"')


def test_archive_paginates_by_50(world, member_client):
    meeting = past_meeting(world.cohort, 7)
    for index in range(51):
        presented(world.member, meeting, f"{index}장")

    first = member_client.get(ARCHIVE)
    second = member_client.get(ARCHIVE, {"page": 2})

    assert (len(first.context["entries"]), len(second.context["entries"])) == (50, 1)


def test_lab_page_links_the_archive_for_members(world, member_client):
    html = member_client.get("/labs/deep-lab/").content.decode()

    assert f'href="{ARCHIVE}" data-testid="lab-archive-link"' in html


@pytest.mark.parametrize("count", [1, 3])
def test_archive_query_count_is_constant(world, django_assert_num_queries, count):
    for index in range(count):
        meeting = past_meeting(world.cohort, 7 + index)
        for member in (world.member, world.leader):
            presented(member, meeting, f"{index}장 {member.pk}")
    client = client_for(world.member)

    # Session, user, profile, lab, my access, cohorts for the filter, count, page, presenters.
    with django_assert_num_queries(9):
        response = client.get(ARCHIVE)

    assert len(response.context["entries"]) == 2 * count


@pytest.mark.parametrize("count", [1, 3])
def test_member_history_query_count_is_constant(world, django_assert_num_queries, count):
    for index in range(count):
        presented(world.member, past_meeting(world.cohort, 7 + index), f"{index}장")
    client = client_for(world.leader)

    # Session, user, profile, lab, my access, the member, the presentations.
    with django_assert_num_queries(7):
        response = client.get(history_url(world.member.pk))

    assert len(response.context["presentations"]) == count
