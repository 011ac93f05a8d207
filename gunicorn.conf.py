"""Gunicorn settings, read from the working directory (the Dockerfile's /app) whatever
the command line says.

Access log without query strings and referrers: search filters carry personal data
(`?id_number=…`, `?q=<ID number>` on the staff pages), and a query string or a referrer
is exactly what proxies and log collectors keep. The path, method, status, size and
duration are enough to operate the service. Secrets never travel in URLs in the first
place (docs/security.md, "Secrets out of URLs")."""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'
