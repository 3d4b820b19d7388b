"""REST API for paper review: `papers/`, `bids/`, `review-assignments/`, and the solver at
`cohorts/{id}/review-assignment/preview/` and `.../apply/`.

Reads go through the gatekeepers (papers: the lab's members; bids and assignments: your own,
and everyone's in the cohorts you lead or facilitate); every rule lives in
sessions.services.reviews (403 for members who may not, 409 for a changed board or a
conflict with the current state, 400 for broken input).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    ErrorResponseSerializer,
    FastReadModelSerializer,
    ObjectUrlField,
    limit_to_token_lab,
    request_user,
    validate_input,
)
from core.errors import PermissionDeniedError
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.models import Cohort
from labs.selectors import cohort_list_visible
from sessions import reviews_import
from sessions.models import (
    Bid,
    BidPreference,
    Paper,
    PaperStatus,
    ReviewAssignment,
    ReviewStatus,
    SlotKind,
)
from sessions.selectors.reviews import (
    bid_list_visible,
    paper_list_visible,
    review_assignment_list_visible,
)
from sessions.selectors.slots import slot_list_visible
from sessions.services import reviews as services

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")
COHORT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_lazy("Cohort id."))
_REFUSALS = {
    400: ErrorResponseSerializer,
    403: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
}


def _visible_cohort(request: Request, pk: int) -> Cohort:
    """The cohort if the caller (and their token's lab) may see it, else 404."""
    cohorts = limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")
    cohort = cohorts.filter(pk=pk).first()
    if cohort is None:
        raise Http404
    return cohort


def _external_id() -> serializers.CharField:
    return serializers.CharField(
        max_length=120, required=False, allow_null=True, allow_blank=True, default=None
    )


# --- papers --------------------------------------------------------------------------------


class PaperSerializer(FastReadModelSerializer[Paper]):
    url = ObjectUrlField(view_name="api:paper-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    link = serializers.CharField(source="url", read_only=True, help_text=_lazy("The paper."))
    tags = serializers.SerializerMethodField()
    member_authors = serializers.SerializerMethodField(
        help_text=_lazy("User ids of members who wrote it: never assigned to review it.")
    )

    class Meta:
        model = Paper
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "track",
            "title",
            "link",
            "arxiv_id",
            "authors",
            "venue",
            "year",
            "tags",
            "abstract",
            "status",
            "reviews_needed",
            "suggested_by",
            "member_authors",
            "slot",
            "writeup_url",
        )
        read_only_fields = fields

    def get_tags(self, paper: Paper) -> list[str]:
        return [str(tag) for tag in paper.tags or []]

    def get_member_authors(self, paper: Paper) -> list[int]:
        return sorted(user.pk for user in paper.member_authors.all())


class _PaperFieldsSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=reviews_import.TITLE_MAX)
    link = serializers.CharField(
        max_length=reviews_import.URL_MAX, required=False, allow_blank=True, default=""
    )
    authors = serializers.CharField(
        max_length=reviews_import.AUTHORS_MAX, required=False, allow_blank=True, default=""
    )
    venue = serializers.CharField(
        max_length=reviews_import.VENUE_MAX, required=False, allow_blank=True, default=""
    )
    year = serializers.IntegerField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=reviews_import.TAG_MAX),
        required=False,
        default=list,
        max_length=reviews_import.TAGS_MAX,
    )
    abstract = serializers.CharField(
        max_length=reviews_import.ABSTRACT_MAX, required=False, allow_blank=True, default=""
    )
    track = serializers.ChoiceField(choices=SlotKind.choices, default=SlotKind.PAPER)
    reviews_needed = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Null: the cohort's default."),
    )
    member_authors = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )


class PaperCreateSerializer(_PaperFieldsSerializer):
    cohort = serializers.IntegerField(min_value=1, help_text=_lazy("Cohort id."))
    external_id = _external_id()


class PaperUpdateSerializer(_PaperFieldsSerializer):
    status = serializers.ChoiceField(choices=PaperStatus.choices, default=PaperStatus.PROPOSED)
    slot = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("The slot where it is presented."),
    )
    writeup_url = serializers.CharField(
        max_length=reviews_import.URL_MAX, required=False, allow_blank=True, default=""
    )


class PaperImportSerializer(serializers.Serializer[Any]):
    cohort = serializers.IntegerField(min_value=1, help_text=_lazy("Cohort id."))
    format = serializers.ChoiceField(
        choices=[("list", "list"), ("bibtex", "bibtex")],
        default="list",
        help_text=_lazy("list: one URL, arXiv id or title per line; bibtex: BibTeX entries."),
    )
    text = serializers.CharField(max_length=reviews_import.MAX_TEXT)


class PaperImportResultSerializer(serializers.Serializer[Any]):
    created = PaperSerializer(many=True)
    duplicates = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())


class PaperFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    status = django_filters.ChoiceFilter(choices=PaperStatus.choices)
    track = django_filters.ChoiceFilter(choices=SlotKind.choices)

    class Meta:
        model = Paper
        fields = ("lab", "cohort", "status", "track")


def _paper_fields(data: dict[str, Any]) -> services.PaperFields:
    return services.PaperFields(
        title=data["title"],
        url=data["link"],
        authors=data["authors"],
        venue=data["venue"],
        year=data["year"],
        tags=tuple(data["tags"]),
        abstract=data["abstract"],
        track=data["track"],
        reviews_needed=data["reviews_needed"],
        member_author_ids=tuple(data["member_authors"]),
        external_id=data.get("external_id") or None,
    )


class PaperViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Paper],
):
    """The paper pools of your labs' cohorts. Filter with ?lab=<slug>, ?cohort=<id>, ?status=,
    ?track=. Members who review suggest papers (one, or many with import/); leaders and
    facilitators change and remove them."""

    serializer_class = PaperSerializer
    filterset_class = PaperFilter
    external_id_scope, external_id_scope_lookup = "cohort", "cohort_id"
    external_id_input = PaperCreateSerializer

    def get_queryset(self) -> QuerySet[Paper]:
        papers = paper_list_visible(user=self.request.user).prefetch_related("member_authors")
        return limit_to_token_lab(papers, self.request, "cohort__lab_id")

    def _fresh(self, paper: Paper, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=paper.pk)).data, status=code)

    @extend_schema(request=PaperCreateSerializer, responses={201: PaperSerializer, **_REFUSALS})
    def create(self, request: Request) -> Response:
        """Suggest a paper; 409 paper_exists when its arXiv id is already in the pool."""
        data = validate_input(PaperCreateSerializer, request)
        cohort = _visible_cohort(request, data["cohort"])
        paper = services.paper_create(
            actor=request_user(request), cohort=cohort, fields=_paper_fields(data)
        )
        return self._fresh(paper, status.HTTP_201_CREATED)

    @extend_schema(request=PaperUpdateSerializer, responses={200: PaperSerializer, **_REFUSALS})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a paper (leaders and facilitators)."""
        return self._update(request, partial=False)

    @extend_schema(request=PaperUpdateSerializer, responses={200: PaperSerializer, **_REFUSALS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a paper's fields (leaders and facilitators)."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        paper = self.get_object()
        data = validate_input(PaperUpdateSerializer, request, partial=partial)
        current = {
            "title": paper.title,
            "link": paper.url,
            "authors": paper.authors,
            "venue": paper.venue,
            "year": paper.year,
            "tags": list(paper.tags or []),
            "abstract": paper.abstract,
            "track": paper.track,
            "reviews_needed": paper.reviews_needed,
            "member_authors": [user.pk for user in paper.member_authors.all()],
            "status": paper.status,
            "slot": paper.slot_id,
            "writeup_url": paper.writeup_url,
        }
        merged = current | data
        slot = None
        if merged["slot"] is not None:
            slots = limit_to_token_lab(
                slot_list_visible(user=request.user), request, "meeting__cohort__lab_id"
            )
            slot = slots.filter(pk=merged["slot"]).first()
            if slot is None:
                raise Http404
        paper = services.paper_update(
            actor=request_user(request),
            paper=paper,
            fields=_paper_fields(merged),
            status=merged["status"],
            slot=slot,
            writeup_url=merged["writeup_url"],
        )
        return self._fresh(paper)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Remove a paper with its bids and not-started reviews (leaders and facilitators);
        409 paper_has_reviews while a review of it is under way or done."""
        services.paper_delete(actor=request_user(request), paper=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=PaperImportSerializer,
        responses={201: PaperImportResultSerializer, **_REFUSALS},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_papers(self, request: Request) -> Response:
        """Add the papers in a pasted list (URLs, arXiv ids, titles) or BibTeX text. Nothing
        is fetched; papers already in the pool are skipped and listed in `duplicates`."""
        data = validate_input(PaperImportSerializer, request)
        cohort = _visible_cohort(request, data["cohort"])
        result = services.papers_import(
            actor=request_user(request), cohort=cohort, text=data["text"], kind=data["format"]
        )
        created = self.get_queryset().filter(pk__in=[paper.pk for paper in result.created])
        body = {
            "created": self.get_serializer(created.order_by("id"), many=True).data,
            "duplicates": result.duplicates,
            "problems": result.problems,
        }
        return Response(body, status=status.HTTP_201_CREATED)


# --- bids ----------------------------------------------------------------------------------


class BidSerializer(FastReadModelSerializer[Bid]):
    url = ObjectUrlField(view_name="api:bid-detail")
    cohort = serializers.IntegerField(source="paper.cohort_id", read_only=True)
    lab_slug = serializers.CharField(source="paper.cohort.lab.slug", read_only=True)

    class Meta:
        model = Bid
        fields = (*OBJECT_FIELDS, "paper", "cohort", "lab_slug", "user", "preference")
        read_only_fields = fields


class BidCreateSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField(min_value=1)
    preference = serializers.ChoiceField(choices=BidPreference.choices)
    external_id = _external_id()


class BidUpdateSerializer(serializers.Serializer[Any]):
    preference = serializers.ChoiceField(choices=BidPreference.choices)


class BidFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="paper__cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="paper__cohort_id", label=_lazy("Cohort id"))
    paper = django_filters.NumberFilter(field_name="paper_id", label=_lazy("Paper id"))
    user = django_filters.NumberFilter(field_name="user_id", label=_lazy("User id"))

    class Meta:
        model = Bid
        fields = ("lab", "cohort", "paper", "user")


def _own_bid(bid: Bid, user: Any) -> None:
    if bid.user_id != user.pk:
        raise PermissionDeniedError(_("You can only change your own bids."))


class BidViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Bid],
):
    """Bids on papers: your own, and everyone's in the cohorts you lead or facilitate. Filter
    with ?lab=<slug>, ?cohort=<id>, ?paper=<id>, ?user=<id>. You set and take back only your
    own bid (one per paper)."""

    serializer_class = BidSerializer
    filterset_class = BidFilter
    external_id_scope, external_id_scope_lookup = "paper", "paper_id"
    external_id_input = BidCreateSerializer

    def get_queryset(self) -> QuerySet[Bid]:
        return limit_to_token_lab(
            bid_list_visible(user=self.request.user), self.request, "paper__cohort__lab_id"
        )

    def _fresh(self, bid: Bid, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=bid.pk)).data, status=code)

    @extend_schema(
        request=BidCreateSerializer,
        responses={200: BidSerializer, 201: BidSerializer, **_REFUSALS},
    )
    def create(self, request: Request) -> Response:
        """Set your bid on a paper: 201 for a new bid, 200 when it replaced yours. 409
        bidding_closed, paper_closed (reviewed) or paper_author (you wrote it)."""
        user = request_user(request)
        data = validate_input(BidCreateSerializer, request)
        papers = limit_to_token_lab(paper_list_visible(user=user), request, "cohort__lab_id")
        paper = papers.filter(pk=data["paper"]).first()
        if paper is None:
            raise Http404
        existed = Bid.objects.filter(paper=paper, user=user).exists()
        bid = services.bid_set(actor=user, paper=paper, preference=data["preference"])
        assert bid is not None
        if data["external_id"] and bid.external_id != data["external_id"]:
            Bid.objects.filter(pk=bid.pk).update(external_id=data["external_id"])
        return self._fresh(bid, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=BidUpdateSerializer, responses={200: BidSerializer, **_REFUSALS})
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change your bid."""
        return self._update(request)

    @extend_schema(request=BidUpdateSerializer, responses={200: BidSerializer, **_REFUSALS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change your bid."""
        return self._update(request)

    def _update(self, request: Request) -> Response:
        user = request_user(request)
        bid = self.get_object()
        _own_bid(bid, user)
        data = validate_input(BidUpdateSerializer, request)
        changed = services.bid_set(actor=user, paper=bid.paper, preference=data["preference"])
        assert changed is not None
        return self._fresh(changed)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Take your bid back (the paper counts as neutral for you again)."""
        user = request_user(request)
        bid = self.get_object()
        _own_bid(bid, user)
        services.bid_set(actor=user, paper=bid.paper, preference=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- review assignments ---------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer[Any]):
    bid = serializers.CharField(help_text=_lazy("The reviewer's bid (neutral when none)."))
    load = serializers.IntegerField(help_text=_lazy("Their reviews in all after the run."))
    cap = serializers.IntegerField()
    kept = serializers.BooleanField(help_text=_lazy("Kept from before (under way)."))
    forced = serializers.BooleanField(help_text=_lazy("Chosen by a leader."))


class ReviewAssignmentSerializer(FastReadModelSerializer[ReviewAssignment]):
    url = ObjectUrlField(view_name="api:review-assignment-detail")
    cohort = serializers.IntegerField(source="paper.cohort_id", read_only=True)
    lab_slug = serializers.CharField(source="paper.cohort.lab.slug", read_only=True)
    reviewer_name = serializers.CharField(source="reviewer.display_name", read_only=True)
    reason = serializers.SerializerMethodField()
    reason_text = serializers.SerializerMethodField(help_text=_lazy("Why, in words."))

    class Meta:
        model = ReviewAssignment
        fields = (
            *OBJECT_FIELDS,
            "paper",
            "cohort",
            "lab_slug",
            "reviewer",
            "reviewer_name",
            "status",
            "source",
            "due_at",
            "reason",
            "reason_text",
            "writeup_url",
            "writeup_notes",
            "submitted_at",
            "assigned_by",
        )
        read_only_fields = fields

    @extend_schema_field(ReasonSerializer)
    def get_reason(self, review: ReviewAssignment) -> dict[str, Any]:
        return dict(review.reason or {})

    def get_reason_text(self, review: ReviewAssignment) -> str:
        return services.reason_text(review.reason or {})


class ReviewAssignmentCreateSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField(min_value=1)
    reviewer = serializers.IntegerField(min_value=1, help_text=_lazy("User id."))
    external_id = _external_id()


class ReviewAssignmentUpdateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ReviewStatus.choices, required=False)
    writeup_url = serializers.CharField(
        max_length=reviews_import.URL_MAX, required=False, allow_blank=True
    )
    writeup_notes = serializers.CharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        help_text=_lazy("Markdown; shown sanitised."),
    )


class ReviewAssignmentFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="paper__cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="paper__cohort_id", label=_lazy("Cohort id"))
    paper = django_filters.NumberFilter(field_name="paper_id", label=_lazy("Paper id"))
    reviewer = django_filters.NumberFilter(field_name="reviewer_id", label=_lazy("User id"))
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = ReviewAssignment
        fields = ("lab", "cohort", "paper", "reviewer", "status")


class ReviewAssignmentViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[ReviewAssignment],
):
    """Review assignments with due dates and write-ups: your own, and everyone's in the
    cohorts you lead or facilitate. Filter with ?lab=<slug>, ?cohort=<id>, ?paper=<id>,
    ?reviewer=<id>, ?status=. The reviewer posts the write-up and moves the status on;
    leaders and facilitators assign by hand and take reviews back."""

    serializer_class = ReviewAssignmentSerializer
    filterset_class = ReviewAssignmentFilter
    external_id_scope, external_id_scope_lookup = "paper", "paper_id"
    external_id_input = ReviewAssignmentCreateSerializer

    def get_queryset(self) -> QuerySet[ReviewAssignment]:
        reviews = review_assignment_list_visible(user=self.request.user).select_related(
            "reviewer__profile"
        )
        return limit_to_token_lab(reviews, self.request, "paper__cohort__lab_id")

    def _fresh(self, review: ReviewAssignment, code: int = status.HTTP_200_OK) -> Response:
        body = self.get_serializer(self.get_queryset().get(pk=review.pk)).data
        return Response(body, status=code)

    @extend_schema(
        request=ReviewAssignmentCreateSerializer,
        responses={201: ReviewAssignmentSerializer, **_REFUSALS},
    )
    def create(self, request: Request) -> Response:
        """Assign a paper to a member by hand (leaders and facilitators): a leader's pair,
        kept by every later run. 400 conflict, 409 already_assigned."""
        user = request_user(request)
        data = validate_input(ReviewAssignmentCreateSerializer, request)
        papers = limit_to_token_lab(paper_list_visible(user=user), request, "cohort__lab_id")
        paper = papers.filter(pk=data["paper"]).first()
        if paper is None:
            raise Http404
        review = services.review_assign(actor=user, paper=paper, reviewer_id=data["reviewer"])
        if data["external_id"]:
            ReviewAssignment.objects.filter(pk=review.pk).update(external_id=data["external_id"])
        return self._fresh(review, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReviewAssignmentUpdateSerializer,
        responses={200: ReviewAssignmentSerializer, **_REFUSALS},
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        """The reviewer's progress: status (started, submitted; a submitted review can be
        reopened), write-up link and notes. Submitting needs a write-up."""
        return self._update(request)

    @extend_schema(
        request=ReviewAssignmentUpdateSerializer,
        responses={200: ReviewAssignmentSerializer, **_REFUSALS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """The reviewer's progress (any of the fields)."""
        return self._update(request)

    def _update(self, request: Request) -> Response:
        review = self.get_object()
        data = validate_input(ReviewAssignmentUpdateSerializer, request, partial=True)
        review = services.review_update(
            actor=request_user(request),
            review=review,
            status=data.get("status"),
            writeup_url=data.get("writeup_url"),
            writeup_notes=data.get("writeup_notes"),
        )
        return self._fresh(review)

    @extend_schema(responses={204: None, **_REFUSALS})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Take a review back (leaders and facilitators); 409 for a submitted one."""
        services.review_unassign(actor=request_user(request), review=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the solver ---------------------------------------------------------------------------------


class PairInputSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField(min_value=1)
    reviewer = serializers.IntegerField(min_value=1, help_text=_lazy("User id."))


class ReviewPreviewInputSerializer(serializers.Serializer[Any]):
    seed = serializers.IntegerField(
        min_value=0,
        max_value=services.SEED_LIMIT - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("Tie-break seed; the same bids and seed give the same proposal."),
    )
    mode = serializers.ChoiceField(
        choices=[("adjust", "adjust"), ("fill", "fill")],
        default="adjust",
        help_text=_lazy(
            "adjust: the solver's own not-started reviews may move; fill: only add reviews."
        ),
    )
    forced = serializers.ListField(
        child=PairInputSerializer(),
        required=False,
        default=list,
        max_length=services.MAX_FORCED,
        help_text=_lazy("Pairs to impose (a leader's choice)."),
    )


class ReviewApplyInputSerializer(ReviewPreviewInputSerializer):
    fingerprint = serializers.CharField(
        max_length=64, help_text=_lazy("The preview's fingerprint, as it was given.")
    )
    pairs = serializers.ListField(
        child=PairInputSerializer(),
        max_length=services.MAX_PAIRS,
        help_text=_lazy("The preview's pairs, as they are (kept ones may be left out)."),
    )


class PreviewPairSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField()
    reviewer = serializers.IntegerField(help_text=_lazy("User id."))
    reviewer_name = serializers.CharField()
    new = serializers.BooleanField(help_text=_lazy("Not yet assigned: apply creates it."))
    reason = serializers.CharField(help_text=_lazy("Why, in words."))
    reason_data = ReasonSerializer()


class ShortfallSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField()
    needed = serializers.IntegerField()
    assigned = serializers.IntegerField()
    eligible = serializers.IntegerField(help_text=_lazy("Members who could review it at all."))
    code = serializers.CharField(help_text=_lazy("too_few_eligible or caps_too_low."))
    reason = serializers.CharField()


class RejectedPairSerializer(serializers.Serializer[Any]):
    paper = serializers.IntegerField()
    reviewer = serializers.IntegerField()
    code = serializers.CharField(help_text=_lazy("unknown_paper, unknown_reviewer or conflict."))
    reason = serializers.CharField()


class ReviewPreviewSerializer(serializers.Serializer[Any]):
    fingerprint = serializers.CharField(
        help_text=_lazy("Send it back to apply/: it refuses when anything changed since.")
    )
    seed = serializers.IntegerField()
    mode = serializers.CharField()
    score = serializers.IntegerField(help_text=_lazy("The objective the solver maximised."))
    pairs = PreviewPairSerializer(many=True)
    dropped = PairInputSerializer(many=True, help_text=_lazy("Not-started reviews it moves."))
    shortfalls = ShortfallSerializer(many=True)
    rejected = RejectedPairSerializer(many=True)


class ReviewApplySerializer(serializers.Serializer[Any]):
    created = ReviewAssignmentSerializer(many=True)
    removed = serializers.IntegerField()
    kept = serializers.IntegerField()


def _preview_body(preview: services.ReviewPreview) -> dict[str, Any]:
    return {
        "fingerprint": preview.fingerprint,
        "seed": preview.seed,
        "mode": preview.mode,
        "score": preview.score,
        "pairs": [
            {
                "paper": pair.paper_id,
                "reviewer": pair.reviewer_id,
                "reviewer_name": pair.reviewer_name,
                "new": pair.new,
                "reason": pair.reason,
                "reason_data": asdict(pair.data),
            }
            for pair in preview.pairs
        ],
        "dropped": [{"paper": paper, "reviewer": reviewer} for paper, reviewer in preview.dropped],
        "shortfalls": [
            {
                "paper": paper.id,
                "needed": paper.needed,
                "assigned": paper.needed - paper.short,
                "eligible": paper.eligible,
                "code": paper.short_code,
                "reason": paper.short_reason,
            }
            for paper in preview.papers
            if paper.short
        ],
        "rejected": [
            {
                "paper": item.paper_id,
                "reviewer": item.reviewer_id,
                "code": item.code,
                "reason": item.reason,
            }
            for item in preview.rejected
        ],
    }


def _pairs(items: list[dict[str, int]]) -> list[tuple[int, int]]:
    return [(item["paper"], item["reviewer"]) for item in items]


class ReviewAssignmentPreviewView(APIView):
    """Proposed reviewers for a cohort's papers, each with its reason, and the papers that
    stay short and why; writes nothing. Leaders and facilitators of the cohort."""

    @extend_schema(
        operation_id="cohorts_review_assignment_preview",
        parameters=[COHORT_ID],
        request=ReviewPreviewInputSerializer,
        responses={200: ReviewPreviewSerializer, **_REFUSALS},
    )
    def post(self, request: Request, pk: int) -> Response:
        cohort = _visible_cohort(request, pk)
        data = validate_input(ReviewPreviewInputSerializer, request)
        preview = services.review_assignment_preview(
            actor=request_user(request),
            cohort=cohort,
            seed=data["seed"],
            mode=data["mode"],
            forced=_pairs(data["forced"]),
        )
        return Response(_preview_body(preview))


class ReviewAssignmentApplyView(APIView):
    """Commit a preview's pairs, all or none; new reviewers are told. 409 assignment_changed
    when bids, papers, caps or reviews changed since the preview; 400 invalid_pairs when a
    pair breaks a rule (a conflict, beyond a cap or a demand, not a member)."""

    @extend_schema(
        operation_id="cohorts_review_assignment_apply",
        parameters=[COHORT_ID],
        request=ReviewApplyInputSerializer,
        responses={200: ReviewApplySerializer, **_REFUSALS},
    )
    def post(self, request: Request, pk: int) -> Response:
        cohort = _visible_cohort(request, pk)
        data = validate_input(ReviewApplyInputSerializer, request)
        result = services.review_assignment_apply(
            actor=request_user(request),
            cohort=cohort,
            preview_fingerprint=data["fingerprint"],
            pairs=_pairs(data["pairs"]),
            forced=_pairs(data["forced"]),
            mode=data["mode"],
        )
        created = (
            ReviewAssignment.objects.filter(pk__in=[row.pk for row in result.created])
            .select_related("paper__cohort__lab", "reviewer__profile")
            .order_by("id")
        )
        context = {"request": request}
        body = {
            "created": ReviewAssignmentSerializer(created, many=True, context=context).data,
            "removed": result.removed,
            "kept": result.kept,
        }
        return Response(body)
