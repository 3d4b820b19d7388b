"""Admin for labs, cohorts, memberships and invitation links (operators' escape hatch)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from labs.models import Cohort, Invitation, Lab, Membership


class CohortInline(admin.TabularInline):
    model = Cohort
    extra = 0
    fields = ("number", "name", "start_date", "end_date", "status")
    show_change_link = True


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "topic", "visibility", "created_at")
    list_filter = ("visibility",)
    search_fields = ("name", "slug", "topic")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("created_by",)
    inlines = (CohortInline,)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "status", "joined_on", "left_on", "external_id")
    raw_id_fields = ("user",)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("__str__", "lab", "number", "start_date", "end_date", "status")
    list_filter = ("status",)
    list_select_related = ("lab",)
    search_fields = ("lab__name", "lab__slug", "name")
    autocomplete_fields = ("lab",)
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "cohort", "role", "status", "joined_on", "left_on")
    list_filter = ("role", "status")
    list_select_related = ("user", "cohort__lab")
    search_fields = ("user__email", "user__profile__display_name", "cohort__lab__name")
    raw_id_fields = ("user", "cohort")


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("usable", _("Usable")),
            ("expired", _("Expired")),
            ("used_up", _("Used up")),
            ("revoked", _("Revoked")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        match self.value():
            case "usable":
                return queryset.filter(
                    revoked_at__isnull=True, expires_at__gt=now, use_count__lt=F("max_uses")
                )
            case "expired":
                return queryset.filter(expires_at__lte=now)
            case "used_up":
                return queryset.filter(use_count__gte=F("max_uses"))
            case "revoked":
                return queryset.filter(~Q(revoked_at=None))
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "cohort",
        "role",
        "email",
        "use_count",
        "max_uses",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("role", InvitationStateFilter)
    list_select_related = ("cohort__lab",)
    search_fields = ("email", "cohort__lab__name", "token")
    raw_id_fields = ("cohort", "created_by")
    readonly_fields = ("token", "use_count", "created_at")
