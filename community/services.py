"""Writes for community: the showcase, recruiting and applications, meeting notes, guest talks
with their questions and votes, and outside events.

Every function checks the actor's permission itself (community/rules.py), so the pages and the
API refuse the same things with the same messages. Notifications go through
notifications.services.notify inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    Application,
    ApplicationStatus,
    EventKind,
    GuestTalk,
    LabShowcase,
    MeetingNote,
    NoteEditor,
    NoteQuestion,
    OutputKind,
    OutsideEvent,
    Recruitment,
    ShowcaseMember,
    ShowcaseOutput,
    TalkQuestion,
    TalkVote,
)
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from labs.models import (
    MANAGER_ROLES,
    Cohort,
    CohortStatus,
    Lab,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from labs.services import membership_add
from members.models import Language, User
from members.services import user_create
from sessions.models import Meeting

MAX_NOTE_QUESTIONS = 30
STORY_MAX_LENGTH = 10000
ACTIVITIES_MAX_LENGTH = 5000
INTRODUCTION_MAX_LENGTH = 300
MOTIVATION_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 20000
QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 5000
LINKS_MAX = 20
TALK_QUESTION_MAX_LENGTH = 1000
SUMMARY_MAX_LENGTH = 2000
EVENT_DESCRIPTION_MAX_LENGTH = 4000

_URL = URLValidator(schemes=["http", "https"])


def _require(actor: Any, perm: str, obj: object, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDeniedError(message)


def _invalid(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ApplicationError(_("Please correct the marked fields."), fields=errors)


def _check_length(
    errors: dict[str, list[str]], field: str, value: str, limit: int, *, required: bool = False
) -> None:
    if required and not value.strip():
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > limit:
        errors.setdefault(field, []).append(
            _("Keep it to %(limit)d characters or fewer.") % {"limit": limit}
        )


def _check_url(errors: dict[str, list[str]], field: str, value: str) -> None:
    if not value:
        return
    try:
        _URL(value)
    except ValidationError:
        errors.setdefault(field, []).append(_("Enter a web address starting with https://."))


def _external_id(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _create[M: models.Model](model: type[M], *, external_id: str | None, **fields: Any) -> M:
    """Create a row with its optional external id; a sync client reusing an id gets a 409."""
    try:
        # A savepoint: the caller's transaction stays usable after the refused insert.
        with transaction.atomic():
            return model._default_manager.create(external_id=_external_id(external_id), **fields)
    except IntegrityError:
        raise _external_id_taken() from None


def _external_id_taken() -> ConflictError:
    return ConflictError(
        _("Another object already uses this external id."),
        code="external_id_taken",
        fields={"external_id": [_("Already used.")]},
    )


def _notify(
    *,
    kind: str,
    recipients: Iterable[User],
    cohort: Cohort | None,
    target: models.Model | None,
    params: Mapping[str, str | int] | None = None,
    url: str = "",
) -> None:
    """Tell members through the one notification entry point (inbox rows and deliveries)."""
    # Imported here: notifications may import community (reminder sources) at load time.
    from notifications.services import notify

    notify(kind=kind, recipients=recipients, cohort=cohort, target=target, params=params, url=url)


# --- Showcase ------------------------------------------------------------------------------------


def showcase_update(*, actor: User, lab: Lab, story: str, activities: str) -> LabShowcase:
    """Write the lab's public story and what a cohort does (lab leaders). The lab's visibility
    (public or private) still decides whether anyone outside sees it."""
    _require(actor, "community.change_showcase", lab, _("Only the lab's leaders edit its page."))
    errors: dict[str, list[str]] = {}
    _check_length(errors, "story", story, STORY_MAX_LENGTH)
    _check_length(errors, "activities", activities, ACTIVITIES_MAX_LENGTH)
    _invalid(errors)
    showcase, created = LabShowcase.objects.get_or_create(
        lab=lab, defaults={"story": story, "activities": activities}
    )
    if not created and (showcase.story, showcase.activities) != (story, activities):
        showcase.story, showcase.activities = story, activities
        showcase.save(update_fields=["story", "activities", "updated_at"])
    return showcase


def showcase_member_set(*, actor: User, lab: Lab, introduction: str) -> ShowcaseMember:
    """Appear on the lab's public page (opt in), or change one's introduction there."""
    _require(
        actor,
        "community.join_showcase",
        lab,
        _("Only the lab's members can appear on its page."),
    )
    introduction = introduction.strip()
    errors: dict[str, list[str]] = {}
    _check_length(errors, "introduction", introduction, INTRODUCTION_MAX_LENGTH)
    _invalid(errors)
    entry, created = ShowcaseMember.objects.get_or_create(
        lab=lab, user=actor, defaults={"introduction": introduction}
    )
    if not created and entry.introduction != introduction:
        entry.introduction = introduction
        entry.save(update_fields=["introduction", "updated_at"])
    return entry


def showcase_member_remove(*, actor: User, lab: Lab) -> None:
    """Disappear from the lab's public page (opt out). Anyone may, even after leaving."""
    ShowcaseMember.objects.filter(lab=lab, user=actor).delete()


def showcase_output_create(
    *,
    actor: User,
    lab: Lab,
    title: str,
    url: str,
    kind: str = OutputKind.WRITEUP,
    description: str = "",
    external_id: str | None = None,
) -> ShowcaseOutput:
    """Add a write-up, code repository, slides or video to the lab's page (lab leaders)."""
    _require(actor, "community.change_showcase", lab, _("Only the lab's leaders edit its page."))
    errors: dict[str, list[str]] = {}
    _check_length(errors, "title", title, 200, required=True)
    _check_length(errors, "description", description, 500)
    if not url:
        errors["url"] = [_("This field is required.")]
    _check_url(errors, "url", url)
    if kind not in OutputKind.values:
        errors["kind"] = [_("Invalid choice.")]
    _invalid(errors)
    return _create(
        ShowcaseOutput,
        external_id=external_id,
        lab=lab,
        title=title.strip(),
        url=url,
        kind=kind,
        description=description.strip(),
        created_by=actor,
    )


def showcase_output_delete(*, actor: User, output: ShowcaseOutput) -> None:
    _require(
        actor, "community.change_showcase", output.lab, _("Only the lab's leaders edit its page.")
    )
    output.delete()


# --- Recruiting ----------------------------------------------------------------------------------


def _lab_leaders_and_cohort_managers(cohort: Cohort) -> list[User]:
    """Who decides applications to `cohort`: its leaders and facilitators, and the leaders of
    the lab's cohorts that are not finished (the lab's leaders)."""
    active = Membership.objects.filter(status=MembershipStatus.ACTIVE)
    deciders = active.filter(
        Q(cohort=cohort, role__in=MANAGER_ROLES)
        | (
            Q(cohort__lab_id=cohort.lab_id, role=Role.LEADER)
            & ~Q(cohort__status=CohortStatus.FINISHED)
        )
    ).values("user_id")
    return list(User.objects.filter(pk__in=deciders, is_active=True).order_by("pk"))


def _applications_url(cohort: Cohort) -> str:
    return reverse(
        "community:applications", kwargs={"slug": cohort.lab.slug, "number": cohort.number}
    )


def recruitment_open(
    *,
    actor: User,
    cohort: Cohort,
    closes_on: date,
    question: str = "",
    external_id: str | None = None,
) -> Recruitment:
    """Take applications for `cohort` until `closes_on` (lab leaders; a public lab's cohort
    that is not finished). Opening again changes the date and question and reopens it."""
    lab = cohort.lab
    _require(
        actor,
        "community.open_recruitment",
        lab,
        _("Only the lab's leaders can open applications."),
    )
    if lab.visibility != Visibility.PUBLIC:
        raise ConflictError(
            _("Make the lab public first: a private lab shows nothing to visitors."),
            code="lab_private",
        )
    if cohort.status == CohortStatus.FINISHED:
        raise ConflictError(
            _("This cohort has finished; open applications for the next one."),
            code="cohort_finished",
        )
    errors: dict[str, list[str]] = {}
    if closes_on < timezone.localdate():
        errors["closes_on"] = [_("Choose today or a later day.")]
    _check_length(errors, "question", question, 500)
    _invalid(errors)
    fields = {
        "closes_on": closes_on,
        "question": question.strip(),
        "closed_at": None,
        "external_id": _external_id(external_id),
    }
    with transaction.atomic():
        recruitment = Recruitment.objects.select_for_update().filter(cohort=cohort).first()
        if recruitment is None:
            try:
                with transaction.atomic():
                    return Recruitment.objects.create(cohort=cohort, created_by=actor, **fields)
            except IntegrityError:
                # Another leader opened it a moment ago: update that one instead.
                recruitment = Recruitment.objects.select_for_update().get(cohort=cohort)
        for name, value in fields.items():
            setattr(recruitment, name, value)
        recruitment.save(update_fields=[*fields, "updated_at"])
    return recruitment


def recruitment_close(*, actor: User, recruitment: Recruitment) -> Recruitment:
    """Stop taking applications now; pending ones still wait for a decision."""
    _require(
        actor,
        "community.open_recruitment",
        recruitment.cohort.lab,
        _("Only the lab's leaders can close applications."),
    )
    if recruitment.closed_at is None:
        recruitment.closed_at = timezone.now()
        recruitment.save(update_fields=["closed_at", "updated_at"])
    return recruitment


@transaction.atomic
def application_submit(
    *,
    user: User,
    recruitment: Recruitment,
    motivation: str,
    answer: str = "",
    external_id: str | None = None,
) -> Application:
    """Apply to a recruiting cohort with a short motivation. One pending application per
    person and cohort (a database constraint). Tells the deciders ("application_received")."""
    cohort = recruitment.cohort
    if not user.is_authenticated:
        raise PermissionDeniedError(_("Log in to apply."))
    if cohort.lab.visibility != Visibility.PUBLIC or not recruitment.is_open:
        raise ConflictError(
            _("This lab is not taking applications now."), code="recruitment_closed"
        )
    errors: dict[str, list[str]] = {}
    _check_length(errors, "motivation", motivation, MOTIVATION_MAX_LENGTH, required=True)
    _check_length(errors, "answer", answer, MOTIVATION_MAX_LENGTH)
    _invalid(errors)
    if Membership.objects.filter(user=user, cohort=cohort, status=MembershipStatus.ACTIVE).exists():
        raise ConflictError(_("You are already a member of this cohort."), code="already_member")
    pending = ConflictError(
        _("You have already applied to this cohort; wait for the leaders' answer."),
        code="application_pending",
    )
    if Application.objects.filter(
        cohort=cohort, applicant=user, status=ApplicationStatus.PENDING
    ).exists():
        raise pending
    try:
        # The partial unique index decides between two submissions racing past the check.
        with transaction.atomic():
            application = Application.objects.create(
                recruitment=recruitment,
                cohort=cohort,
                applicant=user,
                motivation=motivation.strip(),
                answer=answer.strip(),
                external_id=_external_id(external_id),
            )
    except IntegrityError:
        if (
            external_id
            and Application.objects.filter(
                cohort=cohort, external_id=_external_id(external_id)
            ).exists()
        ):
            raise _external_id_taken() from None
        raise pending from None
    _notify(
        kind="application_received",
        recipients=_lab_leaders_and_cohort_managers(cohort),
        cohort=cohort,
        target=application,
        params={
            "name": user.display_name,
            "lab": cohort.lab.name,
            "cohort": cohort.number,
        },
        url=_applications_url(cohort),
    )
    return application


@transaction.atomic
def application_submit_with_sign_up(
    *,
    recruitment: Recruitment,
    email: str,
    password: str,
    display_name: str,
    motivation: str,
    answer: str = "",
    language: str = Language.KOREAN,
) -> Application:
    """Create an account and apply with it in one step: if applying fails, no account is left."""
    if not recruitment.is_open or recruitment.cohort.lab.visibility != Visibility.PUBLIC:
        raise ConflictError(
            _("This lab is not taking applications now."), code="recruitment_closed"
        )
    user = user_create(email=email, password=password, display_name=display_name, language=language)
    return application_submit(
        user=user, recruitment=recruitment, motivation=motivation, answer=answer
    )


def _locked_pending(application: Application) -> Application:
    locked = (
        # of=self: lock the application only (the profile is an outer join, and other
        # rows need no lock).
        Application.objects.select_for_update(of=("self",))
        .select_related("cohort__lab", "applicant__profile")
        .get(pk=application.pk)
    )
    if locked.status != ApplicationStatus.PENDING:
        raise ConflictError(
            _("This application has already been answered or withdrawn."),
            code="application_not_pending",
        )
    return locked


@transaction.atomic
def application_withdraw(*, actor: User, application: Application) -> Application:
    """The applicant takes a pending application back."""
    if application.applicant_id != actor.pk:
        raise PermissionDeniedError(_("Only the applicant can withdraw an application."))
    locked = _locked_pending(application)
    locked.status = ApplicationStatus.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at", "updated_at"])
    return locked


@transaction.atomic
def application_decide(
    *, actor: User, application: Application, accept: bool, note: str = ""
) -> Application:
    """Accept (the applicant joins the cohort as a member) or decline a pending application
    (the target cohort's managers and the lab's leaders). Tells the applicant
    ("application_decided"). Deciding twice is a 409."""
    _require(
        actor,
        "community.decide_application",
        application.cohort,
        _("Only the cohort's leaders and facilitators decide applications."),
    )
    errors: dict[str, list[str]] = {}
    _check_length(errors, "note", note, 500)
    _invalid(errors)
    locked = _locked_pending(application)
    cohort = locked.cohort
    if accept:
        try:
            locked.membership = membership_add(
                actor=actor, cohort=cohort, user=locked.applicant, role=Role.MEMBER
            )
        except ConflictError as exc:
            if exc.code != "already_member":
                raise
            # They joined meanwhile (an invitation link): the application is still accepted.
            locked.membership = Membership.objects.get(user=locked.applicant, cohort=cohort)
    locked.status = ApplicationStatus.ACCEPTED if accept else ApplicationStatus.DECLINED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "membership",
            "updated_at",
        ]
    )
    url = cohort.get_absolute_url() if accept else reverse("community:my_applications")
    _notify(
        kind="application_decided",
        recipients=[locked.applicant],
        cohort=cohort,
        target=locked,
        params={"decision": locked.status, "lab": cohort.lab.name, "cohort": cohort.number},
        url=url,
    )
    return locked


def application_accept(*, actor: User, application: Application, note: str = "") -> Application:
    return application_decide(actor=actor, application=application, accept=True, note=note)


def application_decline(*, actor: User, application: Application, note: str = "") -> Application:
    return application_decide(actor=actor, application=application, accept=False, note=note)


# --- Meeting notes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionInput:
    """One discussed question as a form or the API gives it."""

    question: str
    answer: str = ""
    links: Sequence[str] = ()


def note_editor_add(
    *, actor: User, cohort: Cohort, user: User, meeting: Meeting | None = None
) -> NoteEditor:
    """Allow a member to write notes for every meeting of the cohort, or for one meeting."""
    _require(
        actor,
        "community.manage_note_writers",
        cohort,
        _("Only the cohort's leaders and facilitators choose who writes notes."),
    )
    if meeting is not None and meeting.cohort_id != cohort.pk:
        raise ApplicationError(
            _("Choose a meeting of this cohort."), fields={"meeting": [_("Invalid choice.")]}
        )
    if not Membership.objects.filter(
        user=user, cohort=cohort, status=MembershipStatus.ACTIVE
    ).exists():
        raise ApplicationError(
            _("Only active members of the cohort can write notes."),
            fields={"user": [_("Not an active member of this cohort.")]},
        )
    try:
        with transaction.atomic():
            return NoteEditor.objects.create(
                cohort=cohort, meeting=meeting, user=user, added_by=actor
            )
    except IntegrityError:
        raise ConflictError(
            _("This member may already write these notes."), code="already_allowed"
        ) from None


def note_editor_remove(*, actor: User, editor: NoteEditor) -> None:
    _require(
        actor,
        "community.manage_note_writers",
        editor.cohort,
        _("Only the cohort's leaders and facilitators choose who writes notes."),
    )
    editor.delete()


def _clean_questions(
    questions: Sequence[QuestionInput], errors: dict[str, list[str]]
) -> list[QuestionInput]:
    if len(questions) > MAX_NOTE_QUESTIONS:
        errors["questions"] = [_("Keep it to %(limit)d questions.") % {"limit": MAX_NOTE_QUESTIONS}]
        return []
    cleaned = []
    for item in questions:
        question, answer = item.question.strip(), item.answer.strip()
        links = [link.strip() for link in item.links if link.strip()]
        if not question and not answer and not links:
            continue  # an empty row of the form
        problems: dict[str, list[str]] = {}
        _check_length(problems, "questions", question, QUESTION_MAX_LENGTH, required=True)
        _check_length(problems, "questions", answer, ANSWER_MAX_LENGTH)
        if len(links) > LINKS_MAX:
            problems.setdefault("questions", []).append(
                _("Keep it to %(limit)d links per question.") % {"limit": LINKS_MAX}
            )
        for link in links:
            _check_url(problems, "questions", link)
        for message in problems.get("questions", []):
            errors.setdefault("questions", []).append(message)
        cleaned.append(QuestionInput(question=question, answer=answer, links=tuple(links)))
    return cleaned


@transaction.atomic
def meeting_note_save(
    *,
    actor: User,
    meeting: Meeting,
    body: str,
    questions: Sequence[QuestionInput],
    external_id: str | None = None,
) -> MeetingNote:
    """Write a meeting's notes (Markdown) and the questions it discussed, replacing what was
    there: the moderators (leaders and facilitators) and the members they allow."""
    _require(
        actor,
        "community.write_notes",
        meeting,
        _("Only the moderators and the members they allow write this meeting's notes."),
    )
    errors: dict[str, list[str]] = {}
    _check_length(errors, "body", body, NOTE_MAX_LENGTH)
    cleaned = _clean_questions(questions, errors)
    _invalid(errors)
    # Lock the meeting row: two writers saving at once take turns, the last one wins whole.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    note = MeetingNote.objects.filter(meeting=meeting).first()
    try:
        with transaction.atomic():
            if note is None:
                note = MeetingNote.objects.create(
                    meeting=meeting,
                    cohort_id=meeting.cohort_id,
                    body=body,
                    created_by=actor,
                    updated_by=actor,
                    external_id=_external_id(external_id),
                )
            else:
                note.body, note.updated_by = body, actor
                fields = ["body", "updated_by", "updated_at"]
                if external_id is not None:
                    note.external_id = _external_id(external_id)
                    fields.append("external_id")
                note.save(update_fields=fields)
    except IntegrityError:
        raise _external_id_taken() from None
    note.questions.all().delete()
    NoteQuestion.objects.bulk_create(
        NoteQuestion(
            note=note,
            position=position,
            question=item.question,
            answer=item.answer,
            links="\n".join(item.links),
        )
        for position, item in enumerate(cleaned, start=1)
    )
    return note


# --- Guest talks ---------------------------------------------------------------------------------


def _check_talk(
    *,
    title: str,
    speaker: str,
    speaker_intro: str,
    starts_at: datetime,
    ends_at: datetime | None,
    place: str,
    online_url: str,
    description: str,
    host: User | None,
    cohort: Cohort,
) -> None:
    errors: dict[str, list[str]] = {}
    _check_length(errors, "title", title, 200, required=True)
    _check_length(errors, "speaker", speaker, 120, required=True)
    _check_length(errors, "speaker_intro", speaker_intro, 500)
    _check_length(errors, "place", place, 200)
    _check_length(errors, "description", description, 5000)
    _check_url(errors, "online_url", online_url)
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if (
        host is not None
        and not Membership.objects.filter(
            user=host, cohort__lab_id=cohort.lab_id, status=MembershipStatus.ACTIVE
        ).exists()
    ):
        errors["host"] = [_("The host must be an active member of the lab.")]
    _invalid(errors)


def talk_create(
    *,
    actor: User,
    cohort: Cohort,
    title: str,
    speaker: str,
    starts_at: datetime,
    speaker_intro: str = "",
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    description: str = "",
    host: User | None = None,
    external_id: str | None = None,
) -> GuestTalk:
    """Record a guest talk or master class (the cohort's leaders and facilitators)."""
    _require(
        actor,
        "community.manage_talks",
        cohort,
        _("Only the cohort's leaders and facilitators add guest talks."),
    )
    _check_talk(
        title=title,
        speaker=speaker,
        speaker_intro=speaker_intro,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        description=description,
        host=host,
        cohort=cohort,
    )
    return _create(
        GuestTalk,
        external_id=external_id,
        cohort=cohort,
        title=title.strip(),
        speaker=speaker.strip(),
        speaker_intro=speaker_intro.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        online_url=online_url,
        description=description,
        host=host,
        created_by=actor,
    )


TALK_FIELDS = (
    "title",
    "speaker",
    "speaker_intro",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "description",
    "host",
)


def talk_update(
    *,
    actor: User,
    talk: GuestTalk,
    title: str,
    speaker: str,
    starts_at: datetime,
    speaker_intro: str = "",
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    description: str = "",
    host: User | None = None,
) -> GuestTalk:
    """Change a talk (the cohort's managers and the talk's host)."""
    _require(
        actor,
        "community.change_talk",
        talk,
        _("Only the talk's host and the cohort's leaders change it."),
    )
    _check_talk(
        title=title,
        speaker=speaker,
        speaker_intro=speaker_intro,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        description=description,
        host=host,
        cohort=talk.cohort,
    )
    talk.title, talk.speaker, talk.speaker_intro = title.strip(), speaker.strip(), speaker_intro
    talk.starts_at, talk.ends_at, talk.place = starts_at, ends_at, place.strip()
    talk.online_url, talk.description, talk.host = online_url, description, host
    talk.save(update_fields=[*TALK_FIELDS, "updated_at"])
    return talk


def talk_delete(*, actor: User, talk: GuestTalk) -> None:
    _require(
        actor,
        "community.manage_talks",
        talk.cohort,
        _("Only the cohort's leaders and facilitators delete guest talks."),
    )
    talk.delete()


def _talk_open(talk: GuestTalk) -> None:
    if talk.has_started:
        raise ConflictError(
            _("The talk has started: questions and votes are closed."), code="talk_started"
        )


def talk_question_ask(
    *, actor: User, talk: GuestTalk, text: str, external_id: str | None = None
) -> TalkQuestion:
    """Send a question before the talk (the lab's active members)."""
    _require(actor, "community.ask_talk", talk, _("Only the lab's members ask questions."))
    _talk_open(talk)
    errors: dict[str, list[str]] = {}
    _check_length(errors, "text", text, TALK_QUESTION_MAX_LENGTH, required=True)
    _invalid(errors)
    return _create(
        TalkQuestion,
        external_id=external_id,
        talk=talk,
        cohort_id=talk.cohort_id,
        author=actor,
        text=text.strip(),
    )


def talk_question_delete(*, actor: User, question: TalkQuestion) -> None:
    """The author takes a question back before the talk; the talk's managers any time."""
    talk = question.talk
    if actor.has_perm("community.change_talk", talk):
        question.delete()
        return
    if question.author_id != actor.pk:
        raise PermissionDeniedError(_("Only the author and the talk's host remove a question."))
    _talk_open(talk)
    question.delete()


@transaction.atomic
def talk_question_vote(*, actor: User, question: TalkQuestion) -> TalkQuestion:
    """Upvote a question, once per member (409 already_voted). Race-safe: the vote row's
    unique constraint admits one vote per member, and the count moves by F() in the same
    transaction, so concurrent votes are all counted and none twice."""
    talk = question.talk
    _require(actor, "community.ask_talk", talk, _("Only the lab's members vote."))
    _talk_open(talk)
    try:
        with transaction.atomic():
            TalkVote.objects.create(question=question, user=actor)
    except IntegrityError:
        raise ConflictError(
            _("You have already voted for this question."), code="already_voted"
        ) from None
    # Why F(): a read-modify-write here would lose votes cast at the same moment.
    TalkQuestion.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
    question.refresh_from_db(fields=["vote_count"])
    return question


@transaction.atomic
def talk_question_unvote(*, actor: User, question: TalkQuestion) -> TalkQuestion:
    """Take one's vote back (409 not_voted when there is none)."""
    talk = question.talk
    _require(actor, "community.ask_talk", talk, _("Only the lab's members vote."))
    _talk_open(talk)
    deleted, _rows = TalkVote.objects.filter(question=question, user=actor).delete()
    if not deleted:
        raise ConflictError(_("You have not voted for this question."), code="not_voted")
    # The delete's row count decides: of two concurrent unvotes only one deletes, one decrements.
    TalkQuestion.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
    question.refresh_from_db(fields=["vote_count"])
    return question


@transaction.atomic
def talk_question_answer(*, actor: User, question: TalkQuestion, summary: str) -> TalkQuestion:
    """Mark a question answered with a short summary of the answer (the talk's host and the
    cohort's managers); editing the summary keeps the first answer time. The first time,
    tells the asker ("talk_question_answered")."""
    talk = question.talk
    _require(
        actor,
        "community.change_talk",
        talk,
        _("Only the talk's host and the cohort's leaders mark answers."),
    )
    errors: dict[str, list[str]] = {}
    _check_length(errors, "summary", summary, SUMMARY_MAX_LENGTH)
    _invalid(errors)
    locked = (
        TalkQuestion.objects.select_for_update(of=("self",))
        .select_related("author")
        .get(pk=question.pk)
    )
    first_time = locked.answered_at is None
    locked.answer_summary = summary.strip()
    locked.answered_by = actor
    if first_time:
        locked.answered_at = timezone.now()
    locked.save(update_fields=["answer_summary", "answered_by", "answered_at", "updated_at"])
    if first_time:
        _notify(
            kind="talk_question_answered",
            recipients=[locked.author],
            cohort=talk.cohort,
            target=locked,
            params={"talk": talk.title, "speaker": talk.speaker},
            url=talk.get_absolute_url(),
        )
    return locked


def talk_question_reopen(*, actor: User, question: TalkQuestion) -> TalkQuestion:
    """Mark an answered question unanswered again (a mistaken tick)."""
    _require(
        actor,
        "community.change_talk",
        question.talk,
        _("Only the talk's host and the cohort's leaders mark answers."),
    )
    if question.answered_at is not None:
        question.answered_at, question.answered_by, question.answer_summary = None, None, ""
        question.save(update_fields=["answered_at", "answered_by", "answer_summary", "updated_at"])
    return question


# --- Outside events and deadlines ----------------------------------------------------------------


def _check_event(
    *,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None,
    location: str,
    url: str,
    description: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in EventKind.values:
        errors["kind"] = [_("Invalid choice.")]
    _check_length(errors, "title", title, 200, required=True)
    _check_length(errors, "location", location, 200)
    _check_length(errors, "description", description, EVENT_DESCRIPTION_MAX_LENGTH)
    _check_url(errors, "url", url)
    if ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = [_("The end must not be before the start.")]
    _invalid(errors)


def event_create(
    *,
    actor: User,
    cohort: Cohort,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    location: str = "",
    url: str = "",
    description: str = "",
    external_id: str | None = None,
) -> OutsideEvent:
    """Add a conference, deadline or seminar to the cohort's list and calendar feed."""
    _require(
        actor,
        "community.change_events",
        cohort,
        _("Only the cohort's leaders and facilitators keep the events list."),
    )
    _check_event(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        url=url,
        description=description,
    )
    return _create(
        OutsideEvent,
        external_id=external_id,
        cohort=cohort,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        url=url,
        description=description,
        created_by=actor,
    )


EVENT_FIELDS = ("kind", "title", "starts_at", "ends_at", "location", "url", "description")


def event_update(
    *,
    actor: User,
    event: OutsideEvent,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    location: str = "",
    url: str = "",
    description: str = "",
) -> OutsideEvent:
    """Change an event; calendar subscribers see the change (its SEQUENCE goes up)."""
    _require(
        actor,
        "community.change_events",
        event.cohort,
        _("Only the cohort's leaders and facilitators keep the events list."),
    )
    _check_event(
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        url=url,
        description=description,
    )
    new = {
        "kind": kind,
        "title": title.strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": location.strip(),
        "url": url,
        "description": description,
    }
    changed = [name for name, value in new.items() if getattr(event, name) != value]
    if changed:
        for name in changed:
            setattr(event, name, new[name])
        # F(): two edits at once both count, and the feed's SEQUENCE never goes back.
        event.sequence = F("sequence") + 1
        event.save(update_fields=[*changed, "sequence", "updated_at"])
        event.refresh_from_db(fields=["sequence"])
    return event


def event_delete(*, actor: User, event: OutsideEvent) -> None:
    _require(
        actor,
        "community.change_events",
        event.cohort,
        _("Only the cohort's leaders and facilitators keep the events list."),
    )
    event.delete()
