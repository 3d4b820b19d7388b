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
