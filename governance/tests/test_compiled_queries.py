"""CompiledQueries keeps the statements used last, up to its size (governance/compiled.py)."""

import pytest

from governance.compiled import CompiledQueries
from grids.models import Area

pytestmark = pytest.mark.django_db


def _by_code(code):
    return Area.objects.filter(code=code).only("code")


def test_the_statements_used_last_are_kept():
    kept = CompiledQueries(size=2)
    a = kept.get("a", _by_code, code="\x1fsample a")
    b = kept.get("b", _by_code, code="\x1fsample b")
    assert kept.get("a", _by_code, code="\x1fsample a") is a  # used again: now the newest
    kept.get("c", _by_code, code="\x1fsample c")  # the oldest, b, goes
    assert kept.get("a", _by_code, code="\x1fsample a") is a
    assert kept.get("b", _by_code, code="\x1fsample b") is not b
    assert [o.code for o in a.objects(code="220102000000")] == ["220102000000"]
