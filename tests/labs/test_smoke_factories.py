from __future__ import annotations

from labs.models import Membership


def test_world_fixture_builds_two_labs(world):
    assert Membership.objects.filter(cohort=world.cohort).count() == 3
    assert world.outsider.profile.display_name.startswith("랩원")
