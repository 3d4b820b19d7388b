"""contrib/labmate-sheets.gs, run under Node with stand-ins for the Apps Script services and
real HTTP to the Labmate API (live_server): the pull, a checkbox pushed back with If-Match, a
refused edit undone, an edit of a row that changed in Labmate meanwhile not sent, and a
formula-looking title kept as text. Skipped where Node is not installed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from members.services import api_token_create
from tests.factories import (
    MeetingFactory,
    ProblemFactory,
    ProblemSetFactory,
    SlotFactory,
    SolveFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("api_cache")]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "contrib" / "labmate-sheets.gs"
HARNESS = Path(__file__).with_name("sheets_harness.js")
# Node runs the Apps Script here; like Chromium for the e2e tests, a missing Node fails the
# tests instead of skipping them (.ci/run installs it).
NODE = shutil.which("node") or "node"


def run(live_server, token: str, board: str, steps: list) -> dict:
    payload = {
        "gs": str(SCRIPT),
        "properties": {
            "LABMATE_URL": live_server.url,
            "LABMATE_TOKEN": token,
            "LABMATE_BOARD": board,
        },
        "steps": steps,
    }
    done = subprocess.run(
        [NODE, str(HARNESS)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def solves(world):
    problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=1))
    mine = SolveFactory(problem=problem, user=world.member, presented=False)
    theirs = SolveFactory(problem=problem, user=world.leader, presented=False)
    return mine, theirs


@pytest.fixture
def token(world):
    _token, secret = api_token_create(
        user=world.member, name="sheet", scope="write", lab_slug="deep-lab"
    )
    return secret


PRESENTED = 5  # the column of the Presented checkbox


def test_sheets_script_syntax_is_valid():
    subprocess.run([NODE, "--check", str(HARNESS)], check=True)
    copy = subprocess.run(
        [NODE, "-e", f"new Function(require('fs').readFileSync({str(SCRIPT)!r}, 'utf8'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert copy.returncode == 0, copy.stderr


def test_sheets_script_pulls_the_board_and_pushes_a_ticked_checkbox(
    world, live_server, solves, token
):
    mine, _theirs = solves

    out = run(live_server, token, "solves", [["pull"], ["edit", 2, PRESENTED, True, "FALSE"]])

    assert out["results"] == [2, "sent"]
    assert out["cells"][0] == [
        "Problem",
        "Member",
        "Status",
        "Solved",
        "Presented",
        "Solution",
        "Labmate id",
        "Labmate updated_at",
    ]
    assert [row[6] for row in out["cells"][1:]] == sorted(s.pk for s in solves)
    mine.refresh_from_db()
    assert mine.presented is True
    patch = next(r for r in out["requests"] if r[0] == "PATCH")
    assert patch[2] is not None  # sent with If-Match


def test_sheets_script_undoes_an_edit_labmate_refuses(world, live_server, solves, token):
    _mine, theirs = solves

    out = run(live_server, token, "solves", [["pull"], ["edit", 3, PRESENTED, True, "FALSE"]])

    assert out["results"] == [2, "refused"]
    assert out["cells"][2][PRESENTED - 1] is False
    assert out["notes"][f"3,{PRESENTED}"].startswith("Not sent to Labmate: ")
    theirs.refresh_from_db()
    assert theirs.presented is False


def test_sheets_script_sends_nothing_for_a_row_changed_in_labmate_since_the_pull(
    world, live_server, solves, token
):
    mine, _theirs = solves
    elsewhere = ["api", "PATCH", f"/api/v1/solves/{mine.pk}/", {"status": "stuck"}]

    out = run(
        live_server, token, "solves", [["pull"], elsewhere, ["edit", 2, PRESENTED, True, "FALSE"]]
    )

    assert out["results"] == [2, 200, "stale"]
    mine.refresh_from_db()
    assert (mine.status, mine.presented) == ("stuck", False)
    assert (out["cells"][1][2], out["cells"][1][PRESENTED - 1]) == ("stuck", False)
    assert out["notes"][f"2,{PRESENTED}"].startswith("Changed in Labmate since the last pull")
    assert [r[0] for r in out["requests"]].count("PATCH") == 1  # only the other client's


def test_sheets_script_keeps_a_formula_looking_title_as_text(world, live_server, token):
    SlotFactory(meeting=MeetingFactory(cohort=world.cohort), title='=IMPORTXML("x","y")')

    out = run(live_server, token, "slots", [["pull"]])

    assert out["cells"][1][2] == '\'=IMPORTXML("x","y")'
