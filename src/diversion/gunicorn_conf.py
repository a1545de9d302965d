"""gunicorn settings for `make serve-production` (gunicorn -c python:diversion.gunicorn_conf).

Sized for a small server (2 cores): a few processes, each with threads, because a page spends
much of its time waiting on PostgreSQL. Every value can be overridden from the environment.
"""

from __future__ import annotations

import os

_cores = os.cpu_count() or 1

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core plus one, so a core is busy while another process waits on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", str(_cores + 1)))
# Threads share a process's memory; Django keeps one database connection per thread.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A process silent for 30 s is restarted. With threads a slow request (a large upload) does not
# trip it; long work (imports, evaluation runs) is on the task worker anyway.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # behind a reverse proxy that keeps connections open
# Recycle processes now and then, so slow growth of memory cannot build up.
max_requests = 2000
max_requests_jitter = 200
# No runtime control socket: one default path would be shared by every server on the host.
control_socket_disable = True
accesslog = "-"
# %(r)s is the request line without its query string (core/logging.GunicornLogger): a search
# box's words (a name) stay out of the log; every line is escaped like the app's own logs.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
errorlog = "-"
logger_class = "diversion.core.logging.GunicornLogger"
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) is trusted only from the proxies the app trusts
# for X-Forwarded-For (TRUSTED_PROXIES, core/client.py), else from the proxy on this host.
forwarded_allow_ips = (os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS")
                       or os.environ.get("TRUSTED_PROXIES") or "127.0.0.1")
