"""What each kind of notification says, in the reader's language and time zone.

Rows keep the kind and plain params; the words are made when someone reads or receives them,
so a member who switches language sees their inbox in the new one. An unknown kind (another
app's, or a retired one) still renders with a generic text.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    body: str


# kind -> (title, body); params are filled in with %(name)s.
TEXTS: dict[str, tuple[Promise, Promise]] = {
    # Reminders
    "meeting": (
        _("Meeting %(meeting)s is coming up"),
        _("%(lab)s · cohort %(cohort)s: meeting %(meeting)s%(titled)s starts %(starts_at)s."),
    ),
    "presenter": (
        _("You present on %(starts_at)s"),
        _(
            "You present “%(slot)s” at meeting %(meeting)s (%(starts_at)s). "
            "Share your materials on the board when they are ready."
        ),
    ),
    "open_slots": (
        _("Meeting %(meeting)s still has open slots"),
        _("Meeting %(meeting)s (%(starts_at)s) still has %(open)s open slot(s). Who takes them?"),
    ),
    "rsvp": (
        _("Are you coming to meeting %(meeting)s?"),
        _("Meeting %(meeting)s starts %(starts_at)s. Let the others know whether you come."),
    ),
    "review_due": (
        _("Your review of “%(paper)s” is due"),
        _("Your review of “%(paper)s” is due %(due_at)s."),
    ),
    "tracker_due": (
        _("Week %(week)s is due %(due_at)s"),
        _("“%(item)s” (week %(week)s) is due %(due_at)s and you have not finished it yet."),
    ),
    # Events
    "slot_promoted": (
        _("A slot you waited for is yours"),
        _("You now present “%(slot)s” at meeting %(meeting)s: a place was given back."),
    ),
    "swap_requested": (
        _("%(name)s asks to swap slots"),
        _("%(name)s would like to swap “%(slot)s” for your “%(other_slot)s”."),
    ),
    "swap_accepted": (
        _("%(name)s accepted your swap"),
        _("You now present “%(other_slot)s”; %(name)s presents “%(slot)s”."),
    ),
    "swap_declined": (
        _("%(name)s declined your swap"),
        _("You still present “%(slot)s”."),
    ),
    "invitation_accepted": (
        _("%(name)s joined the cohort"),
        _("%(name)s accepted an invitation and joined your cohort."),
    ),
    "review_assigned": (
        _("New review: “%(paper)s”"),
        _("You were assigned to review “%(paper)s”, due %(due_at)s."),
    ),
    "application_received": (
        _("New application from %(name)s"),
        _("%(name)s applied to join %(lab)s, cohort %(cohort)s. Open the applications to decide."),
    ),
    "review_unassigned": (
        _("Review moved: “%(paper)s”"),
        _(
            "The review of “%(paper)s” you had not started yet went to another member when the "
            "assignment was re-run. Nothing else changed."
        ),
    ),
    "application_decided": (
        _("Your application to %(lab)s was answered"),
        _("Your application to %(lab)s, cohort %(cohort)s: %(decision)s."),
    ),
    # One text per decision: the raw value ("accepted") is not something to show a member.
    "application_decided:accepted": (
        _("Welcome to %(lab)s"),
        _("Your application to %(lab)s, cohort %(cohort)s was accepted: you are now a member."),
    ),
    "application_decided:declined": (
        _("Your application to %(lab)s was answered"),
        _("Your application to %(lab)s, cohort %(cohort)s was declined."),
    ),
    "talk_question_answered": (
        _("Your question was answered"),
        _("%(speaker)s answered your question about “%(talk)s”."),
    ),
    "event_deadline": (
        _("Coming up: %(title)s"),
        _("%(lab)s · cohort %(cohort)s: %(title)s (%(event_kind)s) on %(starts_at)s."),
    ),
    "coding_set_published": (
        _("Week %(week)s problems are out"),
        _("The week %(week)s problem set%(titled)s is out, due %(due_at)s."),
    ),
    "interview_topic_created": (
        _("New interview topic: %(title)s"),
        _("Week %(week)s: add your questions about “%(title)s”."),
    ),
    "interview_answer_posted": (
        _("%(author)s answered your question"),
        _("%(author)s answered “%(question)s”."),
    ),
}
# Stored codes shown inside a sentence, worded in the reader's language.
WORDS: dict[str, dict[str, Promise]] = {
    "decision": {
        "accepted": _("accepted"),
        "declined": _("declined"),
        "withdrawn": _("withdrawn"),
        "pending": _("waiting for a decision"),
    },
    "event_kind": {
        "conference": _("conference"),
        "deadline": _("submission deadline"),
        "seminar": _("seminar"),
        "other": _("event"),
    },
}
GENERIC = (_("Something new in Labmate"), _("Open Labmate to see what changed."))
DATE_PARAMS = ("starts_at", "due_at", "deadline")


class _Params(dict[str, str]):
    """Missing params render empty instead of failing a whole message."""

    def __missing__(self, key: str) -> str:
        return ""


def _when(value: str, zone: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
        local = moment.astimezone(ZoneInfo(zone))
    except (ValueError, KeyError, TypeError):
        return value
    # An unambiguous, language-neutral shape; the weekday is in the reader's language.
    return formats.date_format(local, "Y-m-d (D) H:i")


def prepare(params: Mapping[str, object], *, zone: str) -> _Params:
    clean = _Params({key: str(value) for key, value in params.items()})
    clean["titled"] = f" “{clean['title']}”" if clean.get("title") else ""
    for key in DATE_PARAMS:
        if clean.get(key):
            clean[key] = _when(clean[key], zone)
    for key, words in WORDS.items():
        if clean.get(key) in words:
            clean[key] = str(words[clean[key]])
    return clean


def render(
    kind: str, params: Mapping[str, object], *, language: str | None = None, zone: str = "UTC"
) -> Rendered:
    """The title and body of a notification, in `language` (or the active one)."""
    with translation.override(language) if language else nullcontext():
        variant = TEXTS.get(f"{kind}:{params.get('decision')}") if "decision" in params else None
        title, body = variant or TEXTS.get(kind, GENERIC)
        values = prepare(params, zone=zone)
        try:
            return Rendered(title=str(title) % values, body=str(body) % values)
        except (TypeError, ValueError):
            title, body = GENERIC
            return Rendered(title=str(title), body=str(body))


def digest_subject(count: int, *, language: str) -> str:
    with translation.override(language):
        return ngettext(
            "Your Labmate digest: %(count)d reminder",
            "Your Labmate digest: %(count)d reminders",
            count,
        ) % {"count": count}
