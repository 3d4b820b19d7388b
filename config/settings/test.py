"""Test settings: SQLite unless DATABASE_URL is set; Redis broker and cache when REDIS_URL is."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
from config.settings.base import REDIS_URL, VAR_DIR, database_from_env

SECRET_KEY = "test-key-not-secret-0123456789-0123456789-0123456789"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": database_from_env(VAR_DIR / "test.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "ko"
if not REDIS_URL:
    # A per-process cache: throttle and lockout counters never leak into var/ or between runs.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests never run collectstatic: WhiteNoise finds files through the finders instead of
# warning about the missing STATIC_ROOT (the live server serves them through the finders too).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The webhook tests post to a receiver on 127.0.0.1; production refuses private addresses.
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
