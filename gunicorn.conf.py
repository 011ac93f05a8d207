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

# A client's connection stays open 15 s after its last answer (gunicorn's default: 2 s).
# A grid worker reads a page for a few seconds before the next; with 2 s, about half of
# the load test's requests opened a new TCP connection, and each one costs the kernel, the
# worker's main thread and the client. An idle connection holds no thread under gthread,
# only a socket in the worker's poller (at most `worker_connections`, 1,000 a worker).
# Behind a load balancer that keeps connections to the web nodes open, its idle timeout
# towards them must be shorter than this (nginx: `keepalive_timeout 10s;` in the upstream
# block), or it may send a request on a connection gunicorn is closing
# (docs/deployment.md).
keepalive = 15


# -- the garbage collector ------------------------------------------------------------
# A worker holds ~250,000 long-lived objects (Django, the URL conf, models, compiled
# templates and statements) that the collector would otherwise walk again at every full
# collection, and its young generation fills every few hundred allocations of a request.
# Measured on the load test's mix (bench/load/request_cost.py, docs/performance.md "Load"):
# 2.3 ms of collector time per request by default, 0.8 ms with what is below. The objects
# that exist at start, and again after the first requests have compiled their templates
# and statements, are frozen (never collected, never walked); the young generation is
# collected every 10,000 net allocations instead of 700.
#
# A freeze keeps for good whatever is alive at that moment, so it happens only when no
# request is in flight (another thread's request objects, or a live feed's, would never
# be collected once it ended): after start, then at the first idle moment after the
# 100th and the 1,000th request, garbage collected first. A worker that is never idle
# simply does not freeze again.
import gc  # noqa: E402
import threading  # noqa: E402

GC_THRESHOLD = (10_000, 10, 10)
FREEZE_AFTER_REQUESTS = (100, 1000)

_requests = threading.Lock()
_state = {"in_flight": 0, "served": 0, "freezes": 0}


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    gc.set_threshold(*GC_THRESHOLD)
    _freeze()


def pre_request(worker, req):
    worker.log.debug("%s %s", req.method, req.path)  # gunicorn's own pre_request
    with _requests:  # held during a freeze: no request starts meanwhile
        idle = _state["in_flight"] == 0
        _state["in_flight"] += 1
        due = _state["freezes"] < len(FREEZE_AFTER_REQUESTS) and (
            _state["served"] >= FREEZE_AFTER_REQUESTS[_state["freezes"]]
        )
        if idle and due:
            _state["freezes"] += 1
            _freeze()


def post_request(worker, req, environ, resp):
    with _requests:
        _state["in_flight"] -= 1
        _state["served"] += 1
