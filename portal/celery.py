"""The Celery application: background work (exports, sweeps, statistics refresh, notices).

With `CELERY_BROKER_URL` unset (the embedded default, `make demo`, the test suite) tasks run
in-process, so a newcomer needs no broker; production refuses that (see settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks kept beside the code they run (not in an app's tasks.py).
app.autodiscover_tasks(["reporting.workbook", "reporting.statistics"])
