"""Draw pages: the cohort's list, the run form (leaders), a draw's page with its SVG ladder,
seed, check snippet and server-side verification; outsiders get 404, members cannot run."""

from __future__ import annotations

import re

import pytest

from sessions.models import Draw, SlotAssignment
from sessions.services.draws import draw_run
from sessions.views.draws import check_snippet
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

LIST = "/labs/deep-lab/5/draws/"
NEW = "/labs/deep-lab/5/draws/new/"
BOARD = "/labs/deep-lab/5/board/"


@pytest.fixture
def four(world) -> list:
    extra = MembershipFactory(cohort=world.cohort, user__profile__display_name="넷째").user
    return [world.leader, world.facilitator, world.member, extra]


def ladder_for(world, four, title: str = "다음 기수 랩장") -> Draw:
    return draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="ladder",
        title=title,
        participant_ids=[user.pk for user in four],
        outcomes=["랩장", "꽝", "꽝", "꽝"],
    )


def pick_for(world, four, title: str = "8장 발표자") -> Draw:
    return draw_run(
        actor=world.leader,
        cohort=world.cohort,
        kind="pick",
        title=title,
        participant_ids=[user.pk for user in four],
    )


def test_draw_urls_have_their_names(db):
    from django.urls import reverse

    assert reverse("sessions:draws", kwargs={"slug": "deep-lab", "number": 5}) == LIST
    assert reverse("sessions:draw_create", kwargs={"slug": "deep-lab", "number": 5}) == NEW
    assert reverse("sessions:draw_detail", kwargs={"pk": 7}) == "/draws/7/"


def test_draw_list_shows_the_cohorts_draws_to_a_member(world, four, member_client):
    ladder_for(world, four, "다음 기수 랩장")
    pick_for(world, four, "8장 발표자")

    response = member_client.get(LIST)

    assert response.status_code == 200
    assert [d.title for d in response.context["draws"]] == ["8장 발표자", "다음 기수 랩장"]
    assert response.context["can_run"] is False
    assert 'data-testid="draw-new"' not in response.content.decode()


def test_draw_list_offers_the_run_link_to_leaders(world, leader_client):
    response = leader_client.get(LIST)

    assert response.context["can_run"] is True
    assert f'href="{NEW}"' in response.content.decode()


def test_draw_list_outsider_gets_404(world, outsider_client):
    assert outsider_client.get(LIST).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_draw_list_query_count_is_constant(world, four, django_assert_num_queries, count):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), capacity=3)
    for n in range(count):
        draw_run(
            actor=world.leader,
            cohort=world.cohort,
            kind="pick",
            title=f"draw {n}",
            participant_ids=[user.pk for user in four],
            slot=slot,
        )
        SlotAssignment.objects.filter(slot=slot).delete()
    client = client_for(world.member)

    # Session, user, profile, cohort, my access, the draws (with slot and author).
    with django_assert_num_queries(6):
        response = client.get(LIST)

    assert len(response.context["draws"]) == count


def test_draw_create_page_lists_every_active_member_checked(world, four, leader_client):
    response = leader_client.get(NEW)

    assert response.status_code == 200
    html = response.content.decode()
    for user in four:
        assert re.search(rf'<input[^>]*value="{user.pk}"[^>]*checked', html)


def test_draw_create_page_member_gets_403(world, member_client):
    assert member_client.get(NEW).status_code == 403
    assert member_client.post(NEW, {"kind": "pick"}).status_code == 403
    assert Draw.objects.count() == 0


def test_draw_create_page_outsider_gets_404(world, outsider_client):
    assert outsider_client.get(NEW).status_code == 404
    assert outsider_client.post(NEW, {"kind": "pick"}).status_code == 404


def test_draw_create_runs_a_ladder_and_redirects_to_it(world, four, leader_client):
    response = leader_client.post(
        NEW,
        {
            "kind": "ladder",
            "title": "다음 기수 랩장",
            "participants": [user.pk for user in four],
            "outcomes": "랩장\n꽝\n꽝\n꽝\n",
            "count": "1",
        },
    )

    draw = Draw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/draws/{draw.pk}/"
    assert (draw.kind, draw.title, draw.outcomes) == (
        "ladder",
        "다음 기수 랩장",
        ["랩장", "꽝", "꽝", "꽝"],
    )
    assert [p["id"] for p in draw.participants] == sorted(user.pk for user in four)


def test_draw_create_ladder_with_too_few_outcomes_shows_the_error(world, four, leader_client):
    response = leader_client.post(
        NEW,
        {
            "kind": "ladder",
            "title": "다음 기수 랩장",
            "participants": [user.pk for user in four],
            "outcomes": "랩장\n꽝",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["outcomes"] == [
        "A ladder needs one outcome per participant: 4 participants, 2 outcomes. Outcomes can "
        "repeat (e.g. one leader and three blanks)."
    ]
    assert Draw.objects.count() == 0


def test_draw_create_htmx_error_renders_the_form_fragment(world, four, leader_client):
    response = leader_client.post(
        NEW,
        {"kind": "pick", "title": "t", "participants": [world.member.pk]},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<form")
    assert "Choose at least 2 participants." in html


def test_draw_create_htmx_success_redirects_the_client(world, four, leader_client):
    response = leader_client.post(
        NEW,
        {"kind": "pick", "title": "t", "participants": [u.pk for u in four], "count": "1"},
        headers={"HX-Request": "true"},
    )

    assert response["HX-Redirect"] == f"/draws/{Draw.objects.get().pk}/"


def test_draw_create_pick_into_a_slot_assigns_the_winner(world, four, leader_client):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="8장")

    leader_client.post(
        NEW,
        {
            "kind": "pick",
            "title": "8장 발표자",
            "participants": [u.pk for u in four],
            "count": "1",
            "slot": str(slot.pk),
        },
    )

    draw = Draw.objects.get()
    assert draw.slot == slot
    assert list(SlotAssignment.objects.values_list("user_id", "source")) == [
        (draw.result["winners"][0], "draw")
    ]


def test_draw_create_pick_into_a_full_slot_is_not_offered(world, four, leader_client):
    slot = SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title="8장")
    SlotAssignment.objects.create(slot=slot, user=world.member)

    response = leader_client.post(
        NEW,
        {
            "kind": "pick",
            "title": "t",
            "participants": [u.pk for u in four],
            "count": "1",
            "slot": str(slot.pk),
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["slot"]
    assert Draw.objects.count() == 0


def test_draw_detail_shows_the_ladder_svg_seed_and_snippet(world, four, member_client):
    draw = ladder_for(world, four)

    response = member_client.get(f"/draws/{draw.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="ladder-path"') == 4
    assert html.count('data-testid="ladder-rung"') == len(draw.result["rungs"])
    assert f'<code class="draw-seed" data-testid="draw-seed">{draw.seed}</code>' in html
    assert "from sessions.draws import ladder" in html
    assert '<script src="/static/js/ladder.js" nonce="' in html
    page = response.context["page"]
    assert {e.id: e.outcome for e in page.entries} == {
        int(k): v for k, v in draw.result["assignment"].items()
    }


def test_draw_detail_ladder_paths_end_at_their_outcome(world, four, member_client):
    draw = ladder_for(world, four)

    response = member_client.get(f"/draws/{draw.pk}/")

    svg = response.context["page"].ladder
    feet_x = {label.x: label.full for label in svg.feet}
    for path in svg.paths:
        last_x = int(path.points.split()[-1].split(",")[0])
        assert feet_x[last_x] == draw.result["assignment"][str(path.participant_id)]


def test_draw_detail_pick_shows_the_winner(world, four, member_client):
    draw = pick_for(world, four)

    response = member_client.get(f"/draws/{draw.pk}/")

    assert [e.id for e in response.context["page"].winners] == draw.result["winners"]
    assert 'data-testid="draw-winner"' in response.content.decode()
    assert "random.Random(" in response.content.decode()


def test_draw_detail_outsider_gets_404(world, four, outsider_client):
    draw = pick_for(world, four)

    assert outsider_client.get(f"/draws/{draw.pk}/").status_code == 404


def test_draw_detail_verify_recomputes_on_the_server(world, four, member_client):
    draw = ladder_for(world, four)

    response = member_client.get(f"/draws/{draw.pk}/?verify=1")

    assert response.context["verified"] is True
    assert 'data-testid="draw-verified"' in response.content.decode()


def test_draw_detail_verify_htmx_returns_the_fragment(world, four, member_client):
    draw = pick_for(world, four)
    loser = next(u.pk for u in four if u.pk not in draw.result["winners"])
    Draw.objects.filter(pk=draw.pk).update(result={"count": 1, "winners": [loser]})

    response = member_client.get(f"/draws/{draw.pk}/?verify=1", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="draw-verify"')
    assert 'data-testid="draw-not-verified"' in html


def test_board_links_managers_to_the_draws(world, leader_client, member_client):
    leader_html = leader_client.get(BOARD).content.decode()
    member_html = member_client.get(BOARD).content.decode()

    assert f'href="{LIST}" data-testid="draws-link"' in leader_html
    assert 'data-testid="draws-link"' not in member_html


def run_snippet(snippet: str, capsys) -> list[str]:
    exec(compile(snippet, "<snippet>", "exec"), {})  # noqa: S102 -- our own page's snippet
    return capsys.readouterr().out.splitlines()


def test_draw_check_snippet_recomputes_a_ladder(world, four, capsys):
    draw = ladder_for(world, four)

    printed = run_snippet(check_snippet(Draw.objects.get(pk=draw.pk)), capsys)

    expected = {int(pk): outcome for pk, outcome in draw.result["assignment"].items()}
    assert printed == [repr(expected)]
    assert f"# {expected!r}" in check_snippet(draw)


def test_draw_check_snippet_recomputes_a_pick_both_ways(world, four, capsys):
    draw = pick_for(world, four)

    printed = run_snippet(check_snippet(Draw.objects.get(pk=draw.pk)), capsys)

    assert printed == [repr(draw.result["winners"])] * 2
