"""多维研判 — multi-dimensional analysis of cases (docs/cockpit.md, "多维研判"): the pivot
(pivot.py), its XLSX export (export.py), staff workload and timeliness (workload.py) and
period comparisons (compare.py). API, page and export read through these selectors only."""

from .compare import analysis_compare
from .export import analysis_export
from .pivot import DIMENSIONS, analysis_pivot
from .workload import analysis_workload

__all__ = [
    "DIMENSIONS",
    "analysis_compare",
    "analysis_export",
    "analysis_pivot",
    "analysis_workload",
]
