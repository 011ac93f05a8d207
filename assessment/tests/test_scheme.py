"""A whole scheme on fixtures against hand-computed scores (ties and a veto), revisions
frozen by publication, the explanation of a score, and bad input refused whole."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from assessment.compute import scheme_compute, score_inputs, score_text, score_version
from assessment.models import IndicatorSystem, ManualEntry, Result, Revision, Rule, Scheme, Score
from assessment.services import (
    indicator_system_create,
    manual_entry_review,
    manual_entry_submit,
    rule_update,
    scheme_create,
    scheme_publish,
    scheme_review,
)
from assessment.tests.factories import ROWS, cell, rules_make, system_make
from grids.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(province_admin, townships):
    t1, t2, t3 = townships[:3]
    # T1: 10 closed, nothing overdue. T2 and T3: 5 closed, 2 overdue; T3 has a case near
    # its due date (the veto of branch B). A February cell lies outside the period.
    cell(t1, "events.closed", 10)
    cell(t2, "events.closed", 5)
    cell(t2, "events.overdue", 2)
    cell(t3, "events.closed", 5)
    cell(t3, "events.overdue", 2)
    cell(t3, "events.near_due", 1)
    cell(t2, "events.closed", 50, day=date(2026, 2, 10))
    system = system_make(province_admin)
    return scheme_create(
        actor=province_admin,
        name="2026年3月乡镇考核",
        system=system,
        area=Area.objects.get(code="220102000000"),
        period_kind="month",
        period_start=date(2026, 3, 5),
        object_level=4,
    )


def _card(revision, area):
    return revision.results.get(object_code=area.code)


def _scores(result):
    return {s.indicator.code: s.score for s in result.scores.select_related("indicator")}


def test_whole_scheme_against_hand_computed_scores(scheme, province_admin, townships):
    t1, t2, t3, *rest = townships
    entry = manual_entry_submit(
        actor=province_admin,
        scheme=scheme,
        indicator=scheme.system.nodes.get(code="B1"),
        object_code=t1.code,
        score=35,
        evidence="问卷调查报告",
    )
    manual_entry_review(actor=province_admin, entry=entry, approve=True)
    revision = scheme_compute(actor=province_admin, scheme=scheme)
    assert (scheme.period_start, scheme.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    # T1: A1 30 × 10/10 = 30, A2 30 − 0 = 30, B1 35 → 95.
    assert _scores(_card(revision, t1)) == {"A": 60, "A1": 30, "A2": 30, "B": 35, "B1": 35, "B2": 0}
    # T2: A1 30 × 5/10 = 15, A2 30 − 5 × 2 = 20, B1 not filed 0 → 35.
    assert _scores(_card(revision, t2))["A"] == 35
    # T3: as T2, and branch B vetoed → also 35: a tie for second place.
    c3 = _card(revision, t3)
    assert c3.vetoed and _scores(c3)["B"] == 0
    assert [(_card(revision, t).score, _card(revision, t).rank) for t in (t1, t2, t3)] == [
        (95, 1),
        (35, 2),
        (35, 2),
    ]
    for t in rest:  # no cases: A1 0, A2 30 (nothing to deduct), B1 0
        assert (_card(revision, t).score, _card(revision, t).rank) == (30, 4)
    # Explanations: inputs, rule and version, arithmetic; evidence for the manual score.
    a2 = _card(revision, t2).scores.get(indicator__code="A2")
    version = score_version(a2)  # stored once per revision × node
    assert a2.value == 2 and version.number == 1 and version.rule.name == "超期扣分"
    assert (a2.rank, a2.veto) == (None, False)
    assert revision.nodes.count() == scheme.system.nodes.count()
    # the arithmetic is written when shown, from the stored value, rule version and rank
    assert "30 − 5 × 2 = 20" in score_text(a2, [])
    # the inputs are the result's, stored once for all its leaves
    assert score_inputs(a2) == {
        "figure": "events.overdue",
        "label": "超期事件",
        "unit": "件",
        "value": 2,
        "cells": {"events.overdue": 2},
    }
    assert _card(revision, t2).inputs["cells"]["events.closed"] == {"events.closed": 5}
    b1 = _card(revision, t1).scores.get(indicator__code="B1")
    assert score_inputs(b1)["evidence"] == "问卷调查报告"
    assert score_text(b1, []) == "填报得分 35"
    b1_t2 = _card(revision, t2).scores.get(indicator__code="B1")
    assert score_inputs(b1_t2)["missing"] and score_text(b1_t2, []) == "未填报或未审核通过:0 分"
    a = _card(revision, t1).scores.get(indicator__code="A")
    kids = list(_card(revision, t1).scores.filter(indicator__parent=a.indicator))
    assert score_text(a, sorted(kids, key=lambda k: k.indicator.position)) == "30 + 30 = 60"
    b3 = _card(revision, t3).scores.get(indicator__code="B")
    b3_kids = list(_card(revision, t3).scores.filter(indicator__parent=b3.indicator))
    assert b3.veto and [k.indicator.code for k in b3_kids if k.veto] == ["B2"]
    assert score_text(b3, b3_kids) == "一票否决(B2):本分支得 0 分"
    assert _card(revision, t2).weakest[0] == "B1"


def test_publication_freezes_and_recomputing_writes_a_new_revision(
    scheme, province_admin, townships
):
    first = scheme_compute(actor=province_admin, scheme=scheme)
    again = scheme_compute(actor=province_admin, scheme=scheme)  # unpublished: replaced
    assert again.number == first.number == 1
    assert not Revision.objects.filter(pk=first.pk).exists()
    nodes = scheme.system.nodes.count()
    assert Result.objects.filter(revision__scheme=scheme).count() == len(townships)
    assert Score.objects.filter(result__revision__scheme=scheme).count() == len(townships) * nodes
    scheme_review(actor=province_admin, scheme=scheme)
    scheme_publish(actor=province_admin, scheme=scheme)
    frozen = {r.object_code: r.score for r in again.results.all()}
    # The rule changes (a new version), and the data too; a recomputation is revision 2.
    rule_update(
        actor=province_admin, rule=Rule.objects.get(name="超期扣分"), params={"per": 10, "floor": 0}
    )
    cell(townships[0], "events.overdue", 1)
    second = scheme_compute(actor=province_admin, scheme=scheme)
    assert second.number == 2
    again.refresh_from_db()
    assert again.published_at is not None
    assert {r.object_code: r.score for r in again.results.all()} == frozen
    t1_new = second.results.get(object_code=townships[0].code)
    assert t1_new.score == frozen[townships[0].code] - 10
    assert score_version(t1_new.scores.get(indicator__code="A2")).number == 2
    assert score_version(again.results.first().scores.get(indicator__code="A2")).number == 1
    scheme.refresh_from_db()
    assert scheme.state == Scheme.State.COMPUTED


def test_change_against_the_previous_period(scheme, province_admin, townships):
    scheme_compute(actor=province_admin, scheme=scheme)
    april = scheme_create(
        actor=province_admin,
        name="2026年4月乡镇考核",
        system=scheme.system,
        area=scheme.area,
        period_kind="month",
        period_start=date(2026, 4, 1),
        object_level=4,
    )
    cell(townships[1], "events.closed", 10, day=date(2026, 4, 2))
    revision = scheme_compute(actor=province_admin, scheme=april)
    # T2: A1 30, A2 30, B 0 → 60, was 35.
    assert revision.results.get(object_code=townships[1].code).change == 25


def _refused(fn, fragment):
    with pytest.raises(ValidationError) as exc:
        fn()
    text = " ".join(exc.value.messages)
    assert fragment in text, text


def test_bad_trees_are_refused_naming_the_node_and_nothing_is_saved(province_admin):
    rules_make(province_admin)
    rows = [dict(r) for r in ROWS]
    rows[1]["weight"] = 40  # A1 + A2 = 90
    _refused(
        lambda: indicator_system_create(actor=province_admin, name="x", rows=rows),
        "第 1 行(A):下级指标的权重合计为 90",
    )
    cyclic = [
        {"code": "X", "name": "甲", "parent": "Y", "weight": 100},
        {"code": "Y", "name": "乙", "parent": "X", "weight": 100},
    ]
    _refused(lambda: indicator_system_create(actor=province_admin, name="x", rows=cyclic), "循环")
    rows = [dict(r) for r in ROWS]
    rows[2]["rule"] = "没有这条规则"
    _refused(
        lambda: indicator_system_create(actor=province_admin, name="x", rows=rows),
        "第 3 行(A2):评分规则“没有这条规则”不存在",
    )
    assert not IndicatorSystem.objects.exists()


def test_manual_score_above_full_marks_and_scheme_without_objects(
    scheme, province_admin, townships
):
    b1 = scheme.system.nodes.get(code="B1")
    _refused(
        lambda: manual_entry_submit(
            actor=province_admin,
            scheme=scheme,
            indicator=b1,
            object_code=townships[0].code,
            score=41,
            evidence="材料",
        ),
        "B1 的得分 41.0 超过应得分 40.0",
    )
    _refused(
        lambda: manual_entry_submit(
            actor=province_admin,
            scheme=scheme,
            indicator=b1,
            object_code="999",
            score=1,
            evidence="材料",
        ),
        "不是本方案的考核对象",
    )
    assert not ManualEntry.objects.exists()
    manual_only = indicator_system_create(
        actor=province_admin,
        name="部门评议",
        rows=[{"code": "M", "name": "评议", "weight": 100, "source": "manual"}],
    )
    _refused(  # no department in 南关区 in this test
        lambda: scheme_create(
            actor=province_admin,
            name="牵头部门考核",
            system=manual_only,
            area=scheme.area,
            period_kind="quarter",
            period_start=date(2026, 3, 1),
            object_kind="department",
        ),
        "没有考核对象",
    )
    assert Scheme.objects.count() == 1
    assert not Result.objects.exists()


def test_the_celery_task_computes_and_returns_the_revision(scheme, province_admin):
    from assessment.tasks import compute_scheme_task

    assert compute_scheme_task(scheme.pk, province_admin.pk) == 1
    assert (
        scheme.revisions.get().results.count()
        == Area.objects.filter(level=4, code__startswith="220102").count()
    )


def test_lead_departments_read_the_cells_keyed_by_them(province_admin):
    from governance.services import department_create

    city = Area.objects.get(code="220100000000")
    ng, kc = Area.objects.get(code="220102000000"), Area.objects.get(code="220103000000")
    a = department_create(actor=None, code="T-NG-CGJ", name="南关区城管局", area=ng)
    b = department_create(actor=None, code="T-KC-CGJ", name="宽城区城管局", area=kc)
    cell(ng, "events.closed", 10, key=str(a.pk))
    cell(ng, "events.closed", 7, key="")  # cases of the county held by no department
    cell(kc, "events.closed", 4, key=str(b.pk))
    cell(kc, "events.overdue", 3, key=str(b.pk))
    scheme = scheme_create(
        actor=province_admin,
        name="牵头部门季度考核",
        system=system_make(province_admin),
        area=city,
        period_kind="quarter",
        period_start=date(2026, 1, 1),
        object_kind="department",
    )
    revision = scheme_compute(actor=province_admin, scheme=scheme)
    scores = {r.object_code: r.score for r in revision.results.all()}
    # a: A1 30, A2 30 → 60; b: A1 30 × 4/10 = 12, A2 max(30 − 15, 10) = 15 → 27.
    assert scores == {"T-KC-CGJ": 27, "T-NG-CGJ": 60}
    assert revision.results.get(object_code="T-NG-CGJ").object_path == ng.path


def test_department_scheme_refuses_figures_not_counted_per_department(province_admin):
    rules_make(province_admin)
    system = indicator_system_create(
        actor=province_admin,
        name="总量",
        rows=[
            {"code": "T", "name": "事件总数", "weight": 100, "source": "figure"}
            | {"figure": "events.total", "rule": "结案数线性"}
        ],
    )
    _refused(
        lambda: scheme_create(
            actor=province_admin,
            name="部门",
            system=system,
            area=Area.objects.get(code="220100000000"),
            period_kind="year",
            period_start=date(2026, 1, 1),
            object_kind="department",
        ),
        "T 的数据不能按部门统计",
    )


def test_demo_command_builds_and_computes_a_scheme():
    from io import StringIO

    from django.core.management import call_command

    call_command("assessment_demo", "--area", "220102000000", stdout=StringIO())
    scheme = Scheme.objects.get()
    assert scheme.state == Scheme.State.COMPUTED and scheme.system.nodes.count() == 8
    call_command("assessment_demo", "--area", "220102000000", stdout=StringIO())
    assert (
        scheme.revisions.get().results.count()
        == Area.objects.filter(level=4, code__startswith="220102").count()
    )
