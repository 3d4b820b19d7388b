"""Bulk, deterministic benchmark data: N labs, M members with profiles, cohorts, roles, links.

Everything it writes is marked so it can be told apart from real data and removed with
`--reset`: users' emails end in "@scale.labmate.test" and lab slugs start with "scale-".
Rows go in with bulk_create in batches inside one transaction, and every account shares one
precomputed password hash (hashing 20,000 passwords would take hours, not seconds).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

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
from members.models import Profile, User

SCALE_EMAIL_DOMAIN = "scale.labmate.test"
SCALE_SLUG_PREFIX = "scale-"
SCALE_PASSWORD = "labmate-scale-2026"  # noqa: S105 -- benchmark accounts on a local database
BATCH_SIZE = 2000
COHORT_DAYS = 150
COHORT_GAP_DAYS = 30

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민"
SYLLABLES = "민서지우현준도하윤수연예시건은채유나진영아재호성빈태희경원주혜상동"
INTERESTS = (
    "자연어 처리",
    "컴퓨터 비전",
    "강화학습",
    "추천 시스템",
    "생성 모델",
    "그래프 신경망",
    "음성 인식",
    "MLOps",
    "코딩 테스트",
    "LLM 에이전트",
    "시계열",
    "정보 검색",
)
TOPICS = ("딥러닝 논문 리뷰", "코딩 테스트", "면접 스터디", "LLM 구현", "추천 시스템 읽기")


def scale_users() -> Any:
    return User.objects.filter(email__endswith=f"@{SCALE_EMAIL_DOMAIN}")


def scale_labs() -> Any:
    return Lab.objects.filter(slug__startswith=SCALE_SLUG_PREFIX)


def scale_data_exists() -> bool:
    return scale_labs().exists() or scale_users().exists()


def delete_scale_data() -> None:
    """Remove only marked rows; cascades take their cohorts, memberships and links along."""
    with transaction.atomic():
        scale_labs().delete()
        scale_users().delete()


def _korean_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(SYLLABLES) + rng.choice(SYLLABLES)


class Command(BaseCommand):
    help = "Create deterministic bulk data for benchmarks (marked; remove it with --reset)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labs", type=int, required=True, help="Number of labs.")
        parser.add_argument("--members", type=int, required=True, help="Number of users.")
        parser.add_argument("--cohorts-per-lab", type=int, default=3, help="Cohorts per lab.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete existing scale data first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        labs, members, per_lab = options["labs"], options["members"], options["cohorts_per_lab"]
        if labs < 1 or per_lab < 1:
            raise CommandError("--labs and --cohorts-per-lab must be at least 1.")
        # Every cohort needs a leader and a facilitator, so at least two people per cohort.
        if members < 2 * labs * per_lab:
            raise CommandError("--members must be at least 2 x labs x cohorts-per-lab.")
        started = time.perf_counter()
        if scale_data_exists():
            if not options["reset"]:
                raise CommandError("Scale data already exists; pass --reset to replace it.")
            delete_scale_data()
        rng = random.Random(options["seed"])
        with transaction.atomic():
            counts = self._build(rng, labs=labs, members=members, per_lab=per_lab)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Scale data: {summary} in {elapsed:.1f} s."))

    def _build(
        self, rng: random.Random, *, labs: int, members: int, per_lab: int
    ) -> dict[str, int]:
        password = make_password(SCALE_PASSWORD)  # once: every account shares the hash
        now = timezone.now()
        users = User.objects.bulk_create(
            (
                User(email=f"user{i:06d}@{SCALE_EMAIL_DOMAIN}", password=password, date_joined=now)
                for i in range(members)
            ),
            batch_size=BATCH_SIZE,
        )
        Profile.objects.bulk_create(
            (
                Profile(
                    user_id=user.pk,
                    display_name=_korean_name(rng),
                    interests=", ".join(rng.sample(INTERESTS, 2)),
                )
                for user in users
            ),
            batch_size=BATCH_SIZE,
        )
        lab_rows = Lab.objects.bulk_create(
            (
                Lab(
                    name=f"스케일 연구실 {i + 1:04d}",
                    slug=f"{SCALE_SLUG_PREFIX}{i + 1:04d}",
                    topic=rng.choice(TOPICS),
                    description="벤치마크용으로 생성한 연구실입니다.",
                    visibility=Visibility.PUBLIC if i % 4 == 0 else Visibility.PRIVATE,
                )
                for i in range(labs)
            ),
            batch_size=BATCH_SIZE,
        )
        cohorts = Cohort.objects.bulk_create(
            self._cohorts(lab_rows, per_lab, timezone.localdate()), batch_size=BATCH_SIZE
        )
        by_lab: dict[int, list[Cohort]] = {}
        for cohort in cohorts:
            by_lab.setdefault(cohort.lab_id, []).append(cohort)
        memberships, leaders = self._memberships(rng, users, lab_rows, by_lab)
        Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
        invitations = Invitation.objects.bulk_create(
            self._invitations(rng, cohorts, leaders, now), batch_size=BATCH_SIZE
        )
        return {
            "users": len(users),
            "labs": len(lab_rows),
            "cohorts": len(cohorts),
            "memberships": len(memberships),
            "invitations": len(invitations),
        }

    def _cohorts(self, labs: list[Lab], per_lab: int, today: date) -> list[Cohort]:
        rows = []
        span = COHORT_DAYS + COHORT_GAP_DAYS
        for lab in labs:
            for number in range(1, per_lab + 1):
                # The newest cohort runs now; the earlier ones finished before it.
                start = today - timedelta(days=60 + (per_lab - number) * span)
                rows.append(
                    Cohort(
                        lab=lab,
                        number=number,
                        name=f"{number}기",
                        start_date=start,
                        end_date=start + timedelta(days=COHORT_DAYS),
                        status=CohortStatus.ACTIVE if number == per_lab else CohortStatus.FINISHED,
                    )
                )
        return rows

    def _memberships(
        self,
        rng: random.Random,
        users: list[User],
        labs: list[Lab],
        by_lab: dict[int, list[Cohort]],
    ) -> tuple[list[Membership], dict[int, int]]:
        """Each user joins one lab and one or two consecutive cohorts of it.

        Labs differ in size (weights 0.5-1.5), so cohorts do too. Every cohort gets exactly
        one leader and one or two facilitators; about 5% of the other seats have been left.
        """
        weights = [rng.uniform(0.5, 1.5) for _ in labs]
        seats: dict[int, list[int]] = {c.pk: [] for cs in by_lab.values() for c in cs}
        # The first 2 x cohorts users go round-robin, so no cohort can end up with fewer than two.
        all_cohorts = [c for lab in labs for c in by_lab[lab.pk]]
        user_ids = [u.pk for u in users]
        for cohort, user_id in zip(all_cohorts * 2, user_ids, strict=False):
            seats[cohort.pk].append(user_id)
        for user_id in user_ids[2 * len(all_cohorts) :]:
            lab_cohorts = by_lab[rng.choices(labs, weights)[0].pk]
            index = rng.randrange(len(lab_cohorts))
            seats[lab_cohorts[index].pk].append(user_id)
            if len(lab_cohorts) > 1 and rng.random() < 0.4:
                # Carried over to the next cohort (or came from the previous one).
                other = index + 1 if index + 1 < len(lab_cohorts) else index - 1
                seats[lab_cohorts[other].pk].append(user_id)

        cohorts = {c.pk: c for c in all_cohorts}
        rows: list[Membership] = []
        leaders: dict[int, int] = {}
        for cohort_id, people in seats.items():
            cohort = cohorts[cohort_id]
            facilitators = 2 if len(people) > 2 and rng.random() < 0.5 else 1
            leaders[cohort_id] = people[0]
            for position, user_id in enumerate(people):
                if position == 0:
                    role = Role.LEADER
                elif position <= facilitators:
                    role = Role.FACILITATOR
                else:
                    role = Role.GUEST if rng.random() < 0.03 else Role.MEMBER
                joined = cohort.start_date + timedelta(days=rng.randrange(0, 21))
                left = role in (Role.MEMBER, Role.GUEST) and rng.random() < 0.05
                rows.append(
                    Membership(
                        user_id=user_id,
                        cohort_id=cohort_id,
                        role=role,
                        status=MembershipStatus.LEFT if left else MembershipStatus.ACTIVE,
                        joined_on=joined,
                        left_on=joined + timedelta(days=rng.randrange(14, 90)) if left else None,
                    )
                )
        return rows, leaders

    def _invitations(
        self,
        rng: random.Random,
        cohorts: list[Cohort],
        leaders: dict[int, int],
        now: Any,
    ) -> list[Invitation]:
        rows = []
        for cohort in cohorts:
            for _ in range(rng.randint(2, 4)):
                role = rng.choice((Role.MEMBER, Role.MEMBER, Role.FACILITATOR, Role.GUEST))
                rows.append(
                    Invitation(
                        cohort=cohort,
                        token=f"scale-{rng.getrandbits(128):032x}",
                        role=role,
                        expires_at=now + timedelta(days=rng.randint(-10, 60)),
                        max_uses=rng.choice((1, 5, 20)),
                        created_by_id=leaders[cohort.pk],
                    )
                )
        return rows
