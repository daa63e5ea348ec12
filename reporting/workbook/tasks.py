"""Celery tasks of the data workbook: the web-requested exports and the sweep of their files."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.db import DatabaseError

from reporting.workbook import exports

logger = logging.getLogger(__name__)

#: Failures worth another attempt: the database or the export folder gone for a moment.
TRANSIENT = (DatabaseError, OSError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3,
             ignore_result=True)
def run_export(self, job_id: str) -> str:
    """Write the export of job `job_id` (enqueued by exports.request_export on commit).

    Acknowledged only when done: a worker killed in the middle gives the message back and
    another worker redoes the export. Transient failures are retried (30 s, 60 s, 120 s);
    anything else, or the last retry, fails the job with a message for the user.
    """
    key = uuid.UUID(job_id)
    try:
        return exports.run_export_job(job_id=key).state
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            logger.warning("export job %s: %s; retrying", job_id, exc)
            if self.request.is_eager:
                # In-process (no broker, eager mode) a retry cannot wait in a queue.
                return self.apply((job_id,), retries=self.request.retries + 1).result
            raise self.retry(exc=exc, countdown=30 * 2 ** self.request.retries) from exc
        logger.exception("export job %s failed after %s retries", job_id, self.max_retries)
    except Exception:
        logger.exception("export job %s failed", job_id)
    exports.fail_export_job(job_id=key)
    return exports.State.FAILED


@shared_task(ignore_result=True)
def sweep_exports() -> int:
    """Beat, hourly: expire finished files after 24 hours, give up on lost jobs."""
    return exports.sweep_exports()
