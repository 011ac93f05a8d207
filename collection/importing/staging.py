"""The job's staging table and the merge.

Validation COPies the valid rows (ID and phone numbers already encrypted, blind indexes
computed) into an UNLOGGED table of the job's own, so applying does not read or check the
file again: it re-checks only what can change meanwhile (grids, jurisdiction, records
moved), in SQL, as part of the merge. After a database crash an unlogged table comes back
empty; the apply step then finds fewer rows than validated and fails, writing nothing.

The merge is one statement: INSERT … ON CONFLICT … RETURNING feeds, through
data-modifying CTEs, one audit row per record, the change feed and the verification
tasks (核准) for the grid workers — set-based, no Python object per row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pandas as pd
from django.db import connection

from governance.audit import audit_entry
from governance.changes import change_writer_register
from governance.crypto import blind_index_many, encrypt_many
from governance.dbroles import SCRATCH_SCHEMA
from governance.figures import figures_apply_where
from governance.models import AuditLog, Change

from ..models import VerificationTask
from .specs import Spec

COPY_CHUNK = 20_000


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


def _staging_frame(spec: Spec, values: pd.DataFrame) -> pd.DataFrame:
    """The rows as the staging table holds them: protected values encrypted."""
    out = pd.DataFrame({"row_number": values.index}, index=values.index)
    for name, _kind in spec.staged:
        if name in spec.indexed:
            source, context, *transform = spec.indexed[name]
            plain = values[source]
            given = plain.notna()
            texts = plain[given].tolist()
            if transform:
                texts = [transform[0](t) for t in texts]
            out[name] = pd.Series(None, index=values.index, dtype=object)
            out.loc[given, name] = blind_index_many(texts, context=context)
        elif name in spec.encrypted:
            plain = values[name]
            given = plain.notna()
            out[name] = pd.Series(None, index=values.index, dtype=object)
            out.loc[given, name] = encrypt_many(plain[given].tolist(), context=spec.encrypted[name])
        elif name == "extra":
            extra = values["extra"] if "extra" in values else None
            out[name] = (
                None
                if extra is None
                else extra.map(lambda o: json.dumps(o, ensure_ascii=False) if o else None)
            )
        else:
            out[name] = values[name]
    return out


def stage_copy(
    spec: Spec, job_id: int, values: pd.DataFrame, progress: Callable[[float], None]
) -> int:
    """Encrypt the valid rows in chunks (progress between them: the connection is free),
    then COPY them in one go."""
    parts = []
    for start in range(0, len(values), COPY_CHUNK):
        buf = io.StringIO()
        # An empty unquoted field is NULL in CSV COPY: "not given" cells.
        _staging_frame(spec, values.iloc[start : start + COPY_CHUNK]).to_csv(
            buf, header=False, index=False
        )
        parts.append(buf.getvalue())
        progress(min(1.0, (start + COPY_CHUNK) / max(1, len(values))))
    columns = ", ".join(["row_number", *(n for n, _k in spec.staged)])
    with connection.cursor() as cur:
        with cur.copy(f"COPY {stage_name(job_id)} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for part in parts:
                copy.write(part)
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
WITH merged (id, label, area_path, grid_id, created) AS ({{merge}}),
audit AS (
    INSERT INTO {AuditLog._meta.db_table} (at, actor_id, actor_name, action, object_type,
        object_id, object_repr, changes, area_path, ip)
    SELECT now(), %(actor_id)s, %(actor_name)s,
        %(action)s || CASE WHEN created THEN '.create' ELSE '.update' END, %(object_type)s,
        id::text, left(label, 200), %(changes)s::jsonb, area_path, %(ip)s
    FROM merged),
feed AS (
    -- A record announced before in another area (moved by the import) gets a removal
    -- there first, as governance.changes.record_change does for single edits.
    INSERT INTO {Change._meta.db_table} (dataset, object_id, op, area_path, at)
    SELECT %(dataset)s, id::text, op, area_path, now() FROM (
        SELECT m.id, 0 AS k, 'removed' AS op, prev.area_path
        FROM merged m CROSS JOIN LATERAL (
            SELECT c.area_path FROM {Change._meta.db_table} c
            WHERE c.dataset = %(dataset)s AND c.object_id = m.id::text AND c.op <> 'removed'
            ORDER BY c.seq DESC LIMIT 1) prev
        WHERE NOT m.created AND prev.area_path <> m.area_path
        UNION ALL
        SELECT id, 1, CASE WHEN created THEN 'create' ELSE 'update' END, area_path
        FROM merged) AS rows
    ORDER BY id, k
    RETURNING seq),
tasks AS (
    INSERT INTO {VerificationTask._meta.db_table} (dataset, object_id, grid_id, area_path,
        source, status, note, created_at)
    SELECT %(dataset)s, id::text, grid_id, area_path, %(source)s, 'pending', '', now()
    FROM merged)
SELECT (SELECT count(*) FILTER (WHERE created) FROM merged), (SELECT count(*) FROM merged),
    (SELECT min(seq) FROM feed), (SELECT max(seq) FROM feed)"""


def merge(
    spec: Spec, job_id: int, *, actor, prefixes: list[str], source: str
) -> tuple[int, int, int | None, int | None]:
    """Write the staged rows and their trail. Returns (creates, written, first and last
    change-feed seq)."""
    entry = audit_entry(actor=actor, action=spec.action)  # who and from where, as usual
    change_writer_register()  # readers of the feed wait for this transaction
    sql = _TRACE.replace("{merge}", spec.merge_sql).replace("{stage}", stage_name(job_id))
    # Rollups, set-based and in this transaction: the overwritten records' cells go before
    # the merge (a move or a new kind leaves its old cell), every written record's after.
    matched = spec.matched_sql.replace("{stage}", stage_name(job_id))
    figures_apply_where(spec.dataset, f"t.id IN ({matched})", {}, -1)
    with connection.cursor() as cur:
        cur.execute(
            sql,
            {
                "prefixes": prefixes,
                "actor_id": entry.actor_id,
                "actor_name": entry.actor_name,
                "action": spec.action,
                "object_type": spec.object_type,
                "ip": entry.ip,
                "changes": json.dumps({"import_job": [None, job_id]}),
                "dataset": spec.dataset,
                "source": source[:100],
            },
        )
        result = cur.fetchone()
    # The records written are those the change feed announced (not the removals).
    figures_apply_where(
        spec.dataset,
        f"""t.id IN (SELECT object_id::bigint FROM {Change._meta.db_table}
            WHERE dataset = %(dataset)s AND seq BETWEEN %(first)s AND %(last)s
            AND op <> 'removed')""",
        {"dataset": spec.dataset, "first": result[2], "last": result[3]},
        +1,
    )
    return result
