"""Checks of whole columns at once (pandas/numpy), for files of up to 200,000 rows.

A check takes the column's cells (NFKC-normalised text, indexed by row number) and the
whole clean frame (for checks that read a neighbouring column), and returns a ``Result``:
the values for the staging table, and a reason per rejected cell. An empty optional cell
gives None, which the merge reads as "keep the stored value".

Where a vectorised test finds a bad identifier, the reason comes from the same validator
the forms use (collection/validators.py), called for that cell only, so a department file
and a grid worker's form get the very same message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import crs

from ..validators import (
    EARLIEST_BIRTH_DATE,
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    PROVINCE_CODES,
    validate_credit_code,
    validate_id_number,
    validate_passport_like,
)


@dataclass
class Result:
    values: dict[str, pd.Series] = field(default_factory=dict)
    errors: dict[str, pd.Series] = field(default_factory=dict)  # header -> reason or ""


Check = Callable[[pd.DataFrame], Result]

_SCIENTIFIC = r"\d(\.\d+)?E\+?\d+"


def column(frame: pd.DataFrame, header: str) -> pd.Series:
    """A column's cells, or empty cells where the file leaves the column out."""
    if header in frame:
        return frame[header]
    return pd.Series("", index=frame.index, dtype=object)


def no_errors(cells: pd.Series) -> pd.Series:
    return pd.Series("", index=cells.index, dtype=object)


def _where(mask: pd.Series, message: str, errors: pd.Series) -> pd.Series:
    """Set `message` on the cells of `mask` that have no reason yet."""
    return errors.mask(mask & (errors == ""), message)


def _per_cell(
    cells: pd.Series, mask: pd.Series, validate: Callable[[str], object], errors: pd.Series
) -> pd.Series:
    """The validator's own message for each cell of `mask` (a few cells: the bad ones)."""
    for number in cells.index[mask & (errors == "")]:
        try:
            validate(cells[number])
        except ValidationError as exc:
            errors[number] = " ".join(exc.messages)
    return errors


def _optional(cells: pd.Series) -> pd.Series:
    return cells.where(cells != "", None)


def text(name: str, header: str, *, max_length: int, required: bool = False) -> Check:
    def check(frame: pd.DataFrame) -> Result:
        cells = column(frame, header)
        errors = no_errors(cells)
        if required:
            errors = _where(cells == "", _("请填写%(label)s。") % {"label": header}, errors)
        errors = _where(
            cells.str.len() > max_length,
            _("%(label)s不能超过 %(n)d 个字。") % {"label": header, "n": max_length},
            errors,
        )
        return Result({name: _optional(cells)}, {header: errors})

    return check


def choice(name: str, header: str, labels: dict[str, str], *, required: bool = False) -> Check:
    """A label (户籍人口) or the stored value (registered) of a set of choices."""
    lookup = dict(labels)
    lookup.update({v: v for v in labels.values()})

    def check(frame: pd.DataFrame) -> Result:
        cells = column(frame, header)
        errors = no_errors(cells)
        if required:
            errors = _where(cells == "", _("请填写%(label)s。") % {"label": header}, errors)
        bad = (cells != "") & ~cells.isin(list(lookup))
        for number in cells.index[bad & (errors == "")]:
            errors[number] = _("%(label)s“%(value)s”无效,应为 %(choices)s 之一。") % {
                "label": header,
                "value": cells[number],
                "choices": "、".join(labels),
            }
        return Result({name: _optional(cells).map(lookup, na_action="ignore")}, {header: errors})

    return check


def digits_code(name: str, header: str, length: int, message) -> Check:
    pattern = rf"\d{{{length}}}"

    def check(frame: pd.DataFrame) -> Result:
        cells = column(frame, header)
        errors = _where(~cells.str.fullmatch(pattern), str(message), no_errors(cells))
        return Result({name: cells}, {header: errors})

    return check


# -- people -----------------------------------------------------------------------------

ID_CARD, FOREIGN_DOC = "id_card", "foreign"


def id_numbers(header: str, doc_header: str, doc_labels: dict[str, str]) -> Check:
    """GB 11643 numbers (length, region, date, check digit; gender and birth date derived),
    or a foreigner's document where the 证件类型 column says so."""

    def check(frame: pd.DataFrame) -> Result:
        cells, doc_cells = column(frame, header), column(frame, doc_header)
        lookup = dict(doc_labels)
        lookup.update({v: v for v in doc_labels.values()})
        doc_errors = no_errors(cells)
        bad_doc = (doc_cells != "") & ~doc_cells.isin(list(lookup))
        for number in cells.index[bad_doc]:
            doc_errors[number] = _("%(label)s“%(value)s”无效,应为 %(choices)s 之一。") % {
                "label": doc_header,
                "value": doc_cells[number],
                "choices": "、".join(doc_labels),
            }
        doc = doc_cells.map(lookup).fillna(ID_CARD)
        numbers = cells.str.upper()
        errors = _where(numbers == "", _("请填写证件号码。"), no_errors(cells))
        errors = _where(
            numbers.str.fullmatch(_SCIENTIFIC, case=False),
            _("证件号码被存成了数字(科学计数法),后几位可能已丢失;请把该列设为文本后重新填写。"),
            errors,
        )
        cards = doc == ID_CARD
        good, born = _valid_id_cards(numbers)
        errors = _per_cell(numbers, cards & ~good, validate_id_number, errors)
        errors = _per_cell(numbers, ~cards, validate_passport_like, errors)
        odd = numbers.str[16].where(good & cards, "0").astype(int) % 2 == 1
        gender = pd.Series(np.where(odd, "male", "female"), index=cells.index)
        values = {
            "doc_type": doc,
            "id_number": numbers,
            "gender": gender.where(cards, None),
            "birth_date": born.where(cards, None),
        }
        return Result(values, {header: errors, doc_header: doc_errors})

    return check


def _valid_id_cards(numbers: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which cells are valid 18-digit numbers, and their birth dates (ISO text)."""
    shaped = numbers.str.fullmatch(r"\d{17}[\dX]") & numbers.str[:2].isin(PROVINCE_CODES)
    born = pd.to_datetime(numbers.str[6:14].where(shaped), format="%Y%m%d", errors="coerce")
    today = pd.Timestamp(timezone.localdate())
    good = shaped & born.notna() & (born >= pd.Timestamp(EARLIEST_BIRTH_DATE)) & (born <= today)
    if good.any():
        chosen = numbers[good]
        digits = (
            np.frombuffer("".join(chosen).encode("ascii"), dtype=np.uint8)
            .reshape(-1, 18)
            .astype(np.int64)
            - 48
        )
        expected = np.frombuffer(ID_CHECK_CHARS.encode(), dtype=np.uint8)[
            (digits[:, :17] @ np.array(ID_WEIGHTS, dtype=np.int64)) % 11
        ]
        actual = np.frombuffer("".join(chosen.str[17]).encode("ascii"), dtype=np.uint8)
        good.loc[chosen.index] = expected == actual
    return good, born.dt.strftime("%Y-%m-%d").where(good, None)


_MOBILE_NOISE = r"[\s\-()]"


def mobiles(name: str, header: str) -> Check:
    """Mainland mobile numbers; +86 / 0086 / 86 prefixes and separators removed, as
    validators.validate_mobile does."""

    def check(frame: pd.DataFrame) -> Result:
        cells = column(frame, header)
        numbers = cells.str.replace(_MOBILE_NOISE, "", regex=True).str.replace(
            r"^(\+86|0086)", "", regex=True
        )
        numbers = numbers.where(
            ~((numbers.str.len() == 13) & numbers.str.startswith("86")), numbers.str[2:]
        )
        bad = (cells != "") & ~numbers.str.fullmatch(r"1[3-9]\d{9}")
        errors = _where(bad, _("手机号码应为以 13 到 19 开头的 11 位数字。"), no_errors(cells))
        return Result({name: numbers.where(cells != "", None)}, {header: errors})

    return check


# -- organisations ------------------------------------------------------------------------


def credit_codes(name: str, header: str) -> Check:
    """GB 32100 codes, each through the validator (a few thousand rows per file)."""

    def check(frame: pd.DataFrame) -> Result:
        cells = column(frame, header)
        codes = cells.str.upper()
        errors = _where(codes == "", _("请填写统一社会信用代码。"), no_errors(cells))
        errors = _per_cell(codes, codes != "", validate_credit_code, errors)
        return Result({name: codes}, {header: errors})

    return check


# -- locations ----------------------------------------------------------------------------

CRS_LABELS = {
    "WGS84": "wgs84",
    "GPS": "wgs84",
    "GCJ02": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "BD09": "bd09",
    "百度": "bd09",
}
# Generous bounds of China: a swapped or mistyped coordinate falls outside.
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)


def coordinates(lon_header: str, lat_header: str, crs_header: str) -> Check:
    """经度 and 纬度 together (both or neither), in WGS84 unless 坐标系 says GCJ-02 (高德,
    腾讯) or BD-09 (百度); stored as WGS84."""

    def check(frame: pd.DataFrame) -> Result:
        cells, lat_cells = column(frame, lon_header), column(frame, lat_header)
        crs_cells = column(frame, crs_header).str.upper()
        crs_cells = crs_cells.str.replace("-", "", regex=False)
        lon = pd.to_numeric(cells.where(cells != ""), errors="coerce")
        lat = pd.to_numeric(lat_cells.where(lat_cells != ""), errors="coerce")
        lon_err, lat_err, crs_err = no_errors(cells), no_errors(cells), no_errors(cells)
        lon_err = _where((cells != "") & lon.isna(), _("经度应为数字。"), lon_err)
        lat_err = _where((lat_cells != "") & lat.isna(), _("纬度应为数字。"), lat_err)
        only_one = (cells == "") != (lat_cells == "")
        lon_err = _where(only_one & (cells == ""), _("填写了纬度,请同时填写经度。"), lon_err)
        lat_err = _where(only_one & (lat_cells == ""), _("填写了经度,请同时填写纬度。"), lat_err)
        lon_err = _where(
            lon.notna() & ~lon.between(*LON_RANGE),
            _("经度应在 73 到 136 之间(中国境内)。"),
            lon_err,
        )
        lat_err = _where(
            lat.notna() & ~lat.between(*LAT_RANGE), _("纬度应在 3 到 54 之间(中国境内)。"), lat_err
        )
        crs_err = _where(
            (crs_cells != "") & ~crs_cells.isin(list(CRS_LABELS)),
            _("坐标系应为 WGS84、GCJ-02(高德)或 BD-09(百度)。"),
            crs_err,
        )
        system = crs_cells.map(CRS_LABELS).fillna("wgs84")
        located = lon.notna() & lat.notna()
        for name in ("gcj02", "bd09"):
            rows = located & (system == name)
            if rows.any():
                convert = crs.gcj02_to_wgs84 if name == "gcj02" else crs.bd09_to_wgs84
                x, y = convert(lon[rows].to_numpy(), lat[rows].to_numpy())
                lon[rows], lat[rows] = x, y
        keep = located & (lon_err == "") & (lat_err == "")
        return Result(
            {"lon": lon.where(keep, None), "lat": lat.where(keep, None)},
            {lon_header: lon_err, lat_header: lat_err, crs_header: crs_err},
        )

    return check


# -- extra fields (JSON Schema, configured by administrators) ----------------------------


def extra_columns(schema: dict | None) -> dict[str, str]:
    """Headers the file may use for extra fields: each property's title and its key."""
    headers = {}
    for key, prop in ((schema or {}).get("properties") or {}).items():
        headers[key] = key
        if isinstance(prop, dict) and prop.get("title"):
            headers[str(prop["title"])] = key
    return headers


def required_headers(spec, schema: dict | None) -> tuple[str, ...]:
    """The dataset's required columns, and the extra fields the schema requires (by
    their title)."""
    titles = {key: title for title, key in extra_columns(schema).items() if title != key}
    return spec.required + tuple(titles.get(k, k) for k in (schema or {}).get("required", []))


def _typed(value: str, prop: dict):
    """A cell as the property's JSON type, or the text itself when it will not convert
    (the schema then says what is wrong)."""
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}.get(
            value.lower(), value
        )
    return value


def extras(schema: dict, columns: dict[str, str]) -> Check:
    """The extra-field cells of each row as one JSON object, validated like a form save
    (the same per-field Chinese messages): every property against its schema, required
    ones present."""
    from ..extra_fields import extra_errors

    props = schema.get("properties") or {}

    def check(frame: pd.DataFrame) -> Result:
        cells = pd.Series("", index=frame.index, dtype=object)
        given = [h for h in columns if h in frame]
        objects, errors = [], {h: no_errors(cells) for h in given}
        header_of = {columns[h]: h for h in given}
        for number in frame.index:
            obj = {
                columns[h]: _typed(frame.at[number, h], props.get(columns[h], {}))
                for h in given
                if frame.at[number, h] != ""
            }
            for key, message in extra_errors(schema, obj).items():
                header = header_of.get(key) or (given[0] if given else "")
                if header and errors[header][number] == "":
                    errors[header][number] = message
            objects.append(obj)
        return Result({"extra": pd.Series(objects, index=frame.index, dtype=object)}, errors)

    return check
