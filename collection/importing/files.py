"""Reading an uploaded file into a table of text cells, with its headers checked against
the dataset's columns. Everything that makes the whole file unusable raises ImportFailed
with a message in Chinese and English."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 200_000
ROW_NUMBER, REASON = "原行号", "错误原因"
# The error report's own columns: a corrected report can be uploaded as it is.
IGNORED = (ROW_NUMBER, REASON)

_BLANKS = re.compile(r"\s+")


class ImportFailed(Exception):
    """The job as a whole cannot go on; the message (Chinese / English) says why."""


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportFailed(
        "无法识别文件编码,请将 CSV 另存为 UTF-8 或 GBK 编码 / "
        "Unrecognised encoding: save the CSV as UTF-8 or GBK."
    )


def _cell_text(value) -> str:
    """Excel cells as text. A number too long for Excel (an ID number typed as a
    number) keeps its scientific form so the check can say what happened."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    return str(value)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        frame = pd.read_excel(io.BytesIO(data), header=None, dtype=object)
    except (zipfile.BadZipFile, InvalidFileException, ValueError, KeyError, OSError) as exc:
        raise ImportFailed(f"无法读取该 XLSX 文件 / Cannot read the XLSX file: {exc}") from None
    return frame.map(_cell_text)


def _read_csv(data: bytes) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(_decode(data)),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise ImportFailed("文件为空 / The file is empty.") from None
    except pd.errors.ParserError as exc:
        raise ImportFailed(f"CSV 格式有误(各行列数不一致?) / Malformed CSV: {exc}") from None


def _read_frame(data: bytes, name: str) -> pd.DataFrame:
    if not data.strip():
        raise ImportFailed("文件为空 / The file is empty.")
    if PurePath(name).suffix.lower() == ".xlsx" or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    return _read_csv(data)


@dataclass
class Table:
    columns: list[str]  # known columns, in file order
    raw: pd.DataFrame  # cells as read, index = row number in the file
    clean: pd.DataFrame  # NFKC-normalised and trimmed, same shape


_SEP = "\x00"  # never in a decoded file (_decode refuses NUL); checked all the same
_SEP_BLANKS = re.compile(" ?\x00 ?")


def _text(series: pd.Series) -> pd.Series:
    """Full-width to half-width (NFKC, as the validators normalise), blanks collapsed,
    trimmed: cell by cell as `str.normalize("NFKC")`, `str.replace(r"\\s+", " ")`,
    `str.strip()` would, but for the whole column at once — the cells joined by NUL, which
    NFKC neither produces nor composes with and which is no blank, then split again (one
    C call per step for the column, not one Python call per cell)."""
    cells = series.astype(str)
    values = cells.tolist()
    joined = _SEP.join(values)
    if joined.count(_SEP) != len(values) - 1:  # a cell holds NUL itself: cell by cell
        return cells.str.normalize("NFKC").str.replace(_BLANKS, " ", regex=True).str.strip()
    if not joined.isascii():  # NFKC leaves ASCII as it is
        joined = unicodedata.normalize("NFKC", joined)
    joined = _SEP_BLANKS.sub(_SEP, _BLANKS.sub(" ", joined)).strip(" ")
    return pd.Series(joined.split(_SEP), index=cells.index, dtype=cells.dtype)


def read_table(
    data: bytes, name: str, *, columns: tuple[str, ...], required: tuple[str, ...]
) -> Table:
    """One read with pandas, every cell as text; rows that are blank throughout dropped."""
    raw = _read_frame(data, name).fillna("").astype(str)
    raw.index = raw.index + 1  # spreadsheet row numbers
    clean = raw.apply(_text)
    filled = (clean != "").any(axis=1)
    raw, clean = raw[filled], clean[filled]
    if raw.empty:
        raise ImportFailed("文件为空 / The file is empty.")
    if len(raw) == 1:
        raise ImportFailed("文件只有表头,没有数据行 / The file has a header but no rows.")
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFailed(f"行数超过上限 {MAX_ROWS} / More than {MAX_ROWS} rows.")
    headers = list(clean.iloc[0])
    keep = _check_headers(headers, clean.iloc[1:], columns, required)
    names = [headers[i] for i in keep]
    raw, clean = (f.iloc[1:, keep].set_axis(names, axis=1) for f in (raw, clean))
    dropped = [c for c in IGNORED if c in names]
    return Table(
        columns=[c for c in names if c not in IGNORED],
        raw=raw.drop(columns=dropped),
        clean=clean.drop(columns=dropped),
    )


def _check_headers(
    headers: list[str], body: pd.DataFrame, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[int]:
    """Positions of the columns to read; raises on unknown, duplicate or missing ones."""
    keep, unknown = [], []
    for i, header in enumerate(headers):
        if not header:
            if (body.iloc[:, i] != "").any():
                unknown.append(f"第 {i + 1} 列(无列名 / no header)")
            continue
        if header not in columns and header not in IGNORED:
            unknown.append(header)
        keep.append(i)
    if unknown:
        raise ImportFailed(
            f"未知的列:{'、'.join(unknown)};可用的列:{'、'.join(columns)} / "
            f"Unknown columns: {', '.join(unknown)}"
        )
    names = [headers[i] for i in keep]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportFailed(
            f"列名重复:{'、'.join(repeated)} / Repeated columns: {', '.join(repeated)}"
        )
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportFailed(
            f"缺少必填列:{'、'.join(missing)} / Missing required columns: {', '.join(missing)}"
        )
    return keep
