from django.db import migrations

# Point → grid with its ancestors as one SQL function. Inside PL/pgSQL the statement's
# plan is cached per connection, and `force_generic_plan` keeps PostgreSQL from
# re-planning it for every point (planning cost more than running: bench/locate.py).
SQL = """
CREATE OR REPLACE FUNCTION grids_locate(p_lng float8, p_lat float8)
RETURNS TABLE (code text, name text, level int, path text, ancestors json)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
  SELECT a.code::text, a.name::text, a.level::int, a.path::text,
         json_build_array(
           json_build_object('code', p1.code, 'name', p1.name, 'level', p1.level),
           json_build_object('code', p2.code, 'name', p2.name, 'level', p2.level),
           json_build_object('code', p3.code, 'name', p3.name, 'level', p3.level),
           json_build_object('code', p4.code, 'name', p4.name, 'level', p4.level),
           json_build_object('code', p5.code, 'name', p5.name, 'level', p5.level),
           json_build_object('code', a.code, 'name', a.name, 'level', a.level))
  FROM grids_locatecell c
  JOIN grids_area a ON a.id = c.area_id
  JOIN grids_area p5 ON p5.id = a.parent_id
  JOIN grids_area p4 ON p4.id = p5.parent_id
  JOIN grids_area p3 ON p3.id = p4.parent_id
  JOIN grids_area p2 ON p2.id = p3.parent_id
  JOIN grids_area p1 ON p1.id = p2.parent_id
  WHERE ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(p_lng, p_lat), 4326))
  ORDER BY a.code
  LIMIT 1;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]
    operations = [migrations.RunSQL(SQL, "DROP FUNCTION IF EXISTS grids_locate(float8, float8)")]
