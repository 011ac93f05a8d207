"""Checking every row of a file: the dataset's column checks, then the rules across rows
(a record twice in the file; grids that do not exist or lie outside the jurisdiction)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.db import connection
from django.utils.translation import gettext as _

from governance.roles import Action
from governance.scoping import jurisdiction_paths
from grids.models import Area

from . import checks
from .files import Table
from .specs import GRID, Spec


@dataclass
class Checked:
    spec: Spec
    columns: list[str]  # the file's columns, in file order
    raw: pd.DataFrame  # cells as read
    values: pd.DataFrame  # staging values of every row
    errors: pd.DataFrame  # reason per cell ("" where fine), columns = every known header

    @property
    def valid(self) -> pd.Series:
        return (self.errors == "").all(axis=1)

    def reject(self, header: str, reasons: pd.Series) -> None:
        """Add reasons (by row number; NaN or "" for none) where the cell has none yet."""
        current = self.errors[header]
        reasons = reasons.reindex(current.index).fillna("")
        self.errors[header] = current.where(current != "", reasons)

    def rejected_rows(self) -> list[tuple[int, dict[str, str], dict[str, str]]]:
        """(row number, cells as read, reasons) of each rejected row."""
        bad = ~self.valid
        raw = self.raw.loc[bad, self.columns]
        out = []
        for (number, cells), (_n, reasons) in zip(
            raw.iterrows(), self.errors.loc[bad].iterrows(), strict=True
        ):
            out.append((int(number), cells.to_dict(), {h: r for h, r in reasons.items() if r}))
        return out


def check_rows(
    spec: Spec, table: Table, *, actor, schema: dict | None, progress: Callable[[float], None]
) -> Checked:
    frame = table.clean
    extra_headers = checks.extra_columns(schema)
    all_checks = list(spec.checks)
    if any(h in frame for h in extra_headers) or (schema or {}).get("required"):
        all_checks.append(checks.extras(schema, extra_headers))
    headers = list(dict.fromkeys([*spec.headers, *(h for h in extra_headers if h in frame)]))
    errors = pd.DataFrame("", index=frame.index, columns=headers, dtype=object)
    values = {}
    for i, check in enumerate(all_checks, start=1):
        result = check(frame)
        values.update(result.values)
        for header, reasons in result.errors.items():
            if header in errors:
                first = errors[header]
                errors[header] = first.where(first != "", reasons)
        progress(i / len(all_checks))
    checked = Checked(
        spec=spec,
        columns=table.columns,
        raw=table.raw,
        values=pd.DataFrame(values, index=frame.index),
        errors=errors,
    )
    _reject_duplicates(checked)
    _check_grids(checked, actor)
    return checked


def _reject_duplicates(checked: Checked) -> None:
    """Every row sharing its key with another row is rejected: the file does not say
    which one is right."""
    spec = checked.spec
    keys = checked.values[list(spec.key)]
    usable = keys.notna().all(axis=1) & (checked.errors[spec.key_header] == "")
    parts = keys[usable].astype(str)
    key = parts.iloc[:, 0]
    for name in parts.columns[1:]:
        key = key + "\x1f" + parts[name]
    repeated = key[key.duplicated(keep=False)]
    if repeated.empty:
        return
    reasons = {}
    for members in repeated.groupby(repeated, sort=False).groups.values():
        for number in members:
            others = "、".join(str(o) for o in members if o != number)
            reasons[number] = _("与第 %(rows)s 行重复,这些行都未导入。") % {"rows": others}
    checked.reject(spec.key_header, pd.Series(reasons, dtype=object))


def _check_grids(checked: Checked, actor) -> None:
    """One query for every grid code of the file; jurisdiction once per grid."""
    codes = checked.values["grid_code"].where(checked.errors[GRID] == "")
    wanted = sorted(set(codes.dropna()))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT code, path FROM {Area._meta.db_table} WHERE level = 6 AND code = ANY(%s)",
            [wanted],
        )
        paths = dict(cur.fetchall())
    prefixes = tuple(jurisdiction_paths(actor, Action.CHANGE))
    bad = {}
    for code in wanted:
        if code not in paths:
            bad[code] = _("网格 %(code)s 不存在。") % {"code": code}
        elif not paths[code].startswith(prefixes):
            bad[code] = _("网格 %(code)s 不在您的管辖范围内,不能导入到该网格。") % {"code": code}
    if bad:
        checked.reject(GRID, codes.map(bad))
