"""The leader runs a ladder game (사다리타기) for four members in the browser: the draw page
draws the SVG ladder, animates every path without a console error (the CSP allows only our
own scripts), and its result table matches the stored result; without JavaScript the same
page shows the final paths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from sessions.models import Draw
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def run_ladder(page: Page, base_url: str) -> Draw:
    page.goto(f"{base_url}/labs/deep-lab/5/board/")
    page.get_by_test_id("draws-link").click()
    expect(page).to_have_url(f"{base_url}/labs/deep-lab/5/draws/")
    page.get_by_test_id("draw-new").click()
    page.locator("input[name=kind][value=ladder]").check()
    page.locator("input[name=title]").fill("다음 기수 랩장")
    page.locator("textarea[name=outcomes]").fill("랩장\n꽝\n꽝\n꽝")
    page.get_by_test_id("draw-submit").click()
    expect(page).to_have_url(re.compile(r"/draws/\d+/$"))
    return Draw.objects.get()


def test_leader_runs_a_ladder_game_and_watches_it(world, live_server, page: Page):
    MembershipFactory(cohort=world.cohort, user__profile__display_name="넷째")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "leader@example.com")

    draw = run_ladder(page, live_server.url)

    svg = page.get_by_test_id("ladder-svg")
    expect(svg).to_be_visible()
    expect(page.get_by_test_id("ladder-path")).to_have_count(4)
    # The script hides the paths and draws them one after another, then marks the SVG done.
    expect(svg).to_have_attribute("data-ladder-state", "running")
    expect(svg).to_have_attribute("data-ladder-state", "done", timeout=15_000)
    expect(page.locator(".ladder-row.is-pending")).to_have_count(0)
    rows = page.get_by_test_id("draw-result-row")
    expect(rows).to_have_count(4)
    shown = {
        int(rows.nth(n).get_attribute("data-ladder-row") or 0): rows.nth(n)
        .get_by_test_id("draw-result-outcome")
        .inner_text()
        .strip()
        for n in range(4)
    }
    assert shown == {int(pk): outcome for pk, outcome in draw.result["assignment"].items()}
    assert sorted(shown.values()) == ["꽝", "꽝", "꽝", "랩장"]
    expect(page.get_by_test_id("draw-seed")).to_have_text(draw.seed)

    page.get_by_test_id("draw-verify-button").click()

    expect(page.get_by_test_id("draw-verified")).to_be_visible()
    assert errors == []


def test_ladder_page_shows_the_paths_without_javascript(world, live_server, browser):
    MembershipFactory(cohort=world.cohort, user__profile__display_name="넷째")
    context = browser.new_context(locale="ko-KR", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "leader@example.com")

    run_ladder(page, live_server.url)

    paths = page.get_by_test_id("ladder-path")
    expect(paths).to_have_count(4)
    for n in range(4):
        assert paths.nth(n).get_attribute("stroke-dashoffset") is None
    expect(page.get_by_test_id("ladder-replay")).to_be_hidden()
    context.close()
