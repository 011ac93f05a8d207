"""Address text → the area it names, by the names of the area tree (no outside geocoder).

Used for requests that come with an address but no coordinates (Open311 `address_string`).
Chinese addresses name their administrative units in order (吉林省长春市南关区南岭街道
华阳社区…), and the tree holds exactly those names, so:

1. every area whose full name occurs in the text is a match (names shorter than two
   characters are ignored);
2. each match scores the number of matches on its own chain (itself and its ancestors):
   "宽城区新华社区" prefers the 新华社区 under 宽城区 to a namesake elsewhere;
3. the best score wins, the deeper area on equal scores; if several areas remain tied,
   their deepest common ancestor is the answer (the text names no single place below it).

The result may be a grid (level 6) or any area above; None when nothing matches. It is a
guess from text, so whatever it returns is checked by a person (Open311 requests wait for
moderation anyway).
"""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Length, StrIndex

from .models import PATH_SEPARATOR, Area

MIN_NAME_LENGTH = 2
MAX_ADDRESS_LENGTH = 300


def area_for_address(text: str) -> Area | None:
    text = (text or "").strip()[:MAX_ADDRESS_LENGTH]
    if len(text) < MIN_NAME_LENGTH:
        return None
    matches = list(
        Area.objects.only("id", "code", "name", "level", "path", "parent_id")
        .annotate(name_length=Length("name"), at=StrIndex(Value(text), F("name")))
        .filter(name_length__gte=MIN_NAME_LENGTH, at__gt=0)
    )
    if not matches:
        return None
    matched_paths = {a.path for a in matches}

    def score(area: Area) -> tuple[int, int]:
        chain = _chain(area.path)
        return sum(p in matched_paths for p in chain), area.level

    best = max(score(a) for a in matches)
    tied = [a for a in matches if score(a) == best]
    if len(tied) == 1:
        return tied[0]
    common = _common_prefix([a.path for a in tied])
    return Area.objects.filter(path=common).first() if common else None


def _chain(path: str) -> list[str]:
    codes = [c for c in path.split(PATH_SEPARATOR) if c]
    return [PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR for i in range(len(codes))]


def _common_prefix(paths: list[str]) -> str:
    chains = [_chain(p) for p in paths]
    common = ""
    for level in zip(*chains, strict=False):
        if len(set(level)) != 1:
            break
        common = level[0]
    return common
