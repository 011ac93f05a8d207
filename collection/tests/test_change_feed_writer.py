"""The change feed holds back a quick base-data edit while an earlier writer may still commit
(moved from governance/tests/test_change_feed.py in issue 9, so that the kernel's tests
import no app above it; the feed's cursor itself is tested there)."""

import pytest

from collection.models import House
from collection.services import house_create
from governance.changes import changes_since
from governance.models import Change
from governance.roles import Role
from governance.tests.factories import other_connection
from grids.models import Area

pytestmark = pytest.mark.django_db

GRID = "220102001001001"


def test_readers_stop_below_a_running_writer(make_user):
    worker = make_user(Role.GRID_WORKER, GRID, "feed_worker")
    grid = Area.objects.get(code=GRID)
    slow = other_connection()
    try:
        # A long transaction (an import, say) writes a change, uncommitted.
        with slow.cursor() as cur:
            cur.execute(
                "INSERT INTO governance_change (dataset, object_id, op, area_path, at)"
                " VALUES ('houses', '0', 'create', %s, now()) RETURNING seq",
                [grid.path],
            )
            slow_seq = cur.fetchone()[0]
        # A quick edit after it gets a higher seq and is visible at once ...
        house_create(actor=worker, grid=grid, address="游标 1 号")
        quick = House.objects.get(address="游标 1 号")
        quick_seq = Change.objects.get(dataset="houses", object_id=str(quick.pk)).seq
        assert slow_seq < quick_seq
        # ... but the feed holds it back while the earlier writer may still commit.
        assert list(changes_since(user=worker, dataset="houses")) == []
    finally:
        slow.rollback()
        slow.close()
    assert [c.object_id for c in changes_since(user=worker, dataset="houses")] == [str(quick.pk)]
