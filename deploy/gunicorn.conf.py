"""gunicorn's settings for OpenMASH in production (deploy/openmash-web.service passes this file).

Listen on the loopback address only: the reverse proxy in front terminates TLS and forwards here.
Access log lines are JSON on standard output, like the application's own logs; the path is logged
without its query string, which can carry a case reference.
"""

import os

bind = os.environ.get("OPENMASH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("OPENMASH_WEB_WORKERS", "3"))
timeout = 120  # a transparency report's PDF can take a while
graceful_timeout = 30
# Only the reverse proxy on this machine may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("OPENMASH_PROXY_ADDRESS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
)


def post_worker_init(worker: object) -> None:
    """Start the chart engine (vl-convert) in each worker before the first page that draws a chart."""
    import threading

    from openmash.reporting.charts import warm

    threading.Thread(target=warm, name="chart-engine-warm", daemon=True).start()
