"""The REST API's router: every viewset under /api/v1/, URL names in the "api" namespace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

from labs.api import CohortViewSet, InvitationViewSet, LabViewSet, MembershipViewSet
from members.api import ApiTokenViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("labs", LabViewSet, basename="lab")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("me/tokens", ApiTokenViewSet, basename="token")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
