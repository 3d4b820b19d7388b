"""The public lab page: a private lab shows nothing outside it, a public lab names only the
members who opted in (and only them among past presenters), Markdown is sanitised, and the
page and its API cost a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community import services
from community.models import LabShowcase, ShowcaseMember
from core.errors import PermissionDeniedError
from sessions.models import SlotAssignment
from tests.conftest import client_for
from tests.factories import MeetingFactory, MembershipFactory, SlotFactory

PAGE = "/labs/deep-lab/showcase/"
API = "/api/v1/showcase/"


def presented(world, user, title: str, *, days_ago: int = 7, url: str = ""):
    start = timezone.now() - timedelta(days=days_ago)
    meeting = MeetingFactory(
        cohort=world.cohort, starts_at=start, ends_at=start + timedelta(hours=4)
    )
    slot = SlotFactory(meeting=meeting, title=title, materials_url=url)
    SlotAssignment.objects.create(slot=slot, user=user)
    return slot


def test_showcase_of_private_lab_is_404_for_anonymous_visitor(world):
    assert Client().get(PAGE).status_code == 404


def test_showcase_of_private_lab_is_404_for_outsider(world, outsider_client):
    assert outsider_client.get(PAGE).status_code == 404


def test_showcase_of_private_lab_is_a_preview_for_members(world, member_client):
    response = member_client.get(PAGE)

    assert response.status_code == 200
    assert response.context["is_private"] is True
    assert 'data-testid="showcase-private"' in response.content.decode()


def test_showcase_of_missing_lab_is_404(db):
    assert Client().get("/labs/nowhere/showcase/").status_code == 404


def test_showcase_of_public_lab_opens_for_anonymous_visitor(world, public_lab):
    services.showcase_update(
        actor=world.leader,
        lab=public_lab,
        story="우리 랩의 **이야기**",
        activities="매주 논문 한 편",
    )

    response = Client().get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>이야기</strong>" in body
    assert "매주 논문 한 편" in body


def test_showcase_names_only_members_who_opted_in(world, public_lab):
    services.showcase_member_set(actor=world.member, lab=public_lab, introduction="CV 좋아해요")

    response = Client().get(PAGE)

    names = [m.name for m in response.context["members"]]
    assert names == [world.member.display_name]
    assert response.context["members"][0].introduction == "CV 좋아해요"
    assert world.leader.display_name not in response.content.decode()


def test_showcase_presentations_name_only_opted_in_presenters(world, public_lab):
    services.showcase_member_set(actor=world.member, lab=public_lab, introduction="")
    presented(world, world.member, "ResNet 리뷰", days_ago=7, url="https://example.com/slides")
    presented(world, world.leader, "ViT 리뷰", days_ago=14)

    response = Client().get(PAGE)

    rows = [(p.title, p.presenters) for p in response.context["presentations"]]
    assert rows == [("ResNet 리뷰", (world.member.display_name,)), ("ViT 리뷰", ())]
    assert world.leader.display_name not in response.content.decode()
    assert 'href="https://example.com/slides" rel="nofollow noopener noreferrer"' in (
        response.content.decode()
    )


def test_showcase_markdown_keeps_no_script_and_marks_links_nofollow(world, public_lab):
    story = (
        "<script>alert(1)</script>\n\n[home](https://example.com) "
        "[bad](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    services.showcase_update(actor=world.leader, lab=public_lab, story=story, activities="")

    body = Client().get(PAGE).content.decode()
    story_html = body.split('data-testid="showcase-story"', 1)[1].split("</section>", 1)[0]

    assert "<script>alert" not in body
    # Both survive only as escaped text: no javascript: link, no live <img onerror>.
    assert 'href="javascript:' not in story_html
    assert "<img" not in story_html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">home</a>' in story_html


def test_showcase_member_opts_in_and_out_from_the_page(world, public_lab, member_client):
    response = member_client.post(
        "/labs/deep-lab/showcase/me/", {"action": "save", "introduction": "안녕하세요"}
    )
    assert response.status_code == 302
    assert (
        ShowcaseMember.objects.get(lab=public_lab, user=world.member).introduction == "안녕하세요"
    )

    member_client.post("/labs/deep-lab/showcase/me/", {"action": "remove"})

    assert ShowcaseMember.objects.filter(lab=public_lab).count() == 0


def test_showcase_opt_in_outsider_gets_404(world, public_lab, outsider_client):
    response = outsider_client.get("/labs/deep-lab/showcase/me/")

    assert response.status_code == 404


def test_showcase_member_set_refuses_non_member(world, public_lab):
    with pytest.raises(PermissionDeniedError):
        services.showcase_member_set(actor=world.outsider, lab=public_lab, introduction="hi")


def test_showcase_update_refuses_member(world, public_lab):
    with pytest.raises(PermissionDeniedError):
        services.showcase_update(actor=world.member, lab=public_lab, story="x", activities="")


def test_showcase_edit_page_saves_for_leader(world, leader_client):
    response = leader_client.post(
        "/labs/deep-lab/showcase/edit/", {"story": "처음 이야기", "activities": "발표"}
    )

    assert response.status_code == 302
    assert LabShowcase.objects.get(lab=world.lab).story == "처음 이야기"


def test_showcase_edit_page_is_403_for_member(world, member_client):
    response = member_client.get("/labs/deep-lab/showcase/edit/")

    assert response.status_code == 403


def test_showcase_edit_page_is_404_for_outsider(world, outsider_client):
    assert outsider_client.get("/labs/deep-lab/showcase/edit/").status_code == 404


def test_showcase_output_added_and_listed(world, public_lab, leader_client):
    leader_client.post(
        "/labs/deep-lab/showcase/outputs/",
        {"title": "구현 코드", "url": "https://github.com/x/y", "kind": "code", "description": ""},
    )

    response = Client().get(PAGE)

    assert [o.title for o in response.context["outputs"]] == ["구현 코드"]


def test_showcase_output_refuses_javascript_url(world, public_lab):
    with pytest.raises(services.ApplicationError) as caught:
        services.showcase_output_create(
            actor=world.leader, lab=public_lab, title="x", url="javascript:alert(1)"
        )

    assert list(caught.value.fields) == ["url"]


@pytest.mark.parametrize("count", [1, 3])
def test_showcase_query_count_is_constant(world, public_lab, django_assert_num_queries, count):
    services.showcase_update(actor=world.leader, lab=public_lab, story="s", activities="a")
    for n in range(count):
        user = MembershipFactory(cohort=world.cohort).user
        services.showcase_member_set(actor=user, lab=public_lab, introduction=f"intro {n}")
        presented(world, user, f"발표 {n}", days_ago=n + 1)
        services.showcase_output_create(
            actor=world.leader, lab=public_lab, title=f"out {n}", url=f"https://e.com/{n}"
        )
    client = Client()

    # The lab with its page, the members who opted in, past slots, their presenters,
    # outputs, open recruitments (an anonymous visitor has no session to load).
    with django_assert_num_queries(6):
        response = client.get(PAGE)

    assert len(response.context["members"]) == count


def test_showcase_api_is_public_for_public_labs(world, public_lab):
    services.showcase_member_set(actor=world.member, lab=public_lab, introduction="hi")

    response = Client().get(API)

    results = response.json()["results"]
    assert response.status_code == 200
    assert [r["lab_slug"] for r in results] == ["deep-lab"]
    assert results[0]["members"] == [
        {"display_name": world.member.display_name, "introduction": "hi"}
    ]
    assert set(results[0]) >= {"id", "url", "created_at", "updated_at", "external_id"}


def test_showcase_api_hides_private_lab_from_anonymous_and_outsiders(world, api_cache):
    anonymous = Client().get(API)
    outsider = client_for(world.outsider).get(f"{API}{world.lab.pk}/")

    assert anonymous.json()["results"] == []
    assert outsider.status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_showcase_api_list_query_count_is_constant(
    world, public_lab, api_cache, django_assert_num_queries, count
):
    for n in range(count):
        user = MembershipFactory(cohort=world.cohort).user
        services.showcase_member_set(actor=user, lab=public_lab, introduction=f"{n}")
        services.showcase_output_create(
            actor=world.leader, lab=public_lab, title=f"o{n}", url=f"https://e.com/{n}"
        )
    client = Client()

    # The labs, their members (with profiles), outputs, recruiting cohorts.
    with django_assert_num_queries(4):
        response = client.get(API)

    assert len(response.json()["results"][0]["members"]) == count
