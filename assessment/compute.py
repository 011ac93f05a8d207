"""Computing a scheme: set-based over all objects × indicators.

The inputs come from the figures layer in one query for all objects (`figures_read_many`:
the period's day cells of every object's area; for objects below the county, which keep no
day cells, a count over the raw tables of their subtrees), only the cell figures the
scheme's named figures read (`figure_inputs`); each object's
cells then go through the named figures' formulas (`figure_value`). A rank rule ranks
all objects at once. Scores roll up the tree (a parent is the sum of its children; a
triggered veto zeroes its branch), totals are ranked with ties, compared with the
previous period. Every score stays explainable: its row keeps what the arithmetic needs
(points, input value, rule version, rank, veto) and the object's result keeps, once, the
inputs its leaves read (the figures' cells, the approved entries with their evidence);
`score_text` and `score_inputs` rebuild the explanation when a score is shown.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from governance.access import require
from governance.audit import audit_record
from governance.figures import FIGURES, Cells, figure_inputs, figure_value, figures_read_many
from governance.roles import Action

from .models import (
    Indicator,
    ManualEntry,
    Result,
    Revision,
    RevisionNode,
    RuleVersion,
    Scheme,
    Score,
)
from .objects import AssessedObject, scheme_objects
from .rules import _fmt, ranks, rule_apply, rule_points_all

WEAKEST = 3


def inputs_read(objects: list[AssessedObject], figures, *, since, until) -> dict[str, Cells]:
    """The summed day cells of `since`..`until` per object code, one query for all."""
    cells_by_code = {o.code: Cells() for o in objects}
    wanted = figure_inputs(figures)
    if not wanted or not objects:
        return cells_by_code
    by_path: dict[str, list[AssessedObject]] = defaultdict(list)
    for o in objects:
        by_path[o.path].append(o)
    read = figures_read_many(by_path, wanted, since=since, until=until)
    for path, cells in read.items():
        for (figure, key), n in cells.total.items():
            for o in by_path[path]:
                # A department's cells: those keyed by it (its cases, held or closed).
                if o.department_id is None or key == str(o.department_id):
                    cells_by_code[o.code].total[(figure, key)] += int(n)
    return cells_by_code


@dataclass
class LeafColumn:
    """One leaf over every object of the scheme: input values, points, vetoes and ranks
    (rank rules)."""

    values: list[float]
    points: list[float]
    vetoes: list[bool]
    ranks: list[int] | None


def _cells_by_figure(cells: dict[str, Cells]) -> dict[str, dict[str, dict]]:
    """Each object's cells as {figure: {"figure:key": n}}: stored once per object, the
    explanation of a leaf shows the cells its figure reads (`score_inputs`)."""
    out: dict[str, dict[str, dict]] = {}
    for code, c in cells.items():
        by_figure: dict[str, dict] = defaultdict(dict)
        for (f, k), n in c.total.items():
            by_figure[f][f"{f}:{k}" if k else f] = n
        out[code] = by_figure
    return out


def _entry_inputs(entry: ManualEntry) -> dict:
    return {
        "entry": entry.pk,
        "value": entry.score,
        "evidence": entry.evidence,
        # The files as (id, name): the score page links each to its download (scoped
        # through the entry).
        "files": [[f.pk, f.original_name] for f in entry.files.all()],
        "entered_at": entry.entered_at.isoformat(),
    }


def _leaf_column(node: Indicator, objects, cells, entries, figure_values) -> LeafColumn:
    if node.source == Indicator.Source.FIGURE:
        values = figure_values.get(node.figure)
        if values is None:
            values = [float(figure_value(node.figure, cells[o.code])) for o in objects]
            figure_values[node.figure] = values
    else:
        values = []
        for o in objects:
            entry = entries.get((node.pk, o.code))
            values.append(entry.score if entry else 0.0)
    if node.rule_id:
        column = rule_points_all(node.rule.kind, node.rule.version.params, values, node.full_marks)
        return LeafColumn(values, column.points, column.vetoes, column.ranks)
    # a hand-filed score is the points themselves (never above the full marks)
    points = [min(v, node.full_marks) for v in values]
    return LeafColumn(values, points, [False] * len(values), None)


def _object_inputs(code: str, by_figure, entries_by_code) -> dict:
    """What one object's leaves read, stored once on its result."""
    out: dict = {"cells": by_figure.get(code) or {}}
    mine = entries_by_code.get(code)
    if mine:
        out["entries"] = mine
    return out


def _previous_totals(scheme: Scheme) -> dict[str, float]:
    prev = (
        Scheme.objects.filter(
            system=scheme.system,
            area=scheme.area,
            object_kind=scheme.object_kind,
            object_level=scheme.object_level,
            period_kind=scheme.period_kind,
            period_end__lt=scheme.period_start,
        )
        .order_by("-period_end")
        .first()
    )
    if prev is None:
        return {}
    revision = prev.revisions.filter(published_at__isnull=False).first() or prev.revisions.first()
    if revision is None:
        return {}
    return dict(revision.results.values_list("object_code", "score"))


def scheme_compute(*, actor, scheme: Scheme) -> Revision:
    """Compute every score of the scheme: a new revision if the last one is published
    (frozen), otherwise the unpublished last one is replaced."""
    require(actor, scheme.area, Action.CONFIGURE, message=_("只有本区域的管理员可以计算考核。"))
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().select_related("system").get(pk=scheme.pk)
        objects = scheme_objects(scheme)
        if not objects:
            raise ValidationError(_("方案没有考核对象。"), code="no_objects")
        nodes = list(scheme.system.nodes.select_related("rule__version").order_by("position"))
        leaves = [n for n in nodes if n.is_leaf]
        figures = sorted({n.figure for n in leaves if n.source == Indicator.Source.FIGURE})
        cells = inputs_read(objects, figures, since=scheme.period_start, until=scheme.period_end)
        entries = {}
        approved = scheme.entries.filter(state=ManualEntry.State.APPROVED)
        for e in approved.prefetch_related("files").order_by("reviewed_at"):
            entries[(e.indicator_id, e.object_code)] = e  # the latest approved one wins
        by_figure = _cells_by_figure(cells)
        entries_by_code: dict[str, dict] = defaultdict(dict)
        codes = {n.pk: n.code for n in leaves}
        for (indicator_id, code), e in entries.items():
            if indicator_id in codes:
                entries_by_code[code][codes[indicator_id]] = _entry_inputs(e)
        figure_values: dict[str, list[float]] = {}  # leaves sharing a figure read it once
        columns = {n.pk: _leaf_column(n, objects, cells, entries, figure_values) for n in leaves}
        tree = _Tree.of(nodes, columns)
        cards = [_card(i, tree) for i in range(len(objects))]
        totals = [c["total"] for c in cards]
        total_ranks = ranks(totals)
        previous = _previous_totals(scheme)

        latest = scheme.revisions.order_by("-number").first()
        if latest is not None and latest.published_at is None:
            number = latest.number
            _revision_delete(latest)
        else:
            number = (latest.number if latest else 0) + 1
        revision = Revision.objects.create(scheme=scheme, number=number, computed_by=actor)
        result_ids = _results_copy(
            (
                revision.pk,
                o.code,
                o.name,
                o.path,
                round(card["total"], 2),
                scheme.system.total_marks,
                rank,
                round(card["total"] - previous[o.code], 2) if o.code in previous else None,
                json.dumps(card["weakest"], ensure_ascii=False),
                card["vetoed"],
                json.dumps(_object_inputs(o.code, by_figure, entries_by_code), ensure_ascii=False),
            )
            for o, card, rank in zip(objects, cards, total_ranks, strict=True)
        )
        RevisionNode.objects.bulk_create(
            RevisionNode(
                revision=revision,
                indicator=n,
                rule_version_id=n.rule.version_id if n.rule_id else None,
            )
            for n in nodes
        )
        _scores_copy(
            (result_id, pk, round(points, 2), full, value, rank, veto)
            for result_id, card in zip(result_ids, cards, strict=True)
            for pk, full, (points, value, rank, veto) in _card_rows(nodes, card)
        )
        scheme.state = Scheme.State.COMPUTED
        scheme.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="assessment.scheme_compute",
            obj=scheme,
            area_path=scheme.area_path,
            changes={"revision": [None, number], "objects": [None, len(objects)]},
        )
    return revision


def _revision_delete(revision: Revision) -> None:
    """An unpublished revision replaced: its scores and results with one statement each
    (Django's collector would load every result, 11,860 for the villages, to cascade to
    their scores). Only while scores are all that point at results; otherwise the
    collector's way."""
    related = [(f.related_model, f.field.name) for f in Result._meta.related_objects]
    if related != [(Score, "result")]:
        revision.delete()
        return
    Score.objects.filter(result__revision=revision).delete()  # scores have no dependents
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {Result._meta.db_table} WHERE revision_id = %s", [revision.pk])
    revision.delete()


_RESULT_COLUMNS = (
    "revision",
    "object_code",
    "object_name",
    "object_path",
    "score",
    "full_marks",
    "rank",
    "change",
    "weakest",
    "vetoed",
    "inputs",
)
_SCORE_COLUMNS = (
    "result",
    "indicator",
    "score",
    "full_marks",
    "value",
    "rank",
    "veto",
)


def _copy(model, fields, rows) -> None:
    """Rows into the model's table with COPY: a revision of the province's villages is
    11,860 results and 284,640 scores, a tenth of the time of INSERT statements."""
    columns = [model._meta.get_field(f).column for f in fields]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _results_copy(rows) -> list[int]:
    """The results with ids drawn from their sequence first (the scores point at them)."""
    rows = list(rows)
    table = Result._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [i for (i,) in cur.fetchall()]
    _copy(Result, ("id", *_RESULT_COLUMNS), ([i, *row] for i, row in zip(ids, rows, strict=True)))
    return ids


def _scores_copy(rows) -> None:
    _copy(Score, _SCORE_COLUMNS, rows)


def _card_rows(nodes: list[Indicator], card: dict):
    scores = card["scores"]
    for node in nodes:
        yield node.pk, node.full_marks, scores[node.pk]


@dataclass
class _Tree:
    """The system's nodes laid out once for every object's card: leaves with their
    columns, branches bottom-up with their children, the top level."""

    leaves: list[tuple]  # (pk, parent pk, column, full marks, position, code)
    branches: list[tuple]  # (pk, children's pks), children before their parent
    top: list[int]

    @classmethod
    def of(cls, nodes: list[Indicator], columns: dict[int, LeafColumn]) -> _Tree:
        children = defaultdict(list)
        for node in nodes:
            children[node.parent_id].append(node.pk)
        return cls(
            leaves=[
                (n.pk, n.parent_id, columns[n.pk], n.full_marks, n.position, n.code)
                for n in nodes
                if n.is_leaf
            ],
            # children come after their parent in position order
            branches=[(n.pk, children[n.pk]) for n in reversed(nodes) if not n.is_leaf],
            top=children[None],
        )


def _card(i: int, tree: _Tree) -> dict:
    """One object's scores at every node: {pk: (points, value, rank, veto)} — what the
    arithmetic shown on screen needs (`score_text`), in the reader's language."""
    scores: dict[int, tuple] = {}
    vetoed_parents: set = set()
    weak = []
    for pk, parent, column, full, position, code in tree.leaves:
        veto = column.vetoes[i]
        points = column.points[i]
        scores[pk] = (
            points,
            column.values[i],
            column.ranks[i] if column.ranks is not None else None,
            veto,
        )
        if veto:
            vetoed_parents.add(parent)  # None: the whole card
        if full > 0 and points < full:
            weak.append((points / full, position, code))
    for pk, kids in tree.branches:
        vetoed = pk in vetoed_parents
        points = 0.0 if vetoed else sum(scores[k][0] for k in kids)
        scores[pk] = (points, None, None, vetoed)
    total = sum(scores[k][0] for k in tree.top)
    vetoed = bool(vetoed_parents)
    if None in vetoed_parents:
        total = 0.0
    weak.sort()
    return {
        "scores": scores,
        "total": total,
        "vetoed": vetoed,
        "weakest": [code for _r, _p, code in weak[:WEAKEST]],
    }


def score_inputs(score: Score) -> dict:
    """What a leaf's score read, from its result's inputs: a figure's label, unit, value
    and the cells it counts; or the approved entry (evidence and files); {} for a branch."""
    indicator = score.indicator
    if not indicator.is_leaf:
        return {}
    stored = score.result.inputs or {}
    if indicator.source == Indicator.Source.FIGURE:
        figure = FIGURES.get(indicator.figure)
        by_figure = stored.get("cells") or {}
        cells: dict = {}
        for f in sorted(figure_inputs([indicator.figure])) if figure else ():
            cells.update(by_figure.get(f) or {})
        return {
            "figure": indicator.figure,
            "label": str(figure.label) if figure else indicator.figure,
            "unit": str(figure.unit) if figure else "",
            "value": score.value,
            "cells": cells,
        }
    entry = (stored.get("entries") or {}).get(indicator.code)
    return entry or {"entry": None, "value": None, "missing": True}


def revision_versions(revision_id: int) -> dict[int, RuleVersion | None]:
    """The rule version a revision applied at each node, by indicator id."""
    nodes = RevisionNode.objects.filter(revision_id=revision_id).select_related(
        "rule_version__rule"
    )
    return {n.indicator_id: n.rule_version for n in nodes}


def score_version(score: Score) -> RuleVersion | None:
    """The rule version that gave one score (its revision's, at its node)."""
    node = (
        RevisionNode.objects.filter(
            revision_id=score.result.revision_id, indicator_id=score.indicator_id
        )
        .select_related("rule_version__rule")
        .first()
    )
    return node.rule_version if node else None


_UNSET = object()


def score_text(score: Score, children: list[Score], *, n: int | None = None, version=_UNSET) -> str:
    """The arithmetic of a stored score, in the reader's language: a leaf's rule (`version`,
    looked up if not given) applied to its stored value (and rank among the revision's `n`
    objects), a branch's sum of its children, a veto's reason."""
    indicator = score.indicator
    if not indicator.is_leaf:
        if score.veto:
            vetoing = [c.indicator.code for c in children if c.veto]
            return _("一票否决(%(c)s):本分支得 0 分") % {"c": ", ".join(vetoing)}
        return " + ".join(_fmt(c.score) for c in children) + f" = {_fmt(score.score)}"
    if version is _UNSET:
        version = score_version(score)
    value = score.value if score.value is not None else 0.0
    if version is None:
        if score_inputs(score).get("entry"):
            return _("填报得分 %(v)s") % {"v": _fmt(value)}
        return _("未填报或未审核通过:0 分")
    if score.rank is not None and n is None:
        n = score.result.revision.results.count()
    return rule_apply(
        version.rule.kind, version.params, value, score.full_marks, rank=score.rank, n=n
    ).text
