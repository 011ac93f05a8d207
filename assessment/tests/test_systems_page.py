"""The indicator-system pages: the tree with weights, 应得分, kinds, sources and rules; a
new system from CSV text or an XLSX file through `indicator_system_create`, whose
refusals (weights, cycles) name the row of the file and save nothing."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from assessment.models import IndicatorSystem
from assessment.tests.factories import rules_make

pytestmark = pytest.mark.django_db

HEADER = "指标编码,指标名称,上级指标,权重,指标类型,数据来源,指标数据,评分规则"
GOOD = [
    "A,办理质量,,60,,,,",
    "A1,结案数,A,50,结果指标,自动,events.closed,结案数线性",
    "A2,超期,A,50,过程,figure,events.overdue,超期扣分",
    "B,群众评议,,40,第三方评价,人工填报,,",
]


def _post(client, name, lines=None, file=None):
    data = {"name": name}
    if file is not None:
        data["file"] = file
    else:
        data["rows"] = "\n".join([HEADER, *lines])
    return client.post("/assessment/systems/", data)


def test_create_from_csv_text_and_view_the_tree(client, province_admin):
    rules_make(province_admin)
    client.force_login(province_admin)
    r = _post(client, "县级考核指标", GOOD)
    assert r.status_code == 302, r.content.decode()
    system = IndicatorSystem.objects.get(name="县级考核指标")
    nodes = {n.code: n for n in system.nodes.all()}
    assert (nodes["A1"].level, nodes["A1"].full_marks, nodes["A1"].kind) == (2, 30, "result")
    assert (nodes["A2"].kind, nodes["A2"].source) == ("process", "figure")
    assert (nodes["B"].kind, nodes["B"].source, nodes["B"].full_marks) == (
        "third_party",
        "manual",
        40,
    )
    page = client.get(r["Location"]).content.decode()
    tree = page.split('id="tree"')[1]
    assert 'class="level-2"' in tree and "二级指标" in tree and "结案数线性" in tree
    assert "30.0" in tree and "<code>events.closed</code>" in tree
    csv = client.get(f"{r['Location']}?format=csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0] == HEADER and "A1,结案数,A,50.0" in csv


@pytest.mark.parametrize(
    "lines, message",
    [
        (["A,甲,,60,,人工填报,,", "B,乙,,30,,人工填报,,"], "一级指标:下级指标的权重合计为 90"),
        (
            ["A,甲,C,100,,,,", "B,乙,A,100,,,,", "C,丙,B,100,,,,"],
            "第 2 行(A):上级关系形成了循环",
        ),
        (["A,甲,,100,,自动,no.such,结案数线性"], "第 2 行(A):指标数据“no.such”不存在"),
    ],
)
def test_bad_tree_is_refused_naming_the_row(client, province_admin, lines, message):
    rules_make(province_admin)
    client.force_login(province_admin)
    r = _post(client, "坏指标体系", lines)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not IndicatorSystem.objects.filter(name="坏指标体系").exists()


def test_create_from_xlsx(client, province_admin):
    rules_make(province_admin)
    wb = Workbook()
    wb.active.append(HEADER.split(","))
    for line in GOOD:
        wb.active.append([c or None for c in line.split(",")])
    out = BytesIO()
    wb.save(out)
    client.force_login(province_admin)
    r = _post(client, "XLSX 指标体系", file=SimpleUploadedFile("t.xlsx", out.getvalue()))
    assert r.status_code == 302
    assert IndicatorSystem.objects.get(name="XLSX 指标体系").nodes.count() == 4
    r = _post(client, "缺表头", file=SimpleUploadedFile("t.csv", "编码,名称\nA,甲\n".encode()))
    assert r.status_code == 400 and "缺少" in r.content.decode()


def test_only_a_province_administrator(client, make_user):
    from governance.roles import Role

    county_admin = make_user(Role.ADMIN, "220102000000", "c_admin")
    client.force_login(county_admin)
    assert client.get("/assessment/systems/").status_code == 403
    assert _post(client, "越权", GOOD).status_code == 403
