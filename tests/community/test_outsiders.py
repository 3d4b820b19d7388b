"""Every private community page and endpoint answers an outsider (a member of another lab)
with 404, never 403, so an outsider never learns what exists; the remaining list pages and
endpoints keep their query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import NoteEditor
from tests.conftest import bearer_client, client_for
from tests.factories import MembershipFactory


@pytest.fixture
def objects(world, recruitment, past_meeting, talk):
    """One of everything in deep-lab, which the outsider is not part of."""
    application = services.application_submit(
        user=world.member, recruitment=recruitment, motivation="m"
    )
    output = services.showcase_output_create(
        actor=world.leader, lab=world.lab, title="o", url="https://e.com"
    )
    editor = services.note_editor_add(actor=world.leader, cohort=world.cohort, user=world.member)
    note = services.meeting_note_save(
        actor=world.leader, meeting=past_meeting, body="n", questions=[]
    )
    question = services.talk_question_ask(actor=world.member, talk=talk, text="q")
    event = services.event_create(
        actor=world.leader,
        cohort=world.cohort,
        kind="seminar",
        title="e",
        starts_at=timezone.now() + timedelta(days=2),
    )
    # The lab is private again: its showcase and applications are not public either.
    world.lab.visibility = "private"
    world.lab.save(update_fields=["visibility"])
    return {
        "application": application.pk,
        "output": output.pk,
        "editor": editor.pk,
        "meeting": past_meeting.pk,
        "note": note.pk,
        "talk": talk.pk,
        "question": question.pk,
        "event": event.pk,
        "recruitment": recruitment.pk,
    }


PAGES = [
    ("get", "/labs/deep-lab/showcase/"),
    ("get", "/labs/deep-lab/showcase/edit/"),
    ("post", "/labs/deep-lab/showcase/outputs/"),
    ("post", "/labs/deep-lab/showcase/outputs/{output}/delete/"),
    ("get", "/labs/deep-lab/showcase/me/"),
    ("get", "/labs/deep-lab/6/recruitment/"),
    ("get", "/labs/deep-lab/6/applications/"),
    ("get", "/apply/{recruitment}/"),
    ("post", "/applications/{application}/decide/"),
    ("post", "/applications/{application}/withdraw/"),
    ("get", "/meetings/{meeting}/notes/"),
    ("get", "/meetings/{meeting}/notes/edit/"),
    ("get", "/labs/deep-lab/notes/"),
    ("get", "/labs/deep-lab/5/note-writers/"),
    ("post", "/note-writers/{editor}/remove/"),
    ("get", "/labs/deep-lab/talks/"),
    ("get", "/labs/deep-lab/talks/new/"),
    ("get", "/talks/{talk}/"),
    ("get", "/talks/{talk}/edit/"),
    ("post", "/talks/{talk}/questions/"),
    ("post", "/talk-questions/{question}/vote/"),
    ("post", "/talk-questions/{question}/answer/"),
    ("post", "/talk-questions/{question}/delete/"),
    ("get", "/labs/deep-lab/events/"),
    ("get", "/labs/deep-lab/events/new/"),
    ("get", "/events/{event}/edit/"),
    ("post", "/events/{event}/delete/"),
]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_community_page_outsider_gets_404(world, objects, method, path):
    client = client_for(world.outsider)

    response = getattr(client, method)(path.format(**objects))

    assert response.status_code == 404


API = [
    ("get", "/api/v1/showcase/{lab}/"),
    ("get", "/api/v1/recruitments/{recruitment}/"),
    ("get", "/api/v1/applications/{application}/"),
    ("post", "/api/v1/applications/{application}/accept/"),
    ("get", "/api/v1/meeting-notes/{note}/"),
    ("patch", "/api/v1/meeting-notes/{note}/"),
    ("get", "/api/v1/talks/{talk}/"),
    ("get", "/api/v1/talk-questions/{question}/"),
    ("post", "/api/v1/talk-questions/{question}/vote/"),
    ("get", "/api/v1/events/{event}/"),
    ("delete", "/api/v1/events/{event}/"),
]


@pytest.mark.parametrize(("method", "path"), API)
def test_community_endpoint_outsider_gets_404(world, objects, api_cache, method, path):
    client = bearer_client(world.outsider, scope="write")

    response = getattr(client, method)(
        path.format(lab=world.lab.pk, **objects), {}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_community_lists_show_an_outsider_nothing(world, objects, api_cache):
    client = bearer_client(world.outsider)

    for path in (
        "applications",
        "meeting-notes",
        "talks",
        "talk-questions",
        "events",
        "recruitments",
    ):
        assert client.get(f"/api/v1/{path}/").json()["results"] == [], path


@pytest.mark.parametrize("count", [1, 3])
def test_note_writers_page_query_count_is_constant(
    world, leader_client, django_assert_num_queries, count
):
    for _n in range(count):
        services.note_editor_add(
            actor=world.leader,
            cohort=world.cohort,
            user=MembershipFactory(cohort=world.cohort).user,
        )

    # Session, user, profile; the cohort; the viewer's memberships; member choices; meeting
    # choices; the writers.
    with django_assert_num_queries(8):
        response = leader_client.get("/labs/deep-lab/5/note-writers/")

    assert len(response.context["writers"]) == NoteEditor.objects.count() == count


@pytest.mark.parametrize("count", [1, 3])
def test_showcase_edit_page_query_count_is_constant(
    world, leader_client, django_assert_num_queries, count
):
    for n in range(count):
        services.showcase_output_create(
            actor=world.leader, lab=world.lab, title=f"o{n}", url=f"https://e.com/{n}"
        )

    # Session, user, profile; the lab; the viewer's memberships; the showcase row; outputs;
    # cohorts with their recruitments.
    with django_assert_num_queries(8):
        response = leader_client.get("/labs/deep-lab/showcase/edit/")

    assert len(response.context["outputs"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_recruitment_api_list_query_count_is_constant(
    world, public_lab, api_cache, django_assert_num_queries, count
):
    from tests.factories import CohortFactory

    for n in range(count):
        cohort = CohortFactory(lab=world.lab, number=10 + n, status="planned")
        services.recruitment_open(
            actor=world.leader, cohort=cohort, closes_on=timezone.localdate() + timedelta(days=3)
        )
    client = client_for(world.member)

    with django_assert_num_queries(4):
        response = client.get("/api/v1/recruitments/")

    assert len(response.json()["results"]) == count
