"""What a department file of each dataset holds, and how its rows are keyed and merged.

Merge keys: people by ID number (its blind index), organisations by unified social credit
code, houses by address within their grid. An empty optional cell keeps the stored value
of a record being updated (NULL in the staging table, COALESCE in the merge); a new
record takes the default. A record registered outside the importer's jurisdiction is
never touched: the row is rejected at the check, and the merge's WHERE skips it should it
have moved out since (the caller then sees fewer rows written than staged and rolls back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from governance.masking import mask_id_number
from grids.models import Area

from ..models import (
    ID_CONTEXT,
    ID_MASKED_CONTEXT,
    PHONE_CONTEXT,
    Dataset,
    House,
    Organisation,
    Person,
)
from . import checks


@dataclass(frozen=True)
class Column:
    header: str  # as written in the file's first row
    required: bool = False
    hint: str = ""  # for the template's notes sheet
    example: str = ""


@dataclass(frozen=True)
class Spec:
    dataset: str
    label: str
    model: type
    columns: tuple[Column, ...]
    checks: tuple[checks.Check, ...]
    key: tuple[str, ...]  # staging values that identify a record within the file
    key_header: str  # where a duplicate is reported
    staged: tuple[tuple[str, str], ...]  # staging columns (name, SQL type), in COPY order
    encrypted: dict[str, str] = field(default_factory=dict)  # value -> crypto context
    # index column -> (value, crypto context[, transform applied before hashing])
    indexed: dict[str, tuple] = field(default_factory=dict)
    protected: dict[str, str] = field(default_factory=dict)  # header -> policy field
    # The preview's columns: (value shown as the record, value shown as its key, how the
    # key is masked) — never a protected value in clear.
    preview: tuple = ()
    existing_sql: str = ""  # (row_number, within the importer's jurisdiction)
    # RETURNING id, label, area_path, grid_id, created, and the columns the dataset's
    # rollup facts read (collection/figures.py): the written rows are counted from it.
    merge_sql: str = ""
    # The stored records the staged rows will overwrite (their ids): their rollup cells
    # are taken away before the merge and counted again after it (governance/figures.py).
    matched_sql: str = ""

    @cached_property
    def insert_sql(self) -> str:
        """merge_sql for a job whose check found no stored record to update (the first
        load of an area, the usual bulk job): without the join to the stored records,
        which reads the whole table to find none, and with ON CONFLICT DO NOTHING. A
        record registered since the check is then not written, so the caller sees fewer
        rows written than staged and rolls back: the job applies what its preview showed,
        creations only, or nothing. Derived from merge_sql so the two cannot drift: the
        `old` join goes, `old.<column>` reads NULL (as it does for every new record
        through the LEFT JOIN), the conflict clause becomes DO NOTHING."""
        sql, joins = re.subn(r"\nLEFT JOIN \w+ old ON [^\n]*", "", self.merge_sql)
        sql = re.sub(r"\bold\.\w+", "NULL", sql)
        sql, conflicts = re.subn(
            r"\nON CONFLICT .*?\nRETURNING ",
            "\nON CONFLICT DO NOTHING\nRETURNING ",
            sql,
            flags=re.S,
        )
        assert joins == 1 and conflicts == 1, f"{self.dataset}: merge_sql has an unexpected shape"
        return sql

    @cached_property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    @property
    def action(self) -> str:
        return self.model._meta.model_name


GRID = "所属网格"
GRID_COLUMN = Column(GRID, True, _("15 位网格编码,须在您的管辖范围内"), "220102001001001")
LOCATION_COLUMNS = (
    Column("经度", False, _("与纬度同时填写"), "125.3245"),
    Column("纬度", False, _("与经度同时填写"), "43.8868"),
    Column("坐标系", False, _("WGS84(默认)、GCJ-02(高德、腾讯)或 BD-09(百度)"), "WGS84"),
)
LOCATION_CHECK = checks.coordinates("经度", "纬度", "坐标系")
GRID_CHECK = checks.digits_code("grid_code", GRID, 15, _("网格编码应为 15 位数字。"))
LOCATION_SQL = (
    "CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), "
    "4326) ELSE old.location END"
)

AREA = Area._meta.db_table
# The grids the merge may write into: existing level-6 grids within the applying user's
# jurisdiction, checked again at apply time.
_GRID_JOIN = (
    f"JOIN {AREA} a ON a.code = s.grid_code AND a.level = 6 AND a.path LIKE ANY(%(prefixes)s)"
)


def _label_map(choices) -> dict[str, str]:
    return {str(label): value for value, label in choices}


# -- people ---------------------------------------------------------------------------------

PERSON = Person._meta.db_table
DOC_LABELS = {
    "居民身份证": "id_card",
    "身份证": "id_card",
    "外国人居留证件/护照": "foreign",
    "护照": "foreign",
    "外国人永久居留身份证": "foreign",
}

PEOPLE = Spec(
    dataset=Dataset.PEOPLE,
    label=_("实有人口"),
    model=Person,
    columns=(
        Column("姓名", True, _("不超过 50 个字"), "张三"),
        Column("证件类型", False, _("居民身份证(默认)或 外国人居留证件/护照"), "居民身份证"),
        Column(
            "证件号码",
            True,
            _("18 位身份证号码(设为文本,避免变成科学计数法)"),
            "220102199003070011",
        ),
        Column("民族", False, "", "汉族"),
        Column("联系电话", False, _("11 位手机号码"), "13812345678"),
        Column("人口类型", False, _("户籍人口、流动人口、境外人员或留守人员"), "户籍人口"),
        Column("户籍地址", False, "", ""),
        Column("居住地址", False, _("不超过 300 个字"), "幸福小区 3 栋 101"),
        GRID_COLUMN,
    ),
    checks=(
        checks.text("name", "姓名", max_length=50, required=True),
        checks.id_numbers("证件号码", "证件类型", DOC_LABELS),
        checks.text("ethnicity", "民族", max_length=20),
        checks.mobiles("phone", "联系电话"),
        checks.choice("kind", "人口类型", _label_map(Person.Kind.choices)),
        checks.text("household_address", "户籍地址", max_length=300),
        checks.text("residence_address", "居住地址", max_length=300),
        GRID_CHECK,
    ),
    key=("id_number",),
    key_header="证件号码",
    staged=(
        ("name", "text"),
        ("doc_type", "text"),
        ("id_number", "text"),
        ("id_number_index", "text"),
        ("id_masked_index", "text"),
        ("gender", "text"),
        ("birth_date", "date"),
        ("ethnicity", "text"),
        ("phone", "text"),
        ("phone_index", "text"),
        ("kind", "text"),
        ("household_address", "text"),
        ("residence_address", "text"),
        ("grid_code", "text"),
        ("extra", "jsonb"),
    ),
    encrypted={"id_number": ID_CONTEXT, "phone": PHONE_CONTEXT},
    indexed={
        "id_number_index": ("id_number", ID_CONTEXT),
        "id_masked_index": ("id_number", ID_MASKED_CONTEXT, mask_id_number),
        "phone_index": ("phone", PHONE_CONTEXT),
    },
    protected={"证件号码": "id_number", "联系电话": "phone"},
    preview=("name", "id_number", mask_id_number),
    matched_sql=f"""
SELECT p.id FROM {{stage}} s JOIN {PERSON} p ON p.id_number_index = s.id_number_index""",
    existing_sql=f"""
SELECT s.row_number, p.area_path LIKE ANY(%(prefixes)s)
FROM {{stage}} s JOIN {PERSON} p ON p.id_number_index = s.id_number_index""",
    merge_sql=f"""
INSERT INTO {PERSON} AS p (
    name, doc_type, id_number, id_number_index, id_masked_index, gender, birth_date,
    ethnicity, phone, phone_index, kind, household_address, residence_address, relation,
    house_id, grid_id, area_path, extra, created_at, updated_at)
SELECT s.name, s.doc_type, s.id_number, s.id_number_index, s.id_masked_index,
    COALESCE(s.gender, old.gender, ''), COALESCE(s.birth_date, old.birth_date),
    COALESCE(s.ethnicity, old.ethnicity, ''), COALESCE(s.phone, old.phone, ''),
    COALESCE(s.phone_index, old.phone_index, ''), COALESCE(s.kind, old.kind, 'registered'),
    COALESCE(s.household_address, old.household_address, ''),
    COALESCE(s.residence_address, old.residence_address, ''), COALESCE(old.relation, ''),
    NULL, a.id, a.path, COALESCE(old.extra, '{{}}'::jsonb) || COALESCE(s.extra, '{{}}'::jsonb),
    now(), now()
FROM {{stage}} s
{_GRID_JOIN}
LEFT JOIN {PERSON} old ON old.id_number_index = s.id_number_index
ON CONFLICT (id_number_index) DO UPDATE SET
    name = EXCLUDED.name, doc_type = EXCLUDED.doc_type,
    id_masked_index = EXCLUDED.id_masked_index, gender = EXCLUDED.gender,
    birth_date = EXCLUDED.birth_date, ethnicity = EXCLUDED.ethnicity, phone = EXCLUDED.phone,
    phone_index = EXCLUDED.phone_index, kind = EXCLUDED.kind,
    household_address = EXCLUDED.household_address,
    residence_address = EXCLUDED.residence_address, extra = EXCLUDED.extra,
    house_id = CASE WHEN p.grid_id = EXCLUDED.grid_id THEN p.house_id END,
    grid_id = EXCLUDED.grid_id, area_path = EXCLUDED.area_path, updated_at = now()
WHERE p.area_path LIKE ANY(%(prefixes)s)
RETURNING p.id, p.name AS label, p.area_path, p.grid_id, (p.xmax = 0) AS created,
    p.kind, p.created_at""",
)

# -- houses ---------------------------------------------------------------------------------

HOUSE = House._meta.db_table

HOUSES = Spec(
    dataset=Dataset.HOUSES,
    label=_("实有房屋"),
    model=House,
    columns=(
        Column("地址", True, _("同一网格内地址相同即为同一房屋(更新)"), "幸福小区 3 栋 101"),
        Column("用途", False, _("自住、出租、经营、空置或其他"), "出租"),
        Column("产权人", False, "", "李四"),
        *LOCATION_COLUMNS,
        GRID_COLUMN,
    ),
    checks=(
        checks.text("address", "地址", max_length=300, required=True),
        checks.choice("use", "用途", _label_map(House.Use.choices)),
        checks.text("owner_name", "产权人", max_length=50),
        LOCATION_CHECK,
        GRID_CHECK,
    ),
    key=("grid_code", "address"),
    key_header="地址",
    preview=("address", "owner_name", None),
    staged=(
        ("address", "text"),
        ("use", "text"),
        ("owner_name", "text"),
        ("lon", "double precision"),
        ("lat", "double precision"),
        ("grid_code", "text"),
        ("extra", "jsonb"),
    ),
    matched_sql=f"""
SELECT h.id FROM {{stage}} s JOIN {AREA} a ON a.code = s.grid_code AND a.level = 6
JOIN {HOUSE} h ON h.grid_id = a.id AND h.address = s.address""",
    existing_sql=f"""
SELECT s.row_number, true
FROM {{stage}} s JOIN {AREA} a ON a.code = s.grid_code AND a.level = 6
JOIN {HOUSE} h ON h.grid_id = a.id AND h.address = s.address""",
    merge_sql=f"""
INSERT INTO {HOUSE} AS h (address, location, use, owner_name, grid_id, area_path, extra,
    created_at, updated_at)
SELECT s.address, {LOCATION_SQL}, COALESCE(s.use, old.use, 'self'),
    COALESCE(s.owner_name, old.owner_name, ''), a.id, a.path,
    COALESCE(old.extra, '{{}}'::jsonb) || COALESCE(s.extra, '{{}}'::jsonb), now(), now()
FROM {{stage}} s
{_GRID_JOIN}
LEFT JOIN {HOUSE} old ON old.grid_id = a.id AND old.address = s.address
ON CONFLICT (grid_id, address) DO UPDATE SET
    location = EXCLUDED.location, use = EXCLUDED.use, owner_name = EXCLUDED.owner_name,
    extra = EXCLUDED.extra, updated_at = now()
RETURNING h.id, h.address AS label, h.area_path, h.grid_id, (h.xmax = 0) AS created,
    h.use, h.created_at""",
)

# -- organisations ------------------------------------------------------------------------

ORGANISATION = Organisation._meta.db_table

ORGANISATIONS = Spec(
    dataset=Dataset.ORGANISATIONS,
    label=_("组织"),
    model=Organisation,
    columns=(
        Column("名称", True, _("不超过 200 个字"), "长春市某某科技有限公司"),
        Column("统一社会信用代码", True, _("18 位,按 GB 32100 校验"), "91220101MA0Y3K5X2E"),
        Column(
            "类型", False, _("非公有制经济组织或社会组织;不填则按信用代码判断"), "非公有制经济组织"
        ),
        Column("法定代表人", False, "", "王五"),
        Column("地址", False, "", "人民大街 100 号"),
        *LOCATION_COLUMNS,
        GRID_COLUMN,
    ),
    checks=(
        checks.text("name", "名称", max_length=200, required=True),
        checks.credit_codes("credit_code", "统一社会信用代码"),
        checks.choice("kind", "类型", _label_map(Organisation.Kind.choices)),
        checks.text("legal_person", "法定代表人", max_length=50),
        checks.text("address", "地址", max_length=300),
        LOCATION_CHECK,
        GRID_CHECK,
    ),
    key=("credit_code",),
    key_header="统一社会信用代码",
    preview=("name", "credit_code", None),
    staged=(
        ("name", "text"),
        ("credit_code", "text"),
        ("kind", "text"),
        ("legal_person", "text"),
        ("address", "text"),
        ("lon", "double precision"),
        ("lat", "double precision"),
        ("grid_code", "text"),
        ("extra", "jsonb"),
    ),
    matched_sql=f"""
SELECT o.id FROM {{stage}} s JOIN {ORGANISATION} o ON o.credit_code = s.credit_code""",
    existing_sql=f"""
SELECT s.row_number, o.area_path LIKE ANY(%(prefixes)s)
FROM {{stage}} s JOIN {ORGANISATION} o ON o.credit_code = s.credit_code""",
    # 登记管理机关 5 (民政) registers social organisations (GB 32100).
    merge_sql=f"""
INSERT INTO {ORGANISATION} AS o (name, kind, credit_code, legal_person, address, location,
    grid_id, area_path, extra, created_at, updated_at)
SELECT s.name, COALESCE(s.kind, old.kind,
        CASE WHEN left(s.credit_code, 1) = '5' THEN 'social' ELSE 'non_public' END),
    s.credit_code, COALESCE(s.legal_person, old.legal_person, ''),
    COALESCE(s.address, old.address, ''), {LOCATION_SQL}, a.id, a.path,
    COALESCE(old.extra, '{{}}'::jsonb) || COALESCE(s.extra, '{{}}'::jsonb), now(), now()
FROM {{stage}} s
{_GRID_JOIN}
LEFT JOIN {ORGANISATION} old ON old.credit_code = s.credit_code
ON CONFLICT (credit_code) DO UPDATE SET
    name = EXCLUDED.name, kind = EXCLUDED.kind, legal_person = EXCLUDED.legal_person,
    address = EXCLUDED.address, location = EXCLUDED.location, extra = EXCLUDED.extra,
    grid_id = EXCLUDED.grid_id, area_path = EXCLUDED.area_path, updated_at = now()
WHERE o.area_path LIKE ANY(%(prefixes)s)
RETURNING o.id, o.name AS label, o.area_path, o.grid_id, (o.xmax = 0) AS created,
    o.kind, o.created_at""",
)

SPECS = {s.dataset: s for s in (PEOPLE, HOUSES, ORGANISATIONS)}


def spec_for(dataset: str) -> Spec:
    return SPECS[dataset]
