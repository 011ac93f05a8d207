"""The import detail page (issue 11): the 操作 column shows 新增/更新, grids by name,
a finished import speaks of records written, errors without stray punctuation."""

import pytest

from collection.models import ImportJob
from collection.tests.factories import GRID, apply, csv_bytes, good_rows, upload
from grids.models import Area

pytestmark = pytest.mark.django_db


def test_preview_then_done_wording(client, importer):
    rows = good_rows(2)
    rows.append(["坏行", "220102198003030001", "", "户籍人口", "", GRID])
    job = upload(importer, csv_bytes(rows), mode=ImportJob.Mode.VALID_ONLY)
    client.force_login(importer)
    html = client.get(f"/collection/imports/{job.pk}/").content.decode()
    grid_name = Area.objects.get(code=GRID).name
    assert "将写入的记录" in html and 'class="badge ok">新增<' in html
    plan = html[html.index('id="plan"') :]
    assert grid_name in plan and GRID not in plan
    assert "。;" not in html and "; " not in html[html.index('class="preview"') :]
    job = apply(importer, job)
    html = client.get(f"/collection/imports/{job.pk}/").content.decode()
    assert "已写入的记录" in html and "将写入的记录" not in html
