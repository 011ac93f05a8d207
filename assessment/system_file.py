"""An indicator system as a table (XLSX or CSV, or CSV text pasted into the form): one row
per node under a header row of Chinese column names. Kinds and sources may be written as
their Chinese labels (过程指标 / 人工填报 …) or codes. The rows then go, as a whole,
through `services.indicator_system_create` (weights, cycles, depth, unknown figures and
rules, each problem naming the row of the file)."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Indicator

# Column header → row key. 上级指标编码 and 上级指标 both name the parent.
COLUMNS = {
    "指标编码": "code",
    "指标名称": "name",
    "上级指标": "parent",
    "上级指标编码": "parent",
    "权重": "weight",
    "权重(%)": "weight",
    "指标类型": "kind",
    "数据来源": "source",
    "指标数据": "figure",
    "评分规则": "rule",
}
REQUIRED = ("指标编码", "指标名称", "权重")
TEMPLATE_HEADER = ["指标编码", "指标名称", "上级指标", "权重", "指标类型", "数据来源"]
TEMPLATE_HEADER += ["指标数据", "评分规则"]
MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024


def _labels(choices) -> dict[str, str]:
    """Chinese labels (with and without 指标/评价) and codes → codes."""
    out = {}
    for value, label in choices:
        label = str(label)
        out[value] = value
        out[label] = value
        for suffix in ("指标", "评价"):
            if label.endswith(suffix):
                out[label[: -len(suffix)]] = value
    return out


def _table(content: bytes, filename: str) -> list[list]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValidationError(_("文件不是有效的 XLSX 工作簿。"), code="invalid_file") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("CSV 文件的编码无法识别(请用 UTF-8)。"), code="invalid_file")
    return list(csv.reader(io.StringIO(text)))


def system_rows(content: bytes, filename: str = "rows.csv") -> list[dict]:
    """The rows of an indicator-system table, keyed like `tree_check` expects."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("文件过大(上限 2 MB)。"), code="file_size")
    table = _table(content, filename)
    header = [str(c or "").strip() for c in (table[0] if table else [])]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ValidationError(
            _("第 1 行应为表头,缺少:%(h)s(可用列:%(all)s)。")
            % {"h": "、".join(missing), "all": "、".join(TEMPLATE_HEADER)},
            code="invalid_file",
        )
    if len(table) > MAX_ROWS + 1:
        raise ValidationError(_("最多 %(n)d 个指标。") % {"n": MAX_ROWS}, code="too_many_rows")
    kinds, sources = _labels(Indicator.Kind.choices), _labels(Indicator.Source.choices)
    sources.setdefault("自动", Indicator.Source.FIGURE)
    rows = []
    for cells in table[1:]:
        row = {}
        for i, title in enumerate(header):
            key = COLUMNS.get(title)
            value = cells[i] if i < len(cells) else None
            if key:
                row[key] = "" if value is None else str(value).strip()
        if not any(row.values()):
            continue
        row["kind"] = kinds.get(row.get("kind", ""), row.get("kind", ""))
        row["source"] = sources.get(row.get("source", ""), row.get("source", ""))
        rows.append(row)
    return rows
