from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    name = "sessions"
    # django.contrib.sessions owns the label "sessions"; this one is fixed before the
    # first migration because the label names tables and migration dependencies.
    label = "study_sessions"
    verbose_name = _("Study sessions")

    def ready(self) -> None:
        from core.changes import feed_type, shows_member_name, track

        # The changes feed (GET /api/v1/changes/): what each write shows up as, and who sees it.
        app = "study_sessions"
        feed_type(
            "location", model=f"{app}.Location", viewset="sessions.api.places.LocationViewSet"
        )
        feed_type("meeting", model=f"{app}.Meeting", viewset="sessions.api.meetings.MeetingViewSet")
        feed_type("rsvp", model=f"{app}.Rsvp", viewset="sessions.api.attendance.RsvpViewSet")
        feed_type("slot", model=f"{app}.Slot", viewset="sessions.api.slots.SlotViewSet")
        feed_type(
            "swap_request",
            model=f"{app}.SwapRequest",
            viewset="sessions.api.swaps.SwapRequestViewSet",
        )
        feed_type("draw", model=f"{app}.Draw", viewset="sessions.api.draws.DrawViewSet")
        feed_type("poll", model=f"{app}.Poll", viewset="sessions.api.polls.PollViewSet")
        feed_type("paper", model=f"{app}.Paper", viewset="sessions.api.reviews.PaperViewSet")
        feed_type(
            "review_assignment",
            model=f"{app}.ReviewAssignment",
            viewset="sessions.api.reviews.ReviewAssignmentViewSet",
        )

        track(f"{app}.Location", object_type="location", lab="lab_id")
        in_cohort = {"lab": "cohort__lab_id", "cohort": "cohort_id"}
        track(f"{app}.Meeting", object_type="meeting", **in_cohort)
        track(f"{app}.Draw", object_type="draw", **in_cohort)
        track(f"{app}.Poll", object_type="poll", **in_cohort)
        # Its member authors (many-to-many) and its slot (set to null) are tracked with it.
        track(f"{app}.Paper", object_type="paper", **in_cohort)
        track(
            f"{app}.ReviewAssignment",
            object_type="review_assignment",
            lab="paper__cohort__lab_id",
            cohort="paper__cohort_id",
        )
        at_meeting = {"lab": "meeting__cohort__lab_id", "cohort": "meeting__cohort_id"}
        track(f"{app}.Rsvp", object_type="rsvp", **at_meeting)
        track(f"{app}.Slot", object_type="slot", **at_meeting)
        # A slot's presenters and waitlist are part of the slot as the API shows it.
        of_slot = {"lab": "slot__meeting__cohort__lab_id", "cohort": "slot__meeting__cohort_id"}
        track(f"{app}.SlotAssignment", object_type="slot", object="slot_id", **of_slot)
        track(f"{app}.WaitlistEntry", object_type="slot", object="slot_id", **of_slot)
        track(
            f"{app}.SwapRequest",
            object_type="swap_request",
            lab="requester_slot__meeting__cohort__lab_id",
            cohort="requester_slot__meeting__cohort_id",
        )
        # A poll's candidate times and answers are part of the poll as the API shows it.
        track(
            f"{app}.PollOption",
            object_type="poll",
            object="poll_id",
            lab="poll__cohort__lab_id",
            cohort="poll__cohort_id",
        )
        track(
            f"{app}.PollVote",
            object_type="poll",
            object="option__poll_id",
            lab="option__poll__cohort__lab_id",
            cohort="option__poll__cohort_id",
        )
        # The API shows these members' names (a presenter, a voter, a reviewer, ...).
        shows_member_name(f"{app}.Rsvp", "user")
        shows_member_name(f"{app}.SlotAssignment", "user")
        shows_member_name(f"{app}.PollVote", "user")
        shows_member_name(f"{app}.SwapRequest", "requester", "target")
        shows_member_name(f"{app}.ReviewAssignment", "reviewer")
