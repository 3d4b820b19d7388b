"""Build the Korean demo: 서울 AI 논문 연구실 (3기 to 5기), a public coding-test lab, logins.

Idempotent: every row is found by its natural key (email, slug, lab + number, user + cohort)
and only the fields that differ from the spec are written, so a second run changes nothing.
Services create what they can (accounts, labs, cohorts, the join link); the ORM fills in what
no service offers, such as back-dated joins and a member who left 4기 half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from community.demo import seed_community_demo
from core.demo import seed_sync_demo
from core.errors import PermissionDeniedError
from labs.models import (
    Cohort,
    CohortStatus,
    Invitation,
    Lab,
    Membership,
    MembershipStatus,
    Role,
    Visibility,
)
from labs.services import cohort_create, invitation_create, lab_create
from members.models import Profile, User
from members.services import user_create
from notifications.demo import seed_notifications_demo
from sessions.demo import seed_sessions_demo
from sessions.review_demo import seed_reviews_demo
from trackers.demo import seed_coding_demo
from trackers.interview_demo import seed_interview_demo

DEMO_PASSWORD = "labmate-demo-2026"  # noqa: S105 -- printed on purpose: the demo logins are public
DEMO_DOMAIN = "demo.labmate.kr"
INVITATION_KEY = "demo-join-link"


@dataclass(frozen=True)
class Person:
    local: str
    name: str
    bio: str
    interests: str

    @property
    def email(self) -> str:
        return f"{self.local}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class CohortSpec:
    number: int
    name: str
    start: date
    end: date
    status: str


@dataclass(frozen=True)
class LabSpec:
    slug: str
    name: str
    topic: str
    description: str
    visibility: str
    founder: str
    cohorts: tuple[CohortSpec, ...]


@dataclass(frozen=True)
class Seat:
    """One membership: who, in which lab and cohort, with which role, since when, until when."""

    local: str
    lab: str
    number: int
    role: str
    joined: date
    left: date | None = None


PEOPLE = (
    Person(
        "jiwoo",
        "김지우",
        "대학원에서 강화학습을 연구합니다. 5기 랩장을 맡고 있어요.",
        "강화학습, LLM 에이전트, 논문 리뷰",
    ),
    Person(
        "minjun",
        "박민준",
        "백엔드 개발자에서 ML 엔지니어로 전향하는 중입니다. 논문 리뷰 트랙 퍼실이.",
        "추천 시스템, MLOps, PyTorch",
    ),
    Person(
        "seoyeon",
        "이서연",
        "컴퓨터공학과 4학년, 논문 스터디와 코테 스터디를 함께 하고 있어요.",
        "컴퓨터 비전, 알고리즘",
    ),
    Person(
        "hyunwoo",
        "최현우",
        "3기와 4기 랩장을 맡았고, 지금은 랩원으로 함께합니다.",
        "자연어 처리, 트랜스포머",
    ),
    Person("haeun", "정하은", "부트캠프 코테 스터디를 운영합니다.", "알고리즘, 그래프 신경망"),
    Person("doyoon", "강도윤", "3기에서 확산 모델 챕터를 발표했습니다.", "생성 모델, 확산 모델"),
    Person("sua", "조수아", "데이터 분석가로 일하고 있습니다.", "시계열, 통계"),
    Person("yejun", "윤예준", "3기부터 꾸준히 참여하고 있는 랩원입니다.", "음성 인식, 모델 경량화"),
    Person("harin", "장하린", "4기 중간에 이직 준비로 잠시 쉬고 있어요.", "멀티모달"),
    Person("siwoo", "임시우", "구현 트랙 퍼실이. 논문 재현 코드를 좋아합니다.", "JAX, 분산 학습"),
    Person("yuna", "한유나", "5기에 새로 합류했습니다. 잘 부탁드려요!", "LLM 평가, 프롬프트"),
    Person("gunwoo", "오건우", "스타트업에서 검색 모델을 만듭니다.", "정보 검색, RAG"),
    Person("chaewon", "송채원", "게스트로 논문 리뷰 트랙에 참여합니다.", "의료 AI"),
    Person("junseo", "배준서", "취업을 준비하는 부트캠프 수료생입니다.", "코딩 테스트, 파이썬"),
)

SEOUL = "seoul-ai-lab"
BOOTCAMP = "bootcamp-coding-test"

LABS = (
    LabSpec(
        slug=SEOUL,
        name="서울 AI 논문 연구실",
        topic="딥러닝 논문 리뷰와 구현",
        description=(
            "격주 토요일 오후 2시부터 6시까지 네 시간 동안 모여 딥러닝 논문을 함께 읽고 "
            "구현합니다. 모임은 세 트랙으로 진행합니다: 논문 리뷰(매회 두 편), 책 스터디"
            "(한 장씩 돌아가며 발표), 구현(리뷰한 논문을 PyTorch로 재현). 발표자는 돌아가며 "
            "맡고, 기수마다 랩장과 트랙별 퍼실이를 새로 정합니다."
        ),
        visibility=Visibility.PRIVATE,
        founder="hyunwoo",
        cohorts=(
            CohortSpec(
                3, "트랜스포머 기초", date(2025, 9, 6), date(2026, 1, 24), CohortStatus.FINISHED
            ),
            CohortSpec(4, "확산 모델", date(2026, 3, 7), date(2026, 7, 25), CohortStatus.FINISHED),
            CohortSpec(5, "LLM 에이전트", date(2026, 9, 5), date(2027, 1, 30), CohortStatus.ACTIVE),
        ),
    ),
    LabSpec(
        slug=BOOTCAMP,
        name="부트캠프 코테 스터디",
        topic="코딩 테스트 대비",
        description=(
            "부트캠프 수료생들이 매주 수요일 저녁 온라인으로 모여 백준·프로그래머스 문제를 "
            "풀고, 각자 한 문제씩 풀이를 발표합니다."
        ),
        visibility=Visibility.PUBLIC,
        founder="haeun",
        cohorts=(
            CohortSpec(
                1, "가을 코테반", date(2026, 10, 7), date(2026, 12, 30), CohortStatus.ACTIVE
            ),
        ),
    ),
)

_C3, _C4, _C5 = (c.start for c in LABS[0].cohorts)
SEATS = (
    # 3기: led by 최현우; 강도윤 and 조수아 stopped after it.
    Seat("hyunwoo", SEOUL, 3, Role.LEADER, _C3),
    Seat("haeun", SEOUL, 3, Role.FACILITATOR, _C3),
    Seat("jiwoo", SEOUL, 3, Role.MEMBER, _C3),
    Seat("yejun", SEOUL, 3, Role.MEMBER, _C3),
    Seat("doyoon", SEOUL, 3, Role.MEMBER, _C3),
    Seat("sua", SEOUL, 3, Role.MEMBER, _C3),
    # 4기: 최현우 leads again; 장하린 left half-way.
    Seat("hyunwoo", SEOUL, 4, Role.LEADER, _C4),
    Seat("jiwoo", SEOUL, 4, Role.FACILITATOR, _C4),
    Seat("yejun", SEOUL, 4, Role.MEMBER, _C4),
    Seat("minjun", SEOUL, 4, Role.MEMBER, _C4),
    Seat("siwoo", SEOUL, 4, Role.MEMBER, _C4),
    Seat("harin", SEOUL, 4, Role.MEMBER, _C4, left=date(2026, 5, 16)),
    # 5기: 김지우 took over; 이서연, 한유나, 오건우 are new; 송채원 is a guest.
    Seat("jiwoo", SEOUL, 5, Role.LEADER, _C5),
    Seat("minjun", SEOUL, 5, Role.FACILITATOR, _C5),
    Seat("siwoo", SEOUL, 5, Role.FACILITATOR, _C5),
    Seat("hyunwoo", SEOUL, 5, Role.MEMBER, _C5),
    Seat("yejun", SEOUL, 5, Role.MEMBER, _C5),
    Seat("seoyeon", SEOUL, 5, Role.MEMBER, _C5),
    Seat("yuna", SEOUL, 5, Role.MEMBER, _C5),
    Seat("gunwoo", SEOUL, 5, Role.MEMBER, date(2026, 9, 19)),
    Seat("chaewon", SEOUL, 5, Role.GUEST, date(2026, 10, 3)),
    # The public coding-test lab.
    Seat("haeun", BOOTCAMP, 1, Role.LEADER, date(2026, 10, 7)),
    Seat("seoyeon", BOOTCAMP, 1, Role.MEMBER, date(2026, 10, 7)),
    Seat("gunwoo", BOOTCAMP, 1, Role.MEMBER, date(2026, 10, 7)),
    Seat("junseo", BOOTCAMP, 1, Role.MEMBER, date(2026, 10, 14)),
)

LOGINS = (
    ("jiwoo", "5기 랩장 (leader)"),
    ("minjun", "5기 퍼실이 (facilitator)"),
    ("seoyeon", "5기 랩원 (member)"),
)


def _sync(obj: models.Model, **fields: Any) -> bool:
    """Write only the fields that differ, so an unchanged row keeps its updated_at."""
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(obj, name, fields[name])
    obj.save(update_fields=[*changed, "updated_at"])
    return True


class Command(BaseCommand):
    help = "Create (or complete) the Korean demo labs and print the demo logins. Safe to re-run."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = {person.local: self._person(person) for person in PEOPLE}
            cohorts: dict[tuple[str, int], Cohort] = {}
            for spec in LABS:
                cohorts.update(self._lab(spec, users[spec.founder]))
            for seat in SEATS:
                self._seat(seat, users[seat.local], cohorts[seat.lab, seat.number])
            invitation = self._invitation(cohorts[SEOUL, 5], users["jiwoo"])
            seed_sessions_demo(cohort=cohorts[SEOUL, 5], leader=users["jiwoo"], users=users)
            seed_reviews_demo(cohort=cohorts[SEOUL, 5], leader=users["jiwoo"], users=users)
            seed_interview_demo(cohort=cohorts[SEOUL, 5], leader=users["jiwoo"], users=users)
            seed_coding_demo(cohort=cohorts[BOOTCAMP, 1], leader=users["haeun"], users=users)
            seed_community_demo(users=users)
            seed_sync_demo(
                cohort=cohorts[SEOUL, 5], users=[users["jiwoo"], users["minjun"], users["seoyeon"]]
            )
            seed_notifications_demo(cohort=cohorts[SEOUL, 5], leader=users["jiwoo"], users=users)
        self._print_logins(invitation)

    def _person(self, person: Person) -> User:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = user_create(email=person.email, password=DEMO_PASSWORD, display_name=person.name)
        profile = Profile.objects.filter(user=user).first()
        if profile is None:
            profile = Profile.objects.create(user=user, display_name=person.name)
        _sync(profile, display_name=person.name, bio=person.bio, interests=person.interests)
        return user

    def _lab(self, spec: LabSpec, founder: User) -> dict[tuple[str, int], Cohort]:
        lab = Lab.objects.filter(slug=spec.slug).first()
        if lab is None:
            first = spec.cohorts[0]
            lab = lab_create(
                actor=founder,
                name=spec.name,
                slug=spec.slug,
                description=spec.description,
                topic=spec.topic,
                visibility=spec.visibility,
                cohort_number=first.number,
                cohort_name=first.name,
                start_date=first.start,
                end_date=first.end,
            )
        _sync(
            lab,
            name=spec.name,
            description=spec.description,
            topic=spec.topic,
            visibility=spec.visibility,
        )
        # Create every missing cohort before any is marked finished: cohort_create asks
        # for a leader of an open cohort, which the founder stops being once 3기 is closed.
        cohorts = {c.number: self._cohort(lab, c, founder) for c in spec.cohorts}
        for c in spec.cohorts:
            _sync(
                cohorts[c.number],
                name=c.name,
                start_date=c.start,
                end_date=c.end,
                status=c.status,
            )
        return {(spec.slug, number): cohort for number, cohort in cohorts.items()}

    def _cohort(self, lab: Lab, spec: CohortSpec, founder: User) -> Cohort:
        cohort = Cohort.objects.filter(lab=lab, number=spec.number).first()
        if cohort is not None:
            return cohort
        try:
            return cohort_create(
                actor=founder,
                lab=lab,
                number=spec.number,
                name=spec.name,
                start_date=spec.start,
                end_date=spec.end,
            )
        except PermissionDeniedError:
            # Only when a demo lab lost a cohort after it was closed: restore it directly.
            return Cohort.objects.create(
                lab=lab,
                number=spec.number,
                name=spec.name,
                start_date=spec.start,
                end_date=spec.end,
                status=spec.status,
            )

    def _seat(self, seat: Seat, user: User, cohort: Cohort) -> None:
        # No service back-dates a join or records a past departure: the ORM does it here.
        fields = {
            "role": seat.role,
            "status": MembershipStatus.LEFT if seat.left else MembershipStatus.ACTIVE,
            "joined_on": seat.joined,
            "left_on": seat.left,
        }
        membership = Membership.objects.filter(user=user, cohort=cohort).first()
        if membership is None:
            Membership.objects.create(user=user, cohort=cohort, **fields)
        else:
            _sync(membership, **fields)

    def _invitation(self, cohort: Cohort, leader: User) -> Invitation:
        invitation = Invitation.objects.filter(cohort=cohort, external_id=INVITATION_KEY).first()
        if invitation is None:
            invitation = invitation_create(
                actor=leader, cohort=cohort, role=Role.MEMBER, expires_in_days=90, max_uses=100
            )
            _sync(invitation, external_id=INVITATION_KEY)
        elif not invitation.is_usable:
            # A demo left lying around for months: make its link work again.
            _sync(
                invitation,
                revoked_at=None,
                expires_at=timezone.now() + timedelta(days=90),
                max_uses=max(invitation.max_uses, invitation.use_count + 100),
            )
        return invitation

    def _print_logins(self, invitation: Invitation) -> None:
        rows = [(f"{local}@{DEMO_DOMAIN}", DEMO_PASSWORD, role) for local, role in LOGINS]
        width = max(len(email) for email, _, _ in rows)
        write = self.stdout.write
        write(self.style.SUCCESS("Demo data is ready: 서울 AI 논문 연구실 (seoul-ai-lab)."))
        write("")
        write(f"  {'email':<{width}}  {'password':<{len(DEMO_PASSWORD)}}  role")
        write(f"  {'-' * width}  {'-' * len(DEMO_PASSWORD)}  {'-' * 24}")
        for email, password, role in rows:
            write(f"  {email:<{width}}  {password}  {role}")
        write("")
        try:
            path = reverse("labs:join", kwargs={"token": invitation.token})
        except NoReverseMatch:
            path = f"/join/{invitation.token}/"
        write(f"  5기 invitation link: {settings.SITE_URL.rstrip('/')}{path}")
