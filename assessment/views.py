"""Pages: the schemes, a scheme's results table (drill down to one indicator's inputs),
an object's printable report card, and the rule builder with a preview on real data."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from events.evidence import MAX_EVIDENCE_FILES, evidence_response
from governance.errors import Conflict, Forbidden, NotFound
from governance.figures import FIGURES
from governance.navigation import page_rule
from governance.replica import lag_tolerant
from grids.models import Area

from . import selectors, services
from .actions import may_configure_rules, may_read_schemes
from .compute import inputs_read, revision_versions, score_inputs, score_text
from .models import Rule, Scheme
from .objects import AssessedObject
from .rules import rule_apply_all, rule_check


def _scheme(request, pk) -> Scheme:
    try:
        return selectors.scheme_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
@page_rule(may_read_schemes)
def schemes(request):
    rows = selectors.scheme_list(user=request.user).order_by("-period_start", "name")
    return render(request, "assessment/schemes.html", {"schemes": rows})


@login_required
@page_rule(may_read_schemes)
def scheme_results(request, pk):
    scheme = _scheme(request, pk)
    if request.method == "POST":
        return _scheme_action(request, scheme)
    try:
        results = list(
            selectors.result_list(user=request.user, scheme=scheme, area=request.GET.get("area"))
        )
    except NotFound:
        raise Http404 from None
    tops = [n for n in scheme.system.nodes.order_by("position") if n.level == 1]
    for r in results:
        by_pk = {s.indicator_id: s for s in r.scores.all()}
        r.tops = [by_pk.get(n.pk) for n in tops]
    return render(
        request,
        "assessment/results.html",
        {
            "scheme": scheme,
            "results": results,
            "tops": tops,
            "assessor": selectors.is_assessor(request.user, scheme),
            "revision": selectors.revision_for(user=request.user, scheme=scheme),
        },
    )


def _scheme_action(request, scheme):
    from .compute import scheme_compute

    act = request.POST.get("action")
    steps = {
        "compute": lambda: scheme_compute(actor=request.user, scheme=scheme),
        "review": lambda: services.scheme_review(actor=request.user, scheme=scheme),
        "publish": lambda: services.scheme_publish(actor=request.user, scheme=scheme),
    }
    if act not in steps:
        messages.error(request, _("未知操作。"))
        return redirect("assessment:results", pk=scheme.pk)
    try:
        steps[act]()
    except Forbidden:
        raise PermissionDenied from None
    except (ValidationError, Conflict) as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已完成。"))
    return redirect("assessment:results", pk=scheme.pk)


def _objects_counted(result, scores) -> int | None:
    """The number of objects a rank rule ranked the result among (its revision's)."""
    if any(s.rank is not None for s in scores):
        return result.revision.results.count()
    return None


@login_required
@page_rule(may_read_schemes)
def report_card(request, pk, code):
    scheme = _scheme(request, pk)
    try:
        result = selectors.result_get(user=request.user, scheme=scheme, code=code)
    except NotFound:
        raise Http404 from None
    scores = sorted(result.scores.select_related("indicator"), key=lambda s: s.indicator.position)
    children = defaultdict(list)
    for s in scores:
        children[s.indicator.parent_id].append(s)
    n = _objects_counted(result, scores)
    versions = revision_versions(result.revision_id)
    for s in scores:
        s.text = score_text(s, children[s.indicator_id], n=n, version=versions.get(s.indicator_id))
    weakest = [s for c in result.weakest for s in scores if s.indicator.code == c]
    return render(
        request,
        "assessment/card.html",
        {"scheme": scheme, "result": result, "scores": scores, "weakest": weakest},
    )


@login_required
@page_rule(may_read_schemes)
def score_detail(request, pk, code, indicator):
    """One indicator of one object: its inputs, rule and version, arithmetic, evidence."""
    scheme = _scheme(request, pk)
    try:
        result = selectors.result_get(user=request.user, scheme=scheme, code=code)
    except NotFound:
        raise Http404 from None
    score = result.scores.filter(indicator__code=indicator).select_related("indicator").first()
    if score is None:
        raise Http404
    children = (
        result.scores.filter(indicator__parent=score.indicator_id)
        .select_related("indicator")
        .order_by("indicator__position")
    )
    version = revision_versions(result.revision_id).get(score.indicator_id)
    n = _objects_counted(result, [score])
    score.text = score_text(score, list(children), n=n, version=version)
    inputs = score_inputs(score)
    return render(
        request,
        "assessment/score.html",
        {
            "scheme": scheme,
            "result": result,
            "score": score,
            "version": version,
            "inputs": inputs,
            "cells": sorted((inputs.get("cells") or {}).items()),
            "files": inputs.get("files") or [],
            "params": json.dumps(version.params if version else None, ensure_ascii=False),
        },
    )


@login_required
@page_rule(may_read_schemes)
def entries(request, pk):
    """Scores filed by hand: the form (object, leaf, score, evidence) and, for the
    scheme's administrators, the review (approve, or return with a reason)."""
    scheme = _scheme(request, pk)
    leaves = scheme.system.nodes.filter(source__in=["manual", "import"]).order_by("position")
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("do") == "review":
                entry = (
                    selectors.entry_list(user=request.user, scheme=scheme)
                    .filter(pk=request.POST.get("entry") or 0)
                    .first()
                )
                if entry is None:
                    raise Http404
                services.manual_entry_review(
                    actor=request.user,
                    entry=entry,
                    approve=request.POST.get("approve") == "1",
                    note=request.POST.get("note", ""),
                )
            else:
                indicator = leaves.filter(code=request.POST.get("indicator", "")).first()
                if indicator is None:
                    raise ValidationError(_("请选择填报的指标。"))
                services.manual_entry_submit(
                    actor=request.user,
                    scheme=scheme,
                    indicator=indicator,
                    object_code=request.POST.get("object", ""),
                    score=request.POST.get("score"),
                    evidence=request.POST.get("evidence", ""),
                    files=request.FILES.getlist("files"),
                )
        except Forbidden:
            raise PermissionDenied from None
        except (ValidationError, Conflict) as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("已保存。"))
            return redirect("assessment:entries", pk=scheme.pk)
    return render(
        request,
        "assessment/entries.html",
        {
            "scheme": scheme,
            "leaves": leaves,
            "entries": selectors.entry_list(user=request.user, scheme=scheme),
            "assessor": selectors.is_assessor(request.user, scheme),
            "max_files": MAX_EVIDENCE_FILES,
        },
        status=status,
    )


@login_required
def entry_file(request, pk):
    """An evidence file of a hand-filed score (404 outside the assessors and the
    object's own area)."""
    try:
        item = selectors.entry_file_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    return evidence_response(item, filename_stem=f"entry-{item.entry_id}-{item.pk}")


# -- rules (province administrators) ---------------------------------------------------


@login_required
@page_rule(may_configure_rules)
def rules(request):
    return render(
        request,
        "assessment/rules.html",
        {"rules": Rule.objects.select_related("version").order_by("name")},
    )


def _preview(form) -> tuple[list, str]:
    """Score the objects of an area with an unsaved rule: (rows, error)."""
    try:
        params = json.loads(form.get("params") or "{}")
        full = float(form.get("full_marks") or 10)
        params = rule_check(form.get("kind", ""), params, full_marks=full)
    except (ValueError, TypeError):
        return [], _("参数不是有效的 JSON 或数字。")
    except ValidationError as exc:
        return [], " ".join(exc.messages)
    figure = form.get("figure")
    if figure not in FIGURES:
        return [], _("请选择指标数据。")
    area = Area.objects.filter(code=form.get("area") or "").first()
    if area is None or area.level >= 6:
        return [], _("请填写预览区域的代码(县、市或省)。")
    try:
        since = date.fromisoformat(form.get("since") or "")
        until = date.fromisoformat(form.get("until") or "")
    except ValueError:
        return [], _("请填写预览期间(YYYY-MM-DD)。")
    objects = [
        AssessedObject(c, n, p)
        for c, n, p in Area.objects.filter(parent=area)
        .order_by("code")
        .values_list("code", "name", "path")
    ]
    cells = inputs_read(objects, [figure], since=since, until=until)
    from governance.figures import figure_value

    values = [float(figure_value(figure, cells[o.code])) for o in objects]
    outcomes = rule_apply_all(form["kind"], params, values, full)
    return [
        {"name": o.name, "value": v, "points": round(out.points, 2), "full": full, "text": out.text}
        for o, v, out in zip(objects, values, outcomes, strict=True)
    ], ""


@login_required
@page_rule(may_configure_rules)
def rule_form(request, pk=None):
    rule = None
    if pk is not None:
        rule = Rule.objects.select_related("version").filter(pk=pk).first()
        if rule is None:
            raise Http404
    form = request.POST if request.method == "POST" else request.GET
    data = {
        "name": form.get("name", rule.name if rule else ""),
        "kind": form.get("kind", rule.kind if rule else "linear"),
        "params": form.get(
            "params",
            json.dumps(rule.version.params, ensure_ascii=False)
            if rule
            else '{"low": 0, "high": 100}',
        ),
        "figure": form.get("figure", "events.closure_rate"),
        "area": form.get("area", ""),
        "full_marks": form.get("full_marks", "10"),
        "since": form.get("since", ""),
        "until": form.get("until", ""),
    }
    preview, error, status = None, "", 200
    if request.method == "POST" and request.POST.get("do") == "save":
        try:
            params = json.loads(data["params"] or "{}")
        except ValueError:
            params = None
        try:
            if params is None:
                raise ValidationError(_("参数不是有效的 JSON。"))
            if rule is None:
                rule = services.rule_create(
                    actor=request.user, name=data["name"], kind=data["kind"], params=params
                )
            else:
                services.rule_update(actor=request.user, rule=rule, params=params)
        except Forbidden:
            raise PermissionDenied from None
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        else:
            messages.success(request, _("规则已保存。"))
            return redirect("assessment:rule-edit", pk=rule.pk)
    elif form.get("do") == "preview":
        with lag_tolerant():  # figures seconds old are fine for a preview
            preview, error = _preview(data)
    return render(
        request,
        "assessment/rule_form.html",
        {
            "rule": rule,
            "data": data,
            "kinds": Rule.Kind.choices,
            "figures": sorted((n, f.label) for n, f in FIGURES.items()),
            "preview": preview,
            "error": error,
            "versions": rule.versions.all() if rule else [],
        },
        status=status,
    )
