"""Scores kept lean: the inputs a result's leaves read move from every score's JSON
explanation to the result (once per object); a score keeps its rank (rank rules) and veto
as columns; its rule version, the same for every object of a revision, is kept once per
revision × node (RevisionNode); the arithmetic is derived when shown (assessment/compute.py:
score_text). The score table keeps only the indexes its reads use: its key and (result,
indicator)."""

from collections import defaultdict

from django.db import migrations, models
import django.db.models.deletion

BATCH = 2000


def _results(apps):
    Result = apps.get_model("assessment", "Result")
    return Result.objects.order_by("pk").values_list("pk", flat=True).iterator()


def explanations_to_columns(apps, schema_editor):
    Result = apps.get_model("assessment", "Result")
    Score = apps.get_model("assessment", "Score")
    # Foreign keys checked per statement: rows this transaction changed before would
    # otherwise leave checks pending, which the ALTERs after refuse.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ids = list(_results(apps))
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        inputs = {pk: {"cells": defaultdict(dict), "entries": {}} for pk in batch}
        scores = list(Score.objects.filter(result_id__in=batch).select_related("indicator"))
        for s in scores:
            e = s.explanation or {}
            s.rank = e.get("rank")
            s.veto = bool(e.get("veto"))
            leaf = e.get("inputs") or {}
            mine = inputs[s.result_id]
            if leaf.get("figure"):
                for key, n in (leaf.get("cells") or {}).items():
                    mine["cells"][key.split(":", 1)[0]][key] = n
            elif leaf.get("entry"):
                mine["entries"][s.indicator.code] = leaf
        Score.objects.bulk_update(scores, ["rank", "veto"], batch_size=BATCH)
        results = Result.objects.filter(pk__in=batch)
        for r in results:
            mine = inputs[r.pk]
            r.inputs = {"cells": dict(mine["cells"])} | (
                {"entries": mine["entries"]} if mine["entries"] else {}
            )
        Result.objects.bulk_update(results, ["inputs"], batch_size=BATCH)
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def columns_to_explanations(apps, schema_editor):
    """Backwards: each score's explanation rebuilt from its columns and its result's
    inputs (its text is derived when shown, as before)."""
    from governance.figures import FIGURES, figure_inputs

    Result = apps.get_model("assessment", "Result")
    Score = apps.get_model("assessment", "Score")
    # Foreign keys checked per statement: rows this transaction changed before would
    # otherwise leave checks pending, which the ALTERs after refuse.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ids = list(_results(apps))
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        results = {r.pk: r for r in Result.objects.filter(pk__in=batch)}
        revisions = {r.revision_id for r in results.values()}
        counts = dict(
            Result.objects.filter(revision_id__in=revisions)
            .values_list("revision_id")
            .annotate(n=models.Count("pk"))
        )
        scores = list(
            Score.objects.filter(result_id__in=batch).select_related(
                "indicator", "rule_version__rule"
            )
        )
        for s in scores:
            stored = results[s.result_id].inputs or {}
            e = {"veto": s.veto}
            node = s.indicator
            if node.source == "figure":
                by_figure = stored.get("cells") or {}
                cells = {}
                reads = figure_inputs([node.figure]) if node.figure in FIGURES else []
                for figure in reads:
                    cells.update(by_figure.get(figure) or {})
                e["inputs"] = {"figure": node.figure, "value": s.value, "cells": cells}
            elif node.source:
                e["inputs"] = (stored.get("entries") or {}).get(node.code) or {
                    "entry": None,
                    "value": None,
                    "missing": True,
                }
            if s.rule_version_id:
                e["rule"] = s.rule_version.rule.name
                e["version"] = s.rule_version.number
            if s.rank is not None:
                e.update(rank=s.rank, n=counts.get(results[s.result_id].revision_id))
            s.explanation = e
        Score.objects.bulk_update(scores, ["explanation"], batch_size=BATCH)
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def _tables(apps):
    return tuple(
        apps.get_model("assessment", m)._meta.db_table for m in ("Score", "Result", "RevisionNode")
    )


def versions_to_nodes(apps, schema_editor):
    """A score's rule version is its revision's at its node: kept once per revision × node."""
    score, result, node = _tables(apps)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(
        f"""INSERT INTO {node} (revision_id, indicator_id, rule_version_id)
            SELECT DISTINCT ON (r.revision_id, s.indicator_id)
                   r.revision_id, s.indicator_id, s.rule_version_id
            FROM {score} s JOIN {result} r ON r.id = s.result_id
            ORDER BY r.revision_id, s.indicator_id, s.rule_version_id"""
    )
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def nodes_to_versions(apps, schema_editor):
    score, result, node = _tables(apps)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(
        f"""UPDATE {score} s SET rule_version_id = n.rule_version_id
            FROM {result} r, {node} n
            WHERE r.id = s.result_id AND n.revision_id = r.revision_id
              AND n.indicator_id = s.indicator_id AND n.rule_version_id IS NOT NULL"""
    )
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0003_taskbook_evidence"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevisionNode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="assessment.indicator",
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="nodes",
                        to="assessment.revision",
                    ),
                ),
                (
                    "rule_version",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="assessment.ruleversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "考核修订指标",
                "verbose_name_plural": "考核修订指标",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("revision", "indicator"), name="uniq_revision_node"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="result",
            name="inputs",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="score",
            name="rank",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="名次"),
        ),
        migrations.AddField(
            model_name="score",
            name="veto",
            field=models.BooleanField(default=False, verbose_name="一票否决"),
        ),
        migrations.RunPython(explanations_to_columns, columns_to_explanations, elidable=True),
        migrations.RunPython(versions_to_nodes, nodes_to_versions, elidable=True),
        migrations.RemoveField(model_name="score", name="explanation"),
        migrations.RemoveField(model_name="score", name="rule_version"),
        migrations.AlterField(
            model_name="score",
            name="result",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="scores",
                to="assessment.result",
            ),
        ),
        migrations.AlterField(
            model_name="score",
            name="indicator",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="assessment.indicator",
            ),
        ),
    ]
