"""REST API for community: `showcase/` (public read), `recruitments/`, `applications/`
(`accept/`, `decline/`, `withdraw/`), `meeting-notes/` (searchable with ?q=), `talks/`,
`talk-questions/` (`vote/`, `unvote/`, `answer/`, `reopen/`) and `events/`.

Reads go through community.selectors (what is not visible is a 404), writes through
community.services, which hold every rule (403 visible but not allowed, 409 conflicts such as
already_voted, application_pending, talk_started). Serializers here only check shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Value
from django.http import Http404
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from community import selectors, services
from community.models import (
    Application,
    ApplicationStatus,
    EventKind,
    GuestTalk,
    MeetingNote,
    NoteQuestion,
    OutsideEvent,
    Recruitment,
    ShowcaseMember,
    ShowcaseOutput,
    TalkQuestion,
    TalkVote,
)
from core.api import (
    ErrorResponseSerializer,
    FastReadModelSerializer,
    ObjectUrlField,
    StaticFilterSet,
    limit_to_token_lab,
    request_user,
    rows_for_list,
    validate_input,
)
from core.markdown import render_markdown
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.models import Cohort, Lab
from labs.selectors import cohort_list_visible
from members.authentication import TokenScopePermission
from members.models import User, display_name_for
from sessions.selectors import meeting_list_visible

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")

_REFUSALS = {
    400: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}


def _external_id_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


def _visible_cohort(request: Request, pk: int) -> Cohort:
    cohorts = limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")
    cohort = cohorts.filter(pk=pk).first()
    if cohort is None:
        raise Http404
    return cohort


def _visible_member(pk: int | None) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise serializers.ValidationError({"host": [_lazy("Unknown member.")]})
    return user


# --- Showcase (public) ---------------------------------------------------------------------------


class ShowcasedMemberSerializer(serializers.Serializer[Any]):
    display_name = serializers.CharField()
    introduction = serializers.CharField()


class ShowcaseOutputSerializer(serializers.ModelSerializer[ShowcaseOutput]):
    class Meta:
        model = ShowcaseOutput
        fields = ("id", "created_at", "updated_at", "external_id", "title", "url", "kind")
        read_only_fields = fields


class ShowcaseRecruitmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField()
    cohort_number = serializers.IntegerField()
    closes_on = serializers.DateField()
    question = serializers.CharField()


class ShowcaseSerializer(FastReadModelSerializer[Lab]):
    """A lab's public page: only members who opted in are listed, without emails."""

    url = ObjectUrlField(view_name="api:showcase-detail")
    lab_slug = serializers.CharField(source="slug", read_only=True)
    updated_at = serializers.SerializerMethodField(
        help_text=_lazy("The later of the lab's and its page's last change.")
    )
    story = serializers.SerializerMethodField(help_text=_lazy("Markdown."))
    activities = serializers.SerializerMethodField(help_text=_lazy("Markdown."))
    members = serializers.SerializerMethodField()
    outputs = ShowcaseOutputSerializer(source="showcase_outputs", many=True, read_only=True)
    recruiting = serializers.SerializerMethodField(
        help_text=_lazy("Cohorts taking applications now.")
    )

    class Meta:
        model = Lab
        fields = (
            *OBJECT_FIELDS,
            "lab_slug",
            "name",
            "topic",
            "description",
            "visibility",
            "story",
            "activities",
            "members",
            "outputs",
            "recruiting",
        )
        read_only_fields = fields

    def _showcase(self, lab: Lab) -> Any:
        return getattr(lab, "showcase", None)

    @extend_schema_field(serializers.DateTimeField())
    def get_updated_at(self, lab: Lab) -> str:
        showcase = self._showcase(lab)
        stamp = max(lab.updated_at, showcase.updated_at) if showcase else lab.updated_at
        return str(serializers.DateTimeField().to_representation(stamp))

    def get_story(self, lab: Lab) -> str:
        showcase = self._showcase(lab)
        return showcase.story if showcase else ""

    def get_activities(self, lab: Lab) -> str:
        showcase = self._showcase(lab)
        return showcase.activities if showcase else ""

    @extend_schema_field(ShowcasedMemberSerializer(many=True))
    def get_members(self, lab: Lab) -> list[dict[str, Any]]:
        return [
            {
                "display_name": display_name_for(
                    entry.user.email,
                    getattr(getattr(entry.user, "profile", None), "display_name", None),
                ),
                "introduction": entry.introduction,
            }
            # Prefetched by the viewset, with each user's profile.
            for entry in getattr(lab, "showcase_members").all()  # noqa: B009
        ]

    @extend_schema_field(ShowcaseRecruitmentSerializer(many=True))
    def get_recruiting(self, lab: Lab) -> list[dict[str, Any]]:
        return [
            {
                "id": cohort.recruitment.pk,
                "cohort": cohort.pk,
                "cohort_number": cohort.number,
                "closes_on": cohort.recruitment.closes_on.isoformat(),
                "question": cohort.recruitment.question,
            }
            for cohort in getattr(lab, "recruiting_cohorts", [])
        ]


class ShowcaseFilter(StaticFilterSet):
    lab = django_filters.CharFilter(field_name="slug", label=_lazy("Lab slug"))

    class Meta:
        model = Lab
        fields = ("lab",)


class ShowcaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Lab]
):
    """Public labs' pages (no login needed): story, what a cohort does, the members who chose to
    appear, outputs, and the cohorts taking applications. Members also read their own private
    labs' pages. Filter with ?lab=<slug>."""

    serializer_class = ShowcaseSerializer
    filterset_class = ShowcaseFilter
    # Public read: no login needed; a read-only token still cannot write (nothing here writes).
    permission_classes: list[type[BasePermission]] = [TokenScopePermission]

    def get_queryset(self) -> QuerySet[Lab]:
        open_ids = selectors.recruitment_list_open().values("cohort_id")
        labs = selectors.showcase_lab_list_visible(user=self.request.user).prefetch_related(
            Prefetch(
                "showcase_members",
                queryset=ShowcaseMember.objects.select_related("user__profile").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "showcase_outputs",
                queryset=ShowcaseOutput.objects.order_by("-created_at", "-id"),
            ),
            Prefetch(
                "cohorts",
                queryset=Cohort.objects.filter(pk__in=open_ids)
                .select_related("recruitment")
                .order_by("-number"),
                to_attr="recruiting_cohorts",
            ),
        )
        return limit_to_token_lab(labs, self.request, "id")


# --- Recruiting ----------------------------------------------------------------------------------


class RecruitmentSerializer(FastReadModelSerializer[Recruitment]):
    url = ObjectUrlField(view_name="api:recruitment-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    cohort_number = serializers.IntegerField(source="cohort.number", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Recruitment
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "cohort_number",
            "lab_slug",
            "closes_on",
            "question",
            "closed_at",
            "is_open",
        )
        read_only_fields = fields


class RecruitmentInputSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(min_value=1, help_text=_lazy("The cohort to recruit for."))
    closes_on = serializers.DateField()
    question = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    external_id = _external_id_field()


class RecruitmentFilter(StaticFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))

    class Meta:
        model = Recruitment
        fields = ("lab", "cohort")


class RecruitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Recruitment]
):
    """Calls for applications: open ones of public labs for everyone (no login needed), and
    every one of your own labs. Lab leaders open (or change) and close them. Filter with
    ?lab=<slug>, ?cohort=<id>."""

    serializer_class = RecruitmentSerializer
    filterset_class = RecruitmentFilter

    def get_permissions(self) -> Sequence[Any]:
        if self.action in ("list", "retrieve"):
            return [TokenScopePermission()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Recruitment]:
        recruitments = selectors.recruitment_list_visible(user=self.request.user)
        return limit_to_token_lab(recruitments, self.request, "cohort__lab_id")

    @extend_schema(
        request=RecruitmentInputSerializer, responses={201: RecruitmentSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Open a cohort to applications (lab leaders; the lab must be public). Opening a
        cohort again changes its closing date and question and reopens it."""
        user = request_user(request)
        data = validate_input(RecruitmentInputSerializer, request)
        cohort = _visible_cohort(request, data.pop("cohort"))
        recruitment = services.recruitment_open(actor=user, cohort=cohort, **data)
        fresh = self.get_queryset().get(pk=recruitment.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: RecruitmentSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Stop taking applications now; those already sent still wait for an answer."""
        recruitment = services.recruitment_close(
            actor=request_user(request), recruitment=self.get_object()
        )
        return Response(self.get_serializer(recruitment).data)


class ApplicationSerializer(FastReadModelSerializer[Application]):
    """An application, as its applicant and the cohort's deciders see it."""

    url = ObjectUrlField(view_name="api:application-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    applicant_name = serializers.CharField(source="applicant.display_name", read_only=True)

    row_sources = {
        "applicant_name": (
            display_name_for,
            ("applicant__email", "applicant__profile__display_name"),
        )
    }

    class Meta:
        model = Application
        fields = (
            *OBJECT_FIELDS,
            "recruitment",
            "cohort",
            "lab_slug",
            "applicant",
            "applicant_name",
            "motivation",
            "answer",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "membership",
        )
        read_only_fields = fields


class ApplicationCreateSerializer(serializers.Serializer[Any]):
    recruitment = serializers.IntegerField(min_value=1)
    motivation = serializers.CharField(max_length=services.MOTIVATION_MAX_LENGTH)
    answer = serializers.CharField(
        max_length=services.MOTIVATION_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    external_id = _external_id_field()


class DecisionSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("A word to the applicant (optional)."),
    )


class ApplicationFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)

    class Meta:
        model = Application
        fields = ("lab", "cohort", "status")


class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Application]
):
    """Your applications, and those to the cohorts you decide for. Filter with ?lab=<slug>,
    ?cohort=<id>, ?status=. Apply to an open recruitment (one pending application per cohort);
    leaders and facilitators of the cohort accept (the applicant joins) or decline."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application, Any]:
        applications = limit_to_token_lab(
            selectors.application_list_visible(user=self.request.user),
            self.request,
            "cohort__lab_id",
        )
        return rows_for_list(applications, self)

    def _fresh(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.application_list_visible(user=self.request.user).get(pk=application.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=ApplicationCreateSerializer, responses={201: ApplicationSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Apply with a short motivation (409 application_pending when one already waits,
        recruitment_closed, already_member)."""
        user = request_user(request)
        data = validate_input(ApplicationCreateSerializer, request)
        recruitment = selectors.recruitment_get_for_apply(user=user, pk=data.pop("recruitment"))
        application = services.application_submit(user=user, recruitment=recruitment, **data)
        return self._fresh(application, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={200: ApplicationSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept: the applicant becomes a member of the cohort (409 when already answered)."""
        data = validate_input(DecisionSerializer, request)
        application = services.application_accept(
            actor=request_user(request), application=self.get_object(), note=data["note"]
        )
        return self._fresh(application)

    @extend_schema(request=DecisionSerializer, responses={200: ApplicationSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """Decline (409 when already answered)."""
        data = validate_input(DecisionSerializer, request)
        application = services.application_decline(
            actor=request_user(request), application=self.get_object(), note=data["note"]
        )
        return self._fresh(application)

    @extend_schema(request=None, responses={200: ApplicationSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take your pending application back."""
        application = services.application_withdraw(
            actor=request_user(request), application=self.get_object()
        )
        return self._fresh(application)


# --- Meeting notes -------------------------------------------------------------------------------


class NoteQuestionSerializer(serializers.ModelSerializer[NoteQuestion]):
    links = serializers.ListField(source="link_list", child=serializers.URLField(), read_only=True)

    class Meta:
        model = NoteQuestion
        fields = ("position", "question", "answer", "links")
        read_only_fields = fields


class MeetingNoteSerializer(FastReadModelSerializer[MeetingNote]):
    url = ObjectUrlField(view_name="api:meeting-note-detail")
    lab_slug = serializers.CharField(source="meeting.cohort.lab.slug", read_only=True)
    body_html = serializers.SerializerMethodField(
        help_text=_lazy("The notes as sanitised HTML (links get rel=nofollow).")
    )
    questions = NoteQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = MeetingNote
        fields = (
            *OBJECT_FIELDS,
            "meeting",
            "cohort",
            "lab_slug",
            "body",
            "body_html",
            "questions",
            "created_by",
            "updated_by",
        )
        read_only_fields = fields

    def get_body_html(self, note: MeetingNote) -> str:
        return str(render_markdown(note.body))


class NoteQuestionInputSerializer(serializers.Serializer[Any]):
    question = serializers.CharField(max_length=services.QUESTION_MAX_LENGTH)
    answer = serializers.CharField(
        max_length=services.ANSWER_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    links = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        max_length=services.LINKS_MAX,
        help_text=_lazy("http(s) addresses."),
    )


class MeetingNoteUpdateSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(
        max_length=services.NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("Markdown."),
    )
    questions = NoteQuestionInputSerializer(
        many=True,
        required=False,
        default=list,
        help_text=_lazy("The questions discussed, in order; they replace the current ones."),
    )


class MeetingNoteCreateSerializer(MeetingNoteUpdateSerializer):
    meeting = serializers.IntegerField(min_value=1)
    external_id = _external_id_field()


class MeetingNoteFilter(SyncFilterSet):
    lab = django_filters.CharFilter(
        field_name="meeting__cohort__lab__slug", label=_lazy("Lab slug")
    )
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_lazy("Meeting id"))
    q = django_filters.CharFilter(
        method="search", label=_lazy("Text in the notes, questions, answers or links")
    )

    class Meta:
        model = MeetingNote
        fields = ("lab", "cohort", "meeting")

    def search(
        self, queryset: QuerySet[MeetingNote], name: str, value: str
    ) -> QuerySet[MeetingNote]:
        return selectors.meeting_note_search(queryset, value[:100])


def _question_inputs(rows: list[dict[str, Any]]) -> list[services.QuestionInput]:
    # A partial update makes nested fields optional too; a question row still needs its text.
    missing = [index for index, row in enumerate(rows) if not row.get("question")]
    if missing:
        raise serializers.ValidationError(
            {"questions": [_lazy("Each question needs its text.")] * len(missing)}
        )
    return [
        services.QuestionInput(
            question=row["question"],
            answer=row.get("answer", ""),
            links=tuple(row.get("links", [])),
        )
        for row in rows
    ]


class MeetingNoteViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[MeetingNote],
):
    """Meeting notes of your labs (Markdown, with the questions discussed). Filter with
    ?lab=<slug>, ?cohort=<id>, ?meeting=<id>, ?q=<text> (searches notes, questions, answers
    and links; Korean works). The moderators (leaders and facilitators) and the members they
    allow write them; a meeting has one set of notes, so creating it again replaces it."""

    serializer_class = MeetingNoteSerializer
    filterset_class = MeetingNoteFilter
    external_id_scope, external_id_scope_lookup = "meeting", "meeting_id"
    external_id_input = MeetingNoteCreateSerializer

    def get_queryset(self) -> QuerySet[MeetingNote]:
        notes = selectors.meeting_note_list_visible(user=self.request.user).prefetch_related(
            Prefetch("questions", queryset=NoteQuestion.objects.order_by("position", "id"))
        )
        return limit_to_token_lab(notes, self.request, "meeting__cohort__lab_id")

    def _fresh(self, note: MeetingNote, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data, status=code)

    @extend_schema(
        request=MeetingNoteCreateSerializer, responses={201: MeetingNoteSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Write a meeting's notes (201; they replace existing notes of the meeting)."""
        user = request_user(request)
        data = validate_input(MeetingNoteCreateSerializer, request)
        meetings = limit_to_token_lab(meeting_list_visible(user=user), request, "cohort__lab_id")
        meeting = meetings.filter(pk=data["meeting"]).first()
        if meeting is None:
            raise Http404
        note = services.meeting_note_save(
            actor=user,
            meeting=meeting,
            body=data["body"],
            questions=_question_inputs(data["questions"]),
            external_id=data["external_id"],
        )
        return self._fresh(note, status.HTTP_201_CREATED)

    @extend_schema(
        request=MeetingNoteUpdateSerializer, responses={200: MeetingNoteSerializer, **_REFUSALS}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Replace the notes and their questions."""
        return self._update(request, partial=False)

    @extend_schema(
        request=MeetingNoteUpdateSerializer, responses={200: MeetingNoteSerializer, **_REFUSALS}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change the text or the questions (what is left out stays)."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        note = self.get_object()
        data = validate_input(MeetingNoteUpdateSerializer, request, partial=partial)
        if "questions" in data:
            questions = _question_inputs(data["questions"])
        else:
            questions = [
                services.QuestionInput(q.question, q.answer, tuple(q.link_list))
                for q in note.questions.all()
            ]
        note = services.meeting_note_save(
            actor=request_user(request),
            meeting=note.meeting,
            body=data.get("body", note.body),
            questions=questions,
        )
        return self._fresh(note)


# --- Guest talks ---------------------------------------------------------------------------------


class GuestTalkSerializer(FastReadModelSerializer[GuestTalk]):
    url = ObjectUrlField(view_name="api:talk-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    has_started = serializers.BooleanField(
        read_only=True, help_text=_lazy("Questions and votes close when the talk starts.")
    )

    class Meta:
        model = GuestTalk
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "title",
            "speaker",
            "speaker_intro",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "description",
            "host",
            "has_started",
        )
        read_only_fields = fields


class GuestTalkUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    speaker = serializers.CharField(max_length=120)
    speaker_intro = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    host = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("User id of the member who hosts (an active member of the lab)."),
    )


class GuestTalkCreateSerializer(GuestTalkUpdateSerializer):
    cohort = serializers.IntegerField(min_value=1)
    external_id = _external_id_field()


class GuestTalkFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))

    class Meta:
        model = GuestTalk
        fields = ("lab", "cohort")


class GuestTalkViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[GuestTalk],
):
    """Guest talks and master classes of your labs. Filter with ?lab=<slug>, ?cohort=<id>.
    The cohort's leaders and facilitators add them; the host and they change them."""

    serializer_class = GuestTalkSerializer
    filterset_class = GuestTalkFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = GuestTalkCreateSerializer

    def get_queryset(self) -> QuerySet[GuestTalk]:
        talks = selectors.talk_list_visible(user=self.request.user)
        return limit_to_token_lab(talks, self.request, "cohort__lab_id")

    @extend_schema(
        request=GuestTalkCreateSerializer, responses={201: GuestTalkSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Record a talk for a cohort you lead or facilitate."""
        user = request_user(request)
        data = validate_input(GuestTalkCreateSerializer, request)
        cohort = _visible_cohort(request, data.pop("cohort"))
        data["host"] = _visible_member(data["host"])
        talk = services.talk_create(actor=user, cohort=cohort, **data)
        return Response(self.get_serializer(talk).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GuestTalkUpdateSerializer, responses={200: GuestTalkSerializer, **_REFUSALS}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a talk (its host and the cohort's leaders and facilitators)."""
        return self._update(request, partial=False)

    @extend_schema(
        request=GuestTalkUpdateSerializer, responses={200: GuestTalkSerializer, **_REFUSALS}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a talk's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        talk = self.get_object()
        data = validate_input(GuestTalkUpdateSerializer, request, partial=partial)
        current: dict[str, Any] = {name: getattr(talk, name) for name in services.TALK_FIELDS}
        if "host" in data:
            data["host"] = _visible_member(data["host"])
        talk = services.talk_update(actor=request_user(request), talk=talk, **(current | data))
        return Response(self.get_serializer(talk).data)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete a talk with its questions (the cohort's leaders and facilitators)."""
        services.talk_delete(actor=request_user(request), talk=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TalkQuestionSerializer(FastReadModelSerializer[TalkQuestion]):
    url = ObjectUrlField(view_name="api:talk-question-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    author_name = serializers.CharField(source="author.display_name", read_only=True)
    voted = serializers.BooleanField(
        source="my_vote", read_only=True, help_text=_lazy("Whether you have upvoted it.")
    )
    is_answered = serializers.BooleanField(read_only=True)

    class Meta:
        model = TalkQuestion
        fields = (
            *OBJECT_FIELDS,
            "talk",
            "cohort",
            "lab_slug",
            "author",
            "author_name",
            "text",
            "vote_count",
            "voted",
            "is_answered",
            "answered_at",
            "answered_by",
            "answer_summary",
        )
        read_only_fields = fields


class TalkQuestionCreateSerializer(serializers.Serializer[Any]):
    talk = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=services.TALK_QUESTION_MAX_LENGTH)
    external_id = _external_id_field()


class AnswerSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField(
        max_length=services.SUMMARY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("A short summary of the answer (Markdown)."),
    )


class TalkQuestionFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    talk = django_filters.NumberFilter(field_name="talk_id", label=_lazy("Talk id"))
    answered = django_filters.BooleanFilter(
        field_name="answered_at", lookup_expr="isnull", exclude=True, label=_lazy("Answered")
    )

    class Meta:
        model = TalkQuestion
        fields = ("lab", "cohort", "talk", "answered")


class TalkQuestionViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[TalkQuestion],
):
    """Questions for guest talks of your labs, each with its votes. Filter with ?talk=<id>,
    ?lab=<slug>, ?cohort=<id>, ?answered=. Members ask and upvote until the talk starts
    (one vote each: 409 already_voted); the host marks answers with a summary. Pages are in
    id order (stable for sync); sort by vote_count to see what the host sees."""

    serializer_class = TalkQuestionSerializer
    filterset_class = TalkQuestionFilter

    def get_queryset(self) -> QuerySet[TalkQuestion]:
        user = self.request.user
        if user.is_authenticated:
            voted: Any = Exists(TalkVote.objects.filter(question=OuterRef("pk"), user=user))
        else:
            voted = Value(False)
        questions = (
            selectors.talk_question_list_visible(user=user)
            .select_related("cohort__lab")
            .annotate(my_vote=voted)
        )
        return limit_to_token_lab(questions, self.request, "cohort__lab_id")

    def _fresh(self, question: TalkQuestion, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=question.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=TalkQuestionCreateSerializer,
        responses={201: TalkQuestionSerializer, **_REFUSALS},
    )
    def create(self, request: Request) -> Response:
        """Send a question before the talk (409 talk_started afterwards)."""
        user = request_user(request)
        data = validate_input(TalkQuestionCreateSerializer, request)
        talks = limit_to_token_lab(
            selectors.talk_list_visible(user=user), request, "cohort__lab_id"
        )
        talk = talks.filter(pk=data["talk"]).first()
        if talk is None:
            raise Http404
        question = services.talk_question_ask(
            actor=user, talk=talk, text=data["text"], external_id=data["external_id"]
        )
        return self._fresh(question, status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Take your question back before the talk (the host may remove any)."""
        services.talk_question_delete(actor=request_user(request), question=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: TalkQuestionSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """Upvote (409 already_voted, talk_started)."""
        question = services.talk_question_vote(
            actor=request_user(request), question=self.get_object()
        )
        return self._fresh(question)

    @extend_schema(request=None, responses={200: TalkQuestionSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def unvote(self, request: Request, pk: str | None = None) -> Response:
        """Take your vote back (409 not_voted, talk_started)."""
        question = services.talk_question_unvote(
            actor=request_user(request), question=self.get_object()
        )
        return self._fresh(question)

    @extend_schema(request=AnswerSerializer, responses={200: TalkQuestionSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Mark answered with a short summary (the host and the cohort's managers); the asker
        is told the first time."""
        data = validate_input(AnswerSerializer, request)
        question = services.talk_question_answer(
            actor=request_user(request), question=self.get_object(), summary=data["summary"]
        )
        return self._fresh(question)

    @extend_schema(request=None, responses={200: TalkQuestionSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Mark unanswered again."""
        question = services.talk_question_reopen(
            actor=request_user(request), question=self.get_object()
        )
        return self._fresh(question)


# --- Outside events ------------------------------------------------------------------------------


class OutsideEventSerializer(FastReadModelSerializer[OutsideEvent]):
    url = ObjectUrlField(view_name="api:event-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    url_link = serializers.URLField(
        source="url", read_only=True, help_text=_lazy("The event's own web page.")
    )

    class Meta:
        model = OutsideEvent
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "url_link",
            "description",
            "sequence",
        )
        read_only_fields = fields


class OutsideEventUpdateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=EventKind.choices)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField(
        help_text=_lazy("For a deadline: the moment submissions close.")
    )
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    url_link = serializers.URLField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("The event's own web page."),
    )
    description = serializers.CharField(
        max_length=services.EVENT_DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
    )


class OutsideEventCreateSerializer(OutsideEventUpdateSerializer):
    cohort = serializers.IntegerField(min_value=1)
    external_id = _external_id_field()


class OutsideEventFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    after = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", label=_lazy("Starting at or after")
    )
    before = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label=_lazy("Starting before")
    )

    class Meta:
        model = OutsideEvent
        fields = ("lab", "cohort", "kind", "after", "before")


def _event_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "url_link" in fields:
        fields["url"] = fields.pop("url_link")
    return fields


class OutsideEventViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[OutsideEvent],
):
    """Conferences, submission deadlines and seminars your labs' cohorts follow (they are in
    the cohort calendar feeds). Filter with ?lab=<slug>, ?cohort=<id>, ?kind=, ?after=,
    ?before=. The cohort's leaders and facilitators keep the list. `url` is this object's API
    address; `url_link` is the event's own web page."""

    serializer_class = OutsideEventSerializer
    filterset_class = OutsideEventFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = OutsideEventCreateSerializer

    def get_queryset(self) -> QuerySet[OutsideEvent, Any]:
        events = limit_to_token_lab(
            selectors.event_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return rows_for_list(events, self)

    @extend_schema(
        request=OutsideEventCreateSerializer, responses={201: OutsideEventSerializer, **_REFUSALS}
    )
    def create(self, request: Request) -> Response:
        """Add an event or deadline to a cohort you lead or facilitate."""
        user = request_user(request)
        data = _event_fields(validate_input(OutsideEventCreateSerializer, request))
        cohort = _visible_cohort(request, data.pop("cohort"))
        event = services.event_create(actor=user, cohort=cohort, **data)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OutsideEventUpdateSerializer, responses={200: OutsideEventSerializer, **_REFUSALS}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change an event (calendar subscribers see the change)."""
        return self._update(request, partial=False)

    @extend_schema(
        request=OutsideEventUpdateSerializer, responses={200: OutsideEventSerializer, **_REFUSALS}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of an event's fields."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        event = self.get_object()
        data = _event_fields(validate_input(OutsideEventUpdateSerializer, request, partial=partial))
        current = {name: getattr(event, name) for name in services.EVENT_FIELDS}
        event = services.event_update(actor=request_user(request), event=event, **(current | data))
        return Response(self.get_serializer(event).data)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete an event; it leaves the calendar feeds."""
        services.event_delete(actor=request_user(request), event=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = [
    "ApplicationViewSet",
    "GuestTalkViewSet",
    "MeetingNoteViewSet",
    "OutsideEventViewSet",
    "RecruitmentViewSet",
    "ShowcaseViewSet",
    "TalkQuestionViewSet",
]
