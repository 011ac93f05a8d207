"""The cells of an uploaded file are normalised column by column (collection/importing/
files.py `_text`) exactly as cell by cell: NFKC, blanks collapsed, trimmed."""

import random

import pandas as pd
import pytest

from collection.importing import files

# Full-width letters and digits, ideographic and no-break spaces, combining marks (which
# NFKC composes with the letter before them), Hangul jamo (composed too), ligatures,
# the separators Python counts as blanks, and CJK text with its punctuation.
PIECES = [
    "a", "Z", "0", " ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\uff11", "\uff21",
    "\u0301", "\u0308", "\u1100", "\u1161", "\u11a8", "，", "。", "中文", "\x1c", "\x1f",
    "ﬁ", "①", "㍿", "e\u0301",
]  # fmt: skip


def _cell_by_cell(series: pd.Series) -> pd.Series:
    cells = series.astype(str)
    return cells.str.normalize("NFKC").str.replace(files._BLANKS, " ", regex=True).str.strip()


@pytest.mark.parametrize("seed", range(5))
def test_column_at_once_equals_cell_by_cell(seed):
    rng = random.Random(seed)
    for _ in range(60):
        n = rng.randint(1, 40)
        cells = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8))) for _ in range(n)]
        series = pd.Series(cells, index=range(2, 2 + n))
        got, expected = files._text(series), _cell_by_cell(series)
        assert got.tolist() == expected.tolist(), cells
        assert got.dtype == expected.dtype
        assert got.index.equals(expected.index)


def test_a_cell_holding_nul_is_normalised_cell_by_cell():
    series = pd.Series(["ａ\x00 b ", " \uff11 "], index=[2, 3])
    assert files._text(series).tolist() == ["a\x00 b", "1"]


def test_ascii_only_column():
    series = pd.Series([" a  b ", "", "\t", "C"], index=[2, 3, 4, 5])
    assert files._text(series).tolist() == ["a b", "", "", "C"]
