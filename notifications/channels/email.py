"""Email: one HTML + text message per delivery, in the member's language and time zone, with
an .ics attachment for meeting reminders; or one digest folding several reminders."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications import texts
from notifications.channels import ChannelError, PermanentChannelError

if TYPE_CHECKING:
    from notifications.models import Delivery
    from notifications.services import Recipient

ICS_KINDS = ("meeting",)


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _item(row: Delivery, person: Recipient) -> dict[str, str]:
    rendered = texts.render(row.kind, row.params, zone=person.timing.timezone)
    return {"title": rendered.title, "body": rendered.body, "link": absolute(row.url)}


def _meeting_ids(rows: Sequence[Delivery]) -> list[int]:
    from sessions.models import Meeting

    return [
        row.target_id
        for row in rows
        if row.kind in ICS_KINDS
        and row.target_id is not None
        and row.target_type is not None
        and row.target_type.model_class() is Meeting
    ]


def _ics(meeting_ids: list[int], person: Recipient) -> bytes | None:
    """The meetings as an iCalendar document, built by the calendar feed's own code."""
    if not meeting_ids:
        return None
    from notifications.selectors import meeting_feed_rows
    from sessions.feeds import (
        MEMBER_FEED,
        FeedCalendar,
        feed_calendar_uid,
        feed_events_from_rows,
        feed_render,
    )

    rows = meeting_feed_rows(meeting_ids=meeting_ids)
    if not rows:
        return None
    calendar = FeedCalendar(
        name="Labmate",
        uid=feed_calendar_uid(kind=MEMBER_FEED, owner_id=person.user_id),
        timezone=person.timing.timezone,
    )
    return feed_render(calendar=calendar, events=feed_events_from_rows(rows), now=timezone.now())


def _message(
    *, subject: str, items: list[dict[str, str]], person: Recipient, key: str, ics: bytes | None
) -> EmailMultiAlternatives:
    context = {
        "subject": subject,
        "items": items,
        "settings_url": absolute(reverse("members:settings")),
        "inbox_url": absolute(reverse("notifications:inbox")),
    }
    text = render_to_string("notifications/email/message.txt", context)
    html = render_to_string("notifications/email/message.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[person.email],
        headers={
            # Stable per delivery: a repeat (should one ever happen) threads as the same mail.
            "Message-ID": f"<{key}@labmate>",
            "X-Labmate-Delivery": key,
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    if ics is not None:
        message.attach("meeting.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    return message


def _send(message: EmailMultiAlternatives, connection: Any) -> None:
    try:
        sent = connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentChannelError(f"recipient refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 500 <= error.smtp_code < 600:
            raise PermanentChannelError(text) from error
        raise ChannelError(text) from error
    except (smtplib.SMTPException, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    if sent != 1:
        raise ChannelError("the mail backend did not send the message")


def send(row: Delivery, *, person: Recipient, connection: Any) -> None:
    with translation.override(person.language):
        item = _item(row, person)
        ics = _ics(_meeting_ids([row]), person)
        message = _message(
            subject=item["title"],
            items=[item],
            person=person,
            key=str(row.idempotency_key),
            ics=ics,
        )
    _send(message, connection)


def send_digest(rows: Sequence[Delivery], *, person: Recipient, connection: Any) -> None:
    with translation.override(person.language):
        items = [_item(row, person) for row in rows]
        ics = _ics(_meeting_ids(rows), person)
        message = _message(
            subject=texts.digest_subject(len(items), language=person.language),
            items=items,
            person=person,
            # The first row's key names the digest: the same set claimed again keeps its id.
            key=f"digest-{rows[0].idempotency_key}",
            ics=ics,
        )
    _send(message, connection)
