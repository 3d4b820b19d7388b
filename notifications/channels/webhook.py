"""Chat webhooks: Slack- or Discord-compatible JSON, signed, with an idempotency key.

Headers: `X-Labmate-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the
cohort's webhook secret>`, `X-Labmate-Timestamp`, and `Idempotency-Key` (the delivery's key,
the same on every retry), so a receiver can verify the sender and drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation

from notifications import texts
from notifications.channels import ChannelError, PermanentChannelError
from notifications.channels.email import absolute

if TYPE_CHECKING:
    from notifications.models import CohortWebhook, Delivery

# 408 timeout, 425 too early, 429 throttled: worth another try; other 4xx are not.
RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point a vetted public address at an internal one: never follow.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def check_public_address(url: str) -> None:
    """Refuse a webhook whose host resolves to a loopback, private, link-local or reserved
    address (server-side request forgery: a leader must not make the server call its own
    network). Development and the tests allow local receivers (NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE).
    """
    if settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE:
        return
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ChannelError(f"cannot resolve {host}: {error}") from error
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise PermanentChannelError(f"webhook host {host} is not a public address")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def payload(*, flavor: str, title: str, body: str, link: str) -> dict[str, Any]:
    if flavor == "discord":
        embed: dict[str, Any] = {"title": title[:256], "description": body[:4000]}
        if link:
            embed["url"] = link
        return {"content": title[:2000], "embeds": [embed], "allowed_mentions": {"parse": []}}
    text = f"*{title}*\n{body}"
    if link:
        text += f"\n<{link}>"
    return {"text": text, "unfurl_links": False}


def send(row: Delivery, *, hook: CohortWebhook) -> None:
    # A cohort's chat speaks the site's language and time zone.
    with translation.override(settings.LANGUAGE_CODE):
        rendered = texts.render(row.kind, row.params, zone=settings.TIME_ZONE)
    data = payload(
        flavor=hook.flavor, title=rendered.title, body=rendered.body, link=absolute(row.url)
    )
    body = json.dumps(data, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    key = str(row.idempotency_key)
    request = urllib.request.Request(  # noqa: S310 -- http(s) only, validated by URLField
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Labmate-Webhook/1",
            "Idempotency-Key": key,
            "X-Labmate-Delivery": key,
            "X-Labmate-Timestamp": timestamp,
            "X-Labmate-Signature": signature(hook.secret, timestamp, body),
        },
    )
    if not hook.url.startswith(("http://", "https://")):
        raise PermanentChannelError("webhook URL must be http(s)")
    check_public_address(hook.url)
    try:
        with _OPENER.open(request, timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        text = f"HTTP {error.code}"
        if 400 <= error.code < 500 and error.code not in RETRYABLE_CLIENT_ERRORS:
            raise PermanentChannelError(text) from error
        raise ChannelError(text) from error
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise ChannelError(f"{type(error).__name__}: {reason}") from error
