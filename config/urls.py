"""Top-level URLs: pages, the API, its schema and docs, the health check."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from core.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file (?script) and our template
    # drops the inline <style>, so the page needs nothing our CSP ('self' + nonce) blocks.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/api_docs.html"
        ),
        name="api-docs",
    ),
    path("", include("core.urls")),
    path("", include("members.urls")),
    path("", include("labs.urls")),
    path("", include("sessions.urls")),
    path("", include("trackers.urls")),
    path("", include("notifications.urls")),
    path("", include("community.urls")),
]

# Under /api/ a URL nothing answers gets the API's JSON error, not an HTML page.
handler404 = "core.views.not_found"
