"""Reads for community: the public showcase, recruiting and applications, meeting notes and
their search, guest talks with their questions, and outside events.

Gatekeepers 404 what a user may not see: a private lab's showcase for anyone outside it, and
every note, talk, question and event outside the user's labs. Each page's reads take a fixed
number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from community.models import (
    Application,
    ApplicationStatus,
    GuestTalk,
    MeetingNote,
    NoteEditor,
    NoteQuestion,
    OutsideEvent,
    Recruitment,
    ShowcaseMember,
    ShowcaseOutput,
    TalkQuestion,
    TalkVote,
)
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
from labs.selectors import (
    ViewerAccess,
    lab_ids_of_member,
    member_lab_ids,
    viewer_access_for_lab,
)
from members.models import display_name_for
from sessions.models import Meeting
from sessions.selectors.history import archive_entries, archive_slots

SHOWCASE_PRESENTATIONS = 20
DECIDED_APPLICATIONS_SHOWN = 100


def _managed_cohort_ids(user: Any) -> Q:
    """Cohorts this user decides for: those they lead or facilitate, and every cohort of a
    lab they lead (mirrors labs.rules.can_manage_cohort)."""
    active = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
    managed = active.filter(role__in=MANAGER_ROLES).values("cohort_id")
    led_labs = (
        active.filter(role=Role.LEADER)
        .exclude(cohort__status=CohortStatus.FINISHED)
        .values("cohort__lab_id")
    )
    return Q(cohort_id__in=managed) | Q(cohort__lab_id__in=led_labs)


# --- Showcase ------------------------------------------------------------------------------------


def showcase_lab_get(*, user: Any, slug: str) -> tuple[Lab, ViewerAccess]:
    """A lab for its showcase page, with its showcase row, and the viewer's powers there.

    A public lab's page is open to everyone; a private lab's page exists only for its members
    (a preview) and is a 404 for everyone else, exactly like a lab that does not exist.
    """
    lab = Lab.objects.select_related("showcase").filter(slug=slug).first()
    if lab is None:
        raise Http404
    access = viewer_access_for_lab(user=user, lab=lab)
    if lab.visibility != Visibility.PUBLIC and not access.can_view_private_lab:
        raise Http404
    return lab, access


@dataclass(frozen=True, slots=True)
class ShowcasedMember:
    user_id: int
    name: str
    introduction: str


@dataclass(frozen=True, slots=True)
class ShowcasePresentation:
    """One past presentation as the public sees it: presenters named only if they opted in."""

    starts_at: dt.datetime
    cohort_number: int
    kind_label: str
    title: str
    materials_url: str
    presenters: tuple[str, ...]


def showcase_members(*, lab: Lab) -> list[ShowcasedMember]:
    """The members who chose to appear on the lab's page, in the order they joined it."""
    rows = (
        ShowcaseMember.objects.filter(lab=lab)
        .order_by("created_at", "id")
        .values_list("user_id", "user__email", "user__profile__display_name", "introduction")
    )
    return [
        ShowcasedMember(user_id, display_name_for(email, name), intro)
        for user_id, email, name, intro in rows
    ]


def showcase_presentations(
    *, lab: Lab, shown_user_ids: set[int], limit: int = SHOWCASE_PRESENTATIONS
) -> list[ShowcasePresentation]:
    """The lab's latest past presentations (two queries). A presenter who did not opt in stays
    anonymous: the talk is listed, the name is not."""
    slots = list(archive_slots(lab=lab)[:limit])
    result = []
    for entry in archive_entries(slots):
        slot = entry.slot
        names = tuple(name for user_id, name in entry.presenters if user_id in shown_user_ids)
        result.append(
            ShowcasePresentation(
                starts_at=slot.meeting.starts_at,
                cohort_number=slot.meeting.cohort.number,
                kind_label=entry.kind_label,
                title=slot.title,
                materials_url=slot.materials_url,
                presenters=names,
            )
        )
    return result


def showcase_outputs(*, lab: Lab) -> list[ShowcaseOutput]:
    return list(ShowcaseOutput.objects.filter(lab=lab).order_by("-created_at", "-id"))


def showcase_entry_for(*, user: Any, lab: Lab) -> ShowcaseMember | None:
    if not user.is_authenticated:
        return None
    return ShowcaseMember.objects.filter(lab=lab, user=user).first()


def showcase_lab_list_visible(*, user: Any) -> QuerySet[Lab]:
    """Labs whose showcase this user may read: public ones, plus their own (a preview)."""
    labs = Lab.objects.select_related("showcase")
    if user.is_superuser:
        return labs
    if not user.is_authenticated:
        return labs.filter(visibility=Visibility.PUBLIC)
    return labs.filter(Q(visibility=Visibility.PUBLIC) | Q(id__in=member_lab_ids(user)))


# --- Recruiting ----------------------------------------------------------------------------------


def _open_recruitments(today: dt.date | None = None) -> QuerySet[Recruitment]:
    today = today or timezone.localdate()
    return (
        Recruitment.objects.filter(
            closed_at__isnull=True,
            closes_on__gte=today,
            cohort__lab__visibility=Visibility.PUBLIC,
        )
        .exclude(cohort__status=CohortStatus.FINISHED)
        .select_related("cohort__lab")
    )


def recruitment_list_open(*, today: dt.date | None = None) -> QuerySet[Recruitment]:
    """The demo-day listing: public labs' cohorts taking applications, closing soonest first."""
    return _open_recruitments(today).order_by("closes_on", "cohort__lab__name", "id")


def recruitment_list_open_for_lab(*, lab: Lab) -> list[Recruitment]:
    return list(_open_recruitments().filter(cohort__lab=lab).order_by("closes_on", "id"))


def recruitment_list_visible(*, user: Any) -> QuerySet[Recruitment]:
    """Recruitments a user may read (API): open ones of public labs, and any of their labs."""
    recruitments = Recruitment.objects.select_related("cohort__lab")
    if user.is_superuser:
        return recruitments
    public_open = Q(pk__in=_open_recruitments().values("pk"))
    if not user.is_authenticated:
        return recruitments.filter(public_open)
    return recruitments.filter(public_open | Q(cohort__lab_id__in=member_lab_ids(user)))


def recruitment_get_for_apply(*, user: Any, pk: int) -> Recruitment:
    """A recruitment someone may look at to apply: a public lab's (open or not: the page says
    it closed), or one of the viewer's own labs; otherwise 404."""
    recruitment = Recruitment.objects.select_related("cohort__lab").filter(pk=pk).first()
    if recruitment is None:
        raise Http404
    lab = recruitment.cohort.lab
    if lab.visibility != Visibility.PUBLIC and not (
        user.is_authenticated and (user.is_superuser or lab.pk in lab_ids_of_member(user=user))
    ):
        raise Http404
    return recruitment


def recruitment_for_cohort(*, cohort: Cohort) -> Recruitment | None:
    return Recruitment.objects.filter(cohort=cohort).first()


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "cohort__lab", "applicant__profile", "recruitment", "decided_by__profile"
    )


def application_list_visible(*, user: Any) -> QuerySet[Application]:
    """My applications, and those to the cohorts I decide for."""
    applications = _applications()
    if user.is_superuser:
        return applications
    if not user.is_authenticated:
        return applications.none()
    return applications.filter(Q(applicant=user) | _managed_cohort_ids(user))


def application_get_for_user(*, user: Any, pk: int) -> Application:
    try:
        return application_list_visible(user=user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True, slots=True)
class CohortApplications:
    pending: list[Application]
    decided: list[Application]


def application_lists_for_cohort(*, cohort: Cohort) -> CohortApplications:
    """A cohort's applications (two queries): pending ones oldest first (first come, first
    answered), then the answered and withdrawn ones, most recent first."""
    applications = _applications().filter(cohort=cohort)
    return CohortApplications(
        pending=list(
            applications.filter(status=ApplicationStatus.PENDING).order_by("created_at", "id")
        ),
        decided=list(
            applications.exclude(status=ApplicationStatus.PENDING).order_by("-decided_at", "-id")[
                :DECIDED_APPLICATIONS_SHOWN
            ]
        ),
    )


def application_list_for_applicant(*, user: Any) -> QuerySet[Application]:
    return _applications().filter(applicant=user).order_by("-created_at", "-id")


def pending_application_for(*, user: Any, cohort: Cohort) -> Application | None:
    if not user.is_authenticated:
        return None
    return Application.objects.filter(
        applicant=user, cohort=cohort, status=ApplicationStatus.PENDING
    ).first()


# --- Meeting notes -------------------------------------------------------------------------------


def meeting_note_for_meeting(*, meeting: Meeting) -> MeetingNote | None:
    """The meeting's notes with their questions (two queries), or None when none are written."""
    return (
        MeetingNote.objects.filter(meeting=meeting)
        .select_related("updated_by__profile")
        .prefetch_related(
            Prefetch("questions", queryset=NoteQuestion.objects.order_by("position", "id"))
        )
        .first()
    )


def meeting_note_list_visible(*, user: Any) -> QuerySet[MeetingNote]:
    notes = MeetingNote.objects.select_related("meeting__cohort__lab")
    if user.is_superuser:
        return notes
    if not user.is_authenticated:
        return notes.none()
    return notes.filter(meeting__cohort__lab_id__in=member_lab_ids(user))


def meeting_note_get_for_user(*, user: Any, pk: int) -> MeetingNote:
    try:
        return meeting_note_list_visible(user=user).get(pk=pk)
    except MeetingNote.DoesNotExist:
        raise Http404 from None


def meeting_note_search(notes: QuerySet[MeetingNote], q: str) -> QuerySet[MeetingNote]:
    """Notes whose text, discussed questions, answers or links contain `q`.

    icontains, not full-text search: it matches Korean substrings (조사 and all) the same way
    on SQLite and PostgreSQL, and a lab's notes are few enough to scan.
    """
    q = q.strip()
    if not q:
        return notes
    matching_questions = NoteQuestion.objects.filter(
        Q(question__icontains=q) | Q(answer__icontains=q) | Q(links__icontains=q),
        note=OuterRef("pk"),
    )
    return notes.filter(
        Q(body__icontains=q) | Q(meeting__title__icontains=q) | Exists(matching_questions)
    )


def meeting_note_list_for_lab(*, lab: Lab, q: str = "") -> QuerySet[MeetingNote]:
    """The lab's notes across every cohort, newest meeting first, optionally searched, each
    with its number of discussed questions (one query)."""
    notes = (
        MeetingNote.objects.filter(meeting__cohort__lab=lab)
        .select_related("meeting__cohort")
        .annotate(question_count=Count("questions"))
        .order_by("-meeting__starts_at", "-id")
    )
    return meeting_note_search(notes, q)


def note_editor_list_for_cohort(*, cohort: Cohort) -> list[NoteEditor]:
    return list(
        NoteEditor.objects.filter(cohort=cohort)
        .select_related("user__profile", "meeting")
        .order_by("meeting__starts_at", "user__profile__display_name", "id")
    )


def note_editor_get_for_user(*, user: Any, pk: int) -> NoteEditor:
    editors = NoteEditor.objects.select_related("cohort__lab")
    if not user.is_superuser:
        editors = editors.filter(cohort__lab_id__in=member_lab_ids(user))
    try:
        return editors.get(pk=pk)
    except NoteEditor.DoesNotExist:
        raise Http404 from None


def can_write_notes(*, user: Any, meeting: Meeting, access: ViewerAccess) -> bool:
    """Whether to offer the "write notes" button (one query at most); the service decides."""
    if access.can_manage(meeting.cohort):
        return True
    if not user.is_authenticated:
        return False
    mine = access.my_membership(meeting.cohort)
    if mine is None or mine.status != MembershipStatus.ACTIVE:
        return False
    return NoteEditor.objects.filter(
        Q(meeting__isnull=True) | Q(meeting=meeting), cohort_id=meeting.cohort_id, user=user
    ).exists()


# --- Guest talks ---------------------------------------------------------------------------------


def talk_list_visible(*, user: Any) -> QuerySet[GuestTalk]:
    talks = GuestTalk.objects.select_related("cohort__lab", "host__profile")
    if user.is_superuser:
        return talks
    if not user.is_authenticated:
        return talks.none()
    return talks.filter(cohort__lab_id__in=member_lab_ids(user))


def talk_get_for_user(*, user: Any, pk: int) -> GuestTalk:
    try:
        return talk_list_visible(user=user).get(pk=pk)
    except GuestTalk.DoesNotExist:
        raise Http404 from None


def talk_list_for_lab(*, lab: Lab) -> QuerySet[GuestTalk]:
    """The lab's talks, upcoming and past, newest first, with question counts (one query)."""
    return (
        GuestTalk.objects.filter(cohort__lab=lab)
        .select_related("cohort", "host__profile")
        .annotate(
            question_count=Count("questions", distinct=True),
            answered_count=Count(
                "questions", filter=Q(questions__answered_at__isnull=False), distinct=True
            ),
        )
        .order_by("-starts_at", "-id")
    )


def talk_question_list_for_talk(*, talk: GuestTalk, user: Any) -> list[TalkQuestion]:
    """The talk's questions by votes (most first, then oldest first), each with the author's
    name and `my_vote` for `user` (one query)."""
    if user.is_authenticated:
        my_vote: Any = Exists(TalkVote.objects.filter(question=OuterRef("pk"), user=user))
    else:
        my_vote = Value(False)
    return list(
        TalkQuestion.objects.filter(talk=talk)
        .select_related("author__profile")
        .annotate(my_vote=my_vote)
        .order_by("-vote_count", "created_at", "id")
    )


def talk_question_list_visible(*, user: Any) -> QuerySet[TalkQuestion]:
    questions = TalkQuestion.objects.select_related("talk__cohort__lab", "author__profile")
    if user.is_superuser:
        return questions
    if not user.is_authenticated:
        return questions.none()
    return questions.filter(talk__cohort__lab_id__in=member_lab_ids(user))


def talk_question_get_for_user(*, user: Any, pk: int) -> TalkQuestion:
    try:
        return talk_question_list_visible(user=user).get(pk=pk)
    except TalkQuestion.DoesNotExist:
        raise Http404 from None


# --- Outside events ------------------------------------------------------------------------------


def event_list_visible(*, user: Any) -> QuerySet[OutsideEvent]:
    events = OutsideEvent.objects.select_related("cohort__lab")
    if user.is_superuser:
        return events
    if not user.is_authenticated:
        return events.none()
    return events.filter(cohort__lab_id__in=member_lab_ids(user))


def event_get_for_user(*, user: Any, pk: int) -> OutsideEvent:
    try:
        return event_list_visible(user=user).get(pk=pk)
    except OutsideEvent.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True, slots=True)
class EventLists:
    upcoming: list[OutsideEvent]
    past: list[OutsideEvent]


def event_lists_for_lab(*, lab: Lab, now: dt.datetime | None = None) -> EventLists:
    """The lab's events of every cohort (one query): upcoming soonest first, past newest
    first. An event counts as upcoming until it ends (a deadline: until its moment)."""
    now = now or timezone.now()
    events = list(
        OutsideEvent.objects.filter(cohort__lab=lab)
        .select_related("cohort")
        .order_by("starts_at", "id")
    )
    upcoming = [e for e in events if (e.ends_at or e.starts_at) >= now]
    past = [e for e in events if (e.ends_at or e.starts_at) < now]
    past.reverse()
    return EventLists(upcoming=upcoming, past=past)


def manageable_cohorts(*, lab: Lab, access: ViewerAccess) -> list[Cohort]:
    """The lab's cohorts (not finished) whose talks and events this viewer may add, newest
    first (one query)."""
    cohorts = Cohort.objects.filter(lab=lab).exclude(status=CohortStatus.FINISHED)
    return [c for c in cohorts.order_by("-number") if access.can_manage(c)]
