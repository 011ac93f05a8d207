"""Base data's facts for the rollups (governance/figures.py) and their named figures:
each record counts on the day it was registered, in its grid, under its kind (people,
organisations, places) or use (houses)."""

from django.utils.translation import gettext_lazy as _

from governance.figures import figure_register, figure_source_register

from .models import House, Organisation, Person, PersonTag, Place

_DAY = "(t.created_at AT TIME ZONE '{tz}')::date"

# source name -> (model, figure, the column that is the key)
SOURCES = {
    "people": (Person, "people.kind", "kind"),
    "houses": (House, "houses.use", "use"),
    "organisations": (Organisation, "organisations.kind", "kind"),
    "places": (Place, "places.kind", "kind"),
}


def source_for(model) -> str | None:
    for name, (m, _f, _k) in SOURCES.items():
        if m is model:
            return name
    return None


# A person's active special-group tags (特殊人群) count in the person's own cells: a tag
# set or ended re-counts the person (figures=GROUP_FIGURES), a move carries them along.
GROUP_FIGURES = ["people.group"]
_GROUPS = (
    f" UNION ALL SELECT {_DAY}, t.area_path, 'people.group', g.tag "
    f"FROM {Person._meta.db_table} t JOIN {PersonTag._meta.db_table} g "
    "ON g.person_id = t.id AND g.end_date IS NULL WHERE {where}"
)


def register() -> None:
    for name, (model, figure, column) in SOURCES.items():
        figure_source_register(
            name,
            f"SELECT {_DAY} AS day, t.area_path, '{figure}' AS figure, t.{column} AS key "
            f"FROM {model._meta.db_table} t WHERE {{where}}" + (_GROUPS if model is Person else ""),
            table=model._meta.db_table,  # an import counts its RETURNING rows (Source.over)
        )
    figure_register(
        "people.total",
        label=_("实有人口"),
        unit=_("人"),
        source="people",
        formula=lambda c: c.sum("people.kind"),
    )
    figure_register(
        "people.registered",
        label=_("户籍人口"),
        unit=_("人"),
        source="people",
        formula=lambda c: c.sum("people.kind", keys=[Person.Kind.REGISTERED]),
    )
    figure_register(
        "people.floating",
        label=_("流动人口"),
        unit=_("人"),
        source="people",
        formula=lambda c: c.sum("people.kind", keys=[Person.Kind.FLOATING]),
    )
    figure_register(
        "people.special",
        label=_("特殊人群"),
        unit=_("人次"),
        source="people",
        formula=lambda c: c.sum("people.group"),
        description=_("在册的特殊人群与重点青少年标签数(一人多类计多次)"),
    )
    figure_register(
        "houses.total",
        label=_("实有房屋"),
        unit=_("套"),
        source="houses",
        formula=lambda c: c.sum("houses.use"),
    )
    figure_register(
        "houses.rented",
        label=_("出租房屋"),
        unit=_("套"),
        source="houses",
        formula=lambda c: c.sum("houses.use", keys=[House.Use.RENTAL]),
    )
    figure_register(
        "organisations.total",
        label=_("组织"),
        unit=_("个"),
        source="organisations",
        formula=lambda c: c.sum("organisations.kind"),
    )
    figure_register(
        "places.total",
        label=_("重点场所"),
        unit=_("处"),
        source="places",
        formula=lambda c: c.sum("places.kind"),
    )
    # 物: there is no register of things (城市部件) yet; the things of concern the platform
    # knows are the hazardous-goods places (危险品场所).
    figure_register(
        "things.hazard",
        label=_("危险品场所"),
        unit=_("处"),
        source="places",
        formula=lambda c: c.sum("places.kind", keys=[Place.Kind.HAZARD]),
        description=_("重点场所中类型为危险品场所的(物)"),
    )
