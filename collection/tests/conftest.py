"""Fixtures of the collection tests: crypto key configuration (no database), a temporary
media folder, the grid GRID (collection/tests/factories.py) with its grid worker and one
registered person, an outsider of another county, the county importer, the grids next to
GRID. A module needing another worker or person defines its own fixture of that name."""

from contextlib import ExitStack

import pytest
from django.test import override_settings

from collection.tests.factories import GRID, PHONE, valid_id
from collection.tests.keys import HASH_KEY


@pytest.fixture
def field_keys():
    """configure(keys, algorithm=..., hash_key=...) sets the three settings until the test ends;
    calling it again mid-test stacks a new configuration (e.g. a rotated key list)."""
    with ExitStack() as stack:

        def configure(keys, *, algorithm="aes256gcm", hash_key=HASH_KEY):
            stack.enter_context(
                override_settings(
                    FIELD_ENCRYPTION_KEYS=keys,
                    FIELD_ENCRYPTION_ALGORITHM=algorithm,
                    FIELD_HASH_KEY=hash_key,
                )
            )

        yield configure


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads, exports and thumbnails of collection tests go to a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def grid():
    from grids.models import Area

    return Area.objects.get(code=GRID)


@pytest.fixture
def worker(make_user):
    """The grid worker of GRID."""
    from governance.roles import Role

    return make_user(Role.GRID_WORKER, GRID, "c_worker")


@pytest.fixture
def person(worker, grid):
    """李四, registered in GRID by its grid worker, with an ID and a mobile number."""
    from collection.services import person_create

    return person_create(
        actor=worker, grid=grid, name="李四", id_number=valid_id(), phone=PHONE, kind="registered"
    )


@pytest.fixture
def outsider(kuancheng_dispatcher):
    """A county dispatcher of 宽城区, outside GRID's county."""
    return kuancheng_dispatcher


@pytest.fixture
def importer(make_user):
    """A county dispatcher of 南关区: imports into its grids."""
    from governance.roles import Role

    return make_user(Role.COUNTY_DISPATCHER, "220102000000", "imp_dispatcher")


@pytest.fixture
def other_grid():
    """A grid in the other county (宽城区)."""
    from grids.models import Area

    return Area.objects.filter(level=6, code__startswith="220103").order_by("code").first()


@pytest.fixture
def second_grid():
    """Another grid of 南关区 than GRID."""
    from grids.models import Area

    return (
        Area.objects.filter(level=6, code__startswith="220102")
        .exclude(code=GRID)
        .order_by("code")
        .first()
    )
