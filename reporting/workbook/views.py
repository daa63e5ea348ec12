"""Workbook pages: an officer's one-base download and upload; the province's import and export."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bases.access import get_base, outside_scope, require_role
from bases.audit import record
from bases.models import Base, Role
from reporting import indicators
from reporting.filing import policy, services
from reporting.filing.policy import Target
from reporting.filing.rounds import deadline_for
from reporting.filing.selectors import approved_values, reports_for
from reporting.models import ExportJob, Report, Round, Status
from reporting.workbook import exports
from reporting.workbook.data import (
    XLSX_CONTENT_TYPE,
    ErrorList,
    WorkbookError,
    check_upload,
    content_disposition_name,
    write_data_workbook,
)
from reporting.workbook.fill_in import FormContext, read_officer_upload, write_fill_in_workbook
from reporting.workbook.importer import IMPORT_STATUSES, ImportResult, import_data_workbook
from reporting.years import YEAR_MAX, YEAR_MIN

PENDING_KEY = "workbook_import"
PENDING_MAX_AGE = 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_MESSAGES = 50
STATUS_LABELS = dict(Status.choices)


def _spooled() -> IO[bytes]:
    """A temporary file for a workbook being written; the FileResponse closes it."""
    return tempfile.TemporaryFile()  # noqa: SIM115


def _workbook_response(handle: IO[bytes], filename: str) -> FileResponse:
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type=XLSX_CONTENT_TYPE)


def _int(raw: str | None) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


# --- the officer's workbook ------------------------------------------------------------


def report_workbook(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The base's report as a one-base data workbook (officer, or a reader in scope)."""
    base = get_base(request, code)
    report = reports_for(request.user).filter(base=base, year=year).first()
    if report is None and not Round.objects.filter(year=year).exists():
        raise outside_scope(request, f"report:{code}/{year}")
    handle = _spooled()
    write_data_workbook(
        handle, bases=Base.objects.filter(pk=base.pk),
        reports=Report.objects.filter(pk=report.pk) if report else Report.objects.none(),
        blank_rows=[] if report else [(base.code, year)])
    record(request, "download_report_workbook", object_repr=f"report:{base.code}/{year}")
    return _workbook_response(handle, content_disposition_name("report", base.code, year))


def report_fill_in(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """下载填报表: the base's fill-in workbook for `year`, with its current figures."""
    base = get_base(request, code)
    report = reports_for(request.user).filter(base=base, year=year).first()
    round_ = Round.objects.filter(year=year).first()
    if report is None and round_ is None:
        raise outside_scope(request, f"report:{code}/{year}")
    handle = _spooled()
    write_fill_in_workbook(handle, FormContext(
        base_code=base.code, base_name=base.name, year=year,
        deadline=deadline_for(round_, base) if round_ else None,
        values=report.value_map() if report else {},
        previous=approved_values(base.pk, year - 1)))
    record(request, "download_fill_in_workbook", object_repr=f"report:{base.code}/{year}")
    return _workbook_response(handle, content_disposition_name("fill-in", base.code, year))


def _error_messages(request: HttpRequest, errors: ErrorList, intro: str) -> None:
    messages.error(request, intro)
    for error in errors[:MAX_MESSAGES]:
        messages.error(request, str(error))
    if errors.total > MAX_MESSAGES:
        messages.error(request, f"……另有 {errors.total - MAX_MESSAGES} 处错误未列出。")


@require_POST
def report_upload(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Read the officer's filled workbook (the fill-in form or a data workbook) into their
    draft: types and bounds only, the same parse as the web form."""
    base = get_base(request, code)
    target = Target.for_base(base, year)
    decision = policy.may_edit(request.user, target)
    if decision.kind in (policy.Kind.SCOPE, policy.Kind.ROLE):
        policy.enforce(request, decision, target.label)  # 404 or 403, as the form answers
    # A refusal for the report's state (submitted, a closed round) is the save's message.
    back = redirect("reporting:report", code=base.code, year=year)
    where = f"report:{base.code}/{year}"
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的 .xlsx 文件。")
        return back
    values, errors = read_officer_upload(upload, base_code=base.code, year=year)
    if values is None:
        _error_messages(request, errors, f"上传的工作簿有 {errors.total} 处问题，未保存任何数据：")
        record(request, "upload_report_workbook", object_repr=where, outcome="rejected",
               detail=f"{errors.total} 处错误：{errors[0] if errors else ''}"[:500])
        return back
    try:
        report = services.save_draft(base=base, year=year, actor=request.user, values=values,
                                     version=_int(request.POST.get("version")), request=request)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        record(request, "upload_report_workbook", object_repr=where, outcome="rejected",
               detail=str(exc)[:500])
        return back
    record(request, "upload_report_workbook", object_repr=where,
           detail=f"已保存为草稿，版本 {report.version}")
    messages.success(request, "已从上传的工作簿读入数据并保存为草稿。请核对后再提交审核。")
    return back


# --- the province's import and export --------------------------------------------------


def _pending_dir() -> Path:
    folder = Path(getattr(settings, "WORKBOOK_IMPORT_DIR", "")
                  or Path(tempfile.gettempdir()) / "portal-workbook-imports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _pending_path(token: str) -> Path | None:
    if not TOKEN_RE.match(token or ""):
        return None
    return _pending_dir() / f"{token}.xlsx"


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING_KEY, None)
    path = _pending_path(pending.get("token", "")) if isinstance(pending, dict) else None
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep() -> None:
    """Remove previews that were never confirmed."""
    limit = time.time() - PENDING_MAX_AGE
    for path in _pending_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _import_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    result = extra.get("result")
    findings = [
        (base_code, year, indicators.BY_CODE[f.field].label if f.field in indicators.BY_CODE
         else f.field, f.message)
        for base_code, year, f in (result.findings if isinstance(result, ImportResult) else [])
    ]
    # 已提交 first and chosen by default: approving a whole file is an explicit choice.
    statuses = sorted(IMPORT_STATUSES, key=lambda s: s != Status.SUBMITTED)
    return {"statuses": [(s, STATUS_LABELS[s]) for s in statuses], "status": Status.SUBMITTED,
            "default_year": Round.objects.values_list("year", flat=True).first(),
            "year_min": YEAR_MIN, "year_max": YEAR_MAX,
            "finding_rows": findings, "export_jobs": _recent_export_jobs(request), **extra}


def import_page(request: HttpRequest) -> HttpResponse:
    """Upload → dry run with a preview → confirm. The file waits server-side for 1 hour."""
    require_role(request, Role.PROVINCE)
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            return _confirm(request)
        if request.POST.get("action") == "cancel":
            _discard(request)
            messages.info(request, "已取消本次导入。")
            return redirect("reporting:import")
        return _preview(request)
    return render(request, "reporting/import.html", _import_context(request))


def _preview(request: HttpRequest) -> HttpResponse:
    status = request.POST.get("status") or Status.SUBMITTED
    if status not in IMPORT_STATUSES:
        messages.error(request, "请选择导入后的报表状态。")
        return render(request, "reporting/import.html", _import_context(request), status=400)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 .xlsx 文件。")
        return render(request, "reporting/import.html", _import_context(request), status=400)
    try:
        scan = check_upload(upload)
    except WorkbookError as exc:
        messages.error(request, str(exc))
        record(request, "import_workbook", object_repr=f"workbook:{upload.name}"[:200],
               outcome="rejected", detail=str(exc))
        return render(request, "reporting/import.html", _import_context(request), status=400)
    result = import_data_workbook(file=upload, actor=request.user, status=status, dry_run=True,
                                  request=request, scan=scan)
    _discard(request)
    token = ""
    if result.ok:
        _sweep()
        token = secrets.token_urlsafe(24)
        path = _pending_path(token)
        assert path is not None
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
        request.session[PENDING_KEY] = {"token": token, "status": status,
                                        "name": upload.name[:100]}
    return render(request, "reporting/import.html", _import_context(request,
        result=result, token=token, file_name=upload.name,
        status=status, status_label=STATUS_LABELS[status]))


def _claim(path: Path) -> IO[bytes] | None:
    """Open the pending file and take it, or None when it is gone.

    The file is removed as it is taken (the open handle still reads it), and only one
    unlink of it can succeed: of two confirms of the same token, even two that read the
    same session at the same moment, exactly one imports.
    """
    try:
        handle = path.open("rb")
    except OSError:
        return None
    try:
        path.unlink()
    except OSError:  # another confirm took it first
        handle.close()
        return None
    return handle


def _confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    token = request.POST.get("token", "")
    path = None
    if isinstance(pending, dict) and secrets.compare_digest(str(pending.get("token", "")),
                                                            token):
        path = _pending_path(token)
    handle = _claim(path) if path is not None else None
    if handle is None:
        messages.error(request, "预检结果已失效，请重新上传文件。")
        return redirect("reporting:import")
    status = pending["status"]
    try:
        with handle:
            result: ImportResult = import_data_workbook(
                file=File(handle, name=pending["name"]), actor=request.user, status=status,
                request=request)
    finally:
        _discard(request)
    if not result.ok:
        messages.error(request, "数据在预检后发生了变化，导入未完成，未保存任何数据。")
        return render(request, "reporting/import.html", _import_context(request,
            result=result, file_name=pending["name"], status=status,
            status_label=STATUS_LABELS[status]))
    messages.success(request, result.summary())
    return redirect("reporting:import")


def export_data(request: HttpRequest) -> HttpResponse:
    """data/export/?year=Y[&status=approved|all]: the data workbook of one year.

    Small exports are the answer to the request; larger ones (over
    settings.EXPORT_INLINE_MAX_REPORTS reports) run as an ExportJob outside it, and the
    request goes on to the job's progress page.
    """
    require_role(request, Role.PROVINCE)
    if "year" not in request.GET:
        # No year chosen yet: the page with the export form.
        return render(request, "reporting/import.html", _import_context(request))
    year = _int(request.GET.get("year"))
    status = request.GET.get("status") or "approved"
    if year is None or not YEAR_MIN <= year <= YEAR_MAX or status not in exports.SCOPES:
        messages.error(request, f"请填写{YEAR_MIN}至{YEAR_MAX}之间的导出年度。")
        return render(request, "reporting/import.html", _import_context(request), status=400)
    reports = exports.reports_to_export(year=year, scope=status)
    if reports.count() > settings.EXPORT_INLINE_MAX_REPORTS:
        job = exports.request_export(actor=request.user, year=year, scope=status)
        if (job.year, job.scope) != (year, status):
            messages.info(request, f"您申请的 {job.year} 年度导出尚未完成，"
                                   "请等它完成后再导出其他数据。")
        return redirect("reporting:export_job", job_id=job.pk)
    handle = _spooled()
    count = write_data_workbook(handle, bases=Base.objects.all(), reports=reports)
    record(request, "export_workbook", object_repr=f"data:{year}",
           detail=f"范围：{dict(ExportJob.SCOPE_CHOICES).get(status, status)}；报表 {count} 份")
    return _workbook_response(handle, content_disposition_name("data", year, status))


def start_province_export(request: HttpRequest, kind: str, year: int) -> HttpResponse:
    """The starter bases.hooks calls for its province-wide exports (the caller has checked
    the role): always a job, whatever the size; the answer is the job's page."""
    job = exports.request_export(actor=request.user, year=year, kind=kind)
    if (job.kind, job.year) != (kind, year):
        messages.info(request, f"您申请的{job}尚未完成，请等它完成后再导出其他数据。")
    return redirect("reporting:export_job", job_id=job.pk)


def import_template(request: HttpRequest) -> HttpResponse:
    """数据导入模板: the data workbook's two sheets with every registered base and no reports."""
    require_role(request, Role.PROVINCE)
    handle = _spooled()
    write_data_workbook(handle, bases=Base.objects.all(), reports=Report.objects.none())
    record(request, "download_import_template", object_repr="data:template")
    return _workbook_response(handle, "数据导入模板.xlsx")


# --- export jobs -----------------------------------------------------------------------

RECENT_EXPORT_JOBS = 10


def get_export_job(request: HttpRequest, job_id: uuid.UUID) -> ExportJob:
    """The export job, for the province admin who asked for it; 404 (audited) for anyone else.

    A job's file is a whole year's data: not even another province admin may fetch it by
    its address, so every job page goes through here.
    """
    job = None
    if request.user.role == Role.PROVINCE:
        job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise outside_scope(request, f"export-job:{job_id}")
    return job


def _job_state(job: ExportJob) -> dict[str, object]:
    """What the job page and its status JSON show; a file gone from disk reads as expired."""
    state = job.current_state()
    if state == ExportJob.State.DONE:
        path = exports.export_path(job)
        if path is None or not path.is_file():
            state = ExportJob.EXPIRED
    done = state == ExportJob.State.DONE
    return {
        "state": state,
        "state_label": (ExportJob.EXPIRED_LABEL if state == ExportJob.EXPIRED
                        else ExportJob.State(state).label),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "unit": job.unit,
        "download_url": reverse("reporting:export_job_download", args=[job.pk]) if done
        else None,
        "error": job.current_error() if state == ExportJob.State.FAILED else "",
    }


def _recent_export_jobs(request: HttpRequest) -> list[tuple[ExportJob, dict[str, object]]]:
    jobs = ExportJob.objects.filter(requested_by=request.user)[:RECENT_EXPORT_JOBS]
    return [(job, _job_state(job)) for job in jobs]


@never_cache
def export_job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The job's page: year, scope, state, a progress bar, and the download once done."""
    job = get_export_job(request, job_id)
    status = _job_state(job)
    return render(request, "reporting/export_job.html", {
        "job": job, "active": status["state"] in exports.ACTIVE_STATES, **status})


@never_cache
def export_job_status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    """What the job page polls: {state, state_label, rows_done, rows_total, download_url, error}."""
    return JsonResponse(_job_state(get_export_job(request, job_id)))


DOWNLOAD_REFUSALS = {
    ExportJob.State.QUEUED: "导出尚未完成，请稍候。",
    ExportJob.State.RUNNING: "导出尚未完成，请稍候。",
    ExportJob.State.FAILED: "导出失败，没有可下载的文件，请重新导出。",
    ExportJob.EXPIRED: "导出文件已过期（只保留 24 小时），请重新导出。",
}


def export_job_download(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The finished workbook, named as the direct export names it."""
    job = get_export_job(request, job_id)
    state = _job_state(job)["state"]
    path = exports.export_path(job)
    handle = None
    if state == ExportJob.State.DONE and path is not None:
        try:
            handle = path.open("rb")
        except OSError:  # swept between the check and the open
            state = ExportJob.EXPIRED
    if handle is None:
        messages.error(request, DOWNLOAD_REFUSALS.get(state, DOWNLOAD_REFUSALS[ExportJob.EXPIRED]))
        return redirect("reporting:export_job", job_id=job.pk)
    return FileResponse(handle, as_attachment=True,
                        filename=exports.download_name(job),
                        content_type=XLSX_CONTENT_TYPE)
