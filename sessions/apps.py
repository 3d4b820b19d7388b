from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    name = "sessions"
    # django.contrib.sessions owns the label "sessions"; this one is fixed before the
    # first migration because the label names tables and migration dependencies.
    label = "study_sessions"
    verbose_name = _("Study sessions")
