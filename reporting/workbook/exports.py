"""Province data-workbook exports that run outside the web request, on a Celery worker.

A large export takes longer than a user should stare at a spinning tab and may outlive a
gunicorn worker's timeout (120 s), so the web request only records an `ExportJob` and, once
that row is committed, enqueues `reporting.workbook.tasks.run_export` (the task's id is the
job's). A worker writes the file into settings.EXPORT_DIR and reports progress in the row,
which the job page polls. The row is what the user owns and sees (state, progress, file);
delivery and retries are Celery's: the task is acknowledged late, so a worker killed in the
middle hands the export back to the queue and another worker redoes it from the start.

Without a broker (`make demo`, the tests) the task runs in-process right after the commit.

The same jobs carry the province-wide ledger and roster exports (`ExportJob.kind`): the
writers are bases' own (reporting may read bases), and bases starts them through the
starter registered in bases.hooks, so there is one job mechanism, one download, one sweep.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bases.audit import record
from bases.ledger.workbook import export_name, write_province_activities
from bases.models import Base, User
from bases.roster.workbook import write_province_roster
from reporting.models import ExportJob, Report, Status
from reporting.workbook.data import write_data_workbook

logger = logging.getLogger(__name__)

State = ExportJob.State
ACTIVE_STATES = (State.QUEUED, State.RUNNING)
#: What an export covers: "approved" reports only, or "all" of the year's reports.
SCOPES = tuple(value for value, _label in ExportJob.SCOPE_CHOICES)
FAILED_MESSAGE = "导出失败，请稍后重新导出；如果问题持续，请联系系统管理员。"
Kind = ExportJob.Kind
#: The province-wide exports of bases' records: kind -> (writer, download name's stem).
PROVINCE_WRITERS: dict[str, tuple[Callable[..., int], str]] = {
    Kind.LEDGER: (write_province_activities, "服务台帐"),
    Kind.ROSTER: (write_province_roster, "入驻企业名册"),
}


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


def download_name(job: ExportJob) -> str:
    """The finished file's name, as the direct exports name theirs."""
    from reporting.workbook.data import content_disposition_name

    if job.kind in PROVINCE_WRITERS:
        return export_name(PROVINCE_WRITERS[job.kind][1], "全省", job.year)
    return content_disposition_name("data", job.year, job.scope)


def request_export(*, actor: User, year: int, scope: str = "all",
                   kind: str = Kind.DATA) -> ExportJob:
    """Record an export of `year` for `actor` and enqueue it once the row is committed.

    An admin has at most one export queued or running: asking again returns that job, so
    a reload, a double click or a forged link cannot pile up work.
    """
    from reporting.workbook.tasks import run_export

    if scope not in SCOPES or kind not in Kind.values:
        raise ValueError(f"unknown export {kind!r} / {scope!r}")
    with transaction.atomic():
        active = (ExportJob.objects.filter(requested_by=actor, state__in=ACTIVE_STATES,
                                           created_at__gte=_give_up_cutoff())
                  .order_by("-created_at").first())
        if active is not None:
            return active
        job = ExportJob.objects.create(requested_by=actor, kind=kind, year=year, scope=scope)
        # After the commit: the worker (another process) must be able to see the row.
        transaction.on_commit(lambda: run_export.apply_async((str(job.pk),),
                                                             task_id=str(job.pk)))
    return job


def run_export_job(*, job_id: uuid.UUID) -> ExportJob:
    """Claim the job, write its workbook, and mark it done or failed (the task's body).

    A job still marked running is claimed again: that is the redelivery of a killed
    worker's task. Returns the job as it stands afterwards; a finished, failed or unknown
    job is left untouched. Database errors propagate, for the task to retry.
    """
    job = _claim(job_id)
    if job is None:
        return ExportJob.objects.get(pk=job_id)
    folder = export_dir()
    name = f"{job.pk}.xlsx"
    # One partial file per attempt: a redelivered task never writes into another's file.
    partial = folder / f"{job.pk}.{uuid.uuid4().hex[:8]}.part"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            if job.kind in PROVINCE_WRITERS:
                # One streamed query: no running count, the page shows an open bar.
                count = PROVINCE_WRITERS[job.kind][0](handle, year=job.year)
            else:
                count = write_data_workbook(
                    handle, bases=Base.objects.all(),
                    reports=reports_to_export(year=job.year, scope=job.scope),
                    progress=_progress_writer(job.pk))
        # Renamed only when complete: a download never sees half a file.
        os.replace(partial, folder / name)
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        if not _finish(job.pk, state=State.DONE, file_name=name, rows_done=count,
                       rows_total=count, only_from=(State.RUNNING,)):
            # Finished by another delivery of the same task, or given up meanwhile.
            return ExportJob.objects.get(pk=job.pk)
        job.refresh_from_db()
        if job.kind in PROVINCE_WRITERS:
            record(None, f"export_{job.kind}_province", object_repr=f"{job.kind}:{job.year}",
                   detail=f"全省；{count} 行", actor=job.requested_by)
        else:
            record(None, "export_workbook", object_repr=f"data:{job.year}",
                   detail=f"范围：{job.scope}；报表 {count} 份", actor=job.requested_by)
    return job


def fail_export_job(*, job_id: uuid.UUID) -> None:
    """The task gave up on the job: the user is told to export again."""
    _finish(job_id, state=State.FAILED, error=FAILED_MESSAGE)


def give_up_stale_jobs() -> int:
    """Mark jobs queued or running for longer than ExportJob.GIVE_UP_AFTER as failed.

    Celery redelivers a killed worker's export; this covers the message itself being lost
    (a broker restarted without its data), so that the admin can ask again.
    """
    return (ExportJob.objects
            .filter(state__in=ACTIVE_STATES, created_at__lt=_give_up_cutoff())
            .update(state=State.FAILED, error=ExportJob.GIVEN_UP_ERROR,
                    finished_at=timezone.now(), updated_at=timezone.now()))


def sweep_exports() -> int:
    """Delete finished files older than ExportJob.KEEP_FILES_FOR; returns how many jobs expired.

    Run hourly by beat (settings.CELERY_BEAT_SCHEDULE). The jobs stay (they show as
    expired); leftovers of killed attempts are removed by age.
    """
    give_up_stale_jobs()
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


def _give_up_cutoff():
    return timezone.now() - ExportJob.GIVE_UP_AFTER


def _claim(job_id: uuid.UUID) -> ExportJob | None:
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, state__in=ACTIVE_STATES).update(
        state=State.RUNNING, started_at=now, updated_at=now, rows_done=0)
    if not claimed:
        return None
    return ExportJob.objects.get(pk=job_id)


def _progress_writer(job_id: uuid.UUID) -> Callable[[int, int], None]:
    """A `progress` callback for write_data_workbook that stores the counts.

    Each update is its own statement in autocommit, so the job page sees it at once.
    """

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id, state=State.RUNNING).update(
            rows_done=done, rows_total=total, updated_at=timezone.now())

    return progress


def _finish(job_id: uuid.UUID, *, state: str, error: str = "", file_name: str = "",
            only_from: tuple[str, ...] = ACTIVE_STATES, **counts: int) -> int:
    now = timezone.now()
    return ExportJob.objects.filter(pk=job_id, state__in=only_from).update(
        state=state, error=error, file_name=file_name, finished_at=now, updated_at=now,
        **counts)
