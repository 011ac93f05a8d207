"""Reads of the assessment app, always scoped.

A scheme is read by the users of its area (the assessors: every revision, every card)
and, once published, by the assessed: their own cards — and everyone's when the scheme
publishes its ranking."""

from __future__ import annotations

from django.db.models import Q

from governance.access import allowed
from governance.errors import NotFound
from governance.roles import Action
from grids.models import Area

from .models import EntryEvidence, ManualEntry, Result, Revision, Scheme


def scheme_list(*, user):
    assessed = (
        Result.objects.restrict(user)
        .filter(revision__published_at__isnull=False)
        .values("revision__scheme")
    )
    return (
        Scheme.objects.filter(
            Q(pk__in=Scheme.objects.restrict(user).values("pk")) | Q(pk__in=assessed)
        )
        .select_related("system", "area")
        .distinct()
    )


def scheme_get(*, user, pk) -> Scheme:
    scheme = scheme_list(user=user).filter(pk=pk).first()
    if scheme is None:
        raise NotFound()
    return scheme


def is_assessor(user, scheme: Scheme) -> bool:
    return Scheme.objects.restrict(user).filter(pk=scheme.pk).exists()


def revision_for(*, user, scheme: Scheme) -> Revision | None:
    """Assessors read the latest revision; the assessed the latest published one."""
    revisions = scheme.revisions.order_by("-number")
    if not is_assessor(user, scheme):
        revisions = revisions.filter(published_at__isnull=False)
    return revisions.first()


def result_list(*, user, scheme: Scheme, area: str | None = None):
    """The cards of the scheme the user may read, by rank; `area` (a code) keeps the
    objects inside that area (404 if the user may not read it)."""
    revision = revision_for(user=user, scheme=scheme)
    if revision is None:
        return Result.objects.none()
    results = revision.results.all()
    if not is_assessor(user, scheme) and not scheme.publish_ranking:
        results = results.filter(pk__in=Result.objects.restrict(user).values("pk"))
    if area:
        place = Area.objects.filter(code=area).first()
        if place is None or not (
            allowed(user, place, Action.VIEW) or scheme.publish_ranking or is_assessor(user, scheme)
        ):
            raise NotFound()
        results = results.filter(object_path__startswith=place.path)
    # The inputs (what each leaf read) are for one card's explanations, not for lists.
    return (
        results.defer("inputs")
        .prefetch_related("scores__indicator")
        .order_by("rank", "object_code")
    )


def result_get(*, user, scheme: Scheme, code: str) -> Result:
    result = (
        result_list(user=user, scheme=scheme)
        .defer(None)
        .select_related("revision")
        .filter(object_code=code)
        .first()
    )
    if result is None:
        raise NotFound()
    return result


def entry_list(*, user, scheme: Scheme):
    entries = (
        ManualEntry.objects.filter(scheme=scheme)
        .select_related("indicator")
        .prefetch_related("files")
    )
    if is_assessor(user, scheme):
        return entries
    return entries.filter(pk__in=ManualEntry.objects.restrict(user).values("pk"))


def entry_file_get(*, user, pk) -> EntryEvidence:
    """An evidence file of a hand-filed score: to the scheme's assessors and to the
    users of the object's area (not to the other objects of a published ranking)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    item = (
        EntryEvidence.objects.select_related("entry")
        .filter(pk=pk)
        .filter(
            Q(entry__scheme__in=Scheme.objects.restrict(user))
            | Q(entry__in=ManualEntry.objects.restrict(user))
        )
        .first()
    )
    if item is None:
        raise NotFound()
    return item


PANEL_ROWS = 10


def assessment_panel(*, user, area) -> dict:
    """For the cockpit: per kind of object (areas, lead departments), the latest scheme
    assessing `area` that the user may read, with its first rows (当前得分 / 应得分)."""
    panel = {}
    for kind in (Scheme.ObjectKind.AREA, Scheme.ObjectKind.DEPARTMENT):
        panel[kind] = None
        for scheme in (
            scheme_list(user=user)
            .filter(area=area, object_kind=kind)
            .order_by("-period_end", "-pk")[:5]
        ):
            rows = list(result_list(user=user, scheme=scheme)[:PANEL_ROWS])
            if rows:
                panel[kind] = {"scheme": scheme, "rows": rows}
                break
    return panel
