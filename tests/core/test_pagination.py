"""core.pagination.paginate: a first page that holds everything costs one query, not two."""

from __future__ import annotations

from core.pagination import paginate
from labs.models import Membership
from tests.factories import MembershipFactory


def test_paginate_first_page_that_fits_needs_no_count(world, django_assert_num_queries):
    qs = Membership.objects.order_by("id")

    with django_assert_num_queries(1):
        page = paginate(qs, None, 10)
        rows = list(page)

    assert (len(rows), page.paginator.count, page.has_next()) == (4, 4, False)


def test_paginate_falls_back_to_counting_when_there_is_more(world, django_assert_num_queries):
    MembershipFactory.create_batch(3, cohort=world.cohort)
    qs = Membership.objects.order_by("id")

    first = paginate(qs, "1", 5)
    second = paginate(qs, "2", 5)

    assert (first.paginator.count, first.has_next(), len(list(second))) == (7, True, 2)


def test_paginate_bad_page_number_gives_a_valid_page(world):
    page = paginate(Membership.objects.order_by("id"), "abc", 2)

    assert page.number == 1
