"""Admin for community objects (operators' escape hatch; members use the pages and the API)."""

from __future__ import annotations

from django.contrib import admin

from community.models import (
    Application,
    GuestTalk,
    LabShowcase,
    MeetingNote,
    NoteEditor,
    NoteQuestion,
    OutsideEvent,
    Recruitment,
    ShowcaseMember,
    ShowcaseOutput,
    TalkQuestion,
)


@admin.register(LabShowcase)
class LabShowcaseAdmin(admin.ModelAdmin):
    list_display = ("lab", "updated_at")
    list_select_related = ("lab",)
    raw_id_fields = ("lab",)


@admin.register(ShowcaseMember)
class ShowcaseMemberAdmin(admin.ModelAdmin):
    list_display = ("lab", "user", "introduction")
    list_select_related = ("lab", "user")
    raw_id_fields = ("lab", "user")


@admin.register(ShowcaseOutput)
class ShowcaseOutputAdmin(admin.ModelAdmin):
    list_display = ("title", "lab", "kind", "url")
    list_filter = ("kind",)
    list_select_related = ("lab",)
    raw_id_fields = ("lab", "created_by")


@admin.register(Recruitment)
class RecruitmentAdmin(admin.ModelAdmin):
    list_display = ("cohort", "closes_on", "closed_at")
    list_select_related = ("cohort__lab",)
    raw_id_fields = ("cohort", "created_by")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("applicant", "cohort", "status", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("applicant", "cohort__lab")
    raw_id_fields = ("recruitment", "cohort", "applicant", "decided_by", "membership")


class NoteQuestionInline(admin.TabularInline):
    model = NoteQuestion
    extra = 0
    fields = ("position", "question", "answer", "links")


@admin.register(MeetingNote)
class MeetingNoteAdmin(admin.ModelAdmin):
    list_display = ("meeting", "updated_at", "updated_by")
    list_select_related = ("meeting__cohort__lab", "updated_by")
    raw_id_fields = ("meeting", "cohort", "created_by", "updated_by")
    search_fields = ("body",)
    inlines = (NoteQuestionInline,)


@admin.register(NoteEditor)
class NoteEditorAdmin(admin.ModelAdmin):
    list_display = ("cohort", "meeting", "user")
    raw_id_fields = ("cohort", "meeting", "user", "added_by")


@admin.register(GuestTalk)
class GuestTalkAdmin(admin.ModelAdmin):
    list_display = ("title", "speaker", "cohort", "starts_at")
    list_select_related = ("cohort__lab",)
    raw_id_fields = ("cohort", "host", "created_by")
    search_fields = ("title", "speaker")


@admin.register(TalkQuestion)
class TalkQuestionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "talk", "author", "vote_count", "answered_at")
    list_select_related = ("talk", "author")
    # vote_count follows the vote rows; changing it here would only make it wrong.
    readonly_fields = ("vote_count",)
    raw_id_fields = ("talk", "cohort", "author", "answered_by")


@admin.register(OutsideEvent)
class OutsideEventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "cohort", "starts_at")
    list_filter = ("kind",)
    list_select_related = ("cohort__lab",)
    raw_id_fields = ("cohort", "created_by")
