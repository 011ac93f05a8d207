"""Scores kept lean: the inputs a result's leaves read move from every score's JSON
explanation to the result (once per object); a score keeps its rank (rank rules) and veto
as columns; the arithmetic is derived when shown (assessment/compute.py: score_text).
The score table keeps only the indexes its reads use: its key and (result, indicator)."""

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
    ids = list(_results(apps))
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        inputs = {pk: {"cells": defaultdict(dict), "entries": {}} for pk in batch}
        scores = list(
            Score.objects.filter(result_id__in=batch).select_related("indicator")
        )
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


def columns_to_explanations(apps, schema_editor):
    """Backwards: each score's explanation rebuilt from its columns and its result's
    inputs (its text is derived when shown, as before)."""
    from governance.figures import FIGURES, figure_inputs

    Result = apps.get_model("assessment", "Result")
    Score = apps.get_model("assessment", "Score")
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


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0003_taskbook_evidence"),
    ]

    operations = [
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
        migrations.RemoveField(model_name="score", name="explanation"),
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
        migrations.AlterField(
            model_name="score",
            name="rule_version",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="assessment.ruleversion",
            ),
        ),
    ]
