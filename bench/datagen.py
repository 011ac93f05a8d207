"""Data of province scale for the benchmarks, generated set-based in PostgreSQL.

`bulk_insert` runs one generating statement with the table's secondary indexes dropped
and rebuilt afterwards, in one transaction (built in bulk they cost a fraction of
maintaining them row by row; if anything fails, the rollback restores them).
`GENERATE_SQL` makes events (bench/events.py, bench/cockpit.py); `PEOPLE_SQL`,
`HOUSES_SQL`, `ORGANISATIONS_SQL`, `PLACES_SQL` and `TAGS_SQL` base data (bench/cockpit.py).
Generated rows are recognisable: events numbered 'BM…', people whose blind index starts
with 'BP', houses at '基准路…', organisations with credit code 'BO…', places named '基准场所…'.
"""

from __future__ import annotations

import time

GRIDS_SQL = """
CREATE TEMP TABLE bench_grid ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY g.id) AS n, g.id AS grid_id, g.path,
       v.id AS village_id, t.id AS township_id, c.id AS county_id,
       ST_X(g.centroid) AS x, ST_Y(g.centroid) AS y, d.id AS dept_id
FROM grids_area g
JOIN grids_area v ON v.id = g.parent_id
JOIN grids_area t ON t.id = v.parent_id
JOIN grids_area c ON c.id = t.parent_id
LEFT JOIN governance_department d ON d.code = 'BENCH-' || c.code || '-CGJ'
WHERE g.level = 6 AND g.centroid IS NOT NULL;
CREATE TEMP TABLE bench_cat ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY c.code) AS n, c.id, c.name, c.accept_level,
       c.accept_hours, c.handle_days, c.verify_days
FROM events_eventcategory c
WHERE c.active AND NOT EXISTS (SELECT 1 FROM events_eventcategory k WHERE k.parent_id = c.id);
"""

# One statement. Per row: a grid and a leaf category uniformly at random, reported_at
# uniform over the last 365 days; the status depends on the age (older than 30 days:
# mostly archived, a 3 % backlog still open; younger: the whole process); the holder is
# the accepting unit of the category (village, township or county ancestor of the grid),
# half of the dispatched/handling cases above the village sit with the county's
# department (and half of the cases above the village that got that far list it in
# `departments`); step deadlines follow the step (accept/decide/sign: accept_hours,
# handling: handle_days, verification: verify_days; calendar days, not working days),
# due_state follows the deadline (80 % used = near due).
GENERATE_SQL = """
INSERT INTO events_event (
    number, title, description, source, urgency, location, address, area_path,
    reporter_name, reporter_phone, tracking_code, status, step_started_at, step_deadline,
    deadline, due_state, suspend_reason, result, rating, reported_at, closed_at, verified_at,
    updated_at, current_area_id, current_department_id, departments, grid_id, category_id)
SELECT
    'BM' || lpad(s.i::text, 10, '0'),
    s.cat_name || '(生成 ' || s.i || ')',
    '基准测试生成的事件:' || s.cat_name || ',现场情况已拍照记录,请相关单位及时处置。',
    s.source, s.urgency,
    ST_SetSRID(ST_MakePoint(s.x + (s.rx - 0.5) * 0.001, s.y + (s.ry - 0.5) * 0.001), 4326),
    '', s.path, '网格员' || (s.i %% 997), '', '', s.status,
    s.step_started_at, s.step_deadline,
    CASE WHEN s.status IN ('handling', 'closed', 'verified', 'archived')
         THEN s.reported_at + s.handle_days * interval '1.4 days' END,
    CASE WHEN s.step_deadline IS NULL THEN (CASE WHEN s.rs < 0.06 THEN 'overdue' ELSE 'on_time' END)
         WHEN s.step_deadline < now() THEN 'overdue'
         WHEN now() >= s.step_started_at + (s.step_deadline - s.step_started_at) * 0.8
         THEN 'near_due'
         ELSE 'on_time' END,
    '', CASE WHEN s.status IN ('closed', 'verified', 'archived') THEN '已处置完毕。' ELSE '' END,
    CASE WHEN s.status = 'archived' THEN 3 + floor(s.rs * 2.99)::int END,
    s.reported_at, s.closed_at,
    CASE WHEN s.status IN ('verified', 'archived') THEN s.closed_at + s.rs * interval '1 day' END,
    -- updated_at: the last write, the verification's included (governance/figures.py
    -- relies on it: a case with a fact on a day was written on or after that day)
    CASE WHEN s.status IN ('verified', 'archived') THEN s.closed_at + s.rs * interval '1 day'
         ELSE coalesce(s.closed_at, s.step_started_at, s.reported_at) END,
    CASE s.accept_level WHEN 5 THEN s.village_id WHEN 4 THEN s.township_id
         ELSE s.county_id END,
    CASE WHEN s.status IN ('dispatched', 'handling') AND s.accept_level < 5 AND s.rs < 0.5
         THEN s.dept_id END,
    CASE WHEN s.status IN ('dispatched', 'handling', 'closed', 'verified', 'archived')
              AND s.accept_level < 5 AND s.rs < 0.5 AND s.dept_id IS NOT NULL
         THEN ARRAY[s.dept_id] ELSE '{}'::bigint[] END,
    s.grid_id, s.cat_id
FROM (
    SELECT t.*,
        CASE WHEN t.status IN ('pending_review', 'reported', 'accepted', 'dispatched')
             THEN t.reported_at + least(t.age, interval '1 hour') * t.rs
             WHEN t.status = 'handling' THEN t.reported_at + least(t.age, interval '1 day') * t.rs
             WHEN t.status = 'closed' THEN t.closed_at END AS step_started_at,
        CASE WHEN t.status IN ('pending_review', 'reported', 'accepted', 'dispatched')
             THEN t.reported_at + least(t.age, interval '1 hour') * t.rs
                  + t.accept_hours * interval '1 hour'
             WHEN t.status = 'handling' THEN t.reported_at + t.handle_days * interval '1.4 days'
             WHEN t.status = 'closed' THEN t.closed_at + t.verify_days * interval '1.4 days'
             END AS step_deadline
    FROM (
        SELECT u.*,
            CASE WHEN u.status IN ('closed', 'verified', 'archived')
                 THEN u.reported_at + least(u.age * 0.9, u.handle_days * interval '1 day') * u.rc
                 END AS closed_at
        FROM (
            SELECT r.i, r.rx, r.ry, r.rs, r.rc, r.reported_at, now() - r.reported_at AS age,
                g.grid_id, g.path, g.village_id, g.township_id, g.county_id, g.dept_id,
                g.x, g.y, c.id AS cat_id, c.name AS cat_name, c.accept_level,
                c.accept_hours, c.handle_days, c.verify_days,
                CASE WHEN r.reported_at < now() - interval '30 days' THEN
                    CASE WHEN r.rst < 0.880 THEN 'archived' WHEN r.rst < 0.910 THEN 'rejected'
                         WHEN r.rst < 0.930 THEN 'merged' WHEN r.rst < 0.955 THEN 'verified'
                         WHEN r.rst < 0.975 THEN 'handling' WHEN r.rst < 0.985 THEN 'dispatched'
                         ELSE 'closed' END
                ELSE
                    CASE WHEN r.rst < 0.02 THEN 'pending_review' WHEN r.rst < 0.10 THEN 'reported'
                         WHEN r.rst < 0.20 THEN 'accepted' WHEN r.rst < 0.30 THEN 'dispatched'
                         WHEN r.rst < 0.55 THEN 'handling' WHEN r.rst < 0.65 THEN 'closed'
                         WHEN r.rst < 0.75 THEN 'verified' WHEN r.rst < 0.95 THEN 'archived'
                         WHEN r.rst < 0.98 THEN 'rejected' ELSE 'merged' END
                END AS status,
                CASE WHEN r.rsrc < 0.70 THEN 'grid_worker' WHEN r.rsrc < 0.80 THEN 'citizen'
                     WHEN r.rsrc < 0.95 THEN 'hotline_12345' ELSE 'department' END AS source,
                CASE WHEN r.ru < 0.90 THEN 'normal' WHEN r.ru < 0.98 THEN 'urgent'
                     ELSE 'critical' END AS urgency
            FROM (
                SELECT i, random() AS rx, random() AS ry, random() AS rs, random() AS rc,
                       random() AS rst, random() AS rsrc, random() AS ru,
                       1 + floor(random() * %(grids)s)::bigint AS gn,
                       1 + floor(random() * %(cats)s)::bigint AS cn,
                       now() - random() * interval '365 days' AS reported_at
                FROM generate_series(1, %(n)s) AS i
            ) r
            JOIN bench_grid g ON g.n = r.gn
            JOIN bench_cat c ON c.n = r.cn
        ) u
    ) t
) s
"""


# People: uniform over the grids, registered over the last 5 years; 80 % 户籍, 15 % 流动,
# 3 % 留守, 2 % 境外. Ciphertexts are placeholders (nothing decrypts them in the bench).
PEOPLE_SQL = """
INSERT INTO collection_person (
    area_path, created_at, updated_at, extra, name, doc_type, id_number, id_number_index,
    gender, birth_date, ethnicity, phone, phone_index, kind, household_address,
    residence_address, relation, grid_id, id_masked_index)
SELECT g.path, r.created_at, r.created_at, '{}'::jsonb, '基准' || r.i, 'id_card',
    'bench:' || r.i, 'BP' || lpad(r.i::text, 12, '0'),
    CASE WHEN r.rk < 0.5 THEN 'male' ELSE 'female' END, NULL, '汉族', '', '',
    CASE WHEN r.rk < 0.80 THEN 'registered' WHEN r.rk < 0.95 THEN 'floating'
         WHEN r.rk < 0.98 THEN 'left_behind' ELSE 'foreign' END,
    '', '', '', g.grid_id, ''
FROM (
    SELECT i, random() AS rk, 1 + floor(random() * %(grids)s)::bigint AS gn,
           now() - random() * interval '1825 days' AS created_at
    FROM generate_series(1, %(n)s) AS i
) r JOIN bench_grid g ON g.n = r.gn
"""

HOUSES_SQL = """
INSERT INTO collection_house (
    area_path, created_at, updated_at, extra, address, use, owner_name, grid_id)
SELECT g.path, r.created_at, r.created_at, '{}'::jsonb, '基准路' || r.i || '号',
    CASE WHEN r.ru < 0.65 THEN 'self' WHEN r.ru < 0.85 THEN 'rental'
         WHEN r.ru < 0.92 THEN 'business' ELSE 'vacant' END, '',
    g.grid_id
FROM (
    SELECT i, random() AS ru, 1 + floor(random() * %(grids)s)::bigint AS gn,
           now() - random() * interval '1825 days' AS created_at
    FROM generate_series(1, %(n)s) AS i
) r JOIN bench_grid g ON g.n = r.gn
"""

ORGANISATIONS_SQL = """
INSERT INTO collection_organisation (
    area_path, created_at, updated_at, extra, name, kind, credit_code, legal_person, address,
    grid_id)
SELECT g.path, r.created_at, r.created_at, '{}'::jsonb, '基准组织' || r.i,
    CASE WHEN r.rk < 0.8 THEN 'non_public' ELSE 'social' END,
    'BO' || lpad(r.i::text, 16, '0'), '', '', g.grid_id
FROM (
    SELECT i, random() AS rk, 1 + floor(random() * %(grids)s)::bigint AS gn,
           now() - random() * interval '1825 days' AS created_at
    FROM generate_series(1, %(n)s) AS i
) r JOIN bench_grid g ON g.n = r.gn
"""

PLACES_SQL = """
INSERT INTO collection_place (area_path, created_at, updated_at, extra, name, kind, address,
    grid_id)
SELECT g.path, r.created_at, r.created_at, '{}'::jsonb, '基准场所' || r.i,
    CASE WHEN r.rk < 0.4 THEN 'key_place' WHEN r.rk < 0.6 THEN 'school_area'
         WHEN r.rk < 0.9 THEN 'crowded' ELSE 'hazard' END, '', g.grid_id
FROM (
    SELECT i, random() AS rk, 1 + floor(random() * %(grids)s)::bigint AS gn,
           now() - random() * interval '1825 days' AS created_at
    FROM generate_series(1, %(n)s) AS i
) r JOIN bench_grid g ON g.n = r.gn
"""

# About 2 % of the generated people in one special group each.
TAGS_SQL = """
INSERT INTO collection_persontag (person_id, tag, visit_every_days, extra, ended_reason)
SELECT p.id, (ARRAY['released', 'correction', 'drug', 'mental', 'aids_risk', 'petition',
    'key_youth'])[1 + floor(random() * 7)::int], 30, '{}'::jsonb, ''
FROM collection_person p
WHERE p.id_number_index LIKE 'BP%%' AND random() < 0.02
"""


def bulk_insert(pg, table: str, sql: str, params: dict, *, seed: int = 42) -> dict:
    """Run `sql` (one INSERT … SELECT) with `table`'s secondary indexes dropped and
    rebuilt, foreign keys not checked row by row (replica role: every key comes from a
    join), in one transaction; then VACUUM ANALYZE. `bench_grid` and `bench_cat`
    (GRIDS_SQL) exist inside it. Returns timings and sizes."""
    t0 = time.perf_counter()
    with pg.transaction():
        pg.execute(GRIDS_SQL)
        grids = pg.execute("SELECT count(*) FROM bench_grid").fetchone()[0]
        cats = pg.execute("SELECT count(*) FROM bench_cat").fetchone()[0]
        indexes = pg.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
            " ORDER BY i.relname",
            (table,),
        ).fetchall()
        for name, _ddl in indexes:
            pg.execute(f'DROP INDEX "{name}"')
        pg.execute("SET LOCAL session_replication_role = replica")
        pg.execute("SELECT setseed(%s)", (((seed % 1000) / 1000.0),))
        pg.execute(sql, {"grids": grids, "cats": cats, **params})
        t1 = time.perf_counter()
        pg.execute("SET LOCAL session_replication_role = origin")
        pg.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, ddl in indexes:
            pg.execute(ddl)
    t2 = time.perf_counter()
    pg.execute(f"VACUUM ANALYZE {table}")
    size = pg.execute(
        "SELECT pg_size_pretty(pg_table_size(%s)), pg_size_pretty(pg_indexes_size(%s))",
        (table, table),
    ).fetchone()
    return {
        "insert": t1 - t0,
        "indexes_s": t2 - t1,
        "table": size[0],
        "indexes": size[1],
        "n_indexes": len(indexes),
    }
