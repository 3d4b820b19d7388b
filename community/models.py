"""A lab's public showcase and recruiting, meeting notes, guest talks with their Q&A, and the
outside events and deadlines a cohort keeps."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def _external_id() -> models.CharField[str | None, str | None]:
    # NULL, not "", means "no external id", so unset ids never collide in a unique constraint.
    return models.CharField(_("external id"), max_length=120, null=True, blank=True)


# --- Showcase and recruiting --------------------------------------------------------------------


class LabShowcase(TimeStampedModel):
    """What a public lab tells visitors beyond its name and topic (Markdown, sanitised)."""

    lab = models.OneToOneField(
        "labs.Lab", on_delete=models.CASCADE, related_name="showcase", verbose_name=_("lab")
    )
    story = models.TextField(
        _("the story behind the lab"),
        blank=True,
        max_length=10000,
        help_text=_("Why the lab exists and how it got its name. Markdown."),
    )
    activities = models.TextField(
        _("what a cohort does"),
        blank=True,
        max_length=5000,
        help_text=_("The tracks, the rhythm, what members present. Markdown."),
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("lab showcase")
        verbose_name_plural = _("lab showcases")
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "external_id"], name="showcase_external_id_unique_per_lab"
            ),
        ]

    def __str__(self) -> str:
        return str(self.lab)


class ShowcaseMember(TimeStampedModel):
    """A member who chose to appear on the lab's public page, with a short introduction.

    No row, no mention: a member is never shown publicly without opting in.
    """

    lab = models.ForeignKey(
        "labs.Lab", on_delete=models.CASCADE, related_name="showcase_members", verbose_name=_("lab")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="showcase_entries",
        verbose_name=_("member"),
    )
    introduction = models.CharField(_("short introduction"), max_length=300, blank=True)
    external_id = _external_id()

    class Meta:
        verbose_name = _("showcased member")
        verbose_name_plural = _("showcased members")
        ordering = ["lab_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "user"], name="showcase_member_once_per_lab"),
            models.UniqueConstraint(
                fields=["lab", "external_id"], name="showcase_member_external_id_unique_per_lab"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lab} · {self.user}"


class OutputKind(models.TextChoices):
    WRITEUP = "writeup", _("Write-up")
    CODE = "code", _("Code")
    SLIDES = "slides", _("Slides")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other")


class ShowcaseOutput(TimeStampedModel):
    """Something the lab made and shows: a write-up, a code repository, slides, a video."""

    lab = models.ForeignKey(
        "labs.Lab", on_delete=models.CASCADE, related_name="showcase_outputs", verbose_name=_("lab")
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=10, choices=OutputKind.choices, default=OutputKind.WRITEUP
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("lab output")
        verbose_name_plural = _("lab outputs")
        ordering = ["lab_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in OutputKind]), name="showcase_output_kind"
            ),
            models.UniqueConstraint(
                fields=["lab", "external_id"], name="showcase_output_external_id_unique_per_lab"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Recruitment(TimeStampedModel):
    """A lab's call for applications to one of its cohorts (usually the next one)."""

    cohort = models.OneToOneField(
        "labs.Cohort",
        on_delete=models.CASCADE,
        related_name="recruitment",
        verbose_name=_("cohort"),
    )
    closes_on = models.DateField(_("applications close on"))
    question = models.CharField(
        _("question for applicants"),
        max_length=500,
        blank=True,
        help_text=_("Optional, e.g. which paper would you like to present?"),
    )
    # Set when leaders stop taking applications before the closing date.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("recruitment")
        verbose_name_plural = _("recruitments")
        ordering = ["closes_on", "id"]

    def __str__(self) -> str:
        return str(self.cohort)

    def is_open_on(self, day: date | None = None) -> bool:
        today = day or timezone.localdate()
        return self.closed_at is None and self.closes_on >= today

    @property
    def is_open(self) -> bool:
        return self.is_open_on()

    def get_absolute_url(self) -> str:
        return reverse("community:apply", kwargs={"pk": self.pk})


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(TimeStampedModel):
    """Someone asks to join a recruiting cohort; its leaders accept (a membership) or decline."""

    recruitment = models.ForeignKey(
        Recruitment, on_delete=models.CASCADE, related_name="applications"
    )
    # The recruitment's cohort, repeated so the database can hold "one pending per person".
    cohort = models.ForeignKey(
        "labs.Cohort",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("cohort"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("applicant"),
    )
    motivation = models.TextField(_("motivation"), max_length=2000)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note to the applicant"), max_length=500, blank=True)
    membership = models.ForeignKey(
        "labs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ApplicationStatus]),
                name="application_status_known",
            ),
            # A double click or two tabs cannot file two open applications.
            models.UniqueConstraint(
                fields=["cohort", "applicant"],
                condition=Q(status="pending"),
                name="application_one_pending_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="application_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.cohort} · {self.status}"


# --- Meeting notes ------------------------------------------------------------------------------


class NoteEditor(TimeStampedModel):
    """A member a leader allows to write notes: for every meeting of a cohort (no meeting) or
    for one meeting. Leaders and facilitators (the moderators) may always write."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="note_editors")
    meeting = models.ForeignKey(
        "study_sessions.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="note_editors",
        verbose_name=_("meeting"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("note writer")
        verbose_name_plural = _("note writers")
        ordering = ["cohort_id", "meeting_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"],
                condition=Q(meeting__isnull=True),
                name="note_editor_once_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(meeting__isnull=False),
                name="note_editor_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.meeting_id or '*'} · {self.user}"


class MeetingNote(TimeStampedModel):
    """What a meeting discussed (Markdown), with its questions, answers and reference links."""

    meeting = models.OneToOneField(
        "study_sessions.Meeting",
        on_delete=models.CASCADE,
        related_name="note",
        verbose_name=_("meeting"),
    )
    # The meeting's cohort, repeated so external ids are unique per cohort in the database.
    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("notes"), blank=True, max_length=20000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("meeting notes")
        verbose_name_plural = _("meeting notes")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="meeting_note_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return str(self.meeting)


class NoteQuestion(TimeStampedModel):
    """One question the meeting discussed ("Q1: why pooling?"), its answer and references."""

    note = models.ForeignKey(MeetingNote, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    question = models.CharField(_("question"), max_length=500)
    answer = models.TextField(_("answer"), blank=True, max_length=5000)
    # One http(s) address per line.
    links = models.TextField(_("reference links"), blank=True, max_length=3000)

    class Meta:
        verbose_name = _("discussed question")
        verbose_name_plural = _("discussed questions")
        ordering = ["note_id", "position", "id"]

    def __str__(self) -> str:
        return self.question

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


# --- Guest talks --------------------------------------------------------------------------------


class GuestTalk(TimeStampedModel):
    """A guest talk or master class: members send questions before, the host answers them."""

    cohort = models.ForeignKey(
        "labs.Cohort",
        on_delete=models.CASCADE,
        related_name="guest_talks",
        verbose_name=_("cohort"),
    )
    title = models.CharField(_("title"), max_length=200)
    speaker = models.CharField(_("speaker"), max_length=120)
    speaker_intro = models.CharField(_("about the speaker"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("guest talk")
        verbose_name_plural = _("guest talks")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="guest_talk_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="guest_talk_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:talk_detail", kwargs={"pk": self.pk})

    @property
    def has_started(self) -> bool:
        """Questions and votes close when the talk starts; then the page is the Q&A record."""
        return self.starts_at <= timezone.now()


class TalkQuestion(TimeStampedModel):
    """A member's question for a guest talk; members upvote, the host marks it answered."""

    talk = models.ForeignKey(GuestTalk, on_delete=models.CASCADE, related_name="questions")
    # The talk's cohort, repeated so external ids are unique per cohort in the database.
    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="talk_questions",
        verbose_name=_("asked by"),
    )
    text = models.TextField(_("question"), max_length=1000)
    # Kept equal to the number of TalkVote rows: changed only by F() updates in the services,
    # in the same transaction as the vote row, so concurrent votes never lose a count.
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer_summary = models.TextField(_("summary of the answer"), blank=True, max_length=2000)
    external_id = _external_id()

    class Meta:
        verbose_name = _("talk question")
        verbose_name_plural = _("talk questions")
        ordering = ["talk_id", "-vote_count", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="talk_question_external_id_unique_per_cohort"
            ),
        ]
        indexes = [models.Index(fields=["talk", "-vote_count", "created_at"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class TalkVote(models.Model):
    """One member's upvote of one question; the unique constraint makes it one vote each."""

    question = models.ForeignKey(TalkQuestion, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="talk_vote_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} · {self.user_id}"


# --- Outside events and deadlines ---------------------------------------------------------------


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    DEADLINE = "deadline", _("Submission deadline")
    SEMINAR = "seminar", _("Seminar")
    OTHER = "other", _("Other")


class OutsideEvent(TimeStampedModel):
    """A conference, a paper deadline or a seminar the cohort follows; in its calendar feed."""

    cohort = models.ForeignKey(
        "labs.Cohort",
        on_delete=models.CASCADE,
        related_name="outside_events",
        verbose_name=_("cohort"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(
        _("when"), db_index=True, help_text=_("For a deadline: the moment submissions close.")
    )
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    location = models.CharField(_("place"), max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    description = models.TextField(_("notes"), blank=True, max_length=4000)
    # Calendar identity: the UID never changes; SEQUENCE goes up with every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = _external_id()

    class Meta:
        verbose_name = _("event or deadline")
        verbose_name_plural = _("events and deadlines")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in EventKind]), name="outside_event_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="outside_event_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="outside_event_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:event_edit", kwargs={"pk": self.pk})
