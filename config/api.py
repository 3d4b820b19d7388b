"""The REST API's router: every viewset under /api/v1/, URL names in the "api" namespace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from labs.api import CohortViewSet, InvitationViewSet, LabViewSet, MembershipViewSet
from members.api import ApiTokenViewSet
from sessions.api.attendance import RsvpViewSet
from sessions.api.draws import DrawViewSet
from sessions.api.meetings import MeetingViewSet
from sessions.api.places import LocationViewSet
from sessions.api.polls import PollViewSet
from sessions.api.rotation import RotationApplyView, RotationPreviewView
from sessions.api.slots import SlotViewSet
from sessions.api.swaps import SwapRequestViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("labs", LabViewSet, basename="lab")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("me/tokens", ApiTokenViewSet, basename="token")
router.register("rsvps", RsvpViewSet, basename="rsvp")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("locations", LocationViewSet, basename="location")
router.register("polls", PollViewSet, basename="poll")
router.register("slots", SlotViewSet, basename="slot")
router.register("draws", DrawViewSet, basename="draw")
router.register("swap-requests", SwapRequestViewSet, basename="swap-request")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path(
        "cohorts/<int:pk>/rotation/preview/",
        RotationPreviewView.as_view(),
        name="cohort-rotation-preview",
    ),
    path(
        "cohorts/<int:pk>/rotation/apply/",
        RotationApplyView.as_view(),
        name="cohort-rotation-apply",
    ),
]
