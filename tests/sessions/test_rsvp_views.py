"""The RSVP view: one click with htmx (the partial comes back), or a plain form POST."""

from __future__ import annotations

import re
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from labs.models import Role
from sessions.models import MeetingStatus, Rsvp
from sessions.selectors.attendance import RsvpCounts
from sessions.views.attendance import rsvp_context
from tests.conftest import client_for
from tests.factories import CohortFactory, MeetingFactory, MembershipFactory, RsvpFactory

HTMX = {"HX-Request": "true"}


def rsvp_url(meeting) -> str:
    return f"/meetings/{meeting.pk}/rsvp/"


def pressed(content: bytes) -> list[str]:
    return re.findall(r'value="(\w+)" class="rsvp-answer" aria-pressed="true"', content.decode())


def test_rsvp_htmx_saves_and_returns_the_partial(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)
    RsvpFactory(meeting=meeting, user=world.leader, answer="yes")

    response = member_client.post(
        rsvp_url(meeting), {"answer": "yes", "note": "조금 늦어요"}, headers=HTMX
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert content.strip().startswith(f'<div class="rsvp" id="rsvp-{meeting.pk}"')
    assert f'hx-post="/meetings/{meeting.pk}/rsvp/"' in content
    assert f'hx-target="#rsvp-{meeting.pk}"' in content
    assert 'hx-swap="outerHTML"' in content
    assert f'action="/meetings/{meeting.pk}/rsvp/"' in content
    assert pressed(response.content) == ["yes"]
    assert re.findall(rf'data-testid="rsvp-count-{meeting.pk}">([^<]*)<', content) == [
        "2 going · 0 maybe"
    ]
    assert response.context["rsvp_notice"] == "Your answer was saved."
    assert list(Rsvp.objects.filter(user=world.member).values_list("answer", "note")) == [
        ("yes", "조금 늦어요")
    ]


def test_rsvp_plain_post_redirects_to_safe_next(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.post(
        rsvp_url(meeting), {"answer": "maybe", "next": "/labs/deep-lab/5/schedule/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/labs/deep-lab/5/schedule/"
    assert Rsvp.objects.get(user=world.member).answer == "maybe"


def test_rsvp_plain_post_ignores_unsafe_next(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.post(
        rsvp_url(meeting), {"answer": "no", "next": "https://evil.example.com/"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"


def test_rsvp_user_field_in_post_is_ignored(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.post(
        rsvp_url(meeting), {"answer": "no", "user": world.leader.pk, "user_id": world.leader.pk}
    )

    assert response.status_code == 302
    assert list(Rsvp.objects.values_list("user_id", "answer")) == [(world.member.pk, "no")]


def test_rsvp_outsider_gets_404(world, outsider_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = outsider_client.post(rsvp_url(meeting), {"answer": "yes"})

    assert response.status_code == 404
    assert Rsvp.objects.count() == 0


def test_rsvp_anonymous_is_sent_to_login(world, client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = client.post(rsvp_url(meeting), {"answer": "yes"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Rsvp.objects.count() == 0


def test_rsvp_member_of_another_cohort_gets_403_plain(world):
    other = CohortFactory(lab=world.lab, number=4)
    meeting = MeetingFactory(cohort=other)

    response = client_for(world.member).post(rsvp_url(meeting), {"answer": "yes"})

    assert response.status_code == 403
    assert response.context["message"] == "Only active members of this cohort can answer."
    assert Rsvp.objects.count() == 0


def test_rsvp_member_of_another_cohort_htmx_gets_message_without_buttons(world):
    other = CohortFactory(lab=world.lab, number=4)
    meeting = MeetingFactory(cohort=other)

    response = client_for(world.member).post(rsvp_url(meeting), {"answer": "yes"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["rsvp_error"] == "Only active members of this cohort can answer."
    assert b"rsvp-answer" not in response.content
    assert Rsvp.objects.count() == 0


def test_rsvp_after_deadline_htmx_shows_why_and_keeps_answer(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort, rsvp_deadline=timezone.now() - timedelta(hours=1))
    RsvpFactory(meeting=meeting, user=world.member, answer="maybe")

    response = member_client.post(rsvp_url(meeting), {"answer": "no"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["rsvp_error"] == "The RSVP deadline has passed."
    assert response.context["my_rsvp"].answer == "maybe"
    assert b'data-testid="rsvp-mine-' in response.content
    assert b"rsvp-answer" not in response.content
    assert list(Rsvp.objects.values_list("answer", flat=True)) == ["maybe"]


def test_rsvp_cancelled_meeting_plain_post_gets_message_and_redirect(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort, status=MeetingStatus.CANCELLED)

    response = member_client.post(rsvp_url(meeting), {"answer": "yes"})

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["This meeting was cancelled; answers are closed."]
    assert Rsvp.objects.count() == 0


def test_rsvp_unknown_answer_is_refused(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.post(rsvp_url(meeting), {"answer": "sure"}, headers=HTMX)

    assert response.status_code == 200
    assert response.context["rsvp_error"] == "Choose going, maybe or not going."
    assert Rsvp.objects.count() == 0


def test_rsvp_get_is_not_allowed(world, member_client):
    meeting = MeetingFactory(cohort=world.cohort)

    response = member_client.get(rsvp_url(meeting))

    assert response.status_code == 405


def test_rsvp_partial_renders_current_answer_and_next(world, rf):
    meeting = MeetingFactory(cohort=world.cohort)
    rsvp = RsvpFactory(meeting=meeting, user=world.member, answer="no", note="출장")
    request = rf.get("/labs/deep-lab/5/schedule/")
    request.user = world.member

    html = render_to_string(
        "sessions/_rsvp.html#rsvp",
        rsvp_context(
            request, meeting=meeting, my_rsvp=rsvp, can_rsvp=True, counts=RsvpCounts(yes=3, maybe=1)
        ),
        request=request,
    )

    assert pressed(html.encode()) == ["no"]
    assert html.count('<input type="hidden" name="csrfmiddlewaretoken" value="') == 1
    assert '<input type="hidden" name="next" value="/labs/deep-lab/5/schedule/">' in html
    assert 'value="출장"' in html
    assert re.findall(rf'data-testid="rsvp-count-{meeting.pk}">([^<]*)<', html) == [
        "3 going · 1 maybe"
    ]


def test_rsvp_partial_without_counts_or_answer(world, rf):
    meeting = MeetingFactory(cohort=world.cohort)
    request = rf.get("/")
    request.user = world.member

    html = render_to_string(
        "sessions/_rsvp.html#rsvp",
        rsvp_context(request, meeting=meeting, my_rsvp=None, can_rsvp=True),
        request=request,
    )

    assert pressed(html.encode()) == []
    assert html.count('class="rsvp-answer secondary"') == 3
    assert "rsvp-count" not in html


def test_rsvp_partial_closed_shows_my_answer_read_only(world, rf):
    meeting = MeetingFactory(cohort=world.cohort)
    rsvp = RsvpFactory(meeting=meeting, user=world.member, answer="maybe", note="<늦음>")
    request = rf.get("/")
    request.user = world.member

    html = render_to_string(
        "sessions/_rsvp.html#rsvp",
        rsvp_context(
            request, meeting=meeting, my_rsvp=rsvp, can_rsvp=False, counts=RsvpCounts(yes=2)
        ),
        request=request,
    )

    assert "<form" not in html
    assert re.findall(rf'data-testid="rsvp-mine-{meeting.pk}">([^<]*)<', html) == [
        "Your answer: Maybe · &lt;늦음&gt;"
    ]
    assert re.findall(rf'data-testid="rsvp-count-{meeting.pk}">([^<]*)<', html) == [
        "2 going · 0 maybe"
    ]


def test_rsvp_guest_member_of_the_cohort_may_answer(world):
    guest = MembershipFactory(cohort=world.cohort, role=Role.GUEST).user
    meeting = MeetingFactory(cohort=world.cohort)

    response = client_for(guest).post(rsvp_url(meeting), {"answer": "yes"}, headers=HTMX)

    assert response.status_code == 200
    assert list(Rsvp.objects.values_list("user_id", flat=True)) == [guest.pk]
