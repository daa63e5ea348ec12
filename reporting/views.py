from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bases.access import get_base, outside_scope, require_role
from bases.audit import record
from bases.models import Base, HandoverRequest, Role
from reporting import services
from reporting.completeness import completeness, write_completeness_workbook
from reporting.forms import ExtensionForm, QueueFilterForm, ReportForm, ReviewForm, RoundForm
from reporting.models import Extension, Report, Round, Status
from reporting.presentation import build_sections, display_snapshot
from reporting.queries import approved_values, changes_since_previous_submission, reports_for


def overview(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    rounds = list(Round.objects.all()[:5])
    counts = {
        (row["year"], row["status"]): row["n"]
        for row in Report.objects.filter(year__in=[r.year for r in rounds])
        .values("year", "status").annotate(n=Count("id"))
    }
    context = {
        "rounds": [(r, {s: counts.get((r.year, s), 0) for s in Status.values}) for r in rounds],
        "base_count": Base.objects.filter(status=Base.Status.ACTIVE).count(),
        "open_requests": HandoverRequest.objects.filter(resolved=False).count(),
    }
    return render(request, "reporting/overview.html", context)


def _report_for_page(request: HttpRequest, code: str, year: int) -> tuple[Base, Report | None,
                                                                           Round | None]:
    base = get_base(request, code)
    report = (reports_for(request.user).filter(base=base, year=year)
              .prefetch_related("values", "transitions__actor").first())
    round_ = Round.objects.prefetch_related("extensions").filter(year=year).first()
    if report is None and round_ is None:
        raise outside_scope(request, f"report:{code}/{year}")
    return base, report, round_


def _officer_may_edit(request: HttpRequest, report: Report | None, round_: Round | None) -> bool:
    if request.user.role != Role.OFFICER or round_ is None or round_.is_closed:
        return False
    return report is None or report.is_editable


def report_page(request: HttpRequest, code: str, year: int) -> HttpResponse:
    base, report, round_ = _report_for_page(request, code, year)
    editable = _officer_may_edit(request, report, round_)
    values = report.value_map() if report else {}
    previous = approved_values(base.pk, year - 1)
    findings = services.findings_for(report, values, previous=previous) if report and values \
        else []
    form = None
    if request.method == "POST":
        if not editable:
            raise outside_scope(request, f"report-edit:{code}/{year}")
        form = ReportForm(request.POST)
        outcome = _file(request, form, base=base, year=year)
        if isinstance(outcome, HttpResponse):
            return outcome
        values, findings = outcome
    elif editable:
        form = ReportForm(values=values, initial={"version": report.version if report else None})

    context = {
        "base": base,
        "year": year,
        "report": report,
        "round": round_,
        "deadline": round_.deadline_for(base) if round_ else None,
        "editable": editable,
        "form": form,
        "sections": build_sections(
            values=values, previous=previous, form=form,
            field_comments=report.field_comments if report else {},
            findings=findings,
            explanations={**(report.explanations if report else {}),
                          **(form.explanations() if form is not None and form.is_bound else {})},
        ),
        "changes": [(indicator, display_snapshot(indicator, old), display_snapshot(indicator, new))
                    for indicator, old, new in changes_since_previous_submission(report)]
        if report else [],
        "transitions": report.transitions.all() if report else [],
        "reviewable": request.user.role == Role.PROVINCE and report is not None,
    }
    return render(request, "reporting/report.html", context)


def _file(request: HttpRequest, form: ReportForm, *, base: Base, year: int):
    """Save (and maybe submit) the officer's form; returns a redirect or what to re-show."""
    submit = request.POST.get("action") == "submit"
    if not form.is_valid():
        messages.error(request, "部分数据格式不正确，未保存。请按提示修改。")
        return form.parsed if hasattr(form, "parsed") else {}, []
    findings = []
    try:
        with transaction.atomic():
            report = services.save_draft(base=base, year=year, actor=request.user,
                                         values=form.parsed, version=form.cleaned_data["version"],
                                         request=request)
            if submit:
                findings = services.findings_for(report, form.parsed)
                services.submit_report(report=report, actor=request.user, version=report.version,
                                       explanations=form.explanations(), request=request)
    except services.CheckFailed as exc:
        for code, errors in exc.errors.items():
            for error in errors:
                form.add_error(code, error)
        if exc.errors:
            messages.error(request,
                           "存在未通过的校验，报表未提交，本次修改也未保存。请修改标红的项目。")
            # A refused figure is corrected, not explained.
            findings = [f for f in findings if f.field not in exc.errors]
        else:
            messages.warning(request, "以下数据需要填写情况说明后才能提交（本次修改尚未保存）。")
        return form.parsed, findings
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return form.parsed, findings
    messages.success(request, "报表已提交，等待省级审核。" if submit else "草稿已保存。")
    return redirect("reporting:report", code=base.code, year=year)


@require_POST
def report_review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    base, report, _ = _report_for_page(request, code, year)
    if report is None:
        raise outside_scope(request, f"report:{code}/{year}")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "审核请求不完整，请刷新页面后重试。")
        return redirect("reporting:report", code=code, year=year)
    data = form.cleaned_data
    try:
        if data["action"] == "approve":
            services.approve_report(report=report, actor=request.user, version=data["version"],
                                    request=request)
            messages.success(request, "报表已审核通过并锁定。")
        elif data["action"] == "return":
            services.return_report(report=report, actor=request.user, version=data["version"],
                                   comment=data["comment"], field_comments=form.field_comments(),
                                   request=request)
            messages.success(request, "报表已退回信息管理员修改。")
        else:
            services.reopen_report(report=report, actor=request.user, version=data["version"],
                                   reason=data["comment"], request=request)
            messages.success(request, "报表已重新打开，退回信息管理员修改。")
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("reporting:report", code=base.code, year=year)


def round_list(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        round_ = form.save(commit=False)
        round_.opened_by = request.user
        round_.save()
        messages.success(request, f"{round_.year}年度报送已开启。")
        return redirect("reporting:round", year=round_.year)
    return render(request, "reporting/round_list.html",
                  {"rounds": Round.objects.all(), "form": form})


def round_detail(request: HttpRequest, year: int) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    round_ = Round.objects.filter(year=year).first()
    if round_ is None:
        raise outside_scope(request, f"round:{year}")
    extension_form = ExtensionForm(request.POST or None, round_=round_)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "close" and not round_.is_closed:
            round_.closed_at = timezone.now()
            round_.save(update_fields=["closed_at"])
            messages.success(request, f"{year}年度报送已关闭。")
            return redirect("reporting:round", year=year)
        if action == "reopen_round" and round_.is_closed:
            round_.closed_at = None
            round_.save(update_fields=["closed_at"])
            messages.success(request, f"{year}年度报送已重新开启。")
            return redirect("reporting:round", year=year)
        if action == "extend" and extension_form.is_valid():
            data = extension_form.cleaned_data
            Extension.objects.update_or_create(
                round=round_, base=data["base"],
                defaults={"deadline": data["deadline"], "note": data["note"],
                          "granted_by": request.user})
            messages.success(request, f"已为{data['base'].name}延期至{data['deadline']}。")
            return redirect("reporting:round", year=year)
    context = {
        "round": round_,
        "extension_form": extension_form,
        "extensions": round_.extensions.select_related("base"),
        "summary": completeness(round_),
    }
    return render(request, "reporting/round_detail.html", context)


def _deadline_annotation(round_: Round):
    extension = Extension.objects.filter(round=round_, base=OuterRef("base")).values("deadline")
    return Coalesce(Subquery(extension[:1]), round_.deadline)


def review_queue(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    latest = Round.objects.first()
    year = data.get("year") or (latest.year if latest else timezone.localdate().year)
    reports = reports_for(request.user).filter(year=year).order_by("-submitted_at", "base__code")
    if data.get("status"):
        reports = reports.filter(status=data["status"])
    else:
        reports = reports.exclude(status=Status.DRAFT)
    if data.get("city"):
        reports = reports.filter(base__city=data["city"])
    if data.get("batch"):
        reports = reports.filter(base__batch=data["batch"])
    round_ = Round.objects.filter(year=year).first()
    if data.get("timing") and round_ is not None:
        shanghai = ZoneInfo(settings.TIME_ZONE)
        reports = reports.annotate(
            due=_deadline_annotation(round_),
            submitted_on=TruncDate("first_submitted_at", tzinfo=shanghai),
        ).filter(first_submitted_at__isnull=False)
        if data["timing"] == "late":
            reports = reports.filter(submitted_on__gt=F("due"))
        else:
            reports = reports.filter(submitted_on__lte=F("due"))
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/queue.html",
                  {"form": form, "page": page, "year": year})


def completeness_workbook(request: HttpRequest, year: int) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    round_ = Round.objects.filter(year=year).first()
    if round_ is None:
        raise outside_scope(request, f"round:{year}")
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="completeness-{year}.xlsx"'
    write_completeness_workbook(completeness(round_), response)
    record(request, "export_completeness", object_repr=f"round:{year}")
    return response

