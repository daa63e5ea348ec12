"""Who may do what to a report: the one rule that the pages, the API and the services ask.

Each `may_*` function answers for a user and a `Target` (a base's report of one year, or the
base and year before the first save, and the year's round) with a `Decision`: allowed, or
refused with a reason (Chinese, shown to the user) and a kind that says how to answer it:

- ``scope``: the caller may not know it exists → 404 (audited as ``scope_denied``);
- ``role``:  the caller sees it but their role never does this → 403 (audited);
- ``state``: the role may, but not now (the report's state, the round, the deadline) → 409.

The checks run in that order, so nothing reveals to an outsider what state a report is in.
Pages and the API call `enforce` (or read `.allowed` to decide what to show); the services
ask again under the report's row lock and raise `PolicyDenied`, so a page that forgot, a
command or a race cannot get past the rule (defence in depth).

Decisions (SPEC sections 2 and 3):

- Only the base's officer files: saves figures, submits, answers a return. The province
  admin does **not** edit figures (not on the page, not through the API, not in a service):
  it returns the report with comments and the officer corrects it, so every figure in a
  report was entered by the base that answers for it. (Bulk data still enters through the
  province's data-workbook import, which is its own audited path.)
- The province admin returns and approves submitted reports and reopens approved ones.
  City viewers read their city's reports; security and audit admins read no report at all.
- Two-level rounds (SPEC 11, `Round.review_levels` = 2): a city reviewer (who reads like a
  city viewer) returns or passes (`city_approved`) a submitted report of its city; the
  province approves what the city passed, returns a submitted or city-approved report, and
  approves a submitted one only by override (越级审核, with a written reason). In a one-level
  round the city reviewer only reads. A reopened report is `returned`: the officer's next
  submission goes through the city again.
- A closed round is read-only for everyone: no saving, submitting, returning or approving.
  The one exception is the province reopening an approved report (a published figure found
  wrong); the officer can correct it once the province reopens the round.
- A year without a round: nothing can be filed; reports imported into it can still be
  reviewed (no round was closed on them).
- Submitting also needs the round to have opened and the base's deadline (its extension's
  if any, `reporting.filing.rounds.deadline_for`) not to have passed; a report submitted once
  before (returned, or reopened) may always be resubmitted: the province asked for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from bases.access import outside_scope, sees_base
from bases.audit import record
from bases.models import Base, Role, User
from portal.formats import chinese_date
from reporting.models import EDITABLE_STATUSES, Report, Round, Status


class WorkflowError(Exception):
    """A transition that is not allowed now; the message is for the user."""


class Kind(StrEnum):
    SCOPE = "scope"  # 404
    ROLE = "role"    # 403
    STATE = "state"  # 409


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    kind: Kind | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def _scope(reason: str = "页面不存在") -> Decision:
    return Decision(False, reason, Kind.SCOPE)


def _role(reason: str) -> Decision:
    return Decision(False, reason, Kind.ROLE)


def _state(reason: str) -> Decision:
    return Decision(False, reason, Kind.STATE)


class PolicyDenied(WorkflowError):
    """A service refusing what the policy refuses; `decision.kind` says how to answer."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


@dataclass(frozen=True)
class Target:
    """What an action is about: a base's report of one year (None before its first save)
    and the year's round (None when the province has not opened one)."""

    base: Base
    year: int
    report: Report | None
    round: Round | None

    @staticmethod
    def round_of(year: int) -> Round | None:
        return Round.objects.prefetch_related("extensions").filter(year=year).first()

    @classmethod
    def of(cls, report: Report) -> Target:
        return cls(report.base, report.year, report, cls.round_of(report.year))

    @classmethod
    def for_base(cls, base: Base, year: int) -> Target:
        """Base+year, whether or not the report exists yet."""
        return cls(base, year, Report.objects.filter(base=base, year=year).first(),
                   cls.round_of(year))

    @property
    def label(self) -> str:
        return f"report:{self.base.code}/{self.year}"


# ---------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------


def may_view(user: User, target: Target) -> Decision:
    if not sees_base(user, target.base):
        return _scope()
    if target.report is None and target.round is None:
        return _scope()  # no page: no report, and no round to file one in
    return ALLOWED


def _may_file(user: User, target: Target, verb: str) -> Decision:
    """Saving and submitting: the base's officer, in an open round, on a draft or returned
    report (or one not yet created)."""
    if not sees_base(user, target.base):
        return _scope()
    if user.role == Role.PROVINCE:
        return _role(f"省级管理员不{verb}报表数据：请退回报表并填写审核意见，"
                     f"由基地信息管理员{verb}")
    if user.role != Role.OFFICER:
        return _role(f"只有基地信息管理员可以{verb}报表")
    round_, year = target.round, target.year
    if round_ is None:
        return _state(f"{year}年度的报送尚未开启")
    if round_.is_closed:
        return _state(f"{year}年度的报送已关闭")
    report = target.report
    if report is not None and report.status not in EDITABLE_STATUSES:
        return _state(f"报表当前状态为“{report.get_status_display()}”，不能{verb}")
    return ALLOWED


def may_edit(user: User, target: Target) -> Decision:
    return _may_file(user, target, "修改")


def may_submit(user: User, target: Target, *, today: dt.date | None = None) -> Decision:
    from reporting.filing.rounds import deadline_for, is_late  # rounds' services import this module

    decision = _may_file(user, target, "提交")
    if not decision:
        return decision
    round_ = target.round
    today = today or timezone.localdate()
    if today < round_.opens_on:
        return _state(f"{target.year}年度报送自{chinese_date(round_.opens_on)}开始")
    first_submitted_at = target.report.first_submitted_at if target.report else None
    deadline = deadline_for(round_, target.base)
    if first_submitted_at is None and is_late(deadline=deadline, first_submitted_at=None,
                                              today=today):
        return _state(f"报送截止日期（{chinese_date(deadline)}）已过，不能再提交；草稿仍可保存。"
                      "如需延期，请联系省级管理员。")
    return ALLOWED


def _may_review(user: User, target: Target, verb: str, *, roles: tuple[str, ...],
                 needs: tuple[str, ...], refusal: str, in_closed_round: bool = False,
                 role_refusal: str = "") -> Decision:
    if not sees_base(user, target.base):
        return _scope()
    if user.role not in roles:
        return _role(role_refusal or f"只有省级管理员可以{verb}报表")
    if target.report is None:
        return _state(f"{target.base.name}尚未填报{target.year}年度报表")
    if target.round is not None and target.round.is_closed and not in_closed_round:
        return _state(f"{target.year}年度的报送已关闭，报表只读")
    if target.report.status not in needs:
        return _state(refusal)
    return ALLOWED


def two_level(target: Target) -> bool:
    """Whether the city reviews the report first: its year's round says so (SPEC 11)."""
    return target.round is not None and target.round.two_level


def _city_review(user: User, target: Target, verb: str) -> Decision:
    """The city reviewer's own step, in a two-level round, on a submitted report."""
    decision = _may_review(user, target, verb, roles=(Role.CITY_REVIEWER,),
                           needs=(Status.SUBMITTED,), refusal=f"只有已提交的报表可以{verb}",
                           role_refusal=f"只有市州审核员可以{verb}报表")
    if decision and not two_level(target):
        return _state(f"{target.year}年度为一级审核，由省级管理员审核，市州不参与审核")
    return decision


def may_return(user: User, target: Target) -> Decision:
    """The province returns a submitted report, and in a two-level round a city-approved one
    too (the city sees why); a city reviewer returns a submitted report of its city."""
    if user.role == Role.CITY_REVIEWER:
        return _city_review(user, target, "退回")
    if two_level(target):
        return _may_review(user, target, "退回", roles=(Role.PROVINCE,),
                           needs=(Status.SUBMITTED, Status.CITY_APPROVED),
                           refusal="只有已提交或市州已初审的报表可以退回",
                           role_refusal="只有省级管理员和市州审核员可以退回报表")
    return _may_review(user, target, "退回", roles=(Role.PROVINCE,), needs=(Status.SUBMITTED,),
                       refusal="只有已提交的报表可以退回")


def may_city_approve(user: User, target: Target) -> Decision:
    """市州初审通过: a city reviewer passes a submitted report of its city to the province."""
    return _city_review(user, target, "初审通过")


def may_approve(user: User, target: Target, *, override: bool = False) -> Decision:
    """The province approves: in a two-level round a report the city has passed; a submitted
    one only with `override` (越级审核, for a city that misses its deadline: the service
    asks for the written reason and audits it)."""
    if not two_level(target):
        return _may_review(user, target, "审核", roles=(Role.PROVINCE,),
                           needs=(Status.SUBMITTED,), refusal="只有已提交的报表可以审核通过")
    needs = (Status.CITY_APPROVED, Status.SUBMITTED) if override else (Status.CITY_APPROVED,)
    decision = _may_review(user, target, "审核", roles=(Role.PROVINCE,), needs=needs,
                           refusal="只有市州已初审的报表可以审核通过")
    if (not decision and decision.kind == Kind.STATE and target.report is not None
            and target.report.status == Status.SUBMITTED and not target.round.is_closed):
        return _state("本年度为两级审核，该报表尚未经市州初审；如市州逾期未审，"
                      "可填写原因后越级审核")
    return decision


def may_reopen(user: User, target: Target) -> Decision:
    return _may_review(user, target, "重新打开", roles=(Role.PROVINCE,),
                       needs=(Status.APPROVED,), refusal="只有已审核的报表可以重新打开",
                       in_closed_round=True)


def may_manage_rounds(user: User | None) -> Decision:
    """Opening, closing, reopening rounds and granting extensions: the province admin's (or a
    command's, which runs as nobody)."""
    if user is None or user.role == Role.PROVINCE:
        return ALLOWED
    return _role("只有省级管理员可以管理报送轮次")


# ---------------------------------------------------------------------------------------
# Answering a refusal (pages and API)
# ---------------------------------------------------------------------------------------


def require(decision: Decision) -> None:
    """For the services: raise what the policy refuses."""
    if not decision.allowed:
        raise PolicyDenied(decision)


def enforce(request: HttpRequest, decision: Decision, what: str) -> None:
    """For pages and the API: the audited 404 of a scope refusal, the audited 403 of a role
    refusal (Django's and DRF's handlers both answer PermissionDenied with 403), and
    PolicyDenied for a state refusal, which the caller answers with 409."""
    if decision.allowed:
        return
    if decision.kind == Kind.SCOPE:
        raise outside_scope(request, what)
    if decision.kind == Kind.ROLE:
        record(request, "role_denied", object_repr=what[:200], outcome="denied",
               detail=decision.reason)
        raise PermissionDenied(decision.reason)
    raise PolicyDenied(decision)
