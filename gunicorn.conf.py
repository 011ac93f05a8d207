"""Gunicorn settings, read from the working directory (the Dockerfile's /app) whatever
the command line says.

Access log without query strings and referrers: search filters carry personal data
(`?id_number=…`, `?q=<ID number>` on the staff pages), and a query string or a referrer
is exactly what proxies and log collectors keep. The path, method, status, size and
duration are enough to operate the service. Secrets never travel in URLs in the first
place (docs/security.md, "Secrets out of URLs")."""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'

# The cockpit's live feed (server-sent events, /cockpit/live/) keeps each request open
# for up to ~25 s: threaded workers, so such a request holds one thread, not a whole
# worker (4 workers × 16 threads: 64 requests at once, live feeds included). Raise
# `threads` with the number of cockpit screens open at once (docs/cockpit.md).
worker_class = "gthread"
threads = 16


# -- the garbage collector ------------------------------------------------------------
# A worker holds ~250,000 long-lived objects (Django, the URL conf, models, compiled
# templates and statements) that the collector would otherwise walk again at every full
# collection, and its young generation fills every few hundred allocations of a request.
# Measured on the load test's mix (bench/load/request_cost.py, docs/performance.md "Load"):
# 2.3 ms of collector time per request by default, 0.8 ms with what is below. The objects
# that exist at start, and again after the first requests have compiled their templates
# and statements, are frozen (never collected, never walked); the young generation is
# collected every 10,000 net allocations instead of 700. Garbage is collected before each
# freeze, so nothing unreachable is kept for good.
import gc  # noqa: E402

GC_THRESHOLD = (10_000, 10, 10)
FREEZE_AFTER_REQUESTS = (100, 1000)


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    gc.set_threshold(*GC_THRESHOLD)
    _freeze()


def post_request(worker, req, environ, resp):
    worker.served = getattr(worker, "served", 0) + 1
    if worker.served in FREEZE_AFTER_REQUESTS:
        _freeze()
