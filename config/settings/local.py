"""Development settings: SQLite, the filesystem broker, mail written to var/mail."""

from __future__ import annotations

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, REDIS_URL, env_bool

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or "local-development-key-never-use-in-production-0123456789"
)
INTERNAL_IPS = ["127.0.0.1"]

if not REDIS_URL:
    # The API throttle counts in process memory (runserver is one process): on the shared
    # file cache every API request wrote a file, about 0.3 ms (core.api.PerTokenThrottle).
    CACHES = {
        **CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"},
    }

# Development: a webhook may point at a receiver on this machine (http, loopback).
NOTIFICATIONS_WEBHOOK_ALLOW_HTTP = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_HTTP", default=DEBUG)
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
