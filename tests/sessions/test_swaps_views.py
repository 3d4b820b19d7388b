"""Swap pages: the swap form from the board, the requests panel (htmx and plain forms),
permissions, and the board's links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import SlotAssignment, SwapRequest
from sessions.services.slots import slot_claim
from sessions.services.swaps import swap_request_create
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

BOARD = "/labs/deep-lab/5/board/"
PANEL = "/labs/deep-lab/5/swaps/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pair(world):
    bee = MembershipFactory(cohort=world.cohort, user__email="bee@example.com").user
    bee.profile.display_name = "비"
    bee.profile.save()
    world.member.profile.display_name = "멤버"
    world.member.profile.save()
    first = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="1장")
    second = SlotFactory(
        meeting=MeetingFactory(cohort=world.cohort, starts_at=timezone.now() + timedelta(days=14)),
        title="2장",
    )
    slot_claim(actor=world.member, slot=first)
    slot_claim(actor=bee, slot=second)
    return world.member, bee, first, second


def holders() -> list[tuple[int, int]]:
    return sorted(SlotAssignment.objects.values_list("slot_id", "user_id"))


def test_board_shows_a_swap_link_on_my_slot_and_links_presenters_to_history(
    world, pair, member_client
):
    _me, bee, first, second = pair

    html = member_client.get(BOARD).content.decode()

    assert f'href="/slots/{first.pk}/swap/" data-testid="slot-swap-{first.pk}"' in html
    assert f'data-testid="slot-swap-{second.pk}"' not in html
    assert f'href="/labs/deep-lab/members/{bee.pk}/presentations/"' in html
    assert f'hx-get="{PANEL}" hx-trigger="load"' in html


def test_swap_form_lists_other_presenters_slots(world, pair, member_client):
    _me, bee, first, second = pair

    response = member_client.get(f"/slots/{first.pk}/swap/")

    assert response.status_code == 200
    choices = response.context["form"].fields["target"].choices
    assert [value for value, _label in choices] == [f"{second.pk}:{bee.pk}"]
    assert "비" in choices[0][1]
    assert "2장" in choices[0][1]


def test_swap_form_post_creates_the_request_and_goes_back_to_the_board(world, pair, member_client):
    me, bee, first, second = pair

    response = member_client.post(
        f"/slots/{first.pk}/swap/", {"target": f"{second.pk}:{bee.pk}", "message": "부탁"}
    )

    assert (response.status_code, response["Location"]) == (302, BOARD)
    assert list(SwapRequest.objects.values_list("requester_id", "target_id", "message")) == [
        (me.pk, bee.pk, "부탁")
    ]


def test_swap_form_duplicate_rerenders_the_form_with_the_refusal(world, pair, member_client):
    me, bee, first, second = pair
    swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = member_client.post(
        f"/slots/{first.pk}/swap/", {"target": f"{second.pk}:{bee.pk}"}, **HTMX
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A request for this swap is already waiting for an answer."
    ]
    assert response.content.decode().lstrip().startswith("<form")


def test_swap_form_of_a_slot_that_is_not_mine_shows_the_refusal(world, pair, member_client):
    _me, _bee, _first, second = pair

    response = member_client.post(f"/slots/{second.pk}/swap/", {"target": "1:1"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["target"]
    assert SwapRequest.objects.count() == 0


def test_swap_panel_lists_requests_to_me_and_from_me(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second, message="부탁")

    bees = client_for(bee).get(PANEL, **HTMX)
    mine = client_for(me).get(PANEL)

    assert [s.pk for s in bees.context["panel"].incoming] == [swap.pk]
    assert f'data-testid="swap-accept-{swap.pk}"' in bees.content.decode()
    assert bees.content.decode().lstrip().startswith('<section id="swap-panel"')
    assert [s.pk for s in mine.context["panel"].outgoing] == [swap.pk]
    assert f'data-testid="swap-cancel-{swap.pk}"' in mine.content.decode()


def test_swap_accept_plain_post_exchanges_and_redirects(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = client_for(bee).post(f"/swaps/{swap.pk}/accept/", {"next": BOARD})

    assert (response.status_code, response["Location"]) == (302, BOARD)
    assert holders() == [(first.pk, bee.pk), (second.pk, me.pk)]


def test_swap_accept_htmx_refreshes_the_page(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = client_for(bee).post(f"/swaps/{swap.pk}/accept/", **HTMX)

    assert (response.status_code, response["HX-Refresh"]) == (200, "true")
    assert holders() == [(first.pk, bee.pk), (second.pk, me.pk)]


def test_swap_decline_htmx_returns_the_panel_with_a_notice(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = client_for(bee).post(f"/swaps/{swap.pk}/decline/", **HTMX)

    assert response.status_code == 200
    assert response.context["panel_notice"] == "Swap declined."
    assert response.context["panel"].incoming == []
    assert SwapRequest.objects.get().status == "declined"


def test_swap_accept_stale_htmx_shows_the_refusal_in_the_panel(world, pair):
    me, bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)
    SlotAssignment.objects.filter(slot=first).delete()

    response = client_for(bee).post(f"/swaps/{swap.pk}/accept/", **HTMX)

    assert response.status_code == 200
    assert response.context["panel_error"] == (
        "The slots changed since this swap was asked for; it was withdrawn."
    )
    assert holders() == [(second.pk, bee.pk)]


def test_swap_accept_by_the_requester_is_forbidden(world, pair, member_client):
    me, _bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    response = member_client.post(f"/swaps/{swap.pk}/accept/")

    assert response.status_code == 403
    assert SwapRequest.objects.get().status == "pending"


def test_swap_form_by_member_of_another_cohort_is_forbidden(world, pair):
    _me, bee, first, second = pair
    stranger = MembershipFactory(cohort__lab=world.lab, cohort__number=6).user

    response = client_for(stranger).post(
        f"/slots/{first.pk}/swap/", {"target": f"{second.pk}:{bee.pk}"}
    )

    assert response.status_code == 403
    assert SwapRequest.objects.count() == 0


def test_swap_pages_outsider_gets_404(world, pair, outsider_client):
    me, _bee, first, second = pair
    swap = swap_request_create(actor=me, requester_slot=first, target_slot=second)

    assert outsider_client.get(f"/slots/{first.pk}/swap/").status_code == 404
    assert outsider_client.get(PANEL).status_code == 404
    for verb in ("accept", "decline", "cancel"):
        assert outsider_client.post(f"/swaps/{swap.pk}/{verb}/").status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_swap_panel_query_count_is_constant(world, django_assert_num_queries, count):
    meeting = MeetingFactory(cohort=world.cohort)
    mine = SlotFactory(meeting=meeting)
    slot_claim(actor=world.member, slot=mine)
    for _ in range(count):
        other = MembershipFactory(cohort=world.cohort).user
        slot = SlotFactory(meeting=meeting)
        slot_claim(actor=other, slot=slot)
        swap_request_create(actor=other, requester_slot=slot, target_slot=mine)
    client = client_for(world.member)

    # Session, user, profile, cohort, my access, the requests with names and slots.
    with django_assert_num_queries(6):
        response = client.get(PANEL)

    assert len(response.context["panel"].incoming) == count
