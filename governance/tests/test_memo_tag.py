"""`{% memo %}` (governance/templatetags/gridgov.py): a fragment rendered once per process
for each language and set of values; it sees only the values its tag names, so it cannot
show what its key does not hold."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from governance.templatetags.gridgov import MemoNode

ENGINE = Engine(
    libraries={"gridgov": "governance.templatetags.gridgov", "i18n": "django.templatetags.i18n"}
)


def _template(body: str):
    return ENGINE.from_string("{% load gridgov i18n %}" + body)


@pytest.fixture
def renders(monkeypatch):
    """How many times a fragment was really rendered (not taken from the memo)."""
    count = {"n": 0}
    original = MemoNode._render

    def counting(self, context, values):
        count["n"] += 1
        return original(self, context, values)

    monkeypatch.setattr(MemoNode, "_render", counting)
    return count


def test_a_fragment_sees_only_the_values_it_names():
    t = _template("{% memo a=a %}[{{ a }}|{{ b }}|{{ request }}]{% endmemo %}")
    assert t.render(Context({"a": "甲", "b": "乙", "request": "r"})) == "[甲||]"


def test_rendered_once_per_values_and_language(renders):
    label = _("菜单")
    t = _template(
        "{% memo n=n label=label %}{{ n }} {{ label }} {% translate '退出' %}{% endmemo %}"
    )
    with translation.override("zh-hans"):
        assert t.render(Context({"n": 1, "label": label})) == "1 菜单 退出"
        assert t.render(Context({"n": 1, "label": label, "other": "x"})) == "1 菜单 退出"
        assert renders["n"] == 1
        assert t.render(Context({"n": 2, "label": label})) == "2 菜单 退出"
        assert renders["n"] == 2
    with translation.override("en"):
        english = t.render(Context({"n": 1, "label": label}))
    assert renders["n"] == 3
    assert "菜单" not in english and "退出" not in english


def test_escaping_is_kept_and_text_is_not_confused_with_safe_html(renders):
    from django.utils.safestring import mark_safe

    t = _template("{% memo v=v %}{{ v }}{% endmemo %}")
    assert t.render(Context({"v": "<b>"})) == "&lt;b&gt;"
    assert t.render(Context({"v": mark_safe("<b>")})) == "<b>"
    assert t.render(Context({"v": "<b>"})) == "&lt;b&gt;"
    assert renders["n"] == 2


def test_a_value_the_key_cannot_hold_is_rendered_every_time(renders):
    class Person:
        def __init__(self, name):
            self.name = name

    t = _template("{% memo p=p %}{{ p.name }}{% endmemo %}")
    assert t.render(Context({"p": Person("张三")})) == "张三"
    assert t.render(Context({"p": Person("李四")})) == "李四"
    assert renders["n"] == 2


def test_a_lazy_label_made_anew_with_other_text_is_not_taken_for_the_old_one():
    t = _template(
        "{% memo items=items %}{% for i in items %}{{ i.label }}{% endfor %}{% endmemo %}"
    )
    for text in ("甲", "乙", "丙"):
        assert t.render(Context({"items": [{"label": _(text)}]})) == text


@pytest.mark.parametrize(
    "body",
    [
        "{% memo %}{% csrf_token %}{% endmemo %}",
        "{% memo %}{% block x %}{% endblock %}{% endmemo %}",
        '{% memo %}{% now "H:i" %}{% endmemo %}',
        "{% memo a %}{% endmemo %}",
    ],
)
def test_what_cannot_be_shared_is_refused_when_the_template_is_read(body):
    with pytest.raises(TemplateSyntaxError):
        _template(body)


@pytest.mark.parametrize("a,b", [(True, 1), (1, 1.0), (False, 0), (0, 0.0), ("1", 1)])
def test_values_equal_in_python_but_drawn_differently_are_other_keys(a, b):
    t = _template("{% memo v=v %}[{{ v }}]{% endmemo %}")
    assert t.render(Context({"v": a})) == f"[{a}]"
    assert t.render(Context({"v": b})) == f"[{b}]"


def test_the_links_follow_the_url_prefix():
    from django.urls import set_script_prefix

    t = _template("{% memo %}{% fixed_url 'notifications' %}{% endmemo %}")
    assert t.render(Context()) == "/notifications/"
    set_script_prefix("/gridgov/")
    try:
        assert t.render(Context()) == "/gridgov/notifications/"
    finally:
        set_script_prefix("/")


def test_a_page_extending_the_layout_does_not_walk_inside_its_fragments():
    """`{% extends %}` looks for the parent's blocks on every render: it does not go into a
    fragment (which holds no block), and the blocks around fragments still work."""
    from django.template.defaulttags import IfNode
    from django.template.loader_tags import BlockNode

    engine = Engine(
        libraries={"gridgov": "governance.templatetags.gridgov"},
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "parent.html": "{% load gridgov %}{% memo %}{% if 1 %}fixed{% endif %}"
                    "{% endmemo %}[{% block body %}parent{% endblock %}]",
                    "child.html": "{% extends 'parent.html' %}{% block body %}{{ x }}"
                    "{% endblock %}",
                },
            )
        ],
    )
    parent = engine.get_template("parent.html")
    assert parent.nodelist.get_nodes_by_type(IfNode) == []
    assert [n.name for n in parent.nodelist.get_nodes_by_type(BlockNode)] == ["body"]
    assert engine.get_template("child.html").render(Context({"x": "child"})) == "fixed[child]"
