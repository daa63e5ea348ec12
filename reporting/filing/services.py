"""Every write to a report: save draft, submit, return, city-approve, approve, reopen.

Views, the API and the commands call these, so a rule is enforced in exactly one place.
Each runs in one transaction and locks the report row, and each checks the version the
caller last saw, so nobody overwrites or approves figures they have not seen. Who may do
what is `reporting.filing.policy`'s answer, asked again here under the lock (PolicyDenied).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from bases.audit import record
from bases.models import Base, Role, User
from bases.notices.services import after_commit
from reporting import indicators, notices
from reporting.filing import checks, policy, prefill
from reporting.filing.policy import PolicyDenied, Target, WorkflowError
from reporting.filing.selectors import approved_values, previous_year_medians
from reporting.indicators import Value
from reporting.models import Report, ReportValue, Status, Transition
from reporting.statistics.cache import schedule_refresh

__all__ = ["CheckFailed", "PolicyDenied", "StaleVersion", "WorkflowError", "approve_report",
           "city_approve_report", "fill_from_records", "findings_for", "reopen_report",
           "return_report", "save_draft", "snapshot", "submit_report", "write_values"]


class StaleVersion(WorkflowError):
    def __init__(self, current: int) -> None:
        super().__init__(f"报表已被他人修改（当前版本 {current}），为避免覆盖，"
                         "本次操作未保存。请刷新页面后重试。")
        self.current = current


class CheckFailed(WorkflowError):
    """Hard errors, or soft findings without an explanation; `findings` are all the soft
    findings of the figures, so that the caller shows them without computing them again."""

    def __init__(self, *, errors: dict[str, list[str]] | None = None,
                 missing: list[checks.Finding] | None = None,
                 findings: list[checks.Finding] | None = None) -> None:
        self.errors = errors or {}
        self.missing = missing or []
        self.findings = findings or []
        super().__init__("存在未通过的校验" if self.errors else "请为提示项填写情况说明")


def snapshot(values: dict[str, Value | None]) -> dict[str, str]:
    # One expression per value, no call per value: an import snapshots some 300,000.
    return {code: ("true" if value else "false") if value is True or value is False
            else str(value) for code, value in values.items() if value is not None}


def _lock(report: Report, version: int | None) -> Report:
    locked = Report.objects.select_for_update().select_related("base").get(pk=report.pk)
    if version is not None and locked.version != version:
        raise StaleVersion(locked.version)
    return locked


def _transition(report: Report, action: str, actor: User | None, from_status: str, *,
                comment: str = "", field_comments: dict | None = None,
                with_values: bool = False) -> None:
    Transition.objects.create(
        report=report, action=action, from_status=from_status, to_status=report.status,
        actor=actor, comment=comment, field_comments=field_comments or {},
        snapshot=snapshot(report.value_map()) if with_values else {},
        explanations=report.explanations if action == Transition.Action.SUBMIT else {},
    )


def write_values(report: Report, values: dict[str, Value | None]) -> None:
    """Replace the report's entered values in two statements, whatever their number."""
    ReportValue.objects.filter(report=report).delete()
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=indicators.BY_CODE[code].to_storage(value))
        for code, value in values.items()
        if value is not None and code in indicators.BY_CODE and not indicators.BY_CODE[code].derived
    )


@transaction.atomic
def save_draft(
    *,
    base: Base,
    year: int,
    actor: User,
    values: dict[str, Value | None],
    version: int | None,
    merge: bool = False,
    ledger_complete: bool | None = None,
    roster_complete: bool | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """Keep the officer's figures, complete or not; no checks beyond types and bounds.

    `values` replace the report's figures; with `merge`, they are changes to the figures
    as they stand under the lock (None clears one), as the API's PATCH sends them.
    `ledger_complete` / `roster_complete`: the officer's declarations (None: unchanged).
    """
    report = Report.objects.filter(base=base, year=year).first()
    if report is not None:
        if version is None:
            raise StaleVersion(report.version)
        report = _lock(report, version)
    policy.require(policy.may_edit(actor, Target(base, year, report, Target.round_of(year))))
    if report is None:
        report, created = Report.objects.get_or_create(base=base, year=year)
        if not created:
            # Someone else created it since the caller looked: their figures must not be lost.
            raise StaleVersion(report.version)
        _transition(report, Transition.Action.CREATE, actor, "")
    elif merge:
        values = {**report.value_map(), **values}
    write_values(report, values)
    report.version += 1
    fields = ["version", "updated_at"]
    for name, declared in (("ledger_complete", ledger_complete),
                           ("roster_complete", roster_complete)):
        if declared is not None:
            setattr(report, name, declared)
            fields.append(name)
    report.save(update_fields=fields)
    record(request, "report_saved", object_repr=f"report:{base.code}/{year}", actor=actor)
    return report


def findings_for(report: Report, values: dict[str, Value | None], *,
                 previous: dict[str, Value] | None = None) -> list[checks.Finding]:
    """The soft findings of `values`; `previous` is last year's approved figures when the
    caller has already read them."""
    return checks.soft_findings(
        values,
        previous=approved_values(report.base_id, report.year - 1) if previous is None
        else previous,
        medians=previous_year_medians(report.year),
    ) + prefill.record_findings(report, values)


@transaction.atomic
def submit_report(
    *,
    report: Report,
    actor: User,
    version: int | None,
    explanations: dict[str, str] | None = None,
    today: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Report:
    report = _lock(report, version)
    target = Target.of(report)
    policy.require(policy.may_submit(actor, target, today=today))
    values = report.value_map()
    errors = checks.hard_errors(values)
    findings = findings_for(report, values)
    if errors:
        raise CheckFailed(errors=errors, findings=findings)
    explanations = {key: str(text).strip() for key, text in (explanations or {}).items()}
    missing = checks.missing_explanations(findings, explanations)
    if missing:
        raise CheckFailed(missing=missing, findings=findings)
    now = timezone.now()
    from_status = report.status
    report.explanations = {f.check: explanations[f.check] for f in findings}
    report.city_opinion = ""  # each submission is passed by the city afresh
    report.status = Status.SUBMITTED
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.version += 1
    report.save()
    _transition(report, Transition.Action.SUBMIT, actor, from_status, with_values=True)
    record(request, "report_submitted", object_repr=f"report:{report.base.code}/{report.year}",
           actor=actor)
    if policy.two_level(target):  # the round was read for the policy above
        after_commit(notices.notify_city_reviewers, report.pk)
    return report


@transaction.atomic
def return_report(
    *,
    report: Report,
    actor: User,
    version: int | None,
    comment: str,
    field_comments: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """Back to the officer with comments: by the province, or by the city reviewer of a
    two-level round (recorded as the city's return, so the history tells the levels apart)."""
    report = _lock(report, version)
    policy.require(policy.may_return(actor, Target.of(report)))
    field_comments = {code: text.strip() for code, text in (field_comments or {}).items()
                      if text and text.strip()}
    unknown = sorted(set(field_comments) - set(indicators.BY_CODE))
    if unknown:
        raise WorkflowError(f"未知的指标代码：{', '.join(unknown)}")
    if not comment.strip() and not field_comments:
        raise WorkflowError("退回时请填写审核意见")
    by_city = actor.role == Role.CITY_REVIEWER
    from_status = report.status
    report.status = Status.RETURNED
    report.review_comment = comment.strip()
    report.field_comments = field_comments
    report.version += 1
    report.save()
    _transition(report, Transition.Action.CITY_RETURN if by_city else Transition.Action.RETURN,
                actor, from_status, comment=report.review_comment, field_comments=field_comments)
    record(request, "report_city_returned" if by_city else "report_returned",
           object_repr=f"report:{report.base.code}/{report.year}", actor=actor)
    after_commit(notices.report_returned, report.pk)
    return report


@transaction.atomic
def city_approve_report(
    *, report: Report, actor: User, version: int | None, comment: str = "",
    request: HttpRequest | None = None,
) -> Report:
    """市州初审通过: the city reviewer passes exactly the figures they saw to the province,
    with an optional opinion that the province reads at the top of its review page."""
    report = _lock(report, version)
    policy.require(policy.may_city_approve(actor, Target.of(report)))
    report.status = Status.CITY_APPROVED
    report.city_opinion = comment.strip()
    report.version += 1
    report.save()
    _transition(report, Transition.Action.CITY_APPROVE, actor, Status.SUBMITTED,
                comment=report.city_opinion, with_values=True)
    record(request, "report_city_approved",
           object_repr=f"report:{report.base.code}/{report.year}", actor=actor,
           detail=report.city_opinion[:500])
    return report


OVERRIDE_PREFIX = "越级审核："


@transaction.atomic
def approve_report(
    *, report: Report, actor: User, version: int | None, override_reason: str = "",
    request: HttpRequest | None = None,
) -> Report:
    """Approve and lock. In a two-level round a report the city has not passed is approved
    only with `override_reason` (越级审核), which the history and the audit log keep."""
    # The lock plus the version check mean the approver approves exactly what they saw.
    report = _lock(report, version)
    target = Target.of(report)
    override_reason = override_reason.strip()
    policy.require(policy.may_approve(actor, target, override=bool(override_reason)))
    overriding = policy.two_level(target) and report.status == Status.SUBMITTED
    if not overriding:
        override_reason = ""
    from_status = report.status
    report.status = Status.APPROVED
    report.approved_at = timezone.now()
    report.field_comments = {}
    report.version += 1
    report.save()
    _transition(report, Transition.Action.APPROVE, actor, from_status, with_values=True,
                comment=OVERRIDE_PREFIX + override_reason if overriding else "")
    record(request, "report_approved_override" if overriding else "report_approved",
           object_repr=f"report:{report.base.code}/{report.year}", actor=actor,
           detail=override_reason[:1000])
    after_commit(notices.report_approved, report.pk)
    schedule_refresh(years=[report.year])
    return report


@transaction.atomic
def reopen_report(
    *, report: Report, actor: User, reason: str, version: int | None = None,
    request: HttpRequest | None = None,
) -> Report:
    report = _lock(report, version)
    policy.require(policy.may_reopen(actor, Target.of(report)))
    if not reason.strip():
        raise WorkflowError("重新打开报表须填写原因")
    report.status = Status.RETURNED
    report.review_comment = reason.strip()
    report.approved_at = None
    report.version += 1
    report.save()
    _transition(report, Transition.Action.REOPEN, actor, Status.APPROVED, comment=reason.strip())
    record(request, "report_reopened", object_repr=f"report:{report.base.code}/{report.year}",
           actor=actor)
    after_commit(notices.report_reopened, report.pk)
    schedule_refresh(years=[report.year])
    return report


@transaction.atomic
def fill_from_records(
    *,
    base: Base,
    year: int,
    actor: User,
    sources: set[str],
    version: int | None,
    values: dict[str, Value | None] | None = None,
    ledger_complete: bool | None = None,
    roster_complete: bool | None = None,
    request: HttpRequest | None = None,
) -> tuple[Report, list[str]]:
    """Fill the report's figures from the ledger and/or the roster (`sources`): a draft save
    (`save_draft`, the same rules), audited as a fill. `values`: the officer's figures as
    on the form, kept where the records compute nothing; None keeps the stored ones.
    Returns the report and the codes filled."""
    records = prefill.prefill_for(base, year)
    filled = records.entered_from(sources)
    used = [source for source in indicators.RECORD_LABELS
            if source in sources and source in {records.sources[code] for code in filled}]
    if not filled:
        asked = "、".join(label for source, label in indicators.RECORD_LABELS.items()
                          if source in sources)
        raise WorkflowError(f"本基地尚未建立{asked}，没有可填入的数据。")
    report = save_draft(base=base, year=year, actor=actor, version=version,
                        values={**(values or {}), **filled}, merge=values is None,
                        ledger_complete=ledger_complete, roster_complete=roster_complete,
                        request=request)
    labels = "、".join(indicators.RECORD_LABELS[source] for source in used)
    record(request, "report_prefilled", object_repr=f"report:{base.code}/{year}", actor=actor,
           detail=f"从{labels}填入报表草稿：{len(filled)}项（{'、'.join(filled)}）")
    return report, list(filled)
