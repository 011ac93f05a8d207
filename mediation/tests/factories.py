"""Helpers of the mediation tests: disputes built through the real services."""

from __future__ import annotations

import base64
import re
import zlib

from collection.tests.factories import numbered_id
from mediation.models import CodeRule, MediationOrg
from mediation.services import dispute_register

GRID = "220102001001001"  # a grid of 南关区
TOWNSHIP = "220102001000"
APPLICANT_PHONE = "13812345678"


def parties(n=2, start=1):
    roles = ["applicant", "respondent", "third"]
    return [
        {
            "name": f"当事人{i}",
            "id_number": numbered_id(500 + start + i),
            "phone": f"1391234{start + i:04d}",
            "role": roles[min(i, 2)],
        }
        for i in range(n)
    ]


def dispute_make(*, actor, grid, n_parties=2, start=1, **kw):
    kw.setdefault("title", "邻里漏水纠纷")
    kw.setdefault("type", "neighbour")
    given = kw.pop("parties", None)
    return dispute_register(
        actor=actor, grid=grid, parties=parties(n_parties, start) if given is None else given, **kw
    )


def org_make(area, name="南关区某街道人民调解委员会"):
    return MediationOrg.objects.create(name=name, kind="people", area=area, area_path=area.path)


def rules_make():
    """The seed's five colours as rules: several parties → yellow, several departments
    (amount ≥ 100 000 or 10+ people) → orange, collective / 民转刑 / 越级上访 → red."""
    CodeRule.objects.create(name="邻里家庭", code=2, types=["neighbour", "marriage"])
    CodeRule.objects.create(name="多方当事人", code=3, min_parties=2)
    CodeRule.objects.create(name="大额", code=4, min_amount=100000)
    CodeRule.objects.create(name="人数较多", code=4, min_people=10)
    CodeRule.objects.create(name="重大", code=5, flags=["group", "criminal", "petition"])


def pdf_text(data: bytes) -> str:
    """The text of a reportlab PDF without reportlab: inflate its content streams
    (ASCII85 + Flate) and decode the UCS-2 strings shown with Tj."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip()
        try:
            raw = zlib.decompress(base64.a85decode(raw, adobe=True))
        except Exception:  # noqa: BLE001 - a stream of another kind (fonts): skipped
            continue
        for s in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw, re.S):
            text = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda e: (
                    bytes([int(e.group(1), 8)])
                    if e.group(1)[:1].isdigit()
                    else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(e.group(1), e.group(1))
                ),
                s.group(1),
                flags=re.S,
            )
            try:
                out.append(text.decode("utf-16-be"))
            except UnicodeDecodeError:
                out.append(text.decode("latin-1"))
    return "".join(out)
