"""URLs of the sessions pages (namespace "sessions"), gathered from one module per area."""

from __future__ import annotations

from sessions.urls import (
    attendance,
    draws,
    feeds,
    history,
    meetings,
    places,
    polls,
    reviews,
    rotation,
    slots,
    swaps,
)

app_name = "sessions"

urlpatterns = [
    *meetings.urlpatterns,
    *attendance.urlpatterns,
    *places.urlpatterns,
    *polls.urlpatterns,
    *feeds.urlpatterns,
    *slots.urlpatterns,
    *rotation.urlpatterns,
    *swaps.urlpatterns,
    *history.urlpatterns,
    *draws.urlpatterns,
    *reviews.urlpatterns,
]
