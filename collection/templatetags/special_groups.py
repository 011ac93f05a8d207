"""{% person_tag_rows person as t %}: a person's special-group tags for the person page,
each with its extra fields under the titles of the tag's schema, values shown as the
field policy allows for the requesting user."""

from django import template
from django.db.models import F

from governance.access import allowed

from ..actions import BASEDATA_CHANGE
from ..extra_fields import extra_display
from ..tags import tag_schemas

register = template.Library()


@register.simple_tag(takes_context=True)
def person_tag_rows(context, person) -> dict:
    user = context["request"].user
    tags = list(
        person.tags.select_related("responsible").order_by(
            F("end_date").desc(nulls_first=True), "tag", "-id"
        )
    )
    schemas = tag_schemas() if any(t.extra for t in tags) else {}
    rows = [
        {
            "tag": t,
            "active": t.end_date is None,
            "fields": extra_display(user, schemas[t.tag], t.extra, area_path=person.area_path)
            if t.extra
            else [],
        }
        for t in tags
    ]
    return {
        "active": [r for r in rows if r["active"]],
        "ended": [r for r in rows if not r["active"]],
        "can_change": allowed(user, person.area_path, BASEDATA_CHANGE),
    }
