"""The results of a scheme as an XLSX workbook: Chinese headers, the indicator tree as
merged header cells (一级 over its 二级 over its 三级), a row of full marks (应得分), then
one row per object."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FIXED = 4  # rank, code, name, total


def _leaves_under(node, children) -> list:
    kids = children.get(node.pk, [])
    if not kids:
        return [node]
    return [leaf for k in kids for leaf in _leaves_under(k, children)]


def results_workbook(scheme, results, nodes) -> bytes:
    children: dict = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    depth = max((n.level for n in nodes), default=1)
    leaves = [leaf for top in children.get(None, []) for leaf in _leaves_under(top, children)]
    column = {leaf.pk: FIXED + 1 + i for i, leaf in enumerate(leaves)}
    wb = Workbook()
    ws = wb.active
    ws.title = _("考核结果")[:31]
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    for i, title in enumerate([_("排名"), _("对象编码"), _("对象名称"), _("总分")], start=1):
        ws.cell(row=1, column=i, value=title)
        if depth > 1:
            ws.merge_cells(start_row=1, start_column=i, end_row=depth, end_column=i)
    for n in nodes:
        under = _leaves_under(n, children)
        first, last = column[under[0].pk], column[under[-1].pk]
        ws.cell(row=n.level, column=first, value=f"{n.code} {n.name}")
        bottom = depth if not children.get(n.pk) else n.level
        if last > first or bottom > n.level:
            ws.merge_cells(start_row=n.level, start_column=first, end_row=bottom, end_column=last)
    marks_row = depth + 1
    ws.cell(row=marks_row, column=3, value=_("应得分"))
    ws.cell(row=marks_row, column=4, value=scheme.system.total_marks)
    for leaf in leaves:
        ws.cell(row=marks_row, column=column[leaf.pk], value=leaf.full_marks)
    for row in ws.iter_rows(min_row=1, max_row=marks_row):
        for cell in row:
            cell.alignment, cell.font = centre, bold
    for r, result in enumerate(results, start=marks_row + 1):
        ws.cell(row=r, column=1, value=result.rank)
        ws.cell(row=r, column=2, value=result.object_code)
        ws.cell(row=r, column=3, value=result.object_name)
        ws.cell(row=r, column=4, value=result.score)
        for s in result.scores.all():
            if s.indicator_id in column:
                ws.cell(row=r, column=column[s.indicator_id], value=s.score)
    ws.column_dimensions["C"].width = 18
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
