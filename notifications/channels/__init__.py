"""Channels that take a message out of Labmate: email and the cohort's chat webhook.

(The in-app inbox needs no channel: sending it is writing a row, done in services.) A channel
raises ChannelError for a failure worth retrying (a timeout, a 503, a full mailbox) and
PermanentChannelError for one that will never succeed (a 404 webhook, a refused address).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifications.models import CohortWebhook, Delivery
    from notifications.services import Recipient


class ChannelError(Exception):
    """A failure that may pass: the delivery is retried with backoff."""


class PermanentChannelError(ChannelError):
    """A failure that will not pass by retrying: the delivery is marked failed at once."""


class Sender:
    """Sends one batch; keeps one SMTP connection open across the batch's emails."""

    def __init__(self) -> None:
        self._mail: Any = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close_mail()

    def _close_mail(self) -> None:
        if self._mail is not None:
            # Closing a connection that already broke may fail too; it is gone either way.
            with contextlib.suppress(Exception):
                self._mail.close()
            self._mail = None

    def mail_connection(self) -> Any:
        if self._mail is None:
            from django.core.mail import mailers

            self._mail = mailers.default
            self._mail.open()
        return self._mail

    def send(self, row: Delivery, *, person: Recipient | None, hook: CohortWebhook | None) -> None:
        from notifications.channels import email, webhook
        from notifications.models import Channel

        if row.channel == Channel.EMAIL:
            if person is None:
                raise PermanentChannelError("no recipient")
            try:
                email.send(row, person=person, connection=self.mail_connection())
            except ChannelError:
                # A broken SMTP session must not poison the rest of the batch.
                self._close_mail()
                raise
        elif row.channel == Channel.WEBHOOK:
            if hook is None or not hook.enabled:
                raise PermanentChannelError("the cohort has no active webhook")
            webhook.send(row, hook=hook)
        else:
            raise PermanentChannelError(f"unknown channel {row.channel}")

    def send_digest(self, rows: Sequence[Delivery], *, person: Recipient) -> None:
        from notifications.channels import email

        try:
            email.send_digest(rows, person=person, connection=self.mail_connection())
        except ChannelError:
            self._close_mail()
            raise
