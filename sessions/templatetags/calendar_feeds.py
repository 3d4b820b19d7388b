"""`{% calendar_feed_links kind token as feed %}`: a feed's https://, webcal:// and Google links."""

from __future__ import annotations

from django import template

from sessions.feeds import FeedLinks, feed_links

register = template.Library()


@register.simple_tag
def calendar_feed_links(kind: str, token: str) -> FeedLinks:
    """The subscription addresses of a "member" or "cohort" feed (no query: SITE_URL + token)."""
    return feed_links(kind=kind, token=token)
