"""Demo content for the coding-test study: four weekly problem sets (greedy, DP, graph search,
binary search) ending with the current week, and realistic solves: two members who finish
every week, one who is mostly on track, and one who is falling behind. Called by
`manage.py seed_demo`; idempotent (a cohort that already has problem sets is left alone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.changes import record_changes
from labs.models import Cohort
from members.models import User
from trackers import progress
from trackers.models import Problem, ProblemSet, Solve
from trackers.services.coding import problem_create, problem_set_create, solve_save


@dataclass(frozen=True)
class DemoProblem:
    platform: str
    number: str
    title: str
    difficulty: str
    tags: tuple[str, ...]


WEEKS: tuple[tuple[str, tuple[DemoProblem, ...]], ...] = (
    (
        "그리디",
        (
            DemoProblem("baekjoon", "11047", "동전 0", "Silver 4", ("그리디",)),
            DemoProblem("baekjoon", "1931", "회의실 배정", "Silver 1", ("그리디", "정렬")),
            DemoProblem("programmers", "42862", "체육복", "Lv. 1", ("그리디",)),
        ),
    ),
    (
        "다이나믹 프로그래밍",
        (
            DemoProblem("baekjoon", "1463", "1로 만들기", "Silver 3", ("DP",)),
            DemoProblem("baekjoon", "9095", "1, 2, 3 더하기", "Silver 3", ("DP",)),
            DemoProblem("leetcode", "climbing-stairs", "Climbing Stairs", "Easy", ("DP",)),
        ),
    ),
    (
        "그래프 탐색",
        (
            DemoProblem("baekjoon", "1260", "DFS와 BFS", "Silver 2", ("DFS", "BFS")),
            DemoProblem("baekjoon", "2178", "미로 탐색", "Silver 1", ("BFS",)),
            DemoProblem("programmers", "43162", "네트워크", "Lv. 3", ("DFS", "유니온 파인드")),
        ),
    ),
    (
        "이분 탐색",
        (
            DemoProblem("baekjoon", "1920", "수 찾기", "Silver 4", ("이분 탐색",)),
            DemoProblem("baekjoon", "2805", "나무 자르기", "Silver 2", ("이분 탐색",)),
            DemoProblem("leetcode", "binary-search", "Binary Search", "Easy", ("이분 탐색",)),
        ),
    ),
)


@dataclass(frozen=True)
class DemoSolve:
    """(week index 0-3, problem index 0-2): status, days after the week's Monday, details."""

    status: str
    day: int = 2
    language: str = ""
    notes: str = ""
    presented: bool = False


S, X = "solved", "stuck"
# Who did what. The last week is the current one, so it is only partly done.
PATTERNS: dict[str, dict[tuple[int, int], DemoSolve]] = {
    # The leader: every problem, early in the week, presents the greedy week.
    "haeun": {
        **{(w, p): DemoSolve(S, day=1 + p, language="Python") for w in range(3) for p in range(3)},
        (0, 1): DemoSolve(
            S,
            day=1,
            language="Python",
            notes="끝나는 시간 기준으로 정렬한 뒤, 겹치지 않는 회의를 앞에서부터 고르면 된다.",
            presented=True,
        ),
        (3, 0): DemoSolve(S, day=0, language="Python"),
        (3, 1): DemoSolve(S, day=1, language="Python"),
    },
    # Finishes every week; stuck once on DP, solved it two days later; presents the DP week.
    "seoyeon": {
        **{(w, p): DemoSolve(S, day=3 + p, language="C++") for w in range(3) for p in range(3)},
        (1, 0): DemoSolve(
            S,
            day=5,
            language="C++",
            notes=(
                "처음엔 그리디로 풀다가 반례(10)에 막혔다. "
                "dp[i] = min(dp[i-1], dp[i/2], dp[i/3]) + 1."
            ),
            presented=True,
        ),
        (3, 0): DemoSolve(S, day=1, language="C++"),
    },
    # Mostly on track: the DP week finished a day late, the graph week on time.
    "junseo": {
        **{(w, p): DemoSolve(S, day=4, language="Java") for w in (0, 2) for p in range(3)},
        (1, 0): DemoSolve(S, day=5, language="Java"),
        (1, 1): DemoSolve(S, day=6, language="Java"),
        (1, 2): DemoSolve(S, day=7, language="Java", notes="마감 다음 날 새벽에 제출…"),
        (2, 2): DemoSolve(
            S,
            day=6,
            language="Java",
            notes="컴퓨터 수만큼 방문 배열을 두고 DFS로 연결 요소를 센다.",
            presented=True,
        ),
    },
    # Falling behind: two of three in week 1, one in week 2, stuck in week 3, nothing since.
    "gunwoo": {
        (0, 0): DemoSolve(S, day=6, language="Python"),
        (0, 1): DemoSolve(S, day=6, language="Python"),
        (1, 0): DemoSolve(S, day=6, language="Python"),
        (2, 1): DemoSolve(X, day=6, notes="BFS 큐에 넣을 때 방문 처리를 안 해서 시간 초과."),
    },
}


def _weeks(cohort: Cohort, today: dt.date) -> list[int]:
    """The four study weeks shown: the three before the current one, and the current one."""
    first = progress.week_starts_on(cohort.start_date, 1)
    current = max(4, (progress.local_week_start(today) - first).days // 7 + 1)
    return list(range(current - 3, current + 1))


@transaction.atomic
def seed_coding_demo(*, cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    """Four problem sets with three problems each and everyone's solves of them."""
    if ProblemSet.objects.filter(cohort=cohort).exists():
        return
    today = timezone.localdate()
    weeks = _weeks(cohort, today)
    problems: dict[tuple[int, int], Problem] = {}
    for index, (week, (title, items)) in enumerate(zip(weeks, WEEKS, strict=True)):
        is_current = index == len(weeks) - 1
        problem_set = problem_set_create(
            actor=leader, cohort=cohort, week=week, title=title, announce=is_current
        )
        for position, item in enumerate(items, start=1):
            problems[index, position - 1] = problem_create(
                actor=leader,
                problem_set=problem_set,
                platform=item.platform,
                number=item.number,
                title=item.title,
                difficulty=item.difficulty,
                tags=list(item.tags),
                position=position,
            )
    sets = {s.week: s for s in ProblemSet.objects.filter(cohort=cohort)}
    now = timezone.now()
    for local, pattern in PATTERNS.items():
        user = users.get(local)
        if user is None:
            continue
        for (week_index, problem_index), solve in sorted(pattern.items()):
            problem = problems[week_index, problem_index]
            problem_set = sets[weeks[week_index]]
            assert problem_set.starts_on is not None
            # When it was solved: that many days after the week's Monday, at 21:00 in Seoul.
            moment = dt.datetime.combine(
                problem_set.starts_on + dt.timedelta(days=solve.day), dt.time(21), progress.SEOUL
            )
            if moment > now:
                continue  # not yet happened this week
            saved = solve_save(
                actor=user,
                problem=problem,
                status=solve.status,
                solution_url=(
                    f"https://github.com/{local}-algo/study/blob/main/{problem.platform}/"
                    f"{problem.number}.{_extension(solve.language)}"
                    if solve.status == S and solve.language
                    else ""
                ),
                language=solve.language,
                notes=solve.notes,
                presented=solve.presented,
            )
            if solve.status == S:
                # History: the service stamps "now"; the demo back-dates it (no service does).
                back_dated = Solve.objects.filter(pk=saved.pk)
                record_changes(Solve, back_dated)
                back_dated.update(solved_at=moment)


def _extension(language: str) -> str:
    return {"Python": "py", "C++": "cpp", "Java": "java"}.get(language, "txt")
