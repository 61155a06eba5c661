"""gunicorn settings for the container (docker-compose). Access log without query strings and
without client addresses: a searched point (?near=lon,lat) or an IP is never written."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
# %(U)s is the path without the query string; no %(h)s (remote address), no %(r)s/%(q)s.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
logconfig_dict = {}  # Django configures its own loggers (mapping/settings.py LOGGING)
