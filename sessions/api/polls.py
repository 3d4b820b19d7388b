"""REST API for date polls: list and read them with their options, counts and answers;
create (managers), answer (members), reuse answers, and schedule the chosen time.

Reads go through the sessions gatekeepers (an invisible poll is a 404), writes through
sessions.services.polls, which holds every rule (403 for the wrong role, 409 once closed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    rows_for_list,
    validate_input,
)
from core.errors import ApplicationError
from core.sync_api import ETagMixin, SyncFilterSet
from labs.api import UNKNOWN_COHORT, VisiblePrimaryKeyField
from labs.models import Cohort
from labs.selectors import cohort_list_visible
from members.models import display_name_for
from sessions.api.meetings import MeetingWriteResultSerializer
from sessions.models import Poll, PollAnswer, PollOption, PollVote
from sessions.selectors import location_list_visible, poll_list_visible
from sessions.selectors.polls import OptionResult, rank_key, rank_options
from sessions.services.meetings import meeting_conflicts
from sessions.services.polls import (
    POLL_MAX_DURATION_MINUTES,
    POLL_MAX_OPTIONS,
    poll_close_to_meeting,
    poll_copy_answers,
    poll_create,
    poll_vote,
)

POLL_OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")


# --- Output -------------------------------------------------------------------------------


class PollOptionResultSerializer(serializers.Serializer[Any]):
    """A candidate time with its answer counts (schema only; built from OptionResult)."""

    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    yes = serializers.IntegerField()
    if_need_be = serializers.IntegerField()
    no = serializers.IntegerField()
    is_winner = serializers.BooleanField()


class PollVoteOutputSerializer(serializers.Serializer[Any]):
    """One member's answer to one candidate time (schema only)."""

    option = serializers.IntegerField()
    user = serializers.IntegerField()
    display_name = serializers.CharField()
    answer = serializers.ChoiceField(choices=PollAnswer.choices)


def _results(poll: Poll) -> list[OptionResult]:
    """The poll's options with counts, from the prefetched options and votes, kept on the
    instance so every field of one poll counts once."""
    cached: list[OptionResult] | None = getattr(poll, "_api_results", None)
    if cached is None:
        cached = []
        for option in poll.options.all():
            result = OptionResult(
                pk=option.pk,
                starts_at=option.starts_at,
                ends_at=option.starts_at + timedelta(minutes=poll.duration_minutes),
            )
            for vote in option.votes.all():
                if vote.answer == PollAnswer.YES:
                    result.yes += 1
                elif vote.answer == PollAnswer.IF_NEED_BE:
                    result.if_need_be += 1
                else:
                    result.no += 1
            cached.append(result)
        rank_options(cached)
        poll._api_results = cached  # type: ignore[attr-defined]
    return cached


class PollSerializer(FastReadModelSerializer[Poll]):
    url = ObjectUrlField(view_name="api:poll-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    is_open = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()
    ranking = serializers.SerializerMethodField()
    my_answers = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()

    class Meta:
        model = Poll
        fields = (
            *POLL_OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "title",
            "duration_minutes",
            "location",
            "created_by",
            "closed_at",
            "meeting",
            "is_open",
            "options",
            "ranking",
            "my_answers",
            "votes",
        )
        read_only_fields = fields

    def get_is_open(self, poll: Poll) -> bool:
        return poll.closed_at is None

    @extend_schema_field(PollOptionResultSerializer(many=True))
    def get_options(self, poll: Poll) -> list[dict[str, Any]]:
        """Candidate times in time order, with their yes / if need be / no counts."""
        field = serializers.DateTimeField()
        return [
            {
                "id": result.pk,
                "starts_at": field.to_representation(result.starts_at),
                "ends_at": field.to_representation(result.ends_at),
                "yes": result.yes,
                "if_need_be": result.if_need_be,
                "no": result.no,
                "is_winner": result.is_winner,
            }
            for result in _results(poll)
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_ranking(self, poll: Poll) -> list[int]:
        """Option ids best first: most yes, then most if need be, then the earliest."""
        return [result.pk for result in sorted(_results(poll), key=rank_key)]

    @extend_schema_field(
        serializers.DictField(child=serializers.ChoiceField(choices=PollAnswer.choices))
    )
    def get_my_answers(self, poll: Poll) -> dict[str, str]:
        """Your answers, keyed by option id."""
        user_id = self.context["request"].user.pk
        return {
            str(option.pk): vote.answer
            for option in poll.options.all()
            for vote in option.votes.all()
            if vote.user_id == user_id
        }

    @extend_schema_field(PollVoteOutputSerializer(many=True))
    def get_votes(self, poll: Poll) -> list[dict[str, Any]]:
        """Every answer: who said what to which candidate time."""
        return [
            {
                "option": option.pk,
                "user": vote.user_id,
                "display_name": display_name_for(
                    vote.user.email,
                    getattr(getattr(vote.user, "profile", None), "display_name", None),
                ),
                "answer": vote.answer,
            }
            for option in poll.options.all()
            for vote in option.votes.all()
        ]


# --- Input (shape only; the services decide the rest) -------------------------------------


class PollCreateSerializer(serializers.Serializer[Any]):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    title = serializers.CharField(max_length=200)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=POLL_MAX_DURATION_MINUTES, default=240
    )
    location = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text=_lazy("Place id.")
    )
    starts_at_options = serializers.ListField(
        child=serializers.DateTimeField(),
        max_length=POLL_MAX_OPTIONS * 2,
        help_text=_lazy("2 to 30 different future times (ISO 8601 with offset)."),
    )


class PollVoteSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.ChoiceField(choices=PollAnswer.choices),
        help_text=_lazy('Every option of the poll: {"<option id>": "yes" | "if_need_be" | "no"}.'),
    )


class PollScheduleSerializer(serializers.Serializer[Any]):
    option = serializers.IntegerField(min_value=1, help_text=_lazy("The chosen option's id."))


class PollCopyAnswersSerializer(serializers.Serializer[Any]):
    # DRF moves declared fields off the class, so this does not shadow Field.source.
    source = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, help_text=_lazy("An earlier poll of the same cohort that you answered.")
    )


# --- Filters and viewset ------------------------------------------------------------------


class PollFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    open = django_filters.BooleanFilter(
        field_name="closed_at", lookup_expr="isnull", label=_lazy("Still open")
    )

    class Meta:
        model = Poll
        fields = ("lab", "cohort", "open")


def _with_results(polls: QuerySet[Poll]) -> QuerySet[Poll]:
    """Options and their answers (with who gave them) in two more queries, for any page size."""
    votes = PollVote.objects.select_related("user__profile").order_by("user_id", "id")
    options = PollOption.objects.order_by("starts_at", "id").prefetch_related(
        Prefetch("votes", queryset=votes)
    )
    return polls.prefetch_related(Prefetch("options", queryset=options))


class PollViewSet(
    ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Poll]
):
    """Date polls of your labs' cohorts, with their candidate times, counts and answers.
    Filter with ?lab=<slug>, ?cohort=<id>, ?open=true|false. Leaders and facilitators
    create polls and schedule the chosen time; active members of the cohort answer."""

    serializer_class = PollSerializer
    filterset_class = PollFilter

    def get_queryset(self) -> QuerySet[Poll, Any]:
        polls = limit_to_token_lab(
            poll_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return rows_for_list(_with_results(polls), self)

    def _fresh(self, poll: Poll) -> dict[str, Any]:
        """The poll as it is now, read like the list reads it."""
        polls = limit_to_token_lab(
            poll_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return dict(self.get_serializer(_with_results(polls).get(pk=poll.pk)).data)

    @extend_schema(request=PollCreateSerializer, responses={201: PollSerializer})
    def create(self, request: Request) -> Response:
        """Propose 2 to 30 candidate times to a cohort you lead or facilitate."""
        user = request_user(request)
        cohorts = limit_to_token_lab(cohort_list_visible(user=user), request, "lab_id")
        data = validate_input(PollCreateSerializer, request, context={"choices": cohorts})
        location = None
        if data["location"] is not None:
            location = location_list_visible(user=user).filter(pk=data["location"]).first()
            if location is None:
                message = _("No such place.")
                raise ApplicationError(message, fields={"location": [message]})
        poll = poll_create(
            actor=user,
            cohort=data["cohort"],
            title=data["title"],
            starts_at_options=data["starts_at_options"],
            duration_minutes=data["duration_minutes"],
            location=location,
        )
        return Response(self._fresh(poll), status=status.HTTP_201_CREATED)

    @extend_schema(request=PollVoteSerializer, responses=PollSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """Answer every candidate time (active members of the poll's cohort); replaces your
        previous answers. 403 outside the cohort, 409 once the poll is closed."""
        poll = self.get_object()
        data = validate_input(PollVoteSerializer, request)
        answers: dict[int, str] = {}
        for key, answer in data["answers"].items():
            if not str(key).isdigit():
                message = _("Option ids are numbers.")
                raise ApplicationError(message, fields={"answers": [message]})
            answers[int(key)] = answer
        poll_vote(actor=request_user(request), poll=poll, answers=answers)
        return Response(self._fresh(poll))

    @extend_schema(
        request=PollCopyAnswersSerializer,
        responses=inline_serializer(
            "PollCopyAnswersResult", {"copied": serializers.IntegerField()}
        ),
    )
    @action(detail=True, methods=["post"], url_path="copy-answers", url_name="copy-answers")
    def copy_answers(self, request: Request, pk: str | None = None) -> Response:
        """Reuse your answers from an earlier poll of the same cohort: a candidate time on
        the same weekday at the same time of day (in your time zone) gets the same answer."""
        poll = self.get_object()
        data = validate_input(PollCopyAnswersSerializer, request)
        source = (
            limit_to_token_lab(poll_list_visible(user=request.user), request, "cohort__lab_id")
            .filter(pk=data["source"])
            .first()
        )
        if source is None:
            message = _("No such poll.")
            raise ApplicationError(message, fields={"source": [message]})
        copied = poll_copy_answers(actor=request_user(request), poll=poll, source_poll=source)
        return Response({"copied": copied})

    @extend_schema(request=PollScheduleSerializer, responses={201: MeetingWriteResultSerializer})
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        """Turn one candidate time into the cohort's meeting and close the poll (leaders and
        facilitators). Answers with the meeting and any warnings about its time and place
        (as meetings/ does); 409 when the poll is already closed."""
        poll = self.get_object()
        data = validate_input(PollScheduleSerializer, request)
        option = PollOption.objects.filter(poll=poll, pk=data["option"]).first()
        if option is None:
            message = _("Choose one of this poll's candidate times.")
            raise ApplicationError(message, fields={"option": [message]})
        meeting = poll_close_to_meeting(actor=request_user(request), poll=poll, option=option)
        conflicts = meeting_conflicts(
            cohort=poll.cohort,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            exclude_pk=meeting.pk,
        )
        context = {**self.get_serializer_context(), "conflicts": conflicts}
        body = MeetingWriteResultSerializer(meeting, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)
