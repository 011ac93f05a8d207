from .base import *  # noqa: F401,F403
from .base import DATABASES, env

# Never a real read replica under the tests, whatever the environment says: its database
# is not the test database. tests/test_read_replica.py makes a replica of the test
# cluster and adds the alias itself.
DATABASES.pop("replica", None)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
# A separate Redis database so tests never touch a running demo's data.
# Under pytest-xdist each worker (gw0, gw1, …) takes its own database, counting down from
# the given one (15 by default), so that workers never see each other's keys.
_redis_base, _, _redis_db = env("TEST_REDIS_URL", default="redis://localhost:6379/15").rpartition(
    "/"
)
_worker = int(env("PYTEST_XDIST_WORKER", default="gw0")[2:] or 0)
REDIS_URL = f"{_redis_base}/{(int(_redis_db) - _worker) % 16}"
CACHES = {
    "default": {
        "BACKEND": "governance.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "gridgov-test",
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Outbox subscribers (webhooks) run inside the writer's transaction, so tests see their
# effects without a commit; governance/tests/test_outbox.py drains it the real way.
OUTBOX_DRAIN_EAGER = True
# The same for the rollups: applied in the writer's transaction, so tests read them at
# once; cockpit/tests/test_figure_drain.py runs the queue and the drain the real way.
FIGURES_DRAIN_EAGER = True

# Fixed, test-only keys (never used outside the test suite).
FIELD_ENCRYPTION_KEYS = "t1:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
FIELD_HASH_KEY = "dGVzdC1vbmx5LWhhc2gta2V5LTMyLWJ5dGVzLWxvbmc="
