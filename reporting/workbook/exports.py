"""Province data-workbook exports that run outside the web request.

A large export takes longer than a user should stare at a spinning tab and may outlive a
gunicorn worker's timeout (120 s), so the web request only records an `ExportJob` and
starts it; the job writes its file into settings.EXPORT_DIR and reports progress in its
row, which the job page polls. How a job starts is settings.EXPORT_JOB_RUNNER:

- "process": a detached `manage.py run_export_jobs --job ID` in its own session, so that a
  worker timeout, a reload or a restart of gunicorn does not kill it;
- "inline": in the calling process, after the commit (tests);
- "worker": nothing is started; a `manage.py run_export_jobs` run by cron (every minute) or
  a supervisor picks the job up (deployments that may not spawn processes from the web).

`manage.py run_export_jobs` without `--job` runs whatever is still queued.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bases.audit import record
from bases.models import Base, User
from reporting.models import ExportJob, Report, Status
from reporting.workbook.data import write_data_workbook

logger = logging.getLogger(__name__)

State = ExportJob.State
ACTIVE_STATES = (State.QUEUED, State.RUNNING)
#: What an export covers: "approved" reports only, or "all" of the year's reports.
SCOPES = tuple(value for value, _label in ExportJob.SCOPE_CHOICES)
FAILED_MESSAGE = "导出失败，请稍后重新导出；如果问题持续，请联系系统管理员。"
START_FAILED_MESSAGE = "无法启动导出进程，请稍后重新导出；如果问题持续，请联系系统管理员。"


def export_dir() -> Path:
    """The folder for finished exports, created private to the portal's account."""
    folder = Path(getattr(settings, "EXPORT_DIR", None)
                  or Path(tempfile.gettempdir()) / "portal-exports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def export_path(job: ExportJob) -> Path | None:
    """Where the job's file is, or None when it has none (not done, or swept)."""
    return export_dir() / job.file_name if job.file_name else None


def reports_to_export(*, year: int, scope: str) -> QuerySet[Report]:
    reports = Report.objects.filter(year=year)
    if scope == "approved":
        reports = reports.filter(status=Status.APPROVED)
    return reports


def request_export(*, actor: User, year: int, scope: str) -> ExportJob:
    """Record an export of `year` for `actor` and start it once the row is committed.

    An admin has at most one export queued or running: asking again returns that job, so
    a reload, a double click or a forged link cannot pile up processes.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown export scope {scope!r}")
    sweep_exports()
    with transaction.atomic():
        active = (ExportJob.objects.filter(requested_by=actor, state__in=ACTIVE_STATES,
                                           updated_at__gte=_heartbeat_cutoff())
                  .order_by("-created_at").first())
        if active is not None:
            return active
        job = ExportJob.objects.create(requested_by=actor, year=year, scope=scope)
        # After the commit: the runner (another process) must be able to see the row.
        transaction.on_commit(lambda: start_export_job(job_id=job.pk))
    return job


def start_export_job(*, job_id: uuid.UUID) -> None:
    """Start the job as settings.EXPORT_JOB_RUNNER says (see the module docstring)."""
    runner = getattr(settings, "EXPORT_JOB_RUNNER", "process")
    if runner == "inline":
        run_export_job(job_id=job_id)
        return
    if runner == "worker":
        return
    if runner != "process":
        raise ValueError(f"unknown EXPORT_JOB_RUNNER {runner!r}")
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_export_jobs",
               "--job", str(job_id)]
    try:
        # A new session: the export outlives the worker that started it (timeouts,
        # reloads, restarts). stderr is inherited so its log lines reach the server's log.
        subprocess.Popen(command, start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, close_fds=True)
    except OSError:
        logger.exception("could not start the export process for job %s", job_id)
        _finish(job_id, state=State.FAILED, error=START_FAILED_MESSAGE,
                only_from=(State.QUEUED,))


def run_export_job(*, job_id: uuid.UUID) -> ExportJob:
    """Claim the queued job, write its workbook, and mark it done or failed.

    Returns the job as it stands afterwards. A job that is not queued (already claimed by
    another runner, finished, or silent for too long) is returned untouched.
    """
    job = _claim(job_id)
    if job is None:
        return ExportJob.objects.get(pk=job_id)
    folder = export_dir()
    name = f"{job.pk}.xlsx"
    partial = folder / f"{job.pk}.part"
    try:
        reports = reports_to_export(year=job.year, scope=job.scope)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            count = write_data_workbook(handle, bases=Base.objects.all(), reports=reports,
                                        progress=_progress_writer(job.pk))
        # Renamed only when complete: a download never sees half a file.
        os.replace(partial, folder / name)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        partial.unlink(missing_ok=True)
        _finish(job.pk, state=State.FAILED, error=FAILED_MESSAGE)
        return ExportJob.objects.get(pk=job.pk)
    with transaction.atomic():
        if not _finish(job.pk, state=State.DONE, file_name=name, rows_done=count,
                       rows_total=count, only_from=(State.RUNNING,)):
            # Declared dead meanwhile (a very long pause): the user was told to start over.
            (folder / name).unlink(missing_ok=True)
            return ExportJob.objects.get(pk=job.pk)
        job.refresh_from_db()
        record(None, "export_workbook", object_repr=f"data:{job.year}",
               detail=f"范围：{job.scope}；报表 {count} 份", actor=job.requested_by)
    return job


def run_queued_export_jobs() -> list[ExportJob]:
    """Run every queued job, oldest first (the cron or worker deployment)."""
    fail_stale_jobs()
    ids = list(ExportJob.objects.filter(state=State.QUEUED).order_by("created_at")
               .values_list("pk", flat=True))
    return [run_export_job(job_id=job_id) for job_id in ids]


def fail_stale_jobs() -> int:
    """Mark queued or running jobs that stopped beating as failed; returns how many."""
    return (ExportJob.objects
            .filter(state__in=ACTIVE_STATES, updated_at__lt=_heartbeat_cutoff())
            .update(state=State.FAILED, error=ExportJob.STALE_ERROR,
                    finished_at=timezone.now(), updated_at=timezone.now()))


def sweep_exports() -> int:
    """Delete finished files older than ExportJob.KEEP_FILES_FOR; returns how many jobs expired.

    The jobs stay (they show as expired); leftovers of crashed runs are removed by age.
    """
    fail_stale_jobs()
    cutoff = timezone.now() - ExportJob.KEEP_FILES_FOR
    folder = export_dir()
    expired = 0
    for job in ExportJob.objects.filter(state=State.DONE, finished_at__lt=cutoff).exclude(
            file_name="").only("pk", "file_name"):
        (folder / job.file_name).unlink(missing_ok=True)
        expired += ExportJob.objects.filter(pk=job.pk).update(file_name="")
    oldest = time.time() - ExportJob.KEEP_FILES_FOR.total_seconds()
    for path in [*folder.glob("*.xlsx"), *folder.glob("*.part")]:
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except OSError:
            continue
    return expired


# --- the job's row ---------------------------------------------------------------------


def _heartbeat_cutoff() -> dt.datetime:
    return timezone.now() - ExportJob.HEARTBEAT_TIMEOUT


def _claim(job_id: uuid.UUID) -> ExportJob | None:
    now = timezone.now()
    with transaction.atomic():
        candidates = ExportJob.objects.filter(pk=job_id, state=State.QUEUED,
                                              updated_at__gte=now - ExportJob.HEARTBEAT_TIMEOUT)
        if connection.features.has_select_for_update_skip_locked:
            # A runner already holding the row is claiming it: skip rather than wait.
            candidates = candidates.select_for_update(skip_locked=True)
        job = candidates.first()
        if job is None:
            return None
        # The state condition keeps the claim single where rows cannot be locked (SQLite).
        claimed = ExportJob.objects.filter(pk=job.pk, state=State.QUEUED).update(
            state=State.RUNNING, started_at=now, updated_at=now)
    if not claimed:
        return None
    job.refresh_from_db()
    return job


def _progress_writer(job_id: uuid.UUID) -> Callable[[int, int], None]:
    """A `progress` callback for write_data_workbook that stores the counts and the heartbeat.

    Each update is its own statement in autocommit, so the job page sees it at once.
    """

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id, state=State.RUNNING).update(
            rows_done=done, rows_total=total, updated_at=timezone.now())

    return progress


def _finish(job_id: uuid.UUID, *, state: str, error: str = "", file_name: str = "",
            only_from: tuple[str, ...] = (State.QUEUED, State.RUNNING),
            **counts: int) -> int:
    now = timezone.now()
    return ExportJob.objects.filter(pk=job_id, state__in=only_from).update(
        state=state, error=error, file_name=file_name, finished_at=now, updated_at=now,
        **counts)
