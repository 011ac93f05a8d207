"""The world of tests/security is built once per module, inside a transaction that
wraps the module's tests (each of which runs in its own savepoint) and is rolled back
at the end: nothing of it is ever committed."""

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.core.cache import cache

    # Throttles count in the cache (the public tracking page's wrong codes): this run's
    # own Redis database starts empty, so earlier runs cannot throttle this one.
    cache.clear()
    with django_db_blocker.unblock():
        media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("sec-media")))
        media.enable()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()
