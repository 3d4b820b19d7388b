"""Schemathesis against the seeded API: no 5xx, and every response (status code, content type,
headers, body) as the schema documents it.

Runs the schemathesis CLI against a live server on the demo data (`seed_demo`) with a write
token of the demo lab's leader, so generated requests reach real objects and real services.
Capped to finish in about two minutes: 8 examples per operation, the examples, fuzzing
and stateful phases (the coverage phase's exhaustive edge cases take several minutes; run
it by hand with `--phases coverage`). Needs PostgreSQL, as CI runs it.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from members.models import User
from members.services import api_token_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = 8
SEED = 2026
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server, settings, tmp_path
):
    # Thousands of requests a minute from one token: lift the throttle (it still runs).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "1000000/min"},
    }
    call_command("seed_demo", stdout=io.StringIO())
    leader = User.objects.get(email="jiwoo@demo.labmate.kr")
    _token, secret = api_token_create(user=leader, name="schemathesis", scope="write")

    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            "examples,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
