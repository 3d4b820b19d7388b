"""Places, meetings, RSVPs and attendance, date polls, presentation slots, and the paper pool
with its bids and review assignments."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from members.models import validate_timezone


class Location(TimeStampedModel):
    """A lab's saved meeting place: physical (with coordinates), online, or both."""

    lab = models.ForeignKey(
        "labs.Lab", on_delete=models.CASCADE, related_name="locations", verbose_name=_("lab")
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["lab_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "name"], name="location_name_unique_per_lab"),
            models.UniqueConstraint(
                fields=["lab", "external_id"], name="location_external_id_unique_per_lab"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def map_url(self) -> str:
        """A Kakao Map link (what Korean members open), else an address search."""
        if self.has_coordinates:
            return f"https://map.kakao.com/link/map/{quote(self.name)},{self.latitude},{self.longitude}"
        if self.address:
            return f"https://map.kakao.com/link/search/{quote(self.address)}"
        return ""


class TravelTime(TimeStampedModel):
    """A lab's own table of travel minutes from a home area to a place (uploaded as CSV)."""

    lab = models.ForeignKey("labs.Lab", on_delete=models.CASCADE, related_name="travel_times")
    area = models.CharField(_("area"), max_length=80)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="travel_times")
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("travel time")
        verbose_name_plural = _("travel times")
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "area", "location"], name="travel_time_unique_per_area_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} → {self.location}: {self.minutes}"


class MeetingSeries(TimeStampedModel):
    """The cadence a cohort meets on; its meetings are generated from it and then live alone."""

    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, related_name="series", verbose_name=_("cohort")
    )
    interval_weeks = models.PositiveSmallIntegerField(_("every N weeks"), default=2)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 is Monday, 6 is Sunday.")
    )
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=240)
    first_date = models.DateField(_("first date"))
    count = models.PositiveIntegerField(_("number of meetings"), null=True, blank=True)
    until = models.DateField(_("last date"), null=True, blank=True)
    skip_dates = models.JSONField(_("dates to skip"), default=list, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Seoul", validators=[validate_timezone]
    )
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    online_url = models.URLField(_("online link"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_weeks__gte=1, interval_weeks__lte=12),
                name="series_interval_sane",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_valid"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="series_duration_sane",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=False, until__isnull=True)
                | Q(count__isnull=True, until__isnull=False),
                name="series_count_xor_until",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("first_date")),
                name="series_until_after_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.interval_weeks}w"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(TimeStampedModel):
    """One meeting (모임) of a cohort, numbered 1회, 2회, …"""

    cohort = models.ForeignKey(
        "labs.Cohort", on_delete=models.CASCADE, related_name="meetings", verbose_name=_("cohort")
    )
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("place"),
    )
    online_url = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True, max_length=10000)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    rsvp_deadline = models.DateTimeField(_("RSVP deadline"), null=True, blank=True)
    # True once someone edits this meeting by hand: a later cadence change leaves it alone.
    edited = models.BooleanField(default=False)
    # Calendar identity: the UID never changes; SEQUENCE goes up with every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["cohort_id", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "number"], name="meeting_number_unique"),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="meeting_external_id_unique_per_cohort"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="meeting_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in MeetingStatus]),
                name="meeting_status_known",
            ),
        ]
        indexes = [models.Index(fields=["location", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("sessions:meeting_detail", kwargs={"pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class RsvpAnswer(models.TextChoices):
    YES = "yes", _("Going")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("Not going")


class Rsvp(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    answer = models.CharField(_("answer"), max_length=8, choices=RsvpAnswer.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="rsvp_one_per_member"),
            models.UniqueConstraint(
                fields=["meeting", "external_id"], name="rsvp_external_id_unique_per_meeting"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=[c.value for c in RsvpAnswer]), name="rsvp_answer_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.user} · {self.answer}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_one_per_member"),
            models.UniqueConstraint(
                fields=["meeting", "external_id"], name="attendance_external_id_unique_per_meeting"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in AttendanceStatus]),
                name="attendance_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.user} · {self.status}"


class Poll(TimeStampedModel):
    """A date poll: candidate times, members answer, the leader turns the winner into a meeting."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="polls")
    title = models.CharField(_("title"), max_length=200)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=240)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    meeting = models.OneToOneField(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="poll"
    )

    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("date poll")
        verbose_name_plural = _("date polls")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="poll_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PollOption(TimeStampedModel):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        verbose_name = _("candidate time")
        verbose_name_plural = _("candidate times")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "starts_at"], name="poll_option_unique_time"),
        ]

    def __str__(self) -> str:
        return f"{self.poll} · {self.starts_at:%Y-%m-%d %H:%M}"


class PollAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    IF_NEED_BE = "if_need_be", _("If need be")
    NO = "no", _("No")


class PollVote(TimeStampedModel):
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes"
    )
    answer = models.CharField(_("answer"), max_length=12, choices=PollAnswer.choices)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        constraints = [
            models.UniqueConstraint(fields=["option", "user"], name="poll_vote_one_per_member"),
            models.CheckConstraint(
                condition=Q(answer__in=[c.value for c in PollAnswer]), name="poll_answer_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.option} · {self.user} · {self.answer}"


class SlotKind(models.TextChoices):
    """The track a slot belongs to: the columns of the presenters board."""

    CHAPTER = "chapter", _("Book chapter")
    PAPER = "paper", _("Paper review")
    IMPLEMENTATION = "implementation", _("Implementation")
    PROBLEM = "problem", _("Coding-test problem")
    TOPIC = "topic", _("Interview topic")
    ROLE = "role", _("Role")


class Slot(TimeStampedModel):
    """A presentation place at a meeting (발표 자리): who presents what, with materials."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    kind = models.CharField(_("track"), max_length=16, choices=SlotKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    materials_url = models.URLField(_("materials link"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("presenters"), default=1)
    position = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["meeting_id", "kind", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=20), name="slot_capacity_sane"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in SlotKind]), name="slot_kind_known"
            ),
            models.UniqueConstraint(
                fields=["meeting", "external_id"], name="slot_external_id_unique_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.title}"


class AssignmentSource(models.TextChoices):
    CLAIM = "claim", _("Claimed")
    WAITLIST = "waitlist", _("From the waitlist")
    LEADER = "leader", _("Assigned by a leader")
    ROTATION = "rotation", _("Rotation")
    DRAW = "draw", _("Draw")
    SWAP = "swap", _("Swap")


class SlotAssignment(TimeStampedModel):
    """One presenter of a slot. Capacity is enforced under a lock on the slot row."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slot_assignments"
    )
    source = models.CharField(
        max_length=10, choices=AssignmentSource.choices, default=AssignmentSource.CLAIM
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("presenter")
        verbose_name_plural = _("presenters")
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="slot_assignment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.slot} · {self.user}"


class WaitlistEntry(TimeStampedModel):
    """A member waiting for a full slot; the earliest gets it when someone gives it back."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="waitlist_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.slot} · {self.user}"


class AwayPeriod(TimeStampedModel):
    """Dates a member cannot present (exams, trips): the rotation never picks them then."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="away")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="away_periods"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("away period")
        verbose_name_plural = _("away periods")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="away_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.start} ~ {self.end}"


class SlotChange(models.Model):
    """Audit log of who presents what: every claim, release, promotion, swap, assignment."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("slot change")
        verbose_name_plural = _("slot changes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.slot} · {self.action}"


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Withdrawn")


class SwapRequest(TimeStampedModel):
    """A presenter asks another to exchange slots; accepting swaps both assignments at once."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swap_requests_made"
    )
    requester_slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="swap_requests_received"
    )
    target_slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("message"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in SwapStatus]), name="swap_status_known"
            ),
            models.UniqueConstraint(
                fields=["requester_slot", "external_id"], name="swap_external_id_unique_per_slot"
            ),
            models.CheckConstraint(
                condition=~Q(requester_slot=F("target_slot")), name="swap_between_two_slots"
            ),
            # One open request per pair of slots: a double click cannot ask twice.
            models.UniqueConstraint(
                fields=["requester_slot", "target_slot"],
                condition=Q(status="pending"),
                name="swap_one_pending_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_slot} ⇄ {self.target_slot} · {self.status}"


class DrawKind(models.TextChoices):
    PICK = "pick", _("Random pick")
    LADDER = "ladder", _("Ladder game")


class Draw(TimeStampedModel):
    """A reproducible draw: participants are fixed first, then the server draws a seed; the
    seed, participants and result are stored so anyone can re-run it and get the same result."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="draws")
    kind = models.CharField(_("kind"), max_length=8, choices=DrawKind.choices)
    title = models.CharField(_("what is drawn"), max_length=200)
    # [{"id": user id, "name": display name}, ...] in the order they were entered.
    participants = models.JSONField(_("participants"))
    # What can be drawn for (ladder: one prize per rung end, e.g. ["랩장", "꽝", "꽝"]).
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)
    seed = models.CharField(_("seed"), max_length=64)
    # pick: {"winners": [user ids]}; ladder: {"rungs": [...], "assignment": {user id: outcome}}.
    result = models.JSONField(_("result"))
    slot = models.ForeignKey(
        Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="draws"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in DrawKind]), name="draw_kind_known"
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="draw_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- Paper review: the pool, bids, load caps and assignments ---------------------------------


class ReviewSettings(TimeStampedModel):
    """A cohort's paper-review defaults; created on first use."""

    cohort = models.OneToOneField(
        "labs.Cohort", on_delete=models.CASCADE, related_name="review_settings"
    )
    reviews_per_paper = models.PositiveSmallIntegerField(_("reviews per paper"), default=2)
    load_cap = models.PositiveSmallIntegerField(_("reviews per member"), default=3)
    due_days = models.PositiveSmallIntegerField(_("days to write a review"), default=14)
    bidding_open = models.BooleanField(_("bidding open"), default=True)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviews_per_paper__lte=20), name="review_settings_demand_sane"
            ),
            models.CheckConstraint(condition=Q(load_cap__lte=50), name="review_settings_cap_sane"),
            models.CheckConstraint(
                condition=Q(due_days__gte=1, due_days__lte=365), name="review_settings_due_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort} · {self.reviews_per_paper}/{self.load_cap}"


class PaperStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    REVIEWED = "reviewed", _("Reviewed")


class Paper(TimeStampedModel):
    """A paper in a cohort's pool, optionally presented in a slot (a "slow paper" series)."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="papers")
    track = models.CharField(
        _("track"), max_length=16, choices=SlotKind.choices, default=SlotKind.PAPER
    )
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), max_length=500, blank=True)
    # Normalised arXiv identifier ("1706.03762"), used to recognise a paper pasted twice.
    arxiv_id = models.CharField(_("arXiv id"), max_length=32, blank=True)
    authors = models.CharField(_("authors"), max_length=1000, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    abstract = models.TextField(_("abstract"), blank=True, max_length=10000)
    status = models.CharField(
        _("status"), max_length=10, choices=PaperStatus.choices, default=PaperStatus.PROPOSED
    )
    # None: the cohort's ReviewSettings.reviews_per_paper.
    reviews_needed = models.PositiveSmallIntegerField(_("reviews needed"), null=True, blank=True)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Members who wrote the paper: never assigned to review it.
    member_authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authored_papers"
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="papers"
    )
    writeup_url = models.URLField(_("write-up link"), max_length=500, blank=True)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        ordering = ["cohort_id", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in PaperStatus]), name="paper_status_known"
            ),
            models.CheckConstraint(
                condition=Q(track__in=[c.value for c in SlotKind]), name="paper_track_known"
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="paper_year_sane",
            ),
            models.CheckConstraint(
                condition=Q(reviews_needed__isnull=True) | Q(reviews_needed__lte=20),
                name="paper_reviews_needed_sane",
            ),
            models.UniqueConstraint(
                fields=["cohort", "arxiv_id"],
                condition=~Q(arxiv_id=""),
                name="paper_arxiv_id_once_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["cohort", "external_id"], name="paper_external_id_unique_per_cohort"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BidPreference(models.TextChoices):
    """How much a member wants to review a paper; "conflict" means never."""

    VERY_HIGH = "very_high", _("Very high")
    HIGH = "high", _("High")
    NEUTRAL = "neutral", _("Neutral")
    LOW = "low", _("Low")
    VERY_LOW = "very_low", _("Very low")
    CONFLICT = "conflict", _("Conflict")


class Bid(TimeStampedModel):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="bids")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_bids"
    )
    preference = models.CharField(_("bid"), max_length=10, choices=BidPreference.choices)
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["paper", "user"], name="bid_one_per_member"),
            models.CheckConstraint(
                condition=Q(preference__in=[c.value for c in BidPreference]),
                name="bid_preference_known",
            ),
            models.UniqueConstraint(
                fields=["paper", "external_id"], name="bid_external_id_unique_per_paper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · {self.user} · {self.preference}"


class ReviewerCap(TimeStampedModel):
    """A member's own load cap in a cohort, overriding ReviewSettings.load_cap."""

    cohort = models.ForeignKey("labs.Cohort", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cap = models.PositiveSmallIntegerField(_("reviews at most"))

    class Meta:
        verbose_name = _("review load cap")
        verbose_name_plural = _("review load caps")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="reviewer_cap_once"),
            models.CheckConstraint(condition=Q(cap__lte=50), name="reviewer_cap_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ≤ {self.cap}"


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class ReviewSource(models.TextChoices):
    SOLVER = "solver", _("Assignment solver")
    LEADER = "leader", _("Assigned by a leader")


class ReviewAssignment(TimeStampedModel):
    """One reviewer of one paper. Started or submitted reviews and leader-forced pairs are kept
    when the solver is re-run (adjust mode)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED
    )
    source = models.CharField(
        _("source"), max_length=8, choices=ReviewSource.choices, default=ReviewSource.SOLVER
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # Why this pair, as data rendered in the reader's language:
    # {"bid": "high", "load": 2, "cap": 3, "kept": false, "forced": false}.
    reason = models.JSONField(_("reason"), default=dict, blank=True)
    writeup_url = models.URLField(_("write-up link"), max_length=500, blank=True)
    writeup_notes = models.TextField(_("write-up notes"), blank=True, max_length=20000)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    external_id = models.CharField(  # noqa: DJ001 -- NULL means "none", unique-safe
        _("external id"), max_length=120, null=True, blank=True
    )

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["paper_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "reviewer"], name="review_once_per_pair"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ReviewStatus]),
                name="review_status_known",
            ),
            models.CheckConstraint(
                condition=Q(source__in=[c.value for c in ReviewSource]),
                name="review_source_known",
            ),
            models.UniqueConstraint(
                fields=["paper", "external_id"], name="review_external_id_unique_per_paper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} · {self.reviewer}"
