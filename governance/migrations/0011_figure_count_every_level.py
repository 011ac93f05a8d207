from django.db import migrations, models

# The cells so far were kept at the facts' own level (the grid, or the area holding a case
# without a grid): re-kept at every level, each for its day and for ALL_TIME (0001-01-01).
# The same roll-up as governance.figures._rolled_up (frozen here, as a migration must be).
ROLL_UP = """
CREATE TEMP TABLE figure_count_old ON COMMIT DROP AS
    SELECT day, area_path, figure, key, n FROM governance_figurecount WHERE n <> 0;
DELETE FROM governance_figurecount;
INSERT INTO governance_figurecount (day, area_path, parent_path, figure, key, n)
SELECT d.day, a.path, regexp_replace(a.path, '[^/]*/$', ''), c.figure, c.key, sum(c.n)
FROM figure_count_old c
CROSS JOIN LATERAL (
    SELECT array_to_string(s.parts[1:i], '/') || '/' AS path
    FROM (SELECT string_to_array(rtrim(c.area_path, '/'), '/') AS parts) s,
        generate_series(1, cardinality(s.parts)) AS i
) a
CROSS JOIN LATERAL (VALUES (c.day), (DATE '0001-01-01')) AS d (day)
GROUP BY 1, 2, 3, 4, 5;
"""


class Migration(migrations.Migration):
    """Rollups at every level: an area reads its own cells and its children's by equality
    (docs/cockpit.md "Rollups"; measured in docs/performance.md)."""

    dependencies = [
        ("governance", "0010_security_admin_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="figurecount",
            name="parent_path",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="figurecount", name="uniq_figure_count_cell"),
        migrations.AlterField(
            model_name="figurecount",
            name="area_path",
            field=models.CharField(max_length=120),
        ),
        migrations.AddConstraint(
            model_name="figurecount",
            constraint=models.UniqueConstraint(
                fields=("area_path", "figure", "day", "key"), name="uniq_figure_count_area_cell"
            ),
        ),
        migrations.AddIndex(
            model_name="figurecount",
            index=models.Index(
                fields=["parent_path", "figure", "day"], name="figure_count_children"
            ),
        ),
        migrations.RunSQL(ROLL_UP, migrations.RunSQL.noop),
    ]
