"""Lists: numbered pages and sorting by whitelisted keys only (issue 11)."""

import pytest
from django.contrib.auth import get_user_model

from governance.listing import sort_queryset
from governance.templatetags.gridgov import page_window


def test_page_window_shows_first_last_and_neighbours():
    assert page_window(1, 1) == [1]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert page_window(2, 20) == [1, 2, 3, 4, None, 20]


@pytest.mark.django_db
def test_sort_queryset_honours_only_whitelisted_keys():
    User = get_user_model()
    for name in ("b_user", "a_user", "c_user"):
        User.objects.create(username=name)
    qs = User.objects.filter(username__endswith="_user").order_by("pk")
    sorts = {"name": ("username",)}
    names = lambda q: [u.username for u in q]  # noqa: E731
    assert names(sort_queryset(qs, "name", sorts)) == ["a_user", "b_user", "c_user"]
    assert names(sort_queryset(qs, "-name", sorts)) == ["c_user", "b_user", "a_user"]
    # A database field that is not a key, or garbage, keeps the selector's order.
    for bad in ("password", "-password", "username", "", "--name"):
        assert names(sort_queryset(qs, bad, sorts)) == ["b_user", "a_user", "c_user"]
