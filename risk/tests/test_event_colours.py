"""Key events, five colours: each factor and the colour against hand-built cases."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import SupervisionCard, Trace
from governance.roles import Role
from risk.event_colours import THRESHOLDS, colour_for, event_colour, key_events
from risk.hotspots import risk_area

from .factories import event_at, tagged_person_at

pytestmark = pytest.mark.django_db

NANGUAN = "220102000000"
KUANCHENG = "220103000000"


@pytest.fixture
def grid(first_grid):
    return first_grid(NANGUAN)


@pytest.fixture
def ng(make_user):
    return make_user(Role.COUNTY_DISPATCHER, NANGUAN)


@pytest.fixture
def kc(make_user):
    return make_user(Role.COUNTY_DISPATCHER, KUANCHENG)


@pytest.fixture
def cases(grid, ng):
    """Five open cases a kilometre apart (so they do not repeat each other)."""
    now = timezone.now()
    c = {
        # 治安 (2) + 特急 (3) + 超期 (3) = 8: red.
        "red": event_at(grid, 0, 0, category="0201", urgency="critical", due_state="overdue"),
        # 环境 (0), nothing else: green.
        "green": event_at(grid, 1000, 0, category="0501"),
        # 矛盾纠纷 (1) + 紧急 (1) + 临期 (1) = 3: yellow.
        "yellow": event_at(grid, 2000, 0, category="0101", urgency="urgent", due_state="near_due"),
        # 环境 (0) + two tagged people living within 100 m (2) = 2: blue.
        "blue": event_at(grid, 3000, 0, category="0503", status="handling"),
        # 环境 (0) + escalation (1 step + 1 red card = 3) + 2 repeats = 5: orange.
        "orange": event_at(grid, 4000, 0, category="0502", status="dispatched"),
    }
    tagged_person_at(grid, 3000, 50)
    tagged_person_at(grid, 3030, -40, tag="released")
    tagged_person_at(grid, 3300, 0)  # 300 m away: not involved
    ended = tagged_person_at(grid, 3010, 0)
    ended.tags.update(end_date=now.date())  # an ended tag: no longer a special group
    Trace.objects.create(event=c["orange"], action="escalate", actor_name="村居")
    Trace.objects.create(event=c["orange"], action="accept", actor_name="村居")
    SupervisionCard.objects.create(
        event=c["orange"],
        colour="red",
        issued_by=ng,
        issued_by_area=grid,
        message="加快",
        deadline=now + timedelta(days=2),
    )
    # Repeats of the same family (环境 05) near the orange case, closed and archived ones
    # count too; too far, too old, another family, merged: they do not.
    event_at(grid, 4050, 0, category="0501", status="archived", days_ago=3)
    event_at(grid, 4000, 100, category="0503", days_ago=10)
    event_at(grid, 4500, 0, category="0501", days_ago=3)  # 500 m
    event_at(grid, 4000, 10, category="0501", days_ago=45)  # 44 days before
    event_at(grid, 4000, 20, category="0101", days_ago=2)  # 矛盾纠纷
    event_at(grid, 4000, 30, category="0501", status="merged", days_ago=2)
    return c


def _by_number(items):
    return {item["number"]: item for item in items}


def test_colours_and_factors(ng, cases):
    result = key_events(user=ng, area=risk_area(user=ng, code=NANGUAN), limit=500)
    items = _by_number(result["results"])
    for colour, event in cases.items():
        item = items[event.number]
        factors = {f["code"]: f for f in item["factors"]}
        assert item["colour"] == colour, (colour, factors)
        # Explainable: the score is the sum of the factors' points.
        assert item["score"] == sum(f["points"] for f in item["factors"])
        assert colour_for(item["score"]) == colour
    red = {f["code"]: f for f in items[cases["red"].number]["factors"]}
    assert (red["category"]["value"], red["category"]["points"]) == ("02", 2)
    assert (red["urgency"]["value"], red["urgency"]["points"]) == ("critical", 3)
    assert (red["overdue"]["value"], red["overdue"]["points"]) == ("overdue", 3)
    blue = {f["code"]: f for f in items[cases["blue"].number]["factors"]}
    assert (blue["people"]["value"], blue["people"]["points"]) == (2, 2)
    orange = {f["code"]: f for f in items[cases["orange"].number]["factors"]}
    assert orange["escalation"]["value"] == 3
    assert orange["escalation"]["detail"] == {"escalations": 1, "yellow_cards": 0, "red_cards": 1}
    assert (orange["repetition"]["value"], orange["repetition"]["points"]) == (2, 2)
    # Highest score first.
    scores = [item["score"] for item in result["results"]]
    assert scores == sorted(scores, reverse=True)


def test_counts_and_colour_filter(ng, cases, api_client):
    r = api_client(ng).get("/api/v1/key-events/", {"area": NANGUAN, "colour": "red"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [i["number"] for i in body["results"]] == [cases["red"].number]
    assert body["results"][0]["colour_label"] == "红色"
    # The counts tally the open cases of the area by colour (the repeats placed near the
    # orange case are open cases too; the archived and merged ones are not listed).
    everything = api_client(ng).get("/api/v1/key-events/", {"limit": 500}).json()
    tally = {}
    for item in everything["results"]:
        tally[item["colour"]] = tally.get(item["colour"], 0) + 1
    assert everything["counts"] == {c: tally.get(c, 0) for c in everything["counts"]}
    assert body["counts"] == everything["counts"] and body["counts"]["red"] == 1
    numbers = {i["number"] for i in everything["results"]}
    assert len(numbers) == 9  # five cases and four open neighbours of the orange one
    assert cases["green"].number in numbers


def test_detail_and_scoping(ng, kc, cases, api_client):
    number = cases["orange"].number
    r = api_client(ng).get(f"/api/v1/key-events/{number}/")
    assert r.status_code == 200 and r.json()["colour"] == "orange"
    assert api_client(kc).get(f"/api/v1/key-events/{number}/").status_code == 404
    assert api_client(kc).get("/api/v1/key-events/", {"area": NANGUAN}).status_code == 404
    mine = api_client(kc).get("/api/v1/key-events/", {"limit": 500}).json()
    assert not {i["number"] for i in mine["results"]} & {e.number for e in cases.values()}
    assert event_colour(user=ng, event=cases["red"])["colour"] == "red"


def test_repeats_count_only_what_the_user_may_read(ng, kc, grid, first_grid):
    """A neighbour county's cases never raise a colour (and never leak as a count)."""
    kc_grid = first_grid(KUANCHENG)
    mine = event_at(kc_grid, 0, 0, category="0501")
    # 南关区 cases at the very same point (a grid's centroid is not the test: put them on
    # the 宽城区 case's point through its location).
    from events.models import Event

    for _ in range(3):
        e = event_at(grid, 0, 0, category="0501")
        Event.objects.filter(pk=e.pk).update(location=mine.location)
    item = event_colour(user=kc, event=mine)
    assert {f["code"]: f["value"] for f in item["factors"]}["repetition"] == 0


@pytest.mark.parametrize(
    "query",
    [{"colour": "purple"}, {"limit": "0"}, {"limit": "501"}, {"limit": "x"}, {"area": "abc"}],
)
def test_bad_input_is_400(ng, api_client, query):
    r = api_client(ng).get("/api/v1/key-events/", query)
    assert r.status_code == 400 and r.json()["detail"]


def test_thresholds_are_ordered():
    lows = [low for _c, low in THRESHOLDS]
    assert lows == sorted(lows, reverse=True) and lows[-1] == 0
