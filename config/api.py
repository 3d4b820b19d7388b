"""The REST API's router: every viewset under /api/v1/, URL names in the "api" namespace."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from community.api import (
    ApplicationViewSet,
    GuestTalkViewSet,
    MeetingNoteViewSet,
    OutsideEventViewSet,
    RecruitmentViewSet,
    ShowcaseViewSet,
    TalkQuestionViewSet,
)
from core.sync_api import ChangesView
from labs.api import CohortViewSet, InvitationViewSet, LabViewSet, MembershipViewSet
from members.api import ApiTokenViewSet
from notifications.api import NotificationViewSet, ReminderRuleViewSet
from sessions.api.attendance import RsvpViewSet
from sessions.api.draws import DrawViewSet
from sessions.api.meetings import MeetingViewSet
from sessions.api.places import LocationViewSet
from sessions.api.polls import PollViewSet
from sessions.api.reviews import (
    BidViewSet,
    PaperViewSet,
    ReviewAssignmentApplyView,
    ReviewAssignmentPreviewView,
    ReviewAssignmentViewSet,
)
from sessions.api.rotation import RotationApplyView, RotationPreviewView
from sessions.api.slots import SlotViewSet
from sessions.api.swaps import SwapRequestViewSet
from trackers.api.coding import ProblemSetViewSet, ProblemViewSet, SolveViewSet
from trackers.api.interview import AnswerViewSet, InterviewTopicViewSet, QuestionViewSet

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
router.register("papers", PaperViewSet, basename="paper")
router.register("bids", BidViewSet, basename="bid")
router.register("review-assignments", ReviewAssignmentViewSet, basename="review-assignment")
router.register("problem-sets", ProblemSetViewSet, basename="problem-set")
router.register("problems", ProblemViewSet, basename="problem")
router.register("solves", SolveViewSet, basename="solve")
router.register("interview-topics", InterviewTopicViewSet, basename="interview-topic")
router.register("questions", QuestionViewSet, basename="question")
router.register("answers", AnswerViewSet, basename="answer")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("reminder-rules", ReminderRuleViewSet, basename="reminder-rule")
router.register("showcase", ShowcaseViewSet, basename="showcase")
router.register("recruitments", RecruitmentViewSet, basename="recruitment")
router.register("applications", ApplicationViewSet, basename="application")
router.register("meeting-notes", MeetingNoteViewSet, basename="meeting-note")
router.register("talks", GuestTalkViewSet, basename="talk")
router.register("talk-questions", TalkQuestionViewSet, basename="talk-question")
router.register("events", OutsideEventViewSet, basename="event")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path(
        "cohorts/<int:pk>/review-assignment/preview/",
        ReviewAssignmentPreviewView.as_view(),
        name="cohort-review-assignment-preview",
    ),
    path(
        "cohorts/<int:pk>/review-assignment/apply/",
        ReviewAssignmentApplyView.as_view(),
        name="cohort-review-assignment-apply",
    ),
    path("changes/", ChangesView.as_view(), name="changes"),
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
