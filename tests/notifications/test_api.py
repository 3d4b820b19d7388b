"""notifications/ (my inbox, read, read-all) and reminder-rules/ (members read, leaders write)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import Notification, ReminderRule
from notifications.services import notify, reminder_rules_ensure_defaults
from tests.conftest import bearer_client
from tests.factories import CohortFactory, LabFactory, MembershipFactory

pytestmark = pytest.mark.usefixtures("api_cache")

INBOX = "/api/v1/notifications/"
RULES = "/api/v1/reminder-rules/"


def entries_for(user, count: int, cohort=None) -> list[Notification]:
    for index in range(count):
        notify(
            kind="slot_promoted",
            recipients=[user],
            cohort=cohort,
            target=None,
            params={"slot": f"{index + 1}장", "meeting": 3},
            url="/meetings/1/",
        )
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_api_url_names(db):
    assert reverse("api:notification-list") == INBOX
    assert reverse("api:notification-read-all") == f"{INBOX}read-all/"
    assert reverse("api:reminder-rule-detail", kwargs={"pk": 4}) == f"{RULES}4/"


def test_inbox_lists_only_mine_newest_first_worded(world, member_client):
    entries_for(world.member, 2)
    entries_for(world.leader, 1)

    response = member_client.get(INBOX)

    body = response.json()
    assert response.status_code == 200
    assert [row["title"] for row in body["results"]] == [
        "A slot you waited for is yours",
        "A slot you waited for is yours",
    ]
    assert [row["params"]["slot"] for row in body["results"]] == ["2장", "1장"]
    assert body["results"][0]["read"] is False
    assert body["results"][0]["link"] == "/meetings/1/"


@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    entries_for(world.member, count)

    with django_assert_num_queries(4):
        response = member_client.get(INBOX)

    assert len(response.json()["results"]) == count


def test_inbox_filters_unread(world, member_client):
    first, _second = entries_for(world.member, 2)
    member_client.post(f"{INBOX}{first.pk}/read/")

    response = member_client.get(INBOX, {"unread": "true"})

    assert [row["id"] for row in response.json()["results"]] == [_second.pk]


def test_mark_read_and_all_read(world, member_client):
    first, *_rest = entries_for(world.member, 3)

    one = member_client.post(f"{INBOX}{first.pk}/read/")
    rest = member_client.post(f"{INBOX}read-all/")

    assert (one.status_code, one.json()["read"]) == (200, True)
    assert rest.json() == {"marked": 2}


def test_someone_elses_notification_is_404(world, outsider_client):
    entry = entries_for(world.member, 1)[0]

    read = outsider_client.get(f"{INBOX}{entry.pk}/")
    mark = outsider_client.post(f"{INBOX}{entry.pk}/read/")

    assert (read.status_code, mark.status_code) == (404, 404)
    assert read.json()["error"]["code"] == "not_found"


def test_read_token_cannot_mark_read(world):
    entry = entries_for(world.member, 1)[0]
    client = bearer_client(world.member, scope="read")

    response = client.post(f"{INBOX}{entry.pk}/read/")

    assert response.status_code == 403


def test_lab_token_sees_its_labs_notifications_and_personal_ones(world):
    MembershipFactory(cohort=CohortFactory(lab=LabFactory(slug="third-lab")), user=world.member)
    entries_for(world.member, 1, cohort=world.cohort)
    entries_for(world.member, 1)
    client = bearer_client(world.member, lab_slug="third-lab")

    response = client.get(INBOX)

    assert [row["cohort"] for row in response.json()["results"]] == [None]


def rule(world, kind="rsvp") -> ReminderRule:
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    return ReminderRule.objects.get(cohort=world.cohort, kind=kind)


def test_rules_are_listed_for_members_of_the_lab(world, member_client):
    rule(world)

    response = member_client.get(RULES, {"cohort": world.cohort.pk, "kind": "rsvp"})

    rows = response.json()["results"]
    assert [(r["kind"], r["minutes_before"], r["enabled"]) for r in rows] == [("rsvp", 2880, True)]
    assert rows[0]["description"] == "RSVP not answered (to members who have not answered)"


@pytest.mark.parametrize("count", [1, 3])
def test_rules_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    cohorts = [world.cohort, *(CohortFactory(lab=world.lab) for _ in range(count - 1))]
    reminder_rules_ensure_defaults(cohorts=cohorts)

    with django_assert_num_queries(4):
        response = member_client.get(RULES, {"kind": "rsvp", "lab": world.lab.slug})

    assert len(response.json()["results"]) == count


def test_leader_patches_a_rule(world, leader_client):
    target = rule(world)

    response = leader_client.patch(
        f"{RULES}{target.pk}/",
        {"minutes_before": 1440, "to_webhook": True},
        content_type="application/json",
    )

    target.refresh_from_db()
    assert response.status_code == 200
    assert (target.minutes_before, target.to_webhook, target.enabled) == (1440, True, True)


def test_member_patch_is_403(world, member_client):
    target = rule(world)

    response = member_client.patch(
        f"{RULES}{target.pk}/", {"enabled": False}, content_type="application/json"
    )

    target.refresh_from_db()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert target.enabled is True


def test_outsider_gets_404_for_a_rule(world, outsider_client):
    target = rule(world)

    response = outsider_client.patch(
        f"{RULES}{target.pk}/", {"enabled": False}, content_type="application/json"
    )

    assert response.status_code == 404


def test_invalid_offset_is_400(world, leader_client):
    target = rule(world)

    response = leader_client.patch(
        f"{RULES}{target.pk}/", {"minutes_before": 0}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["minutes_before"]


def test_rule_patch_with_a_stale_if_match_is_412(world, leader_client):
    target = rule(world)
    etag = leader_client.get(f"{RULES}{target.pk}/").headers["ETag"]
    ReminderRule.objects.filter(pk=target.pk).update(enabled=False)

    response = leader_client.patch(
        f"{RULES}{target.pk}/",
        {"minutes_before": 60},
        content_type="application/json",
        headers={"If-Match": etag},
    )

    target.refresh_from_db()
    assert response.status_code == 412
    assert target.minutes_before == 2880
