"""Demo content for the interview study: two weekly topics of 5기 (경사하강법, 과적합과 정규화)
with members' questions, model answers, others' answers and practice marks. Called by
`manage.py seed_demo`; idempotent (every row is found again by its external id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from labs.models import Cohort
from members.models import User
from trackers.models import Answer, InterviewTopic, Practice, Question
from trackers.services.interview import (
    answer_create,
    interview_topic_create,
    practice_mark,
    question_create,
)

SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class DemoAnswer:
    key: str
    author: str
    body: str


@dataclass(frozen=True)
class DemoQuestion:
    key: str
    author: str
    text: str
    model_answer: str
    links: tuple[str, ...] = ()
    answers: tuple[DemoAnswer, ...] = ()
    # Who practised it, and how many days ago.
    practised: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DemoTopic:
    key: str
    week: int
    title: str
    description: str
    questions: tuple[DemoQuestion, ...]


TOPICS = (
    DemoTopic(
        key="demo-interview-w1",
        week=1,
        title="경사하강법",
        description=(
            "손실 함수의 기울기를 따라 파라미터를 갱신하는 방법입니다. "
            "**학습률**, **배치 크기**, **모멘텀/Adam** 같은 옵티마이저까지 "
            "한 번에 정리해 봅시다.\n\n"
            "각자 질문 하나와 모범 답안을 금요일 밤까지 올려 주세요."
        ),
        questions=(
            DemoQuestion(
                key="demo-iq-1",
                author="seoyeon",
                text="학습률이 너무 크거나 너무 작으면 각각 어떤 문제가 생기나요?",
                model_answer=(
                    "- **너무 크면** 최솟값을 지나쳐 손실이 진동하거나 발산합니다.\n"
                    "- **너무 작으면** 수렴이 매우 느리고, 얕은 지역 최솟값이나 안장점 근처에서 "
                    "오래 머무를 수 있습니다.\n\n"
                    "그래서 보통 학습률 스케줄(warmup 후 cosine decay 등)을 쓰고, "
                    "학습률 범위 테스트로 적당한 값을 찾습니다."
                ),
                links=("https://cs231n.github.io/neural-networks-3/",),
                answers=(
                    DemoAnswer(
                        "demo-ia-1",
                        "hyunwoo",
                        "면접에서는 손실 곡선 그림을 같이 그려서 설명하면 좋더라고요. "
                        "발산할 때는 loss가 `NaN`이 되는 경우도 언급하면 좋습니다.",
                    ),
                    DemoAnswer(
                        "demo-ia-2",
                        "yuna",
                        "warmup이 왜 필요한지 꼬리 질문이 자주 나와요. 초기에 Adam의 2차 모멘트 "
                        "추정이 불안정하기 때문이라는 설명을 덧붙이면 좋겠습니다.",
                    ),
                ),
                practised=(("yejun", 3), ("gunwoo", 20)),
            ),
            DemoQuestion(
                key="demo-iq-2",
                author="yejun",
                text="배치 경사하강법, 확률적 경사하강법(SGD), 미니배치 경사하강법의 차이는?",
                model_answer=(
                    "| 방식 | 한 번 갱신에 쓰는 데이터 | 특징 |\n"
                    "|---|---|---|\n"
                    "| 배치 | 전체 | 안정적이지만 느리고 메모리가 많이 필요 |\n"
                    "| SGD | 샘플 1개 | 빠르지만 잡음이 커서 진동 |\n"
                    "| 미니배치 | 32~512개 | GPU 병렬화와 안정성의 절충 |\n\n"
                    "SGD의 잡음은 오히려 날카로운 최솟값을 벗어나 일반화에 도움이 된다는 "
                    "해석도 있습니다."
                ),
                answers=(
                    DemoAnswer(
                        "demo-ia-3",
                        "seoyeon",
                        "배치 크기를 키울 때 학습률도 비례해서 키우는 *linear scaling rule*도 "
                        "같이 알아 두면 좋을 것 같아요.",
                    ),
                ),
                practised=(("seoyeon", 2),),
            ),
            DemoQuestion(
                key="demo-iq-3",
                author="gunwoo",
                text="Adam 옵티마이저는 어떻게 동작하고, SGD+모멘텀과 비교해 장단점은?",
                model_answer=(
                    "Adam은 기울기의 1차 모멘트(평균)와 2차 모멘트(제곱 평균)를 지수이동평균으로 "
                    "추적하고, 초기 편향을 보정한 뒤 파라미터마다 학습률을 다르게 조정합니다.\n\n"
                    "- 장점: 하이퍼파라미터에 덜 민감하고 초반 수렴이 빠름\n"
                    "- 단점: 일반화 성능이 SGD+모멘텀보다 떨어지는 경우가 있어 "
                    "AdamW(가중치 감쇠 분리)를 많이 씁니다."
                ),
                links=("https://arxiv.org/abs/1412.6980", "https://arxiv.org/abs/1711.05101"),
                practised=(("seoyeon", 1), ("yejun", 30)),
            ),
        ),
    ),
    DemoTopic(
        key="demo-interview-w2",
        week=2,
        title="과적합과 정규화",
        description=(
            "훈련 데이터에만 잘 맞는 모델을 어떻게 알아차리고 막을지 이야기합니다. "
            "L1/L2, 드롭아웃, 데이터 증강, 조기 종료를 다룹니다."
        ),
        questions=(
            DemoQuestion(
                key="demo-iq-4",
                author="hyunwoo",
                text="과적합이 일어났다는 것을 어떻게 알 수 있고, 어떤 방법으로 줄일 수 있나요?",
                model_answer=(
                    "훈련 손실은 계속 내려가는데 **검증 손실이 다시 올라가기 시작하면** "
                    "과적합을 의심합니다.\n\n"
                    "1. 데이터를 늘리거나 증강한다\n"
                    "2. 모델 용량을 줄이거나 정규화(L2, 드롭아웃)를 건다\n"
                    "3. 검증 손실 기준으로 조기 종료한다"
                ),
                answers=(
                    DemoAnswer(
                        "demo-ia-4",
                        "seoyeon",
                        "교차 검증으로 분산을 확인하는 방법도 덧붙이면 좋겠습니다.",
                    ),
                ),
            ),
            DemoQuestion(
                key="demo-iq-5",
                author="yuna",
                text="L1 정규화와 L2 정규화는 무엇이 다르고, 각각 언제 쓰나요?",
                model_answer=(
                    "- **L1**: 가중치 절댓값의 합에 벌점. 많은 가중치를 정확히 0으로 만들어 "
                    "특성 선택 효과가 있습니다.\n"
                    "- **L2**: 가중치 제곱합에 벌점. 가중치를 고르게 작게 만들고, "
                    "경사하강법에서는 가중치 감쇠(weight decay)와 같습니다.\n\n"
                    "희소한 모델이 필요하면 L1, 일반적인 딥러닝에서는 L2(또는 AdamW의 "
                    "weight decay)를 주로 씁니다."
                ),
                links=("https://developers.google.com/machine-learning/crash-course",),
                answers=(
                    DemoAnswer(
                        "demo-ia-5",
                        "gunwoo",
                        "Adam에서는 L2 벌점과 weight decay가 같지 않다는 점(AdamW 논문)이 "
                        "꼬리 질문으로 나왔어요.",
                    ),
                ),
                practised=(("yejun", 5),),
            ),
            DemoQuestion(
                key="demo-iq-6",
                author="seoyeon",
                text="드롭아웃은 왜 과적합을 줄이나요? 추론할 때는 어떻게 동작하나요?",
                model_answer=(
                    "학습 중 뉴런을 무작위로 꺼서 특정 뉴런끼리의 **공적응(co-adaptation)**을 "
                    "막고, 여러 부분 네트워크를 앙상블하는 효과를 냅니다.\n\n"
                    "추론할 때는 모든 뉴런을 쓰고, 학습 때 유지 확률로 나눠 주는 "
                    "*inverted dropout* 덕분에 출력의 기댓값이 맞춰집니다."
                ),
                links=("https://jmlr.org/papers/v15/srivastava14a.html",),
                answers=(
                    DemoAnswer(
                        "demo-ia-6",
                        "yejun",
                        "배치 정규화와 함께 쓸 때 분산이 어긋나는 문제도 있다고 들었어요.",
                    ),
                    DemoAnswer(
                        "demo-ia-7",
                        "jiwoo",
                        "좋은 정리예요. MC 드롭아웃으로 불확실성을 추정하는 응용도 한 줄 "
                        "덧붙여 보세요.",
                    ),
                ),
            ),
        ),
    ),
)


def _due(cohort: Cohort, week: int) -> datetime:
    """Friday 21:00 (Seoul) of the week-th week of the cohort."""
    start = cohort.start_date + timedelta(weeks=week - 1)
    friday = start + timedelta(days=(4 - start.weekday()) % 7)
    return datetime.combine(friday, time(21, 0), tzinfo=SEOUL)


def _topic(cohort: Cohort, leader: User, spec: DemoTopic) -> InterviewTopic:
    topic = InterviewTopic.objects.filter(cohort=cohort, external_id=spec.key).first()
    if topic is not None:
        return topic
    existing = InterviewTopic.objects.filter(cohort=cohort, week=spec.week, title=spec.title)
    topic = existing.first()
    if topic is not None:
        # Made by hand before the demo ran: adopt it.
        topic.external_id = spec.key
        topic.save(update_fields=["external_id", "updated_at"])
        return topic
    return interview_topic_create(
        actor=leader,
        cohort=cohort,
        week=spec.week,
        title=spec.title,
        description=spec.description,
        due_at=_due(cohort, spec.week),
        external_id=spec.key,
        announce=False,
    )


def seed_interview_demo(*, cohort: Cohort, leader: User, users: dict[str, User]) -> None:
    """Two topics with questions, answers and practice marks in `cohort`. Idempotent."""
    now = timezone.now()
    for spec in TOPICS:
        topic = _topic(cohort, leader, spec)
        for demo_question in spec.questions:
            question = Question.objects.filter(
                topic=topic, external_id=demo_question.key
            ).first() or question_create(
                actor=users[demo_question.author],
                topic=topic,
                text=demo_question.text,
                model_answer=demo_question.model_answer,
                reference_links=demo_question.links,
                external_id=demo_question.key,
            )
            for demo_answer in demo_question.answers:
                if not Answer.objects.filter(
                    question=question, external_id=demo_answer.key
                ).exists():
                    answer_create(
                        actor=users[demo_answer.author],
                        question=question,
                        body=demo_answer.body,
                        external_id=demo_answer.key,
                    )
            for local, days_ago in demo_question.practised:
                if not Practice.objects.filter(question=question, user=users[local]).exists():
                    practice_mark(
                        actor=users[local], question=question, at=now - timedelta(days=days_ago)
                    )
