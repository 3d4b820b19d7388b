"""The presenters board and its slot actions: htmx cells, plain forms, leaders' tools,
away dates, permissions and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import AwayPeriod, Slot, SlotAssignment, WaitlistEntry
from sessions.services.slots import slot_claim
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

BOARD = "/labs/deep-lab/5/board/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def slot(world) -> Slot:
    return SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")


def test_board_lists_meetings_tracks_and_presenters(world, slot, member_client):
    world.leader.profile.display_name = "김리더"
    world.leader.profile.save()
    SlotFactory(meeting=slot.meeting, kind="paper", title="Attention")
    slot_claim(actor=world.leader, slot=slot)

    response = member_client.get(BOARD)

    assert response.status_code == 200
    board = response.context["board"]
    assert board.tracks == [("chapter", "Book chapter"), ("paper", "Paper review")]
    row = board.upcoming[0]
    assert [[c.title for c in cells] for _label, cells in row.tracks] == [
        ["1장"],
        ["Attention"],
    ]
    assert [p.display_name for p in row.tracks[0][1][0].presenters] == ["김리더"]
    html = response.content.decode()
    assert f'data-testid="slot-waitlist-join-{slot.pk}"' in html
    assert 'hx-trigger="every 20s, focus from:window"' in html


def test_board_cells_show_shared_slots_waitlists_and_the_too_late_note(world):
    world.cohort.release_cutoff_hours = 24 * 30  # every upcoming slot is past its give-back
    world.cohort.save()
    meeting = MeetingFactory(cohort=world.cohort)
    shared = SlotFactory(meeting=meeting, title="A & B", capacity=3)
    for user in (world.leader, world.member):
        SlotAssignment.objects.create(slot=shared, user=user)
    full = SlotFactory(meeting=meeting, kind="paper")
    SlotAssignment.objects.create(slot=full, user=world.leader)
    for user in (world.facilitator, world.member):
        WaitlistEntry.objects.create(slot=full, user=user)

    member_html = client_for(world.member).get(BOARD).content.decode()
    leader_html = client_for(world.leader).get(BOARD).content.decode()

    def text(html: str, testid: str) -> list[str]:
        return re.findall(rf'data-testid="{testid}">([^<]*)<', html)

    # The member holds a place in the shared slot (too late to give back) and waits second.
    assert re.findall(r'<span class="badge">([^<]*)</span>', member_html) == ["2/3"]
    assert "<strong>A &amp; B</strong>" in member_html
    assert "Too late to give back" in member_html
    assert f'data-testid="slot-release-{shared.pk}"' not in member_html
    assert f'href="/slots/{shared.pk}/swap/" data-testid="slot-swap-{shared.pk}"' in member_html
    assert text(member_html, f"slot-waitlist-count-{full.pk}") == ["2 waiting"]
    assert text(member_html, f"slot-waitlist-leave-{full.pk}") == ["Leave waitlist (#2)"]
    # The leader may take either presenter out and assign a third member to the shared slot.
    assert re.findall(rf'data-testid="slot-unassign-{shared.pk}-(\d+)"', leader_html) == [
        str(world.leader.pk),
        str(world.member.pk),
    ]
    options = re.search(
        rf'data-testid="slot-assign-user-{shared.pk}">\s*(.*?)\s*</select>', leader_html
    )
    assert options is not None
    assert re.findall(r'<option value="(\d+)">', options.group(1)) == [
        str(membership.user_id)
        for membership in world.cohort.memberships.order_by(
            "user__profile__display_name", "user__email"
        )
    ]
    assert f'data-testid="slot-assign-user-{full.pk}"' not in leader_html
    # One CSRF input per form, with the token the page's htmx headers send.
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', leader_html)
    page_token = re.findall(r'"x-csrftoken": "(\w+)"', leader_html)
    assert (len(tokens), set(tokens)) == (leader_html.count("<form"), set(page_token))


def test_board_outsider_gets_404(world, slot, outsider_client):
    assert outsider_client.get(BOARD).status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/claim/").status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/release/").status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/waitlist/").status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/assign/").status_code == 404
    assert outsider_client.post(f"{BOARD}syllabus/").status_code == 404
    assert outsider_client.post(f"{BOARD}away/").status_code == 404


def test_board_htmx_refresh_returns_only_the_board_region(world, slot, member_client):
    response = member_client.get(BOARD, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html


def test_board_shows_who_is_away_on_a_meeting_date(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    SlotFactory(meeting=meeting)
    day = timezone.localtime(meeting.starts_at).date()
    world.member.profile.display_name = "여행중"
    world.member.profile.save()
    AwayPeriod.objects.create(
        cohort=world.cohort, user=world.member, start=day - timedelta(days=1), end=day
    )

    response = member_client.get(BOARD)

    assert response.context["board"].upcoming[0].away == ["여행중"]


def test_slot_claim_htmx_returns_the_cell_with_me(world, slot, member_client):
    response = member_client.post(f"/slots/{slot.pk}/claim/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="slot-cell is-mine is-full" id="slot-{slot.pk}"')
    assert f'data-testid="slot-release-{slot.pk}"' in html
    assert list(SlotAssignment.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_slot_claim_htmx_refused_shows_just_taken_by_with_200(world, slot, member_client):
    world.leader.profile.display_name = "김리더"
    world.leader.profile.save()
    slot_claim(actor=world.leader, slot=slot)

    response = member_client.post(f"/slots/{slot.pk}/claim/", **HTMX)

    assert response.status_code == 200
    assert response.context["cell_error"] == "Just taken by 김리더"
    assert [p["name"] for p in response.context["cell"]["presenters"]] == ["김리더"]
    assert f'data-testid="slot-waitlist-join-{slot.pk}"' in response.content.decode()


def test_slot_claim_plain_post_redirects_to_the_board(world, slot, member_client):
    response = member_client.post(f"/slots/{slot.pk}/claim/", {"user": world.leader.pk})

    assert (response.status_code, response["Location"]) == (302, BOARD)
    assert list(SlotAssignment.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_slot_claim_by_lab_member_outside_cohort_is_forbidden(world, slot):
    stranger = MembershipFactory(cohort__lab=world.lab, cohort__number=6).user

    response = client_for(stranger).post(f"/slots/{slot.pk}/claim/")

    assert response.status_code == 403
    assert SlotAssignment.objects.count() == 0


def test_slot_release_and_waitlist_through_the_page(world, slot, member_client):
    slot_claim(actor=world.leader, slot=slot)

    joined = member_client.post(f"/slots/{slot.pk}/waitlist/", **HTMX)
    assert list(WaitlistEntry.objects.values_list("user_id", flat=True)) == [world.member.pk]
    assert f'data-testid="slot-waitlist-leave-{slot.pk}"' in joined.content.decode()
    client_for(world.leader).post(f"/slots/{slot.pk}/release/")

    assert list(SlotAssignment.objects.values_list("user_id", "source")) == [
        (world.member.pk, "waitlist")
    ]
    member_client.post(f"/slots/{slot.pk}/release/")
    assert SlotAssignment.objects.count() == 0


def test_slot_waitlist_leave_through_the_page(world, slot, member_client):
    slot_claim(actor=world.leader, slot=slot)
    member_client.post(f"/slots/{slot.pk}/waitlist/")

    member_client.post(f"/slots/{slot.pk}/waitlist/", {"leave": "1"})

    assert WaitlistEntry.objects.count() == 0


def test_slot_assign_and_unassign_by_leader(world, slot, leader_client):
    leader_client.post(f"/slots/{slot.pk}/assign/", {"user": world.member.pk}, **HTMX)
    assert list(SlotAssignment.objects.values_list("user_id", "source")) == [
        (world.member.pk, "leader")
    ]

    leader_client.post(f"/slots/{slot.pk}/unassign/", {"user": world.member.pk})
    assert SlotAssignment.objects.count() == 0


def test_slot_assign_by_member_is_forbidden(world, slot, member_client):
    response = member_client.post(f"/slots/{slot.pk}/assign/", {"user": world.member.pk})

    assert response.status_code == 403
    assert SlotAssignment.objects.count() == 0


def test_syllabus_form_lays_out_titles(world, leader_client):
    meetings = [
        MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=7 * i))
        for i in (1, 2)
    ]

    response = leader_client.post(
        f"{BOARD}syllabus/", {"kind": "chapter", "titles": "1장\n2장\n3장\n", "per_meeting": "2"}
    )

    assert (response.status_code, response["Location"]) == (302, BOARD)
    rows = list(
        Slot.objects.order_by("meeting__starts_at", "position").values_list("meeting_id", "title")
    )
    assert rows == [(meetings[0].pk, "1장"), (meetings[0].pk, "2장"), (meetings[1].pk, "3장")]


def test_syllabus_form_by_member_is_forbidden(world, member_client):
    MeetingFactory(cohort=world.cohort)

    response = member_client.post(
        f"{BOARD}syllabus/", {"kind": "chapter", "titles": "1장", "per_meeting": "1"}
    )

    assert response.status_code == 403
    assert Slot.objects.count() == 0


def test_away_dates_added_and_removed_on_the_board(world, member_client):
    added = member_client.post(
        f"{BOARD}away/", {"start": "2026-12-01", "end": "2026-12-02", "reason": "시험"}
    )
    period = AwayPeriod.objects.get()
    assert (added.status_code, period.user_id, period.start, period.end) == (
        302,
        world.member.pk,
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 2),
    )

    removed = member_client.post(f"/away/{period.pk}/delete/")

    assert removed.status_code == 302
    assert AwayPeriod.objects.count() == 0


def test_away_delete_of_another_members_dates_is_forbidden(world, member_client):
    period = AwayPeriod.objects.create(
        cohort=world.cohort, user=world.leader, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 1)
    )

    response = member_client.post(f"/away/{period.pk}/delete/")

    assert response.status_code == 403
    assert AwayPeriod.objects.count() == 1


def test_board_shows_recent_changes_to_managers_only(world, slot, leader_client, member_client):
    slot_claim(actor=world.member, slot=slot)

    leader_view = leader_client.get(BOARD)
    member_view = member_client.get(BOARD)

    assert [c.action_label for c in leader_view.context["changes"]] == ["Claimed"]
    assert 'data-testid="slot-changes"' not in member_view.content.decode()


def test_schedule_page_links_to_the_board(world, member_client):
    response = member_client.get("/labs/deep-lab/5/schedule/")

    assert f'href="{BOARD}"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_board_query_count_is_constant(world, django_assert_num_queries, count):
    members = [m.user for m in MembershipFactory.create_batch(3, cohort=world.cohort)]
    for index in range(count):
        meeting = MeetingFactory(cohort=world.cohort)
        for kind in ("chapter", "paper", "role"):
            slot = SlotFactory(meeting=meeting, kind=kind, capacity=3)
            for member in members:
                SlotAssignment.objects.create(slot=slot, user=member)
            WaitlistEntry.objects.create(slot=slot, user=world.member)
        AwayPeriod.objects.create(
            cohort=world.cohort,
            user=members[index],
            start=timezone.localtime(meeting.starts_at).date(),
            end=timezone.localtime(meeting.starts_at).date(),
        )
    past = MeetingFactory(cohort=world.cohort, starts_at=timezone.now() - timedelta(days=count))
    SlotFactory(meeting=past)
    client = client_for(world.leader)

    # Session, user, profile, cohort, my access; upcoming and past meetings, slots,
    # presenters, waitlists, away dates; the leader's member list, my away dates, the audit
    # log, the syllabus form's meetings.
    with django_assert_num_queries(15):
        response = client.get(BOARD)

    assert len(response.context["board"].upcoming) == count
    assert len(response.context["board"].past) == 1


def test_slot_create_page_adds_a_slot(world, leader_client):
    meeting = MeetingFactory(cohort=world.cohort)
    url = f"/meetings/{meeting.pk}/slots/new/"

    page = leader_client.get(url)
    response = leader_client.post(
        url,
        {
            "kind": "paper",
            "title": "Attention Is All You Need",
            "materials_url": "https://example.com/slides",
            "capacity": "2",
        },
    )

    assert (page.status_code, response.status_code, response["Location"]) == (200, 302, BOARD)
    slot = Slot.objects.get()
    assert (slot.meeting_id, slot.kind, slot.title, slot.capacity, slot.materials_url) == (
        meeting.pk,
        "paper",
        "Attention Is All You Need",
        2,
        "https://example.com/slides",
    )


def test_slot_edit_page_shows_service_refusals_in_the_form(world, slot, leader_client):
    slot.capacity = 2
    slot.save()
    slot_claim(actor=world.member, slot=slot)
    slot_claim(actor=world.leader, slot=slot)

    response = leader_client.post(
        f"/slots/{slot.pk}/edit/", {"kind": "chapter", "title": "1장", "capacity": "1"}, **HTMX
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "capacity": ["2 members present in this slot: remove some first."]
    }
    slot.refresh_from_db()
    assert slot.capacity == 2


def test_slot_edit_and_delete_pages_are_for_managers(world, slot, member_client, outsider_client):
    assert member_client.get(f"/slots/{slot.pk}/edit/").status_code == 403
    assert member_client.post(f"/slots/{slot.pk}/delete/").status_code == 403
    assert member_client.get(f"/meetings/{slot.meeting_id}/slots/new/").status_code == 403
    assert outsider_client.get(f"/slots/{slot.pk}/edit/").status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/delete/").status_code == 404
    assert Slot.objects.count() == 1


def test_slot_delete_by_leader(world, slot, leader_client):
    response = leader_client.post(f"/slots/{slot.pk}/delete/")

    assert (response.status_code, response["Location"]) == (302, BOARD)
    assert Slot.objects.count() == 0


def test_board_links_managers_to_the_rotation(world):
    board = reverse("sessions:board", args=["deep-lab", 5])

    leader_page = client_for(world.leader).get(board).content.decode()
    member_page = client_for(world.member).get(board).content.decode()

    assert 'href="/labs/deep-lab/5/rotation/" data-testid="rotation-link"' in leader_page
    assert 'data-testid="rotation-link"' not in member_page


# --- a presenter's materials link ----------------------------------------------------------


def test_slot_materials_presenter_posts_a_link_and_the_board_shows_it(world, slot, member_client):
    slot_claim(actor=world.member, slot=slot)
    board_before = member_client.get(BOARD).content.decode()

    response = member_client.post(
        f"/slots/{slot.pk}/materials/", {"materials_url": "https://slides.example.com/ch1"}
    )

    slot.refresh_from_db()
    assert f'data-testid="slot-materials-edit-{slot.pk}"' in board_before
    assert response.status_code == 302
    assert slot.materials_url == "https://slides.example.com/ch1"
    assert 'href="https://slides.example.com/ch1"' in member_client.get(BOARD).content.decode()


def test_slot_materials_rejects_a_non_web_link_and_keeps_the_old_one(world, slot, member_client):
    slot_claim(actor=world.member, slot=slot)
    slot.materials_url = "https://old.example.com/"
    slot.save(update_fields=["materials_url"])

    response = member_client.post(
        f"/slots/{slot.pk}/materials/", {"materials_url": "javascript:alert(1)"}, **HTMX
    )

    slot.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {"materials_url": ["Enter a valid URL."]}
    assert slot.materials_url == "https://old.example.com/"


def test_slot_materials_refused_for_a_member_who_does_not_present(world, slot, member_client):
    response = member_client.post(
        f"/slots/{slot.pk}/materials/", {"materials_url": "https://x.example.com/"}
    )

    slot.refresh_from_db()
    assert response.status_code == 403
    assert slot.materials_url == ""


def test_slot_materials_outsider_gets_404(world, slot, outsider_client):
    assert outsider_client.get(f"/slots/{slot.pk}/materials/").status_code == 404
    assert outsider_client.post(f"/slots/{slot.pk}/materials/").status_code == 404
