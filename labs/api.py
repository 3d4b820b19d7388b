"""REST API for labs, cohorts, memberships and invitations: serializers, filters, viewsets.

Reads go through labs.selectors (what is not visible is a 404), writes through labs.services
(which hold every rule); serializers here only check the shape of the input.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
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
from core.errors import PermissionDeniedError
from core.sync_api import ETagMixin, ExternalIdUpsertMixin, SyncFilterSet
from labs.models import (
    Cohort,
    CohortStatus,
    Invitation,
    Lab,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from labs.selectors import (
    cohort_list_visible,
    invitation_get_by_token,
    invitation_list_visible,
    lab_list_visible,
    membership_list_visible,
)
from labs.services import (
    cohort_create,
    cohort_roll_over,
    cohort_update,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    lab_create,
    lab_update,
    membership_change_role,
    membership_remove,
)
from members.authentication import token_lab_id
from members.models import display_name_for

OBJECT_FIELDS = ("id", "url", "created_at", "updated_at", "external_id")

# A lab or cohort the caller cannot see gets the same message as one that does not exist,
# so a 400 never tells an outsider which ids are taken.
UNKNOWN_LAB = _lazy("No such lab.")
UNKNOWN_COHORT = _lazy("No such cohort.")


# --- Output serializers -------------------------------------------------------------------


class LabSerializer(FastReadModelSerializer[Lab]):
    url = ObjectUrlField(view_name="api:lab-detail")

    class Meta:
        model = Lab
        fields = (*OBJECT_FIELDS, "name", "slug", "description", "topic", "visibility")
        read_only_fields = fields


class CohortSerializer(FastReadModelSerializer[Cohort]):
    url = ObjectUrlField(view_name="api:cohort-detail")
    lab_slug = serializers.CharField(source="lab.slug", read_only=True)

    class Meta:
        model = Cohort
        fields = (
            *OBJECT_FIELDS,
            "lab",
            "lab_slug",
            "number",
            "name",
            "start_date",
            "end_date",
            "status",
        )
        read_only_fields = fields


class MembershipSerializer(FastReadModelSerializer[Membership]):
    """A person in a cohort. Emails are left out: only the cohort's managers may see them."""

    url = ObjectUrlField(view_name="api:membership-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)

    # A list row has no User to ask: the same rule runs on the row's columns.
    row_sources = {
        "display_name": (display_name_for, ("user__email", "user__profile__display_name"))
    }

    class Meta:
        model = Membership
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "user",
            "display_name",
            "role",
            "status",
            "joined_on",
            "left_on",
        )
        read_only_fields = fields


class InvitationSerializer(FastReadModelSerializer[Invitation]):
    """A join link; only the cohort's managers see these."""

    url = ObjectUrlField(view_name="api:invitation-detail")
    lab_slug = serializers.CharField(source="cohort.lab.slug", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)
    join_url = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = (
            *OBJECT_FIELDS,
            "cohort",
            "lab_slug",
            "role",
            "email",
            "expires_at",
            "max_uses",
            "use_count",
            "revoked_at",
            "is_usable",
            "join_url",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_join_url(self, invitation: Invitation) -> str:
        return self.context["request"].build_absolute_uri(invitation.get_absolute_url())


# --- Input serializers (shape only; the services decide the rest) -------------------------


class VisiblePrimaryKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """An id chosen among `context["choices"]` (what the caller may see), when the view gives it.

    The class-level queryset only tells the schema which model the id belongs to.
    """

    def get_queryset(self) -> QuerySet[Any] | None:
        choices: QuerySet[Any] | None = self.context.get("choices")
        return choices if choices is not None else super().get_queryset()


class LabCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    topic = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PRIVATE)
    cohort_number = serializers.IntegerField(min_value=1, default=1)
    cohort_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    start_date = serializers.DateField(help_text=_lazy("First day of the first cohort."))
    end_date = serializers.DateField(help_text=_lazy("Last day of the first cohort."))


class LabUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    topic = serializers.CharField(max_length=120, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class CohortCreateSerializer(serializers.Serializer[Any]):
    lab = VisiblePrimaryKeyField(
        queryset=Lab.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_LAB, "incorrect_type": UNKNOWN_LAB},
    )
    number = serializers.IntegerField(
        min_value=1, required=False, help_text=_lazy("Defaults to the lab's next number.")
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(choices=CohortStatus.choices, default=CohortStatus.PLANNED)


class CohortUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(choices=CohortStatus.choices)


class CohortRollOverSerializer(serializers.Serializer[Any]):
    carry_over_user_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=True,
        default=list,
        help_text=_lazy("Active members of this cohort who continue, with their roles."),
    )
    number = serializers.IntegerField(
        min_value=1, required=False, help_text=_lazy("Defaults to the lab's next number.")
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    finish_source = serializers.BooleanField(
        default=True, help_text=_lazy("Mark this cohort finished.")
    )


class MembershipRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationCreateSerializer(serializers.Serializer[Any]):
    cohort = VisiblePrimaryKeyField(
        queryset=Cohort.objects.all(),
        error_messages={"does_not_exist": UNKNOWN_COHORT, "incorrect_type": UNKNOWN_COHORT},
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("Optional: only this address may use the link."),
    )
    expires_in_days = serializers.IntegerField(default=14)
    max_uses = serializers.IntegerField(default=20)


class InvitationAcceptSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=64, help_text=_lazy("The token from the join link."))


# --- Filters ------------------------------------------------------------------------------


class LabFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="slug", label=_lazy("Lab slug"))
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)

    class Meta:
        model = Lab
        fields = ("lab", "visibility")


class CohortFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="lab__slug", label=_lazy("Lab slug"))
    status = django_filters.ChoiceFilter(choices=CohortStatus.choices)

    class Meta:
        model = Cohort
        fields = ("lab", "status")


class MembershipFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))
    role = django_filters.ChoiceFilter(choices=Role.choices)
    status = django_filters.ChoiceFilter(choices=MembershipStatus.choices)

    class Meta:
        model = Membership
        fields = ("lab", "cohort", "role", "status")


class InvitationFilter(SyncFilterSet):
    lab = django_filters.CharFilter(field_name="cohort__lab__slug", label=_lazy("Lab slug"))
    cohort = django_filters.NumberFilter(field_name="cohort_id", label=_lazy("Cohort id"))

    class Meta:
        model = Invitation
        fields = ("lab", "cohort")


# --- Viewsets -----------------------------------------------------------------------------


def _visible_labs(request: Request) -> QuerySet[Lab]:
    return limit_to_token_lab(lab_list_visible(user=request.user), request, "id")


def _visible_cohorts(request: Request) -> QuerySet[Cohort]:
    return limit_to_token_lab(cohort_list_visible(user=request.user), request, "lab_id")


class LabViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Lab],
):
    """Labs you belong to, and public labs. Filter with ?lab=<slug>, ?visibility=."""

    serializer_class = LabSerializer
    filterset_class = LabFilter
    external_id_input = LabCreateSerializer

    def get_queryset(self) -> QuerySet[Lab, Any]:
        return rows_for_list(_visible_labs(self.request), self)

    @extend_schema(request=LabCreateSerializer, responses={201: LabSerializer})
    def create(self, request: Request) -> Response:
        """Create a lab with its first cohort, which you lead. Labs cannot be deleted."""
        if token_lab_id(request) is not None:
            raise PermissionDeniedError(_("A token limited to one lab cannot create labs."))
        data = validate_input(LabCreateSerializer, request)
        lab = lab_create(actor=request_user(request), **data)
        return Response(self.get_serializer(lab).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LabUpdateSerializer, responses=LabSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a lab (its leaders only). The slug stays."""
        return self._update(request, partial=False)

    @extend_schema(request=LabUpdateSerializer, responses=LabSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a lab's fields (its leaders only). The slug stays."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        lab = self.get_object()
        data = validate_input(LabUpdateSerializer, request, partial=partial)
        current: dict[str, Any] = {
            "name": lab.name,
            "description": lab.description,
            "topic": lab.topic,
            "visibility": lab.visibility,
        }
        lab = lab_update(actor=request_user(request), lab=lab, **(current | data))
        return Response(self.get_serializer(lab).data)


class CohortViewSet(
    ETagMixin,
    ExternalIdUpsertMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Cohort],
):
    """Cohorts (기수) of the labs you belong to. Filter with ?lab=<slug> and ?status=."""

    serializer_class = CohortSerializer
    filterset_class = CohortFilter
    external_id_scope, external_id_scope_lookup = "lab", "lab_id"
    external_id_input = CohortCreateSerializer

    def get_queryset(self) -> QuerySet[Cohort, Any]:
        return rows_for_list(_visible_cohorts(self.request), self)

    @extend_schema(request=CohortCreateSerializer, responses={201: CohortSerializer})
    def create(self, request: Request) -> Response:
        """Start an empty cohort in a lab you lead; you lead it too."""
        data = validate_input(
            CohortCreateSerializer, request, context={"choices": _visible_labs(request)}
        )
        cohort = cohort_create(actor=request_user(request), **data)
        return Response(self.get_serializer(cohort).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CohortUpdateSerializer, responses=CohortSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Change a cohort (its leaders and facilitators). Lab and number stay."""
        return self._update(request, partial=False)

    @extend_schema(request=CohortUpdateSerializer, responses=CohortSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change some of a cohort's fields (its leaders and facilitators)."""
        return self._update(request, partial=True)

    def _update(self, request: Request, *, partial: bool) -> Response:
        cohort = self.get_object()
        data = validate_input(CohortUpdateSerializer, request, partial=partial)
        current: dict[str, Any] = {
            "name": cohort.name,
            "start_date": cohort.start_date,
            "end_date": cohort.end_date,
            "status": cohort.status,
        }
        cohort = cohort_update(actor=request_user(request), cohort=cohort, **(current | data))
        return Response(self.get_serializer(cohort).data)

    @extend_schema(request=CohortRollOverSerializer, responses={201: CohortSerializer})
    @action(detail=True, methods=["post"], url_path="roll-over", url_name="roll-over")
    def roll_over(self, request: Request, pk: str | None = None) -> Response:
        """Start the next cohort from this one (lab leaders), carrying the chosen members
        over with their roles. This cohort and its history stay; it is marked finished
        when finish_source is true. Answers with the new cohort."""
        source = self.get_object()
        data = validate_input(CohortRollOverSerializer, request)
        cohort = cohort_roll_over(actor=request_user(request), source=source, **data)
        return Response(self.get_serializer(cohort).data, status=status.HTTP_201_CREATED)


class MembershipViewSet(
    ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Membership]
):
    """Who is in which cohort with which role, in the labs you belong to. Filter with
    ?lab=<slug>, ?cohort=<id>, ?role=, ?status=. People join through invitations/accept/."""

    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Membership, Any]:
        memberships = limit_to_token_lab(
            membership_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )
        return rows_for_list(memberships, self)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Give a member another role (leaders and facilitators; leader changes need a lab
        leader, and a cohort keeps at least one leader)."""
        membership = self.get_object()
        data = validate_input(MembershipRoleSerializer, request)
        membership = membership_change_role(
            actor=request_user(request), membership=membership, role=data["role"]
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Mark a member as having left; the row stays for the cohort's history.
        Anyone may leave; removing others needs a leader or facilitator."""
        membership_remove(actor=request_user(request), membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(
    ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Invitation]
):
    """Join links of the cohorts you manage. Filter with ?lab=<slug>, ?cohort=<id>."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter

    def get_queryset(self) -> QuerySet[Invitation]:
        return limit_to_token_lab(
            invitation_list_visible(user=self.request.user), self.request, "cohort__lab_id"
        )

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def create(self, request: Request) -> Response:
        """Make a join link for a cohort you manage."""
        data = validate_input(
            InvitationCreateSerializer, request, context={"choices": _visible_cohorts(request)}
        )
        invitation = invitation_create(actor=request_user(request), **data)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a join link; it stops working at once."""
        invitation = invitation_revoke(actor=request_user(request), invitation=self.get_object())
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=InvitationAcceptSerializer, responses={201: MembershipSerializer})
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        """Join the invitation's cohort with the token from a join link. Answers with your
        membership; 409 when you are already a member or the link is used up, expired or
        withdrawn; 404 for an unknown token."""
        data = validate_input(InvitationAcceptSerializer, request)
        invitation = invitation_get_by_token(token=data["token"])
        lab_id = token_lab_id(request)
        if lab_id is not None and invitation.cohort.lab_id != lab_id:
            raise Http404  # the same answer as for an unknown token
        membership = invitation_accept(user=request_user(request), invitation=invitation)
        membership = membership_list_visible(user=request.user).get(pk=membership.pk)
        body = MembershipSerializer(membership, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
