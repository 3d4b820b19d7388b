"""Development settings: SQLite, the filesystem broker, mail written to var/mail."""

from __future__ import annotations

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or "local-development-key-never-use-in-production-0123456789"
)
INTERNAL_IPS = ["127.0.0.1"]
