"""factory_boy factories for every model the tests need."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from labs.models import Cohort, CohortStatus, Invitation, Lab, Membership, Role
from members.models import Profile, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory, profile=None)
    display_name = factory.Sequence(lambda n: f"랩원{n}")
    # Tests assert messages in English; a test about Korean sets the language itself.
    language = "en"


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    name = factory.Sequence(lambda n: f"딥러닝 연구실 {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")
    description = "논문을 함께 읽는 모임"


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    lab = factory.SubFactory(LabFactory)
    number = factory.Sequence(lambda n: n + 1)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=120))
    status = CohortStatus.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)
    role = Role.MEMBER
    joined_on = factory.LazyFunction(lambda: date(2026, 1, 1))


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    cohort = factory.SubFactory(CohortFactory)
    token = factory.Sequence(lambda n: f"invite-token-{n:06d}")
    role = Role.MEMBER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    max_uses = 5


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Location"

    lab = factory.SubFactory(LabFactory)
    name = factory.Sequence(lambda n: f"스터디룸 {n}")
    address = "서울 강남구 테헤란로 1"
    latitude = Decimal("37.498100")
    longitude = Decimal("127.027600")
    capacity = 20


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Meeting"

    cohort = factory.SubFactory(CohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=4))


class RsvpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Rsvp"

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    answer = "yes"


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Slot"

    meeting = factory.SubFactory(MeetingFactory)
    kind = "chapter"
    title = factory.Sequence(lambda n: f"{n + 1}장")
    capacity = 1


class InterviewTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.InterviewTopic"

    cohort = factory.SubFactory(CohortFactory)
    week = factory.Sequence(lambda n: n % 200 + 1)
    title = factory.Sequence(lambda n: f"면접 주제 {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.Question"

    topic = factory.SubFactory(InterviewTopicFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"면접 질문 {n}은 무엇인가요?")
    model_answer = "모범 답안입니다."
    reference_links = factory.LazyFunction(list)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.Answer"

    question = factory.SubFactory(QuestionFactory)
    author = factory.SubFactory(UserFactory)
    body = "제 답변입니다."


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.Practice"

    question = factory.SubFactory(QuestionFactory)
    user = factory.SubFactory(UserFactory)
    practised_at = factory.LazyFunction(timezone.now)


class ProblemSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.ProblemSet"

    cohort = factory.SubFactory(CohortFactory)
    week = factory.Sequence(lambda n: n % 200 + 1)
    title = factory.Sequence(lambda n: f"{n + 1}주차")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.Problem"

    problem_set = factory.SubFactory(ProblemSetFactory)
    platform = "baekjoon"
    number = factory.Sequence(lambda n: str(1000 + n))
    title = factory.Sequence(lambda n: f"문제 {n + 1}")
    url = factory.LazyAttribute(lambda o: f"https://www.acmicpc.net/problem/{o.number}")
    position = factory.Sequence(lambda n: n + 1)


class SolveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trackers.Solve"

    problem = factory.SubFactory(ProblemFactory)
    user = factory.SubFactory(UserFactory)
    status = "solved"
    solved_at = factory.LazyFunction(timezone.now)


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Paper"

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"논문 {n + 1}")
    url = factory.Sequence(lambda n: f"https://arxiv.org/abs/2401.{n + 10000:05d}")
    arxiv_id = factory.Sequence(lambda n: f"2401.{n + 10000:05d}")


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.Bid"

    paper = factory.SubFactory(PaperFactory)
    user = factory.SubFactory(UserFactory)
    preference = "high"


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "study_sessions.ReviewAssignment"

    paper = factory.SubFactory(PaperFactory)
    reviewer = factory.SubFactory(UserFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    reason = factory.LazyFunction(
        lambda: {"bid": "neutral", "load": 1, "cap": 3, "kept": False, "forced": False}
    )
