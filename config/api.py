"""The REST API's router: every viewset under /api/v1/, URL names in the "api" namespace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

from labs.api import CohortViewSet, InvitationViewSet, LabViewSet, MembershipViewSet
from members.api import ApiTokenViewSet
from sessions.api.attendance import RsvpViewSet
from sessions.api.meetings import MeetingViewSet
from sessions.api.places import LocationViewSet
from sessions.api.polls import PollViewSet

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

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
