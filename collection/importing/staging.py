"""The job's staging table and the merge.

Validation COPies the valid rows (ID and phone numbers already encrypted, blind indexes
computed) into an UNLOGGED table of the job's own, so applying does not read or check the
file again: it re-checks only what can change meanwhile (grids, jurisdiction, records
moved), in SQL, as part of the merge. After a database crash an unlogged table comes back
empty; the apply step then finds fewer rows than validated and fails, writing nothing.

The merge is one statement: INSERT … ON CONFLICT … RETURNING feeds, through
data-modifying CTEs, the change feed (one row per record: what was created or updated,
where, when), the verification tasks (核准) for the grid workers and the rollups of the
written records (governance/figures.py) — set-based, no Python object per row. The
audit trail of a bulk import is one row per job (who, when, from which file, how many),
naming the job's range of the change feed: the record-level trace is the feed's rows in
that range (docs/performance-import.md, "Audit").
"""

from __future__ import annotations

import json
from functools import partial

import pandas as pd
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from governance.changes import change_writer_register
from governance.crypto import blind_index_many, encrypt_many
from governance.dbroles import SCRATCH_SCHEMA
from governance.figures import figures_apply_where, figures_count_written_sql
from governance.models import Change

from ..models import VerificationTask
from .specs import Spec

COPY_CHUNK = 20_000
BULK_ROWS = 10_000  # from this many staged rows on, the merge plans for bulk (merge())


def stage_name(job_id: int) -> str:
    # The scratch schema is where the application role may create tables (it owns no
    # table in "public"): governance/dbroles.py.
    return f"{SCRATCH_SCHEMA}.collection_import_{int(job_id)}"


def stage_create(spec: Spec, job_id: int) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in spec.staged)
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {stage_name(job_id)}")
        cur.execute(
            f"CREATE UNLOGGED TABLE {stage_name(job_id)} (row_number integer NOT NULL, {columns})"
        )


def stage_drop(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {stage_name(job_id)}")


def stage_count(job_id: int) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [stage_name(job_id)])
        if not cur.fetchone()[0]:
            return 0
        cur.execute(f"SELECT count(*) FROM {stage_name(job_id)}")
        return cur.fetchone()[0]


NULL = r"\N"
# COPY's text format: these four characters are written escaped; everything else as is.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = ("\\", "\t", "\n", "\r")


def _cells(series: pd.Series) -> list:
    """A column's cells as Python values, None where not given (None, NaN, NA)."""
    missing = series.isna().to_numpy()
    return [None if m else v for v, m in zip(series.tolist(), missing, strict=True)]


def _as_copy_text(cells: list) -> list[str]:
    """Cells as COPY text fields: NULL for None, escaped only when some cell needs it (free
    text rarely holds a tab, a line break or a backslash)."""
    texts = [None if v is None else v if type(v) is str else str(v) for v in cells]
    joined = "".join(filter(None, texts))  # the given cells ("" adds nothing)
    if any(c in joined for c in _SPECIAL):
        texts = [None if t is None else t.translate(_COPY_ESCAPES) for t in texts]
    return [NULL if t is None else t for t in texts]


def _protected(cells: list, compute) -> list[str]:
    """`compute` (a batch function: encrypt_many, blind_index_many) over the given cells;
    NULL for the others. Its outputs are base64url or hex: nothing to escape."""
    given = [v for v in cells if v is not None]
    done = iter(compute(given))
    return [NULL if v is None else next(done) for v in cells]


def _copy_text(spec: Spec, values: pd.DataFrame) -> str:
    """The rows as COPY text (row number first, then spec.staged in order): protected
    values encrypted, blind indexes computed, for a whole chunk at once."""
    columns = [[str(n) for n in values.index]]
    for name, _kind in spec.staged:
        if name in spec.indexed:
            source, context, *transform = spec.indexed[name]
            cells = _cells(values[source])
            if transform:
                cells = [None if v is None else transform[0](v) for v in cells]
            columns.append(_protected(cells, partial(blind_index_many, context=context)))
        elif name in spec.encrypted:
            context = spec.encrypted[name]
            columns.append(_protected(_cells(values[name]), partial(encrypt_many, context=context)))
        elif name == "extra":
            extra = _cells(values["extra"]) if "extra" in values else [None] * len(values)
            columns.append(
                _as_copy_text([json.dumps(o, ensure_ascii=False) if o else None for o in extra])
            )
        else:
            columns.append(_as_copy_text(_cells(values[name])))
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def stage_copy(spec: Spec, job_id: int, values: pd.DataFrame) -> int:
    """Encrypt and COPY the valid rows chunk by chunk: a writer thread sends one chunk to
    the server (which parses and stores it on the other core) while this one encrypts the
    next."""
    columns = ", ".join(["row_number", *(n for n, _k in spec.staged)])
    with connection.cursor() as cur:
        with cur.copy(
            f"COPY {stage_name(job_id)} ({columns}) FROM STDIN",
            writer=QueuedLibpqWriter(cur.cursor),
        ) as copy:
            for start in range(0, len(values), COPY_CHUNK):
                copy.write(_copy_text(spec, values.iloc[start : start + COPY_CHUNK]))
        # The planner then knows the table's size (a new table has no statistics).
        cur.execute(f"ANALYZE {stage_name(job_id)}")
    return len(values)


def stage_existing(spec: Spec, job_id: int, prefixes: list[str]) -> dict[int, bool]:
    """Rows that update a stored record: row number -> within the jurisdiction."""
    with connection.cursor() as cur:
        cur.execute(
            spec.existing_sql.replace("{stage}", stage_name(job_id)), {"prefixes": prefixes}
        )
        return dict(cur.fetchall())


def stage_delete(job_id: int, row_numbers: list[int]) -> None:
    if row_numbers:
        with connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM {stage_name(job_id)} WHERE row_number = ANY(%s)", [row_numbers]
            )


_TRACE = f"""
WITH merged AS ({{merge}}),
feed AS (
    -- A record announced before in another area (moved by the import) gets a removal
    -- there first, as governance.changes.record_change does for single edits.
    INSERT INTO {Change._meta.db_table} (dataset, object_id, op, area_path, at, import_job)
    SELECT %(dataset)s, id::text, op, area_path, now(), %(job)s FROM (
        SELECT m.id, 0 AS k, 'removed' AS op, prev.area_path
        FROM merged m CROSS JOIN LATERAL (
            SELECT c.area_path FROM {Change._meta.db_table} c
            WHERE c.dataset = %(dataset)s AND c.object_id = m.id::text AND c.op <> 'removed'
            ORDER BY c.seq DESC LIMIT 1) prev
        WHERE NOT m.created AND prev.area_path <> m.area_path
        UNION ALL
        SELECT id, 1, CASE WHEN created THEN 'create' ELSE 'update' END, area_path
        FROM merged) AS rows
    ORDER BY rows.id, rows.k
    RETURNING seq),
tasks AS (
    INSERT INTO {VerificationTask._meta.db_table} (dataset, object_id, grid_id, area_path,
        source, status, note, created_at)
    SELECT %(dataset)s, id::text, grid_id, area_path, %(source)s, 'pending', '', now()
    FROM merged),
counted AS ({{count}})
SELECT (SELECT count(*) FILTER (WHERE created) FROM merged), (SELECT count(*) FROM merged),
    (SELECT min(seq) FROM feed), (SELECT max(seq) FROM feed)"""


def merge(
    spec: Spec, job_id: int, *, prefixes: list[str], source: str, creates_only: bool = False
) -> tuple[int, int, int | None, int | None]:
    """Write the staged rows and their trail. Returns (creates, written, first and last
    change-feed seq): the job's one audit row names that range (imports._write).
    `creates_only` (the check found no stored record to update): Spec.insert_sql, which
    neither reads the stored records nor overwrites one registered since the check."""
    change_writer_register()  # readers of the feed wait for this transaction
    # Rollups, set-based and in this transaction: the overwritten records' cells go before
    # the merge (a move or a new kind leaves its old cell), named by id (an array the
    # planner sizes exactly, not a join whose estimate would rest on statistics that
    # predate this transaction's rows); every written record's cells are counted by the
    # merge statement itself, from its RETURNING rows (`counted`): no second look-up of
    # the rows it has just written.
    sql = (
        _TRACE.replace("{count}", figures_count_written_sql(spec.dataset, "merged"))
        .replace("{merge}", spec.insert_sql if creates_only else spec.merge_sql)
        .replace("{stage}", stage_name(job_id))
    )
    overwritten = None
    with connection.cursor() as cur:
        if stage_count(job_id) >= BULK_ROWS:
            # A bulk job's RETURNING rows and the change feed's sort stay in memory (the
            # default 4 MB spills them to disk).
            cur.execute("SET LOCAL work_mem = '64MB'")
        if not creates_only:
            matched = spec.matched_sql.replace("{stage}", stage_name(job_id))
            cur.execute(f"SELECT array_agg(id) FROM ({matched}) AS m")
            overwritten = cur.fetchone()[0]
    if overwritten:
        figures_apply_where(spec.dataset, "t.id = ANY(%(ids)s)", {"ids": overwritten}, -1)
    with connection.cursor() as cur:
        cur.execute(
            sql,
            {
                "prefixes": prefixes,
                "dataset": spec.dataset,
                "source": source[:100],
                "job": job_id,
            },
        )
        result = cur.fetchone()
        cur.execute("RESET work_mem")
    return tuple(result)
