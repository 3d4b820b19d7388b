"""Demo content for the community app: the public coding-test lab's page with members who
opted in, its outputs and its 2기 recruiting (one accepted, one pending application); meeting
notes of 서울 AI 논문 연구실 5기, a past guest talk that reads as a Q&A record and an upcoming
one collecting questions, and the conference deadlines the cohort follows.

Called by `manage.py seed_demo` as `seed_community_demo(users=users)` after the labs and the
sessions demo exist; idempotent (every row is found by a natural key before it is written).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from community.models import (
    Application,
    EventKind,
    GuestTalk,
    MeetingNote,
    NoteEditor,
    OutputKind,
    OutsideEvent,
    Recruitment,
    ShowcaseOutput,
)
from community.services import (
    QuestionInput,
    application_accept,
    application_submit,
    event_create,
    meeting_note_save,
    note_editor_add,
    recruitment_open,
    showcase_member_set,
    showcase_output_create,
    showcase_update,
    talk_create,
    talk_question_answer,
    talk_question_ask,
    talk_question_vote,
    talk_update,
)
from labs.models import Cohort, CohortStatus, Lab
from labs.services import cohort_create
from members.models import User

SEOUL = "seoul-ai-lab"
BOOTCAMP = "bootcamp-coding-test"
SEOUL_ZONE = ZoneInfo("Asia/Seoul")

STORY = """부트캠프를 수료한 다섯 명이 "혼자 풀면 작심삼일"이라며 시작한 스터디입니다.
이름 그대로 **코딩 테스트**만 팝니다.

- 매주 수요일 저녁 8시, 온라인
- 그 주의 주제(그리디, BFS, DP …)에서 각자 한 문제씩 풀고 한 명이 풀이를 발표
"""
ACTIVITIES = """한 기수는 12주입니다. 매주 백준·프로그래머스 문제 다섯 개를 풀고,
풀이 코드는 공용 저장소에 올립니다. 마지막 주에는 모의 코딩 테스트를 봅니다."""
INTRODUCTIONS = {
    "haeun": "1기 랩장. 그래프 문제를 좋아합니다.",
    "seoyeon": "논문 스터디와 함께 하고 있어요. DP 담당!",
    "gunwoo": "검색 모델을 만드는 개발자입니다.",
}
OUTPUTS = (
    ("1기 풀이 모음 저장소", "https://github.com/labmate-demo/coding-test-1", OutputKind.CODE),
    ("그리디 문제 풀이 회고", "https://velog.io/@labmate-demo/greedy-retro", OutputKind.WRITEUP),
)

NOTES = (
    (
        """## 발표
- 1장 LLM 에이전트 개요 (이서연)
- ReAct 논문 리뷰 (임시우)

다음 모임까지 2장을 읽어 옵니다.""",
        (
            QuestionInput(
                "질문 1: 왜 ReAct는 추론과 행동을 번갈아 하나요?",
                "행동 결과(관찰)를 다음 추론에 바로 쓰기 위해서. CoT만 쓰면 사실 확인이 안 된다.",
                ("https://arxiv.org/abs/2210.03629",),
            ),
            QuestionInput(
                "질문 2: 풀링(pooling)은 왜 필요한가?",
                "공간 크기를 줄여 계산량을 줄이고, 작은 위치 변화에 덜 민감하게 만든다.",
                (),
            ),
        ),
    ),
    (
        "Toolformer 리뷰와 구현 트랙 진행 상황 공유.",
        (
            QuestionInput(
                "질문 1: Toolformer는 어떤 API 호출을 학습 데이터에 남기나요?",
                "호출 결과가 다음 토큰 예측의 손실을 줄이는 경우만 남긴다.",
                ("https://arxiv.org/abs/2302.04761",),
            ),
        ),
    ),
)

PAST_TALK = "현업 ML 엔지니어에게 묻는다"
NEXT_TALK = "LLM 에이전트 평가, 어떻게 하나요?"
EVENTS = (
    (EventKind.DEADLINE, "ICLR 2027 논문 마감", date(2026, 9, 24), time(21, 0), ""),
    (EventKind.CONFERENCE, "NeurIPS 2026", date(2026, 12, 6), time(9, 0), "San Diego"),
    (EventKind.DEADLINE, "ACL 2027 논문 마감", date(2027, 2, 15), time(21, 0), ""),
    (
        EventKind.SEMINAR,
        "서울대 AI 세미나: 에이전트 안전성",
        date(2027, 1, 14),
        time(16, 0),
        "서울대 301동",
    ),
)


def seed_community_demo(*, users: dict[str, User]) -> None:
    """The public lab's page and recruiting, and 5기's notes, talks and events."""
    seoul = Cohort.objects.select_related("lab").get(lab__slug=SEOUL, number=5)
    bootcamp = Lab.objects.get(slug=BOOTCAMP)
    _showcase(bootcamp, users)
    _notes(seoul, users)
    _talks(seoul, users)
    _events(seoul, users)


def _showcase(lab: Lab, users: dict[str, User]) -> None:
    leader = users["haeun"]
    showcase_update(actor=leader, lab=lab, story=STORY, activities=ACTIVITIES)
    for local, introduction in INTRODUCTIONS.items():
        showcase_member_set(actor=users[local], lab=lab, introduction=introduction)
    for title, url, kind in OUTPUTS:
        if not ShowcaseOutput.objects.filter(lab=lab, title=title).exists():
            showcase_output_create(actor=leader, lab=lab, title=title, url=url, kind=kind)
    cohort = Cohort.objects.filter(lab=lab, number=2).first()
    if cohort is None:
        cohort = cohort_create(
            actor=leader,
            lab=lab,
            number=2,
            name="겨울 코테반",
            start_date=date(2027, 1, 6),
            end_date=date(2027, 3, 31),
            status=CohortStatus.PLANNED,
        )
    recruitment = Recruitment.objects.filter(cohort=cohort).first()
    if recruitment is None or not recruitment.is_open:
        closes_on = max(date(2026, 12, 30), timezone.localdate() + timedelta(days=14))
        recruitment = recruitment_open(
            actor=leader,
            cohort=cohort,
            closes_on=closes_on,
            question="이번 기수에 가장 자신 없는 유형은 무엇인가요?",
        )
    if not Application.objects.filter(cohort=cohort, applicant=users["junseo"]).exists():
        accepted = application_submit(
            user=users["junseo"],
            recruitment=recruitment,
            motivation="1기에서 그리디를 끝까지 못 풀었어요. 2기에서 DP까지 가 보고 싶습니다.",
            answer="DP",
        )
        application_accept(actor=leader, application=accepted, note="2기에서 만나요!")
    if not Application.objects.filter(cohort=cohort, applicant=users["sua"]).exists():
        application_submit(
            user=users["sua"],
            recruitment=recruitment,
            motivation="데이터 분석 일을 하며 알고리즘 기초를 다시 다지고 싶습니다.",
            answer="그래프 탐색",
        )


def _notes(cohort: Cohort, users: dict[str, User]) -> None:
    now = timezone.now()
    held = list(cohort.meetings.filter(starts_at__lte=now).order_by("starts_at")[: len(NOTES)])
    # 이서연 writes notes for the whole cohort (the leader allowed her).
    allowed = NoteEditor.objects.filter(cohort=cohort, user=users["seoyeon"], meeting__isnull=True)
    if not allowed.exists():
        note_editor_add(actor=users["jiwoo"], cohort=cohort, user=users["seoyeon"])
    for meeting, (body, questions) in zip(held, NOTES, strict=False):
        if MeetingNote.objects.filter(meeting=meeting).exists():
            continue
        meeting_note_save(actor=users["seoyeon"], meeting=meeting, body=body, questions=questions)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SEOUL_ZONE)


def _talks(cohort: Cohort, users: dict[str, User]) -> None:
    leader = users["jiwoo"]
    today = timezone.localdate()
    if not GuestTalk.objects.filter(cohort=cohort, title=PAST_TALK).exists():
        # Questions are collected before a talk starts, so the talk is made in the future,
        # asked and voted on, then moved to the date it took place, and answered.
        talk = talk_create(
            actor=leader,
            cohort=cohort,
            title=PAST_TALK,
            speaker="정민호 (카카오 ML 엔지니어)",
            speaker_intro="추천 시스템 8년 차",
            starts_at=_at(today + timedelta(days=1), time(19, 0)),
            place="강남역 스터디카페",
            host=leader,
        )
        first = talk_question_ask(
            actor=users["yuna"], talk=talk, text="신입 ML 엔지니어에게 가장 필요한 역량은?"
        )
        second = talk_question_ask(
            actor=users["gunwoo"], talk=talk, text="논문 구현과 실무 코드는 어떻게 다른가요?"
        )
        for local in ("minjun", "seoyeon", "hyunwoo"):
            talk_question_vote(actor=users[local], question=first)
        talk_question_vote(actor=users["siwoo"], question=second)
        talk_update(
            actor=leader,
            talk=talk,
            title=talk.title,
            speaker=talk.speaker,
            speaker_intro=talk.speaker_intro,
            starts_at=_at(date(2026, 10, 22), time(19, 0)),
            place=talk.place,
            host=leader,
        )
        talk_question_answer(
            actor=leader,
            question=first,
            summary="데이터를 직접 들여다보는 습관. 모델보다 데이터 문제가 훨씬 많다.",
        )
    if not GuestTalk.objects.filter(cohort=cohort, title=NEXT_TALK).exists():
        talk = talk_create(
            actor=leader,
            cohort=cohort,
            title=NEXT_TALK,
            speaker="한지민 (네이버 클로바 연구원)",
            starts_at=_at(max(date(2026, 12, 10), today + timedelta(days=10)), time(19, 30)),
            online_url="https://zoom.us/j/5550101",
            description="에이전트 벤치마크와 사람 평가를 어떻게 섞는지 이야기합니다.",
            host=users["minjun"],
        )
        question = talk_question_ask(
            actor=users["yejun"], talk=talk, text="벤치마크 점수와 실제 사용성이 어긋날 때는?"
        )
        talk_question_vote(actor=users["yuna"], question=question)


def _events(cohort: Cohort, users: dict[str, User]) -> None:
    for kind, title, day, moment, location in EVENTS:
        if OutsideEvent.objects.filter(cohort=cohort, title=title).exists():
            continue
        event_create(
            actor=users["jiwoo"],
            cohort=cohort,
            kind=kind,
            title=title,
            starts_at=_at(day, moment),
            location=location,
        )
