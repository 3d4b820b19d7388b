"""Writes for the interview study: weekly topics (leaders and facilitators), questions with
model answers and reference links (active members), answers and comments, practice marks.

Every function checks the actor's permission itself (trackers/rules.py), so the pages and the
API refuse the same things with the same messages; visibility (404 for outsiders) is the
caller's job, through the gatekeepers in trackers.selectors.interview.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.changes import record_changes
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import Cohort, Membership, MembershipStatus
from members.models import User
from notifications.services import notify
from trackers.csv_import import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Field,
    ImportResult,
    Outcome,
    Row,
    RowProblem,
    Table,
    run_import,
)
from trackers.models import Answer, InterviewTopic, Practice, Question
from trackers.services.coding import parse_week
from trackers.services.common import require, row_problem

TOPIC_TITLE_MAX = 200
TOPIC_DESCRIPTION_MAX = 4000
WEEK_MIN, WEEK_MAX = 1, 200
QUESTION_TEXT_MAX = 1000
MARKDOWN_MAX = 20000
REFERENCE_LINKS_MAX = 10
REFERENCE_LINK_MAX_LENGTH = 500
EXTERNAL_ID_MAX = 120

# Notification kinds (the notifications app renders their text).
KIND_TOPIC_CREATED = "interview_topic_created"
KIND_ANSWER_POSTED = "interview_answer_posted"

_http_url = URLValidator(schemes=["http", "https"])


# --- checks --------------------------------------------------------------------------------


def _invalid(fields: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError(_("Please correct the marked fields."), fields=fields)


def clean_external_id(external_id: str | None) -> str | None:
    """Blank means none (NULL), so rows without one never collide in the unique constraints."""
    if external_id is None:
        return None
    external_id = external_id.strip()
    if len(external_id) > EXTERNAL_ID_MAX:
        raise _invalid(
            {"external_id": [_("At most %(max)d characters.") % {"max": EXTERNAL_ID_MAX}]}
        )
    return external_id or None


def clean_reference_links(links: Iterable[str]) -> list[str]:
    """http(s) URLs only, blanks dropped, duplicates removed (first kept), at most ten.

    Refuses anything else with one message per bad link, so a javascript: or ftp: link,
    or plain text, never reaches a page as a link.
    """
    cleaned: list[str] = []
    errors: list[str] = []
    for raw in links:
        link = str(raw).strip()
        if not link:
            continue
        if len(link) > REFERENCE_LINK_MAX_LENGTH:
            errors.append(
                _("A link may have at most %(max)d characters.")
                % {"max": REFERENCE_LINK_MAX_LENGTH}
            )
            continue
        try:
            _http_url(link)
        except ValidationError:
            errors.append(
                _("“%(link)s” is not a web address (http:// or https://).") % {"link": link[:80]}
            )
            continue
        if link not in cleaned:
            cleaned.append(link)
    if len(cleaned) > REFERENCE_LINKS_MAX:
        errors.append(_("At most %(max)d reference links.") % {"max": REFERENCE_LINKS_MAX})
    if errors:
        raise _invalid({"reference_links": errors})
    return cleaned


def _clean_topic(
    *, week: int, title: str, description: str, due_at: datetime | None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = title.strip()
    if not title:
        errors["title"] = [_("Name the topic.")]
    elif len(title) > TOPIC_TITLE_MAX:
        errors["title"] = [_("At most %(max)d characters.") % {"max": TOPIC_TITLE_MAX}]
    if not WEEK_MIN <= week <= WEEK_MAX:
        errors["week"] = [
            _("The week must be between %(min)d and %(max)d.") % {"min": WEEK_MIN, "max": WEEK_MAX}
        ]
    if len(description) > TOPIC_DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)d characters.") % {"max": TOPIC_DESCRIPTION_MAX}]
    if due_at is not None and timezone.is_naive(due_at):
        errors["due_at"] = [_("Give the due time with its time zone.")]
    if errors:
        raise _invalid(errors)
    return {"week": week, "title": title, "description": description, "due_at": due_at}


def _clean_question(*, text: str, model_answer: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    text = text.strip()
    if not text:
        errors["text"] = [_("Write the question.")]
    elif len(text) > QUESTION_TEXT_MAX:
        errors["text"] = [_("At most %(max)d characters.") % {"max": QUESTION_TEXT_MAX}]
    if len(model_answer) > MARKDOWN_MAX:
        errors["model_answer"] = [_("At most %(max)d characters.") % {"max": MARKDOWN_MAX}]
    if errors:
        raise _invalid(errors)
    return {"text": text, "model_answer": model_answer.strip()}


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise _invalid({"body": [_("Write your answer.")]})
    if len(body) > MARKDOWN_MAX:
        raise _invalid({"body": [_("At most %(max)d characters.") % {"max": MARKDOWN_MAX}]})
    return body


def _topic_taken() -> ConflictError:
    message = _("This week already has a topic with that title.")
    return ConflictError(message, code="topic_exists", fields={"title": [message]})


def _external_id_taken() -> ConflictError:
    message = _("Another item already uses this external id.")
    return ConflictError(message, code="external_id_taken", fields={"external_id": [message]})


def _question_url(question: Question) -> str:
    return reverse("trackers:interview_question", kwargs={"pk": question.pk})


def _topic_url(topic: InterviewTopic) -> str:
    return reverse("trackers:interview_topic", kwargs={"pk": topic.pk})


# --- topics --------------------------------------------------------------------------------


def interview_topic_create(
    *,
    actor: User,
    cohort: Cohort,
    week: int,
    title: str,
    description: str = "",
    due_at: datetime | None = None,
    external_id: str | None = None,
    announce: bool = True,
) -> InterviewTopic:
    """Add a week's topic to a cohort (its leaders and facilitators, and the lab's leaders).

    Side effect: with `announce`, tells the cohort's other active members (kind
    interview_topic_created); an import creates its topics quietly.
    """
    require(
        actor,
        "trackers.manage_board",
        cohort,
        _("Only the cohort's leaders and facilitators can add interview topics."),
    )
    fields = _clean_topic(week=week, title=title, description=description, due_at=due_at)
    external_id = clean_external_id(external_id)
    with transaction.atomic():
        if InterviewTopic.objects.filter(
            cohort=cohort, week=fields["week"], title=fields["title"]
        ).exists():
            raise _topic_taken()
        if (
            external_id is not None
            and InterviewTopic.objects.filter(cohort=cohort, external_id=external_id).exists()
        ):
            raise _external_id_taken()
        try:
            # Why a savepoint: two leaders adding the same topic at once both pass the checks
            # above; the unique constraint decides, and the loser gets the same 409.
            with transaction.atomic():
                topic = InterviewTopic.objects.create(
                    cohort=cohort, created_by=actor, external_id=external_id, **fields
                )
        except IntegrityError:
            raise _topic_taken() from None
        if not announce:
            return topic
        recipients = User.objects.filter(
            memberships__cohort=cohort, memberships__status=MembershipStatus.ACTIVE
        ).exclude(pk=actor.pk)
        notify(
            kind=KIND_TOPIC_CREATED,
            recipients=recipients,
            cohort=cohort,
            target=topic,
            params={"title": topic.title, "week": topic.week},
            url=_topic_url(topic),
        )
    return topic


def interview_topic_update(
    *,
    actor: User,
    topic: InterviewTopic,
    week: int,
    title: str,
    description: str,
    due_at: datetime | None,
) -> InterviewTopic:
    require(
        actor,
        "trackers.manage_board",
        topic,
        _("Only the cohort's leaders and facilitators can change interview topics."),
    )
    fields = _clean_topic(week=week, title=title, description=description, due_at=due_at)
    clash = (
        InterviewTopic.objects.filter(
            cohort_id=topic.cohort_id, week=fields["week"], title=fields["title"]
        )
        .exclude(pk=topic.pk)
        .exists()
    )
    if clash:
        raise _topic_taken()
    for name, value in fields.items():
        setattr(topic, name, value)
    try:
        with transaction.atomic():
            topic.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise _topic_taken() from None
    return topic


def interview_topic_delete(*, actor: User, topic: InterviewTopic) -> None:
    """Delete a topic with its questions, answers and practice marks (managers only)."""
    require(
        actor,
        "trackers.manage_board",
        topic,
        _("Only the cohort's leaders and facilitators can delete interview topics."),
    )
    topic.delete()


# --- questions -----------------------------------------------------------------------------


def question_create(
    *,
    actor: User,
    topic: InterviewTopic,
    text: str,
    model_answer: str = "",
    reference_links: Sequence[str] = (),
    external_id: str | None = None,
) -> Question:
    """Post a question with a model answer (Markdown) and reference links (http/https).

    Only active members of the topic's cohort post questions.
    """
    require(
        actor,
        "trackers.take_part",
        topic,
        _("Only active members of this cohort can post questions."),
    )
    fields = _clean_question(text=text, model_answer=model_answer)
    links = clean_reference_links(reference_links)
    external_id = clean_external_id(external_id)
    try:
        with transaction.atomic():
            return Question.objects.create(
                topic=topic,
                author=actor,
                reference_links=links,
                external_id=external_id,
                **fields,
            )
    except IntegrityError:
        # The only unique constraint a question has: (topic, external_id).
        raise _external_id_taken() from None


def question_update(
    *,
    actor: User,
    question: Question,
    text: str,
    model_answer: str,
    reference_links: Sequence[str],
) -> Question:
    """Change your own question (while you are an active member of its cohort)."""
    require(actor, "trackers.edit_own", question, _("You can only edit your own questions."))
    fields = _clean_question(text=text, model_answer=model_answer)
    links = clean_reference_links(reference_links)
    question.text = fields["text"]
    question.model_answer = fields["model_answer"]
    question.reference_links = links
    question.save(update_fields=["text", "model_answer", "reference_links", "updated_at"])
    return question


def _may_remove(actor: User, obj: Question | Answer) -> bool:
    return actor.has_perm("trackers.edit_own", obj) or actor.has_perm("trackers.moderate", obj)


def question_delete(*, actor: User, question: Question) -> None:
    """Delete a question with its answers: its author, or the cohort's leaders (moderation)."""
    if not _may_remove(actor, question):
        raise PermissionDeniedError(
            _("Only the author or the cohort's leaders can delete this question.")
        )
    question.delete()


# --- answers -------------------------------------------------------------------------------


def answer_create(
    *, actor: User, question: Question, body: str, external_id: str | None = None
) -> Answer:
    """Answer or comment on a question (Markdown); active members of its cohort.

    Side effect: tells the question's author (kind interview_answer_posted), unless they
    answered themselves.
    """
    require(
        actor,
        "trackers.take_part",
        question.topic,
        _("Only active members of this cohort can answer."),
    )
    body = _clean_body(body)
    external_id = clean_external_id(external_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                answer = Answer.objects.create(
                    question=question, author=actor, body=body, external_id=external_id
                )
        except IntegrityError:
            raise _external_id_taken() from None
        if question.author_id != actor.pk:
            notify(
                kind=KIND_ANSWER_POSTED,
                recipients=User.objects.filter(pk=question.author_id, is_active=True),
                cohort=question.topic.cohort,
                target=answer,
                params={"question": question.text[:120], "author": actor.display_name},
                url=_question_url(question),
            )
    return answer


def answer_update(*, actor: User, answer: Answer, body: str) -> Answer:
    require(actor, "trackers.edit_own", answer, _("You can only edit your own answers."))
    answer.body = _clean_body(body)
    answer.save(update_fields=["body", "updated_at"])
    return answer


def answer_delete(*, actor: User, answer: Answer) -> None:
    if not _may_remove(actor, answer):
        raise PermissionDeniedError(
            _("Only the author or the cohort's leaders can delete this answer.")
        )
    answer.delete()


# --- practice ------------------------------------------------------------------------------


def practice_mark(*, actor: User, question: Question, at: datetime | None = None) -> Practice:
    """Record that the actor practised this question now (one row per member and question;
    practising again moves its time). Any member of the lab may practise any of its questions.
    """
    require(
        actor,
        "trackers.view_board",
        question,
        _("Only members of this lab can practise its questions."),
    )
    when = at or timezone.now()
    # update_or_create locks the row; on a first mark, two clicks at once race to insert and
    # the unique constraint lets one win, after which Django retries as an update.
    practice, _created = Practice.objects.update_or_create(
        question=question, user=actor, defaults={"practised_at": when}
    )
    return practice


def practice_unmark(*, actor: User, question: Question) -> bool:
    """Forget the actor's practice mark on this question; False when there was none."""
    deleted, _rows = Practice.objects.filter(question=question, user=actor).delete()
    return deleted > 0


# --- CSV import ----------------------------------------------------------------------------

# A links cell holds URLs separated by line breaks (our export), spaces, semicolons, or
# commas that start another URL.
_LINK_SEPARATORS = re.compile(r"[\s;]+|,\s*(?=https?://)")


class QuestionImporter:
    """Interview questions of a cohort, one row per question; a week's topic that does not
    exist yet is created (quietly: no notification per imported topic). Keyed by external id,
    else by week + topic + question text. Only what differs is written, so importing the
    same file again changes nothing. Reads the bank's own CSV export as it is."""

    fields = (
        Field("week", _lazy("Week"), required=True, aliases=("주차", "주", "wk")),
        Field(
            "topic",
            _lazy("Topic"),
            required=True,
            aliases=("주제", "토픽", "면접 주제", "topic title", "title"),
        ),
        Field(
            "question",
            _lazy("Question"),
            required=True,
            aliases=("질문", "면접 질문", "question text", "text", "문제"),
        ),
        Field(
            "model_answer",
            _lazy("Model answer"),
            aliases=("모범 답안", "모범답안", "답안", "예시 답안", "답변", "answer"),
            help_text=_lazy("Markdown."),
        ),
        Field(
            "links",
            _lazy("Reference links"),
            aliases=(
                "reference links",
                "참고 링크",
                "참고자료",
                "참고",
                "링크",
                "레퍼런스",
                "references",
            ),
            help_text=_lazy("http(s) links, separated by line breaks or spaces."),
        ),
        Field(
            "author",
            _lazy("Author"),
            aliases=("작성자", "출제자", "이름", "멤버", "email", "이메일", "name"),
            help_text=_lazy("Email or display name of a member of the cohort. Unmapped: you."),
        ),
        Field("external_id", _lazy("External id"), aliases=("외부 id", "external", "uid")),
    )

    def __init__(self, *, actor: User, cohort: Cohort) -> None:
        self.actor, self.cohort = actor, cohort
        self.topics: dict[tuple[int, str], InterviewTopic] = {}
        self.by_external: dict[str, Question] = {}
        self.by_text: dict[tuple[int, str], Question] = {}
        self.people: dict[str, User | None] = {}
        self.created: list[Question] = []
        self.lines: dict[int, int] = {}  # id(question) -> the file line that set it

    def key(self, row: Row) -> Hashable | None:
        if row.get("external_id"):
            return ("external", row.get("external_id"))
        return ("text", row.get("week"), row.get("topic"), row.get("question"))

    def prepare(self, rows: Sequence[Row]) -> None:
        for topic in InterviewTopic.objects.filter(cohort=self.cohort):
            self.topics[topic.week, topic.title] = topic
        for question in Question.objects.filter(topic__cohort=self.cohort):
            self._index(question)
        memberships = Membership.objects.filter(cohort=self.cohort).select_related("user__profile")
        for membership in memberships:
            user = membership.user
            self.people[user.email.casefold()] = user
            name = user.display_name.casefold()
            # Two members with one display name: only their emails tell them apart.
            self.people[name] = None if name in self.people else user

    def _index(self, question: Question) -> None:
        if question.external_id:
            self.by_external[question.external_id] = question
        self.by_text[question.topic_id, question.text] = question

    def _topic(self, week: int, title: str) -> InterviewTopic:
        topic = self.topics.get((week, title))
        if topic is None:
            try:
                topic = interview_topic_create(
                    actor=self.actor, cohort=self.cohort, week=week, title=title, announce=False
                )
            except ApplicationError as exc:
                raise row_problem(exc, "topic") from None
            self.topics[week, topic.title] = topic
        return topic

    def _author(self, row: Row) -> User:
        text = row.get("author").strip()
        if not text:
            return self.actor
        key = text.casefold()
        if key not in self.people:
            raise RowProblem(
                _("“%(value)s” is not a member of this cohort (give an email or a display name).")
                % {"value": text},
                field="author",
            )
        user = self.people[key]
        if user is None:
            raise RowProblem(
                _("Two members are called “%(value)s”: give the email instead.") % {"value": text},
                field="author",
            )
        return user

    def upsert(self, row: Row) -> Outcome:
        week = parse_week(row.get("week"))
        try:
            fields = _clean_question(text=row.get("question"), model_answer=row.get("model_answer"))
            links = clean_reference_links(
                link for link in _LINK_SEPARATORS.split(row.get("links")) if link
            )
            external_id = clean_external_id(row.get("external_id"))
        except ApplicationError as exc:
            raise row_problem(exc) from None
        topic = self._topic(week, row.get("topic").strip())
        # Ids, not objects: comparing an unchanged row's author must not load the author.
        values: dict[str, Any] = {"topic_id": topic.pk, "text": fields["text"]}
        if row.has("model_answer"):
            values["model_answer"] = fields["model_answer"]
        if row.has("links"):
            values["reference_links"] = links
        if row.has("author"):
            values["author_id"] = self._author(row).pk
        if external_id:
            values["external_id"] = external_id
        existing = self.by_external.get(external_id) if external_id else None
        if existing is None:
            existing = self.by_text.get((topic.pk, fields["text"]))
            if (
                existing is not None
                and external_id
                and existing.external_id not in (None, external_id)
            ):
                existing = None  # the same text under another external id: another question
        summary = f"W{week} · {topic.title} · {fields['text'][:60]}"
        if existing is None:
            question = Question(**{"author_id": self.actor.pk, **values})
            self.lines[id(question)] = row.line
            self.created.append(question)
            self._index(question)
            return Outcome(row.line, CREATED, summary)
        first = self.lines.get(id(existing))
        if first is not None:
            raise RowProblem(_("Same question as line %(line)d.") % {"line": first})
        self.lines[id(existing)] = row.line
        changed = [name for name, value in values.items() if getattr(existing, name) != value]
        if not changed:
            return Outcome(row.line, UNCHANGED, summary)
        for name in changed:
            setattr(existing, name, values[name])
        existing.save(update_fields=[*changed, "updated_at"])
        return Outcome(row.line, UPDATED, summary)

    def finish(self) -> None:
        Question.objects.bulk_create(self.created, batch_size=500)
        record_changes(Question, self.created)  # bulk_create sends no signals: tell the feed


def question_import(
    *,
    actor: User,
    cohort: Cohort,
    table: Table,
    mapping: Mapping[str, int | None],
    commit: bool,
) -> ImportResult:
    """Preview (`commit=False`) or run a CSV import of interview questions into a cohort, all
    or nothing (leaders and facilitators). Importing the same file again changes nothing."""
    require(
        actor,
        "trackers.manage_board",
        cohort,
        _("Only the cohort's leaders and facilitators can import."),
    )
    return run_import(QuestionImporter(actor=actor, cohort=cohort), table, mapping, commit=commit)
