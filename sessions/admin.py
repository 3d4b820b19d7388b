"""Admin for places, series, meetings, RSVPs, attendance and date polls (operators' escape hatch).

Changes made here bypass the services (no sequence bump, no permission checks): for fixing
data, not for scheduling.
"""

from __future__ import annotations

from django.contrib import admin

from sessions.models import (
    Attendance,
    Location,
    Meeting,
    MeetingSeries,
    Poll,
    PollOption,
    PollVote,
    Rsvp,
    TravelTime,
)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "lab", "address", "capacity", "latitude", "longitude")
    list_filter = ("lab",)
    search_fields = ("name", "address")
    raw_id_fields = ("lab",)


@admin.register(TravelTime)
class TravelTimeAdmin(admin.ModelAdmin):
    list_display = ("lab", "area", "location", "minutes")
    list_filter = ("lab",)
    raw_id_fields = ("lab", "location")


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = (
        "cohort",
        "interval_weeks",
        "weekday",
        "start_time",
        "first_date",
        "count",
        "until",
        "timezone",
    )
    raw_id_fields = ("cohort", "location", "created_by")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("cohort", "number", "title", "starts_at", "status", "location", "edited")
    list_filter = ("status", "edited")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    raw_id_fields = ("cohort", "series", "location")
    readonly_fields = ("uid", "sequence")


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ("meeting", "user", "answer", "updated_at")
    list_filter = ("answer",)
    raw_id_fields = ("meeting", "user")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("meeting", "user", "status", "recorded_by", "updated_at")
    list_filter = ("status",)
    raw_id_fields = ("meeting", "user", "recorded_by")


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ("title", "cohort", "closed_at", "meeting", "created_at")
    raw_id_fields = ("cohort", "location", "created_by", "meeting")


@admin.register(PollOption)
class PollOptionAdmin(admin.ModelAdmin):
    list_display = ("poll", "starts_at")
    raw_id_fields = ("poll",)


@admin.register(PollVote)
class PollVoteAdmin(admin.ModelAdmin):
    list_display = ("option", "user", "answer")
    list_filter = ("answer",)
    raw_id_fields = ("option", "user")
