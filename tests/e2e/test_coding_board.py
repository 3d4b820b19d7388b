"""The coding-test board in a browser: a member ticks a problem solved and sees their completion
update without a reload; a leader imports the group's sheet through the column mapping and
preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD, ProblemFactory, ProblemSetFactory
from trackers.models import Problem, Solve

pytestmark = pytest.mark.django_db(transaction=True)

SHEET = (
    "주차,플랫폼,문제 번호,문제명,난이도,태그\n"
    "1,백준,1931,회의실 배정,Silver 1,그리디\n"
    "1,백준,11047,동전 0,Silver 4,그리디\n"
    '1,프로그래머스,42862,체육복,Lv. 1,"그리디, 구현"\n'
)


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def test_coding_board_member_ticks_a_problem_and_sees_completion_update(
    world, live_server, page: Page
):
    problem_set = ProblemSetFactory(cohort=world.cohort, week=1, title="그리디")
    first = ProblemFactory(problem_set=problem_set, number="1931", title="회의실 배정")
    ProblemFactory(problem_set=problem_set, number="11047", title="동전 0")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, "member@example.com")
    page.goto(f"{live_server.url}/labs/deep-lab/5/coding/")
    progress = page.get_by_test_id(f"progress-{world.member.pk}")
    expect(progress).to_have_text("0/2 · 0%")
    page.evaluate("() => { window.boardMarker = 'still-here'; }")

    page.get_by_test_id(f"my-cell-button-{first.pk}").click()

    expect(page.get_by_test_id(f"my-cell-{first.pk}")).to_have_attribute("data-status", "solved")
    expect(progress).to_have_text("1/2 · 50%")
    expect(page.get_by_test_id(f"streak-{world.member.pk}")).to_have_text("0")
    # One more click on the same cell cycles it to "stuck", and the completion goes back.
    page.get_by_test_id(f"my-cell-button-{first.pk}").click()
    expect(page.get_by_test_id(f"my-cell-{first.pk}")).to_have_attribute("data-status", "stuck")
    expect(progress).to_have_text("0/2 · 0%")
    assert page.evaluate("() => window.boardMarker") == "still-here"
    assert list(Solve.objects.values_list("user_id", "status")) == [(world.member.pk, "stuck")]
    assert errors == []


def test_coding_board_tick_works_without_javascript(world, live_server, browser):
    problem = ProblemFactory(problem_set=ProblemSetFactory(cohort=world.cohort, week=1))
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "member@example.com")
    page.goto(f"{live_server.url}/labs/deep-lab/5/coding/")

    page.get_by_test_id(f"my-cell-button-{problem.pk}").click()

    expect(page).to_have_url(f"{live_server.url}/labs/deep-lab/5/coding/")
    expect(page.get_by_test_id(f"progress-{world.member.pk}")).to_have_text("1/1 · 100%")
    context.close()


def test_coding_import_leader_imports_a_sheet_through_the_preview(world, live_server, page: Page):
    log_in(page, live_server.url, "leader@example.com")
    page.goto(f"{live_server.url}/labs/deep-lab/5/coding/")
    page.get_by_test_id("coding-import-link").click()

    page.locator("input[name=kind][value=problems]").check()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "코테.csv", "mimeType": "text/csv", "buffer": SHEET.encode("cp949")}]
    )
    page.get_by_test_id("import-upload-submit").click()

    expect(page.get_by_test_id("import-file")).to_contain_text("cp949")
    expect(page.get_by_test_id("import-map-number")).to_have_value("2")
    expect(page.get_by_test_id("import-counts")).to_have_text("3 new, 0 changed, 0 unchanged.")
    assert Problem.objects.count() == 0
    # Leave the difficulty out: the preview is checked again with the new mapping.
    page.get_by_test_id("import-map-difficulty").select_option("")
    page.get_by_test_id("import-refresh").click()
    expect(page.get_by_test_id("import-map-difficulty")).to_have_value("")
    page.get_by_test_id("import-confirm").click()

    expect(page).to_have_url(f"{live_server.url}/labs/deep-lab/5/coding/")
    expect(page.locator("#messages")).to_contain_text("Imported: 3 new, 0 changed, 0 unchanged.")
    expect(page.get_by_test_id("coding-sheet")).to_contain_text("BOJ 1931")
    assert sorted(Problem.objects.values_list("number", "difficulty", "tags")) == [
        ("11047", "", ["그리디"]),
        ("1931", "", ["그리디"]),
        ("42862", "", ["그리디", "구현"]),
    ]
