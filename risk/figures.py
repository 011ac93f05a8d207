"""Open warnings in the rollups (governance/figures.py): each open warning counts on the
day it was issued, in its subject's area, under `warnings.open` with its colour as key.
The evaluation retracts and counts a rule's open warnings around its upsert (set-based);
each lifecycle step retracts and counts its warning."""

from django.utils.translation import gettext_lazy as _

from governance.figures import figure_register, figure_source_register

from .models import COLOUR_BY_KEY, Warning

FIGURE_SOURCE = "warnings"
_LABELS = {
    "red": _("红色预警"),
    "orange": _("橙色预警"),
    "yellow": _("黄色预警"),
    "blue": _("蓝色预警"),
    "green": _("绿色预警"),
}


def register() -> None:
    figure_source_register(
        FIGURE_SOURCE,
        "SELECT (t.issued_at AT TIME ZONE '{tz}')::date AS day, t.area_path, "
        "'warnings.open' AS figure, t.colour::text AS key "
        f"FROM {Warning._meta.db_table} t WHERE t.status IN {Warning.OPEN} AND {{where}}",
    )
    figure_register(
        "warnings.open",
        label=_("未解除预警"),
        unit=_("条"),
        source=FIGURE_SOURCE,
        formula=lambda c: c.sum("warnings.open"),
    )
    for key, label in _LABELS.items():
        colour = str(COLOUR_BY_KEY[key])
        figure_register(
            f"warnings.{key}",
            label=label,
            unit=_("条"),
            source=FIGURE_SOURCE,
            formula=lambda c, colour=colour: c.sum("warnings.open", keys=[colour]),
        )
