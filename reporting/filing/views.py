"""The filing and review pages, the rounds pages and the province's queue.

Who may do what to a report is `reporting.filing.policy`'s answer: a refusal is the audited 404
(scope), 403 (role), or the report page with the reason and status 409 (state).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bases.access import get_base, outside_scope, require_role
from bases.audit import record
from bases.hooks import PageSection
from bases.models import Base, HandoverRequest, Role
from portal.formats import chinese_date
from reporting import indicators
from reporting.filing import policy, rounds, services
from reporting.filing.completeness import (
    CITY_REVIEW,
    completeness,
    write_completeness_workbook,
)
from reporting.filing.filters import ReportFilter
from reporting.filing.forms import (
    ExtensionForm,
    PrefillForm,
    ReportForm,
    ReviewForm,
    ReviewModeForm,
    RoundForm,
)
from reporting.filing.policy import Decision, Target
from reporting.filing.prefill import Prefill, prefill_for
from reporting.filing.presentation import build_sections, display_snapshot, problems
from reporting.filing.rounds import deadline_for
from reporting.filing.selectors import (
    approved_values,
    changes_since_previous_submission,
    reports_for,
)
from reporting.models import Report, Round, Status, Transition


def overview(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    recent = list(Round.objects.all()[:5])
    counts = {
        (row["year"], row["status"]): row["n"]
        for row in Report.objects.filter(year__in=[r.year for r in recent])
        .values("year", "status").annotate(n=Count("id"))
    }
    context = {
        "rounds": [(r, {s: counts.get((r.year, s), 0) for s in Status.values}) for r in recent],
        "base_count": Base.objects.filter(status=Base.Status.ACTIVE).count(),
        "open_requests": HandoverRequest.objects.filter(resolved=False).count(),
    }
    return render(request, "reporting/overview.html", context)


def base_rounds_section(request: HttpRequest, base: Base) -> PageSection:
    """The base page's 年度报送 table: each round with the base's report, its own deadline
    and whether the caller files (填报) or reads (查看) it."""
    reports = {report.year: report for report in base.reports.all()}
    rows = []
    for round_ in Round.objects.prefetch_related("extensions"):
        target = Target(base, round_.year, reports.get(round_.year), round_)
        rows.append({"round": round_, "report": target.report,
                     "deadline": deadline_for(round_, base),
                     "files": policy.may_edit(request.user, target).allowed})
    return PageSection("reporting/base_rounds.html", {
        "rows": rows, "reports": sorted(reports.values(), key=lambda r: -r.year)})


def _target_for_page(request: HttpRequest, code: str, year: int) -> Target:
    """The base (the audited 404 outside the caller's scope), its report and the year's
    round; the audited 404 too when there is neither a report nor a round (no page)."""
    base = get_base(request, code)
    report = (reports_for(request.user).filter(base=base, year=year)
              .prefetch_related("values", "transitions__actor").first())
    target = Target(base, year, report, Target.round_of(year))
    policy.enforce(request, policy.may_view(request.user, target), target.label)
    return target


def _may_override(user, target: Target) -> policy.Decision:
    """越级审核 is offered only where the plain approval is refused for want of the city's
    pass (a two-level round, a submitted report)."""
    if policy.two_level(target) and not policy.may_approve(user, target):
        return policy.may_approve(user, target, override=True)
    return policy.may_approve(user, target)


REVIEW_DECISIONS = {"approve": policy.may_approve, "return": policy.may_return,
                    "reopen": policy.may_reopen, "city_approve": policy.may_city_approve,
                    "override": _may_override}
REVIEWERS = (Role.PROVINCE, Role.CITY_REVIEWER)


def _city_review(report: Report | None) -> Transition | None:
    """The city's pass of the report's current submission (prefetched transitions)."""
    if report is None or report.status not in (Status.CITY_APPROVED, Status.APPROVED):
        return None
    passed = None
    for transition in report.transitions.all():
        if transition.action == Transition.Action.SUBMIT:
            passed = None
        elif transition.action == Transition.Action.CITY_APPROVE:
            passed = transition
    return passed


def _last_return(report: Report | None) -> Transition | None:
    returns = [t for t in (report.transitions.all() if report else [])
               if t.action in (Transition.Action.RETURN, Transition.Action.CITY_RETURN,
                               Transition.Action.REOPEN)]
    return returns[-1] if returns else None


def _render_report(request: HttpRequest, target: Target, *, form: ReportForm | None = None,
                   values: dict | None = None, findings: list | None = None,
                   status: int = 200) -> HttpResponse:
    base, year, report, round_ = target.base, target.year, target.report, target.round
    user = request.user
    editable = policy.may_edit(user, target).allowed
    if values is None:
        values = report.value_map() if report else {}
    previous = approved_values(base.pk, year - 1)
    if findings is None:
        findings = (services.findings_for(report, values, previous=previous)
                    if report and values else [])
    if form is None and editable:
        form = ReportForm(values=values, initial={
            "version": report.version if report else None,
            "ledger_complete": bool(report and report.ledger_complete),
            "roster_complete": bool(report and report.roster_complete)})
    records = prefill_for(base, year, report=report)
    review = {action: decide(user, target) for action, decide in REVIEW_DECISIONS.items()}
    # Override only where approving needs it (the plain approval is the same form otherwise).
    review["override"] = Decision(review["override"].allowed and not review["approve"].allowed)
    last_return = _last_return(report)
    sections = build_sections(
        values=values, previous=previous, form=form,
        field_comments=report.field_comments if report else {},
        findings=findings,
        explanations={**(report.explanations if report else {}),
                      **(form.explanations() if form is not None and form.is_bound else {})},
        records=records.values, record_sources=records.sources,
    )
    context = {
        "base": base,
        "year": year,
        "report": report,
        "round": round_,
        "deadline": deadline_for(round_, base) if round_ else None,
        "editable": editable,
        "form": form,
        "sections": sections,
        # After a refused save or submit only: what to fix, linked, at the top.
        "problems": problems(sections) if form is not None and form.is_bound else [],
        "records": records,
        "record_choices": _record_choices(records),
        "changes": [(indicator, display_snapshot(indicator, old), display_snapshot(indicator, new))
                    for indicator, old, new in changes_since_previous_submission(report)]
        if report else [],
        "transitions": report.transitions.all() if report else [],
        "reviewable": user.role in REVIEWERS and report is not None,
        "review": {action: decision.allowed for action, decision in review.items()},
        "review_note": "报表尚未提交，暂无需审核。" if report is not None and report.is_editable
        else (review["city_approve"] if user.role == Role.CITY_REVIEWER
              else review["approve"]).reason,
        "city_review": _city_review(report),
        "returned_by": "市州审核员" if last_return is not None
        and last_return.action == Transition.Action.CITY_RETURN else "省级管理员",
        "two_level": round_ is not None and round_.two_level,
    }
    return render(request, "reporting/report.html", context, status=status)


def _record_choices(records: Prefill) -> list[tuple[str, str]]:
    """The fill buttons (source, label): one per record the base keeps, and both at once."""
    kept = [source for source in indicators.RECORD_LABELS if source in records.sources.values()]
    choices = [(source, f"从{indicators.RECORD_LABELS[source]}填入") for source in kept]
    if len(kept) > 1:
        choices.append(("all", "从" + "和".join(indicators.RECORD_LABELS[s] for s in kept)
                        + "填入"))
    return choices


def _refused(request: HttpRequest, code: str, year: int,
             exc: services.PolicyDenied) -> HttpResponse:
    """A state refusal: the page, as it now stands, with the reason and status 409. (A scope
    or role refusal found by a service answers like `policy.enforce`.)"""
    if exc.decision.kind != policy.Kind.STATE:
        policy.enforce(request, exc.decision, f"report:{code}/{year}")
    messages.error(request, str(exc))
    return _render_report(request, _target_for_page(request, code, year), status=409)


def report_page(request: HttpRequest, code: str, year: int) -> HttpResponse:
    target = _target_for_page(request, code, year)
    if request.method != "POST":
        return _render_report(request, target)
    submit = request.POST.get("action") == "submit"
    decide = policy.may_submit if submit else policy.may_edit
    form = ReportForm(request.POST)
    try:
        policy.enforce(request, decide(request.user, target), target.label)
        outcome = _file(request, form, target=target, submit=submit)
    except services.PolicyDenied as exc:
        return _refused(request, code, year, exc)
    if isinstance(outcome, HttpResponse):
        return outcome
    values, findings = outcome
    return _render_report(request, target, form=form, values=values, findings=findings)


def _file(request: HttpRequest, form: ReportForm, *, target: Target, submit: bool):
    """Save (and maybe submit) the officer's form; returns a redirect or what to re-show.

    A policy refusal (PolicyDenied) is left to the caller: it answers 409, not a message."""
    base, year = target.base, target.year
    if not form.is_valid():
        messages.error(request, "部分数据格式不正确，未保存。请按提示修改。")
        return form.parsed if hasattr(form, "parsed") else {}, []
    try:
        with transaction.atomic():
            report = services.save_draft(base=base, year=year, actor=request.user,
                                         values=form.parsed, version=form.cleaned_data["version"],
                                         ledger_complete=form.cleaned_data["ledger_complete"],
                                         roster_complete=form.cleaned_data["roster_complete"],
                                         request=request)
            if submit:
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
            return form.parsed, [f for f in exc.findings if f.field not in exc.errors]
        messages.warning(request, "以下数据需要填写情况说明后才能提交（本次修改尚未保存）。")
        return form.parsed, exc.findings
    except services.PolicyDenied:
        raise
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return form.parsed, []
    if submit:
        waits_for = "市州初审" if policy.two_level(target) else "省级审核"
        messages.success(request, f"报表已提交，等待{waits_for}。")
    else:
        messages.success(request, "草稿已保存。")
    return redirect("reporting:report", code=base.code, year=year)


@require_POST
def report_prefill(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The fill buttons: the report's figures from the base's ledger and/or roster, saved as
    a draft (services.fill_from_records)."""
    target = _target_for_page(request, code, year)
    back = redirect("reporting:report", code=target.base.code, year=year)
    form = PrefillForm(request.POST)
    try:
        policy.enforce(request, policy.may_edit(request.user, target), target.label)
        if not form.is_valid():
            messages.error(request, "填入请求不完整，请刷新页面后重试。")
            return back
        _, filled = services.fill_from_records(
            base=target.base, year=year, actor=request.user, sources=form.sources,
            version=form.cleaned_data["version"], request=request)
    except services.PolicyDenied as exc:
        return _refused(request, code, year, exc)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return back
    labels = "和".join(label for source, label in indicators.RECORD_LABELS.items()
                      if source in form.sources)
    messages.success(request, f"已从{labels}填入{len(filled)}项数据并保存为草稿，"
                              "请核对后再提交审核。")
    return back


@require_POST
def report_review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    target = _target_for_page(request, code, year)
    decide = REVIEW_DECISIONS.get(request.POST.get("action", ""))
    back = redirect("reporting:report", code=target.base.code, year=year)
    try:
        if decide is not None:
            policy.enforce(request, decide(request.user, target), target.label)
        form = ReviewForm(request.POST)
        if decide is None or not form.is_valid():
            messages.error(request, "审核请求不完整，请刷新页面后重试。")
            return back
        data, report = form.cleaned_data, target.report
        if data["action"] == "approve":
            services.approve_report(report=report, actor=request.user, version=data["version"],
                                    request=request)
            messages.success(request, "报表已审核通过并锁定。")
        elif data["action"] == "override":
            if not data["comment"].strip():
                messages.error(request, "越级审核须填写原因。")
                return back
            services.approve_report(report=report, actor=request.user, version=data["version"],
                                    override_reason=data["comment"], request=request)
            messages.success(request, "报表已越级审核通过并锁定，原因已记录。")
        elif data["action"] == "city_approve":
            services.city_approve_report(report=report, actor=request.user,
                                         version=data["version"], comment=data["comment"],
                                         request=request)
            messages.success(request, "报表已初审通过，提交省级审核。")
            return redirect("reporting:city_queue")
        elif data["action"] == "return":
            services.return_report(report=report, actor=request.user, version=data["version"],
                                   comment=data["comment"], field_comments=form.field_comments(),
                                   request=request)
            messages.success(request, "报表已退回信息管理员修改。")
        else:
            services.reopen_report(report=report, actor=request.user, version=data["version"],
                                   reason=data["comment"], request=request)
            messages.success(request, "报表已重新打开，退回信息管理员修改。")
    except services.PolicyDenied as exc:
        return _refused(request, code, year, exc)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    return back


def round_list(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = rounds.open_round(year=data["year"], opens_on=data["opens_on"],
                                       deadline=data["deadline"], actor=request.user,
                                       review_levels=data["review_levels"],
                                       city_review_deadline=data["city_review_deadline"],
                                       request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{round_.year}年度报送已开启。")
            return redirect("reporting:round", year=round_.year)
    return render(request, "reporting/round_list.html",
                  {"rounds": Round.objects.all(), "form": form})


ROUND_ACTIONS = {
    "close": (rounds.close_round, "{year}年度报送已关闭。"),
    "reopen_round": (rounds.reopen_round, "{year}年度报送已重新开启。"),
}


def round_detail(request: HttpRequest, year: int) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    round_ = Round.objects.filter(year=year).first()
    if round_ is None:
        raise outside_scope(request, f"round:{year}")
    action = request.POST.get("action")
    extension_form = ExtensionForm(request.POST if action == "extend" else None)
    # A copy: the form's validation writes into its instance, the page shows the saved round.
    mode_form = ReviewModeForm(request.POST if action == "review" else None,
                               instance=Round.objects.get(pk=round_.pk))
    try:
        if request.method == "POST" and action == "review" and mode_form.is_valid():
            data = mode_form.cleaned_data
            try:
                rounds.reschedule_round(round_=round_, opens_on=round_.opens_on,
                                        deadline=round_.deadline, actor=request.user,
                                        review_levels=data["review_levels"],
                                        city_review_deadline=data["city_review_deadline"],
                                        request=request)
            except ValidationError as exc:
                mode_form.add_error(None, exc)
            else:
                messages.success(request, "审核方式已保存。")
                return redirect("reporting:round", year=year)
        if request.method == "POST" and action in ROUND_ACTIONS:
            service, done = ROUND_ACTIONS[action]
            service(round_=round_, actor=request.user, request=request)
            messages.success(request, done.format(year=year))
            return redirect("reporting:round", year=year)
        if request.method == "POST" and action == "extend" and extension_form.is_valid():
            data = extension_form.cleaned_data
            rounds.grant_extension(round_=round_, base=data["base"], deadline=data["deadline"],
                                   note=data["note"], actor=request.user, request=request)
            messages.success(
                request, f"已为{data['base'].name}延期至{chinese_date(data['deadline'])}。")
            return redirect("reporting:round", year=year)
    except ValidationError as exc:
        extension_form.add_error(None, exc)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    completeness_summary = completeness(round_)
    context = {
        "round": round_,
        "extension_form": extension_form,
        "mode_form": mode_form,
        "mode_locked": rounds.city_reviewed(round_),
        "states": completeness_summary.states,
        "city_review_columns": CITY_REVIEW if round_.two_level else [],
        "extensions": round_.extensions.select_related("base"),
        "summary": completeness_summary,
    }
    return render(request, "reporting/round_detail.html", context)


def review_queue(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE)
    latest = Round.objects.first()
    filters = ReportFilter(request.GET, queryset=reports_for(request.user),
                           default_year=latest.year if latest else timezone.localdate().year)
    reports = filters.qs.order_by("-submitted_at", "base__code")
    if not filters.form.cleaned_data.get("status"):
        reports = reports.exclude(status=Status.DRAFT)  # the queue is for what was sent in
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/queue.html",
                  {"form": filters.form, "page": page, "year": filters.chosen_year})


def city_queue(request: HttpRequest) -> HttpResponse:
    """The city reviewer's page: their city's submitted reports of two-level rounds, overdue
    ones (past the round's city review deadline) first, then the longest waiting."""
    require_role(request, Role.CITY_REVIEWER)
    today = timezone.localdate()
    open_rounds = {r.year: r for r in Round.objects.filter(review_levels=2, closed_at=None)}
    waiting = (reports_for(request.user)
               .filter(year__in=list(open_rounds), status=Status.SUBMITTED)
               .order_by("submitted_at", "base__code"))
    rows = [{"report": report, "round": open_rounds[report.year],
             "overdue": rounds.city_review_overdue(open_rounds[report.year], today)}
            for report in waiting]
    rows.sort(key=lambda row: not row["overdue"])  # stable: oldest first within each group
    recent = (reports_for(request.user)
              .filter(year__in=list(open_rounds),
                      transitions__action__in=[Transition.Action.CITY_APPROVE,
                                               Transition.Action.CITY_RETURN],
                      transitions__actor__city_id=request.user.city_id)
              .distinct().order_by("-updated_at")[:20])
    return render(request, "reporting/city_queue.html",
                  {"rows": rows, "rounds": sorted(open_rounds.values(), key=lambda r: -r.year),
                   "recent": recent, "city": request.user.city})


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

