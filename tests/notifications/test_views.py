"""Pages: inbox and bell, preferences, a cohort's reminders and webhook, deliveries, outbox."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import (
    CohortWebhook,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    ReminderRule,
)
from notifications.services import notify, reminder_rules_ensure_defaults
from tests.conftest import client_for

HTMX = {"HX-Request": "true"}


def entries_for(user, count: int) -> list[Notification]:
    for index in range(count):
        notify(
            kind="swap_requested",
            recipients=[user],
            cohort=None,
            target=None,
            params={"name": f"N{index}", "slot": "1장", "other_slot": "2장"},
            url="/labs/",
        )
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_inbox_lists_my_notifications_worded_for_me(world, member_client):
    entries_for(world.member, 1)
    entries_for(world.leader, 1)

    response = member_client.get(reverse("notifications:inbox"))

    assert response.status_code == 200
    assert [e["title"] for e in response.context["entries"]] == ["N0 asks to swap slots"]
    assert response.context["unread"] == 1


@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count_is_constant(world, member_client, django_assert_num_queries, count):
    entries_for(world.member, count)

    # session, user, profile (middleware), page of entries, unread count
    with django_assert_num_queries(5):
        response = member_client.get(reverse("notifications:inbox"))

    assert len(response.context["entries"]) == count


def test_inbox_requires_login(client):
    response = client.get(reverse("notifications:inbox"))

    assert response.status_code == 302


def test_bell_shows_the_unread_count(world, member_client):
    entries_for(world.member, 2)

    response = member_client.get(reverse("notifications:bell"), headers=HTMX)

    assert response.status_code == 200
    assert 'data-testid="bell-count">2<' in response.content.decode()


def test_pages_render_the_bell_without_a_query(world, member_client):
    response = member_client.get(reverse("labs:my_labs"))

    assert 'data-testid="bell"' in response.content.decode()
    assert 'hx-trigger="load, every 60s"' in response.content.decode()


def test_mark_read_without_javascript_redirects_back(world, member_client):
    entry = entries_for(world.member, 1)[0]

    response = member_client.post(reverse("notifications:mark_read", args=[entry.pk]))

    entry.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("notifications:inbox")
    assert entry.read_at is not None


def test_mark_read_with_htmx_returns_the_row_and_the_bell(world, member_client):
    entry = entries_for(world.member, 2)[0]

    response = member_client.post(reverse("notifications:mark_read", args=[entry.pk]), headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{entry.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert 'data-testid="bell-count">1<' in body


def test_mark_read_of_someone_elses_notification_is_404(world, outsider_client):
    entry = entries_for(world.member, 1)[0]

    response = outsider_client.post(reverse("notifications:mark_read", args=[entry.pk]))

    entry.refresh_from_db()
    assert response.status_code == 404
    assert entry.read_at is None


def test_mark_all_read(world, member_client):
    entries_for(world.member, 3)

    response = member_client.post(reverse("notifications:mark_all_read"), headers=HTMX)

    assert response.status_code == 200
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == 0


def test_open_marks_read_and_follows_the_link(world, member_client):
    entry = entries_for(world.member, 1)[0]

    response = member_client.get(reverse("notifications:open", args=[entry.pk]))

    entry.refresh_from_db()
    assert (response.status_code, response.url) == (302, "/labs/")
    assert entry.read_at is not None


def test_open_refuses_an_outside_link(world, member_client):
    entry = entries_for(world.member, 1)[0]
    Notification.objects.filter(pk=entry.pk).update(url="https://evil.example/")

    response = member_client.get(reverse("notifications:open", args=[entry.pk]))

    assert response.url == reverse("notifications:inbox")


def test_settings_page_has_the_notification_section(world, member_client):
    response = member_client.get(reverse("members:settings"))

    assert 'data-testid="notification-settings"' in response.content.decode()


def test_preferences_save_without_javascript(world, member_client):
    data = {"quiet_start": "22:00", "quiet_end": "07:00", "digest_hour": "9", "inapp_enabled": "on"}

    response = member_client.post(reverse("notifications:preferences"), data)

    pref = NotificationPreference.objects.get(user=world.member)
    assert response.status_code == 302
    assert (pref.email_enabled, pref.inapp_enabled, str(pref.quiet_start), pref.digest_hour) == (
        False,
        True,
        "22:00:00",
        9,
    )


def test_preferences_half_quiet_hours_rerender_with_an_error(world, member_client):
    response = member_client.post(
        reverse("notifications:preferences"),
        {"quiet_start": "22:00", "digest_hour": "8"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.context["notification_form"].errors == {
        "quiet_end": ["Give both the start and the end of your quiet hours, or neither."]
    }
    assert NotificationPreference.objects.count() == 0


def rules_url(world) -> str:
    return reverse("notifications:cohort_reminders", args=[world.lab.slug, world.cohort.number])


def test_reminders_page_shows_defaults_read_only_to_members(world, member_client):
    response = member_client.get(rules_url(world))

    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert len(response.context["rows"]) == ReminderRule.objects.filter(cohort=world.cohort).count()
    assert 'data-testid="rule-save"' not in response.content.decode()


def test_reminders_page_is_404_for_outsiders(world, outsider_client):
    response = outsider_client.get(rules_url(world))

    assert response.status_code == 404


def rule_url(world, rule) -> str:
    return reverse("notifications:rule_update", args=[world.lab.slug, world.cohort.number, rule.pk])


def test_leader_changes_a_rule(world, leader_client):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    rule = ReminderRule.objects.get(cohort=world.cohort, kind="rsvp")
    prefix = f"rule-{rule.pk}"

    response = leader_client.post(
        rule_url(world, rule),
        {f"{prefix}-hours_before": "72", f"{prefix}-to_webhook": "on"},
        headers=HTMX,
    )

    rule.refresh_from_db()
    assert response.status_code == 200
    assert (rule.minutes_before, rule.enabled, rule.to_webhook) == (72 * 60, False, True)


def test_member_cannot_change_a_rule(world, member_client):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    rule = ReminderRule.objects.get(cohort=world.cohort, kind="rsvp")

    response = member_client.post(rule_url(world, rule), {f"rule-{rule.pk}-hours_before": "1"})

    rule.refresh_from_db()
    assert response.status_code == 403
    assert response.context["message"] == "Only the cohort's leaders can change reminders."
    assert rule.minutes_before == 2880


def test_outsider_cannot_reach_a_rule(world, outsider_client):
    reminder_rules_ensure_defaults(cohorts=[world.cohort])
    rule = ReminderRule.objects.get(cohort=world.cohort, kind="rsvp")

    response = outsider_client.post(rule_url(world, rule), {})

    assert response.status_code == 404


def test_leader_sets_the_webhook(world, leader_client):
    url = reverse("notifications:webhook_save", args=[world.lab.slug, world.cohort.number])

    response = leader_client.post(
        url, {"url": "https://hooks.slack.com/services/T/B/X", "flavor": "slack", "enabled": "on"}
    )

    hook = CohortWebhook.objects.get(cohort=world.cohort)
    assert response.status_code == 302
    assert (hook.url, hook.flavor, hook.enabled, len(hook.secret) > 20) == (
        "https://hooks.slack.com/services/T/B/X",
        "slack",
        True,
        True,
    )


def failed_deliveries(world, count: int) -> list[Delivery]:
    entries = entries_for(world.member, count)
    Delivery.objects.filter(notification__in=entries).update(
        cohort=world.cohort, status=DeliveryStatus.FAILED, last_error="SMTP 550: 'no such user'"
    )
    return list(Delivery.objects.filter(cohort=world.cohort).order_by("id"))


def deliveries_url(world) -> str:
    return reverse("notifications:cohort_deliveries", args=[world.lab.slug, world.cohort.number])


def test_deliveries_page_shows_failures_with_their_error(world, leader_client):
    failed_deliveries(world, 1)

    response = leader_client.get(deliveries_url(world))

    assert response.status_code == 200
    assert [row["delivery"].status for row in response.context["rows"]] == ["failed"]
    assert "SMTP 550" in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_deliveries_query_count_is_constant(world, leader_client, django_assert_num_queries, count):
    failed_deliveries(world, count)

    # session, user, profile, cohort, viewer's memberships, page of deliveries
    with django_assert_num_queries(6):
        response = leader_client.get(deliveries_url(world))

    assert len(response.context["rows"]) == count


def test_deliveries_page_is_403_for_members_and_404_for_outsiders(
    world, member_client, outsider_client
):
    member = member_client.get(deliveries_url(world))
    outsider = outsider_client.get(deliveries_url(world))

    assert (member.status_code, outsider.status_code) == (403, 404)
    assert member.context["message"] == "Only the cohort's leaders can see what was sent to whom."


def test_leader_resends_a_failed_delivery(world, leader_client):
    delivery = failed_deliveries(world, 1)[0]
    url = reverse(
        "notifications:delivery_resend", args=[world.lab.slug, world.cohort.number, delivery.pk]
    )

    response = leader_client.post(url, headers=HTMX)

    delivery.refresh_from_db()
    assert response.status_code == 200
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_member_cannot_resend(world, member_client):
    delivery = failed_deliveries(world, 1)[0]
    url = reverse(
        "notifications:delivery_resend", args=[world.lab.slug, world.cohort.number, delivery.pk]
    )

    response = member_client.post(url)

    delivery.refresh_from_db()
    assert (response.status_code, delivery.status) == (403, "failed")


def test_dev_outbox_is_for_debug_or_superusers(world, member_client, settings):
    settings.DEBUG = False
    refused = member_client.get(reverse("notifications:dev_outbox"))
    world.member.is_superuser = True
    world.member.save()

    shown = client_for(world.member).get(reverse("notifications:dev_outbox"))

    assert (refused.status_code, shown.status_code) == (403, 200)


def test_plain_http_webhook_is_refused_outside_development(world, leader_client, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_HTTP = False
    url = reverse("notifications:webhook_save", args=[world.lab.slug, world.cohort.number])

    response = leader_client.post(
        url, {"url": "http://10.0.0.5/hook", "flavor": "discord", "enabled": "on"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.context["webhook_form"].errors["url"] == [
        "Use an https:// address: the webhook carries your cohort's reminders."
    ]
    assert CohortWebhook.objects.count() == 0
