"""Evaluating a rule, set-based: one statement computes every subject's score from the
factors' fragments, then one upsert per outcome writes the warnings.

    WITH subj AS (<the subjects of the kind>),
         f0 AS (<fragment of factor 0>), f1 AS (…),
    SELECT s.id, s.area_path, s.label,
           COALESCE(f0.value, 0) * w0 + COALESCE(f1.value, 0) * w1 … AS score
    FROM subj s LEFT JOIN f0 ON f0.subject_id = s.id LEFT JOIN f1 …

The scores (with their colour) go into a temporary table; then, in the same transaction:
1. open warnings whose subject's colour rose are closed as `superseded` (history kept);
2. one `INSERT … ON CONFLICT (rule, subject) WHERE open DO UPDATE` writes a new warning
   where none is open (a colour appeared or rose) and lowers or re-scores the open one;
3. the log rows of both, set-based from `RETURNING`.
A repeated run with unchanged data changes nothing. `statement_timeout` bounds every
statement: a rule that takes too long is stopped, recorded on the rule and logged.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from governance.figures import figures_changing

from .factors import PASSES, factor_get
from .figures import FIGURE_SOURCE
from .models import COLOUR_BY_KEY, COLOUR_KEYS, Rule, Warning

log = logging.getLogger(__name__)

OPEN_EVENT = "('reported', 'accepted', 'dispatched', 'handling', 'closed')"
# id, area_path, label, loc, created — per subject kind (cases also the attributes their
# factors read on the case's own row: risk/factors.py PASSES["event_row"]).
SUBJECTS = {
    "person": "SELECT x.id, x.area_path, x.name::text AS label, h.location AS loc, "
    "x.created_at AS created FROM collection_person x "
    "LEFT JOIN collection_house h ON h.id = x.house_id",
    "house": "SELECT x.id, x.area_path, x.address::text AS label, x.location AS loc, "
    "x.created_at AS created FROM collection_house x",
    "place": "SELECT x.id, x.area_path, x.name::text AS label, x.location AS loc, "
    "x.created_at AS created FROM collection_place x",
    "area": "SELECT x.id, x.path AS area_path, x.name::text AS label, "
    "NULL::geometry AS loc, NULL::timestamptz AS created FROM grids_area x "
    "WHERE x.level = 6",
    "event": "SELECT x.id, x.area_path, (x.number || ' ' || x.title)::text AS label, "
    "x.location AS loc, x.reported_at AS created, x.due_state, x.urgency FROM events_event x "
    f"WHERE x.status IN {OPEN_EVENT}",
}


def _timeout_ms() -> int:
    return int(getattr(settings, "RISK_STATEMENT_TIMEOUT_MS", 60_000))


def scores_sql(kind: str, definition: dict, *, only: list[int] | None = None) -> tuple[str, dict]:
    """The one statement: (id, area_path, label, score, colour, v0, v1, …) per subject
    with a colour (`only`: these subjects, colour or not)."""
    subjects = SUBJECTS[kind]
    params: dict = {}
    if only is not None:
        joiner = " AND " if " WHERE " in subjects else " WHERE "
        subjects += f"{joiner}x.id = ANY(%(only)s)"
        params["only"] = list(only)
    # NOT MATERIALIZED: every factor joins the subjects it scores (a few thousand rows
    # by primary key); materialised, the CTE would copy all of them (2,000,000 people)
    ctes, sources, values = [f"subj AS NOT MATERIALIZED ({subjects})"], [], []
    passes: dict[str, list[tuple[int, object]]] = {}  # factors sharing one pass
    for i, item in enumerate(definition["factors"]):
        factor = factor_get(item["code"])
        params.update(factor.render_params(f"f{i}", item["params"]))
        params[f"w{i}"] = float(item["weight"])
        values.append(f"v{i}")
        shared = factor.shared.get(kind)
        if shared is not None:
            passes.setdefault(shared.pass_name, []).append((i, factor))
            continue
        text = factor.render_text(factor.sql[kind], f"f{i}")
        ctes.append(f"f{i} AS (SELECT subject_id, value AS v{i} FROM ({text}) x)")
        sources.append(f"f{i}")
    for name, members in passes.items():
        # An ungrouped pass is kept whole (MATERIALIZED): inlined, its terms (a subquery
        # per case) would be evaluated again wherever the score and the values use them.
        how = "" if PASSES[name].grouped else "MATERIALIZED "
        ctes.append(f"{name} AS {how}({_pass_sql(kind, name, members)})")
        sources.append(name)
    terms = [f"COALESCE(v{i}, 0) * %(w{i})s" for i in range(len(values))]
    values = [f"COALESCE(v{i}, 0) AS v{i}" for i in range(len(values))]
    th = definition["thresholds"]
    cases = " ".join(f"WHEN score >= %(t_{k})s THEN {COLOUR_BY_KEY[k]}" for k in COLOUR_KEYS)
    params.update({f"t_{k}": float(th[k]) for k in COLOUR_KEYS})
    keep = "" if only is not None else "WHERE score >= %(t_green)s"
    scored_from, joined, subject_id = "subj s", sources, "s.id"
    if only is None and sources and float(th["green"]) > 0:
        # A subject no factor has a row for scores 0, below every colour: score only the
        # subjects some factor found, not every person of the province.
        if len(sources) == 1 and sources[0] in PASSES:
            # one pass: it carries the subjects' columns itself (no second join)
            scored_from, joined, subject_id = f"{sources[0]} s", [], "s.subject_id"
        elif len(sources) == 1:
            scored_from = f"{sources[0]} JOIN subj s ON s.id = {sources[0]}.subject_id"
            joined = []
        else:
            found = " UNION ".join(f"SELECT subject_id FROM {name}" for name in sources)
            scored_from = f"({found}) AS found JOIN subj s ON s.id = found.subject_id"
    joins = " ".join(f"LEFT JOIN {name} ON {name}.subject_id = s.id" for name in joined)
    sql = (
        f"WITH {', '.join(ctes)}, scored AS MATERIALIZED (SELECT {subject_id} AS id, "
        "s.area_path, s.label, "
        f"({' + '.join(terms)})::float AS score, {', '.join(values)} FROM {scored_from} "
        f"{joins}) "
        f"SELECT id, area_path, label, score, CASE {cases} ELSE 0 END AS colour, "
        f"{', '.join(f'v{i}' for i in range(len(values)))} FROM scored {keep}"
    )
    return sql, params


def _pass_sql(kind: str, name: str, members: list) -> str:
    """One read of the pass's table for all its factors of the rule: `(subject_id,
    area_path, label, v_i…)` with each factor's value over its own rows only (FILTER), the
    rows any of them needs. Every pass joins the subjects (`subj s`)."""
    p = PASSES[name]
    terms, wheres, joins = [], [], []
    for i, factor in members:
        shared, prefix = factor.shared[kind], f"f{i}"
        terms.append(f"{factor.render_text(shared.term(), prefix)} AS v{i}")
        wheres.append(f"({factor.render_text(shared.where, prefix)})")
        join = factor.render_text(shared.join, prefix)
        if join and join not in joins:
            joins.append(join)
    subject = f"{p.subject}.area_path, {p.subject}.label"
    sql = (
        f"SELECT {p.key} AS subject_id, {subject}, {', '.join(terms)} "
        f"FROM {p.source} {' '.join(joins)} WHERE {' OR '.join(wheres)}"
    )
    return sql + (f" GROUP BY {p.key}, {subject}" if p.grouped else "")


@contextmanager
def _timeout(cur):
    """statement_timeout for the statements inside, restored after (SET LOCAL would
    otherwise outlive the savepoint when the caller's transaction goes on)."""
    cur.execute("SHOW statement_timeout")
    before = cur.fetchone()[0]
    cur.execute(f"SET LOCAL statement_timeout = {_timeout_ms()}")
    try:
        yield
    finally:
        if not connection.needs_rollback:
            try:
                cur.execute("SELECT set_config('statement_timeout', %s, true)", [before])
            except DatabaseError:
                pass  # the transaction is aborted: its rollback restores the setting


@dataclass
class RunResult:
    rule_id: int
    status: str = Rule.RunStatus.OK
    scored: int = 0
    issued: int = 0
    updated: int = 0
    superseded: int = 0
    ms: int = 0
    message: str = ""
    new_ids: list[int] = field(default_factory=list)


def _write(cur, rule: Rule, only: list[int] | None, result: RunResult) -> None:
    definition = rule.version.definition
    sql, params = scores_sql(rule.subject_kind, definition, only=only)
    # Made once per transaction (a drain evaluates its rules in one) and emptied for each
    # rule, never dropped by a statement: psycopg forgets every statement prepared on the
    # connection when it sees a DROP. Wide types: rules of every subject kind fill it.
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS risk_scored (id bigint, area_path text, label text,"
        " score double precision, colour integer) ON COMMIT DROP"
    )
    cur.execute("DELETE FROM risk_scored")
    cur.execute(
        "INSERT INTO risk_scored (id, area_path, label, score, colour) "
        f"SELECT id, area_path, label, score, colour FROM ({sql}) q WHERE colour > 0",
        params,
    )
    result.scored = cur.rowcount
    # Statistics for the joins below: unanalysed, the planner guesses thousands of rows
    # and scans every warning of the rule to update one subject's.
    cur.execute("ANALYZE risk_scored")
    # The rollups of open warnings (risk/figures.py): this rule's cells (of the subject
    # re-evaluated) before and after the upsert, only their net change rolled up — an
    # unchanged re-run writes no cell.
    scope = {"rule": rule.pk, "only": only}
    scope_where = f"t.rule_id = %(rule)s AND t.status IN {Warning.OPEN}" + (
        " AND t.subject_id = ANY(%(only)s)" if only is not None else ""
    )
    with figures_changing(FIGURE_SOURCE, scope_where, scope):
        _upsert_warnings(cur, rule, definition, result)


def _upsert_warnings(cur, rule: Rule, definition: dict, result: RunResult) -> None:
    """Supersede, issue and re-score the rule's warnings from `risk_scored`, each change
    logged."""
    now = timezone.now()
    hours = definition["time_limits"]
    level = int(definition["unit_level"])
    common = {
        "rule": rule.pk,
        "version": rule.version_id,
        "kind": rule.subject_kind,
        "now": now,
        "level": level,
        **{f"h{COLOUR_BY_KEY[k]}": int(hours[k]) for k in COLOUR_KEYS},
    }
    hours_case = (
        "CASE s.colour " + " ".join(f"WHEN {c} THEN %(h{c})s" for c in range(1, 6)) + " END"
    )
    cur.execute(
        f"""
        WITH risen AS (
            UPDATE risk_warning w SET status = 'superseded', closed_at = %(now)s,
                updated_at = %(now)s
            FROM risk_scored s
            WHERE w.rule_id = %(rule)s AND w.subject_id = s.id
              AND w.status IN {Warning.OPEN} AND s.colour > w.colour
            RETURNING w.id, w.colour AS old, s.colour AS new, s.score)
        INSERT INTO risk_warninglog (warning_id, kind, colour_from, colour_to, score, note, at)
        SELECT id, 'superseded', old, new, score, '', %(now)s FROM risen""",
        common,
    )
    result.superseded = cur.rowcount
    cur.execute(
        f"""
        WITH up AS (
            INSERT INTO risk_warning AS w (rule_id, version_id, subject_kind, subject_id,
                subject_label, area_path, colour, score, status, unit_level, unit_path,
                escalations, due_at, issued_at, updated_at, note, evidence)
            SELECT %(rule)s, %(version)s, %(kind)s, s.id, left(s.label, 200), s.area_path,
                s.colour, s.score, 'issued', LEAST(%(level)s, n.depth),
                array_to_string((string_to_array(s.area_path, '/'))[1:LEAST(%(level)s,
                n.depth)], '/') || '/',
                0, %(now)s + {hours_case} * interval '1 hour', %(now)s, %(now)s, '', ''
            FROM risk_scored s
            CROSS JOIN LATERAL (SELECT array_length(string_to_array(
                rtrim(s.area_path, '/'), '/'), 1) AS depth) n
            -- An unchanged open warning is left alone: ON CONFLICT would lock (and so
            -- write) its row even when the update's condition is false.
            WHERE NOT EXISTS (SELECT 1 FROM risk_warning o WHERE o.rule_id = %(rule)s
                AND o.subject_id = s.id AND o.status IN {Warning.OPEN}
                AND o.colour = s.colour AND o.score = s.score
                AND o.version_id = %(version)s)
            ON CONFLICT (rule_id, subject_id) WHERE status IN {Warning.OPEN}
            DO UPDATE SET previous_colour = w.colour, colour = excluded.colour,
                score = excluded.score, version_id = excluded.version_id,
                subject_label = excluded.subject_label, updated_at = excluded.updated_at
            WHERE w.colour <> excluded.colour OR w.score <> excluded.score
                OR w.version_id <> excluded.version_id
            RETURNING w.id, (w.xmax = 0) AS inserted, w.previous_colour,
                w.colour, w.score)
        INSERT INTO risk_warninglog (warning_id, kind, colour_from, colour_to, score, note, at)
        SELECT id, CASE WHEN inserted THEN 'issued' WHEN colour < previous_colour
            THEN 'lowered' ELSE 'rescored' END,
            CASE WHEN inserted THEN NULL ELSE previous_colour END, colour, score, '', %(now)s
        FROM up RETURNING warning_id, kind""",
        common,
    )
    rows = cur.fetchall()
    result.new_ids = [wid for wid, kind in rows if kind == "issued"]
    result.issued = len(result.new_ids)
    result.updated = len(rows) - result.issued


def rule_evaluate(rule: Rule, *, only: list[int] | None = None) -> RunResult:
    """Evaluate one rule (for every subject, or only the subject `only`) in its own
    transaction. A timeout or database error rolls the run back and is recorded on the
    rule (status `timeout`/`error`), never raised to the worker."""
    result = RunResult(rule.pk)
    started = time.monotonic()
    try:
        with transaction.atomic():
            with connection.cursor() as cur, _timeout(cur):
                _write(cur, rule, only, result)
            if result.new_ids or result.updated or result.superseded:
                from .services import warnings_after_evaluation

                warnings_after_evaluation(rule=rule, result=result)
    except OperationalError as exc:
        canceled = "statement timeout" in str(exc) or "canceling statement" in str(exc)
        result.status = Rule.RunStatus.TIMEOUT if canceled else Rule.RunStatus.ERROR
        result.message = str(exc).splitlines()[0][:300]
        log.error("risk rule %s (%s) %s: %s", rule.pk, rule.name, result.status, result.message)
    except DatabaseError as exc:
        result.status = Rule.RunStatus.ERROR
        result.message = str(exc).splitlines()[0][:300]
        log.error("risk rule %s (%s) failed: %s", rule.pk, rule.name, result.message)
    result.ms = int((time.monotonic() - started) * 1000)
    if only is None or result.status != Rule.RunStatus.OK:
        Rule.objects.filter(pk=rule.pk).update(
            last_run_at=timezone.now(),
            last_run_status=result.status,
            last_run_ms=result.ms,
            last_run_message=result.message,
        )
    return result


def rules_active(kind: str | None = None):
    today = timezone.localdate().isoformat()
    rules = Rule.objects.filter(active=True, version__isnull=False).select_related("version")
    if kind:
        rules = rules.filter(subject_kind=kind)
    return [
        r
        for r in rules
        if (r.version.definition.get("valid_from") or today) <= today
        and today <= (r.version.definition.get("valid_to") or today)
    ]


def rules_evaluate_all() -> list[RunResult]:
    return [rule_evaluate(rule) for rule in rules_active()]


def subjects_reevaluate(kind: str, ids, rules: list[Rule] | None = None) -> list[RunResult]:
    """Re-evaluate only these subjects under every active rule of their kind (of `rules`,
    when the caller has read the active rules already: `rules_active()`)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return []
    rules = rules_active(kind) if rules is None else [r for r in rules if r.subject_kind == kind]
    return [rule_evaluate(rule, only=ids) for rule in rules]


def preview(kind: str, definition: dict, *, user=None, examples: int = 10) -> dict:
    """What the (checked) definition would raise today, without writing: counts per colour
    and the first examples (highest scores), within the user's jurisdiction when given."""
    from governance.scoping import jurisdiction_paths

    sql, params = scores_sql(kind, definition)
    where = ""
    if user is not None:
        paths = jurisdiction_paths(user)
        params["paths"] = [p + "%" for p in paths]
        where = "WHERE area_path LIKE ANY(%(paths)s)"
    with transaction.atomic(), connection.cursor() as cur, _timeout(cur):
        cur.execute(f"SELECT colour, count(*) FROM ({sql}) q {where} GROUP BY colour", params)
        counts = {k: 0 for k in COLOUR_KEYS}
        by_colour = {v: k for k, v in COLOUR_BY_KEY.items()}
        for colour, n in cur.fetchall():
            if colour in by_colour:
                counts[by_colour[colour]] = n
        cur.execute(
            f"SELECT id, label, score, colour FROM ({sql}) q {where} "
            "ORDER BY score DESC, id LIMIT %(limit)s",
            {**params, "limit": examples},
        )
        rows = [
            {"id": i, "label": label, "score": round(score, 2), "colour": by_colour[c]}
            for i, label, score, c in cur.fetchall()
        ]
    return {"counts": counts, "examples": rows}


def scorecard(kind: str, definition: dict, subject_id: int) -> dict:
    """One subject's score under a definition, with each factor's value and contribution."""
    sql, params = scores_sql(kind, definition, only=[subject_id])
    with transaction.atomic(), connection.cursor() as cur, _timeout(cur):
        cur.execute(sql, params)
        row = cur.fetchone()
    n = len(definition["factors"])
    values = list(row[5 : 5 + n]) if row else [0.0] * n
    factors = []
    for item, value in zip(definition["factors"], values, strict=True):
        factor = factor_get(item["code"])
        factors.append(
            {
                "code": factor.code,
                "name": str(factor.name),
                "params": item["params"],
                "value": round(float(value), 4),
                "weight": item["weight"],
                "contribution": round(float(value) * item["weight"], 4),
            }
        )
    score = round(sum(f["contribution"] for f in factors), 4)
    colour = next((k for k in COLOUR_KEYS if score >= definition["thresholds"][k]), None)
    return {"score": score, "colour": colour, "factors": factors}
