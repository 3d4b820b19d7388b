"""Markdown written by members (notes, answers, write-ups) rendered to safe HTML.

markdown-it-py parses CommonMark with raw HTML disabled; nh3 (ammonia) then keeps only an
allow-list of tags and attributes, so no script, style, event handler or javascript: URL
survives, and every link gets rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(text: str) -> SafeString:
    """Member-written Markdown as sanitised HTML, safe to insert into a page."""
    if not text:
        return mark_safe("")
    html = _PARSER.render(text)
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 -- nh3 has just sanitised it
