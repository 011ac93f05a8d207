"""Settings of the load test (bench/load/run.py): the production settings, as
docker-compose.yml runs them, with what differs on a loopback test bench and nothing else:

- plain HTTP on 127.0.0.1, no TLS proxy in front: no HTTPS redirect, cookies not
  marked Secure (the bench's client would not send them back over HTTP);
- one extra URL, /bench/bare/, a bare Django view (no database, no template) served by
  the same gunicorn at the same load: the ceiling of this machine;
- with BENCH_LOAD_REQUEST_CPU set (run.py --request-cpu), one outermost middleware that
  adds each request's thread CPU time to its kind (bench/load/request_cpu.py).

Never used outside bench/load."""

import os

from governance.settings.prod import *  # noqa: F401,F403
from governance.settings.prod import MIDDLEWARE

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ROOT_URLCONF = "bench.load.urls"

if os.environ.get("BENCH_LOAD_REQUEST_CPU"):
    MIDDLEWARE = ["bench.load.request_cpu.RequestCPUMiddleware", *MIDDLEWARE]
