"""Settings per environment: production fails fast and passes the deploy checks; pages get CSP."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler
from django.urls import reverse

from config.settings.base import database_from_env

PRODUCTION_ENV = {
    "SECRET_KEY": "prod-check-0c9f4b2e7a1d8e6f3b5a9c0d2e4f6a8b1c3d5e7f9a0b2c4d6e8f",
    "ALLOWED_HOSTS": "labmate.example.com",
    "DATABASE_URL": "postgres://labmate:unused@127.0.0.1:5432/labmate",
}
# Without EMAIL_HOST mail goes to files, which `check --deploy` rightly refuses (mail.E001).
DEPLOY_ENV = PRODUCTION_ENV | {"EMAIL_HOST": "smtp.example.com"}
DEPLOY_CHECK = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def run_with_production_settings(tmp_path, args: list[str], **env: str):
    """Run Python in a clean environment (no inherited secrets) with production settings."""
    clean = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    clean |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "LABMATE_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ((), "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL"),
        (("ALLOWED_HOSTS", "DATABASE_URL"), "SECRET_KEY"),
        (("SECRET_KEY", "DATABASE_URL"), "ALLOWED_HOSTS"),
        (("SECRET_KEY", "ALLOWED_HOSTS"), "DATABASE_URL"),
    ],
)
def test_production_settings_refuse_to_load_without_secrets(tmp_path, present, missing):
    env = {name: PRODUCTION_ENV[name] for name in present}

    result = run_with_production_settings(tmp_path, ["-c", "import django; django.setup()"], **env)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: "
        f"Production settings need these environment variables: {missing}"
    )


def test_production_settings_pass_deploy_checks(tmp_path):
    result = run_with_production_settings(tmp_path, DEPLOY_CHECK, **DEPLOY_ENV)

    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )


def test_production_deploy_check_refuses_file_mail_without_smtp_host(tmp_path):
    result = run_with_production_settings(tmp_path, DEPLOY_CHECK, **PRODUCTION_ENV)

    assert result.returncode == 1
    assert "(mail.E001)" in result.stderr


@pytest.mark.django_db
def test_page_response_carries_content_security_policy(client):
    response = client.get(reverse("members:login"))

    directives = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    nonce = re.fullmatch(r"'self' 'nonce-[A-Za-z0-9+/=_-]+'", directives.pop("script-src"))
    assert nonce is not None
    assert directives == {
        "default-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def test_local_sqlite_database_runs_in_wal_mode(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    connections = ConnectionHandler({"default": database_from_env(tmp_path / "local.sqlite3")})
    connection = connections["default"]

    try:
        # A connection of its own to a file database, outside the test database.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
    finally:
        connection.close()

    assert journal_mode == "wal"
