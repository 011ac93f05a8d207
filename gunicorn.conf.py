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
