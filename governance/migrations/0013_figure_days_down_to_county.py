"""Day cells of the rollups are kept down to the county only (governance/figures.py:
DAY_DEPTH); the areas below keep their ALL_TIME cells and count day ranges from the raw
tables. Drops the day cells that are no longer kept."""

from django.db import migrations

DROP_DAY_CELLS_BELOW_COUNTY = """
DELETE FROM governance_figurecount
WHERE day <> DATE '0001-01-01'
  AND cardinality(string_to_array(rtrim(area_path, '/'), '/')) > 3
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0012_verbose_names")]

    operations = [migrations.RunSQL(DROP_DAY_CELLS_BELOW_COUNTY, migrations.RunSQL.noop)]
