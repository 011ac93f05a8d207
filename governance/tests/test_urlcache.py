"""governance/urlcache.py: the layout's and the lists' links, reversed once per process,
are what reverse() gives, under any script prefix."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from governance.urlcache import fixed_reverse


def test_same_as_reverse_with_and_without_an_integer_argument():
    for name in ("home", "logout", "collection:my-grid", "events:inbox"):
        assert fixed_reverse(name) == fixed_reverse(name) == reverse(name)
    for pk in (1, 42, 987654321987654321, 7):
        assert fixed_reverse("collection:person-detail", pk) == reverse(
            "collection:person-detail", args=[pk]
        )
    for number in ("SJ2026120100001", "a-b_c", "中文 编号", "a%2Fb", "x?y"):
        assert fixed_reverse("events:detail", number) == reverse("events:detail", args=[number])
    with pytest.raises(NoReverseMatch):
        fixed_reverse("no-such-page")
    with pytest.raises(NoReverseMatch):
        fixed_reverse("collection:person-detail", -3)
    with pytest.raises(NoReverseMatch):
        fixed_reverse("collection:person-detail", "not-a-number")


def test_script_prefix_is_part_of_the_key():
    plain = fixed_reverse("collection:person-detail", 5)
    set_script_prefix("/gov/")
    try:
        assert fixed_reverse("collection:person-detail", 5) == "/gov" + plain
        assert fixed_reverse("home") == reverse("home")
    finally:
        clear_script_prefix()
    assert fixed_reverse("collection:person-detail", 5) == plain


def test_template_tag():
    out = Template(
        "{% load gridgov %}{% fixed_url 'home' %} {% fixed_url 'collection:person-detail' pk %}"
    ).render(Context({"pk": 3}))
    assert out == f"{reverse('home')} {reverse('collection:person-detail', args=[3])}"
