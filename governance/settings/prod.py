from .base import *  # noqa: F401,F403
from .base import CELERY_WORKER_PROCESS, DATABASES, MIDDLEWARE, STORAGES, env

# The app serves its own collected static files (government networks rarely allow a CDN;
# a reverse proxy may still serve /static/ itself).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    **STORAGES,  # the stored files: local disk or object store (settings/base.py)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Connection pool (psycopg_pool, Django ≥ 5.1): each process — a gunicorn worker with its
# 16 threads, beat — keeps up to DATABASE_POOL_MAX connections
# and lends them per request, instead of one persistent connection per thread
# (CONN_MAX_AGE: 4 workers × 16 threads = 64 connections held, most of them idle, and a
# new connection for every thread that was not used for a minute). With a pool,
# CONN_MAX_AGE must be 0: the connection goes back to the pool at the end of each request.
# CONN_HEALTH_CHECKS makes the pool test a connection before lending it (one empty round
# trip), so a connection broken by a PostgreSQL restart is replaced, not failing a request.
# DATABASE_POOL=false restores persistent connections (e.g. behind PgBouncer in
# transaction mode, docs/deployment.md). Sizing: docs/performance.md, "Load".
#
# Not in a Celery worker: its prefork processes run one task at a time, so a pool lends
# nothing, and Celery's Django fixup closes a pool before and after every task — each
# task then opened two new PostgreSQL connections (the pool's min_size), a new backend
# each, cold caches included. A worker process keeps one persistent connection instead
# (CONN_MAX_AGE from base.py, checked around each task: governance/celery.py).
if env.bool("DATABASE_POOL", default=True) and not CELERY_WORKER_PROCESS:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
        # Waiting longer than this for a free connection fails the request (a 500).
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
    if "replica" in DATABASES:
        # The read replica gets a pool of its own, with a short wait: a read that cannot
        # have a replica connection soon is better answered by the primary
        # (governance/replica.py falls back when the connection fails).
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
        DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["replica"]["OPTIONS"]["pool"] = {
            **DATABASES["default"]["OPTIONS"]["pool"],
            "min_size": env.int("DATABASE_REPLICA_POOL_MIN", default=1),
            "timeout": env.float("DATABASE_REPLICA_POOL_TIMEOUT", default=2.0),
        }
