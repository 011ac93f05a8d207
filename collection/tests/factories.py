"""Shared helpers of the collection tests: valid ID numbers, import files, and uploading
and applying an import through the real services (HackSoft-style factories: plain
functions, the real database). Fixtures shared by several modules are in conftest.py."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from collection import imports
from collection.models import ImportJob
from collection.validators import id_check_digit

GRID = "220102001001001"  # a grid of 南关区
PHONE = "13812345678"
HEADER = ["姓名", "证件号码", "联系电话", "人口类型", "居住地址", "所属网格"]


def valid_id(body17: str = "22010219900307123") -> str:
    """The 18-digit ID number with the check digit of `body17`."""
    return body17 + id_check_digit(body17)


def numbered_id(n: int, born: str = "19900307") -> str:
    """The n-th valid ID number of 南关区 born on `born` (n < 1000)."""
    return valid_id(f"220102{born}{n:03d}")


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in [header, *rows]:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows(n=3, grid=GRID):
    return [
        [f"居民{i}", numbered_id(i), "1381234567" + str(i), "户籍人口", f"幸福小区{i}栋", grid]
        for i in range(n)
    ]


def upload(
    user, data: bytes, name="people.csv", mode=ImportJob.Mode.ALL_OR_NOTHING, dataset="people"
):
    """An import job created and validated (the preview), as the upload task would."""
    job = imports.import_job_create(
        actor=user, file=SimpleUploadedFile(name, data), mode=mode, dataset=dataset
    )
    imports.import_job_validate(job_id=job.pk)
    job.refresh_from_db()
    return job


def apply(user, job):
    """The job confirmed by `user` and applied, as the apply task would."""
    imports.import_job_apply_request(actor=user, job=job)
    imports.import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    return job
