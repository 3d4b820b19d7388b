"""Test settings: SQLite unless DATABASE_URL is set; Redis broker and cache when REDIS_URL is."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, database_from_env

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
