"""Production settings (DJANGO_DEBUG=0) for the loopback load test, with these changes only:

* session and CSRF cookies without the Secure flag, because the benchmark talks plain http
  to gunicorn on 127.0.0.1 (a client never sends a Secure cookie over http);
* STATIC_ROOT (and the export jobs' EXPORT_DIR) in the benchmark's temporary folder, so
  `collectstatic` writes nothing into the project tree, and Django's manifest storage
  without whitenoise's compressed copies (see below).

Everything else (DEBUG off, whitenoise with the manifest storage, HSTS, password hashing,
django-axes, 2FA) is exactly portal.settings.
"""

import os

from portal.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
# Export jobs' files in the benchmark's temporary folder, removed with it.
EXPORT_DIR = os.environ.get("EXPORT_DIR_FOR_BENCH") or None

# The manifest (hashed names) as in production, without whitenoise's gzip/brotli copies of
# 43 MB of static files (a minute of collectstatic): the benchmark requests pages only,
# never static files.
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
