"""Celery tasks of the accounts app: the audit log's retention."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.management import call_command


@shared_task(ignore_result=True)
def purge_audit() -> None:
    """Beat, nightly: `manage.py purge_audit` with the retention of the settings.

    The command (and the database trigger on PostgreSQL) refuse anything younger than
    AUDIT_RETENTION_DAYS (180), so a schedule can never shorten what is kept.
    """
    call_command("purge_audit", older_than_days=settings.AUDIT_RETENTION_DAYS)
