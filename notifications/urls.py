"""URLs of the notifications pages (namespace "notifications")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from notifications import views

app_name = "notifications"

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bell/", views.bell, name="bell"),
    path("inbox/read-all/", views.mark_all_read, name="mark_all_read"),
    path("inbox/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("inbox/<int:pk>/open/", views.open_entry, name="open"),
    path("settings/notifications/", views.preferences, name="preferences"),
    path(
        "labs/<slug:slug>/<int:number>/reminders/",
        views.cohort_reminders,
        name="cohort_reminders",
    ),
    path(
        "labs/<slug:slug>/<int:number>/reminders/<int:pk>/",
        views.rule_update,
        name="rule_update",
    ),
    path(
        "labs/<slug:slug>/<int:number>/reminders/webhook/",
        views.webhook_save,
        name="webhook_save",
    ),
    path(
        "labs/<slug:slug>/<int:number>/deliveries/",
        views.cohort_deliveries,
        name="cohort_deliveries",
    ),
    path(
        "labs/<slug:slug>/<int:number>/deliveries/<int:pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
