from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from bases.models import Base
from reporting import indicators
from reporting.indicators import Value
from reporting.years import validate_year

#: review_levels: 1 = the province reviews alone; 2 = the city first, then the province.
REVIEW_LEVEL_CHOICES = [(1, "一级审核（省级审核）"), (2, "两级审核（市州初审、省级审核）")]
#: A two-level round's city review deadline when none is given: the filing deadline plus this.
CITY_REVIEW_DAYS = 10


class Round(models.Model):
    """One reporting year, opened and closed by the province."""

    year = models.PositiveSmallIntegerField("报送年度", unique=True)
    opens_on = models.DateField("开始日期")
    deadline = models.DateField("截止日期")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    # Two-level review (SPEC 11): the city reviewers pass their city's reports first.
    review_levels = models.PositiveSmallIntegerField(
        "审核方式", choices=REVIEW_LEVEL_CHOICES, default=1,
        help_text="两级审核：市州审核员初审通过后，省级管理员审核。已有报表经市州审核后不能更改。")
    city_review_deadline = models.DateField(
        "市州审核截止日期", null=True, blank=True,
        help_text="两级审核时适用；留空则为报送截止日期后10天。")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "报送轮次"

    def __str__(self) -> str:
        return f"{self.year}年度报送"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def two_level(self) -> bool:
        return self.review_levels == 2

    def clean(self) -> None:
        # Run by every writer (reporting.filing.rounds, the admin's form): field-keyed messages.
        errors: dict[str, ValidationError] = {}
        if self.year is not None:
            try:
                validate_year(self.year)
            except ValidationError as exc:
                errors["year"] = exc
        if self.opens_on and self.deadline and self.deadline < self.opens_on:
            errors["deadline"] = ValidationError("截止日期不能早于开始日期", code="before_opening")
        if self.review_levels not in (1, 2):
            errors["review_levels"] = ValidationError("审核方式须为1（一级）或2（两级）",
                                                      code="invalid_levels")
        if (self.city_review_deadline and self.deadline
                and self.city_review_deadline < self.deadline):
            errors["city_review_deadline"] = ValidationError(
                "市州审核截止日期不能早于报送截止日期", code="before_deadline")
        if errors:
            raise ValidationError(errors)

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("year",):
            return ValidationError(f"{self.year}年度的报送轮次已存在", code="unique")
        return super().unique_error_message(model_class, unique_check)


class Extension(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="extensions")
    base = models.ForeignKey(Base, on_delete=models.CASCADE, related_name="extensions")
    deadline = models.DateField("延期至")
    note = models.CharField("说明", max_length=200, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期"
        constraints = [models.UniqueConstraint(fields=["round", "base"],
                                               name="one_extension_per_base")]

    def __str__(self) -> str:
        return f"{self.base.name} 延期至 {self.deadline}"

    def clean(self) -> None:
        # A closed round is read-only; an extension that is not later than the round's
        # deadline extends nothing.
        if self.round_id is None or self.deadline is None:
            return
        if self.round.is_closed:
            raise ValidationError(f"{self.round.year}年度的报送已关闭，不能延期", code="closed")
        if self.deadline <= self.round.deadline:
            raise ValidationError({"deadline": ValidationError(
                f"延期日期须晚于统一截止日期 {self.round.deadline}", code="not_later")})


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    CITY_APPROVED = "city_approved", "市州已初审"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"


EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class Report(models.Model):
    """A base's figures for one year; the values live in ReportValue rows (one per code)."""

    base = models.ForeignKey(Base, verbose_name="基地", on_delete=models.PROTECT,
                             related_name="reports")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    # Bumped by every write; a write against an older version is refused (no lost updates).
    version = models.PositiveIntegerField("版本", default=1)
    explanations = models.JSONField("情况说明", default=dict, blank=True)
    field_comments = models.JSONField("审核意见（字段）", default=dict, blank=True)
    # The officer's word that the year's service ledger / roster is complete: a reported
    # figure that then differs from the one computed from it needs an explanation.
    ledger_complete = models.BooleanField("本年度台帐完整", default=False)
    roster_complete = models.BooleanField("本年度名册完整", default=False)
    review_comment = models.TextField("审核意见", blank=True)
    # The city reviewer's opinion when passing the current submission (two-level rounds);
    # cleared by the next submission, which the city reviews again.
    city_opinion = models.TextField("市州初审意见", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        ordering = ["base__code", "-year"]
        verbose_name = verbose_name_plural = "年度报表"
        constraints = [models.UniqueConstraint(fields=["base", "year"],
                                               name="one_report_per_base_year")]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.base.name} {self.year}年度"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def value_map(self) -> dict[str, Value]:
        """Entered values as typed objects (uses a prefetched `values` when present)."""
        return {
            row.code: indicators.BY_CODE[row.code].from_storage(row.value)
            for row in self.values.all()
            if row.code in indicators.BY_CODE
        }


class ReportValue(models.Model):
    # Indexes: the unique (report, code) index serves every lookup by report, so the
    # foreign key has none of its own; nothing looks values up by code across reports (the
    # statistics join from the reports), so code has none either. Each index dropped is one
    # less to write for every value an import or a save inserts.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values",
                               db_index=False)
    code = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "报表数值"
        constraints = [models.UniqueConstraint(fields=["report", "code"],
                                               name="one_value_per_code")]

    def __str__(self) -> str:
        return f"{self.code}={self.value}"


class Transition(models.Model):
    """Who moved a report from one state to the next, when, why, and with which figures."""

    class Action(models.TextChoices):
        CREATE = "create", "创建"
        SUBMIT = "submit", "提交"
        RETURN = "return", "退回"
        APPROVE = "approve", "审核通过"
        CITY_RETURN = "city_return", "市州退回"
        CITY_APPROVE = "city_approve", "市州初审通过"
        REOPEN = "reopen", "重新打开"
        IMPORT = "import", "导入"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    field_comments = models.JSONField(default=dict, blank=True)
    # Values as strings, exactly as stored, so history never depends on later edits.
    snapshot = models.JSONField(default=dict, blank=True)
    explanations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "流转记录"

    def __str__(self) -> str:
        return f"{self.report} {self.get_action_display()}"

    @property
    def labelled_field_comments(self) -> list[tuple[str, str]]:
        """(the figure's label, comment): the history speaks the form's words, not codes."""
        return [(indicators.BY_CODE[code].label if code in indicators.BY_CODE else code, text)
                for code, text in self.field_comments.items()]


class ExportJob(models.Model):
    """A province-wide export written by a Celery worker (see reporting/workbook/exports.py):
    the data workbook, or (`kind`) the ledger's activities or the roster of every base.

    The key is a random UUID so that a job's pages cannot be found by counting; access is
    still checked on every request (only the admin who asked for it sees it). The Celery
    task that writes it carries the same id.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导出"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    #: Shown, never stored: a finished job whose file has been swept.
    EXPIRED = "expired"
    EXPIRED_LABEL = "已过期"
    #: A job still unfinished this long after it was asked for has been lost (its message
    #: gone with a broker's data; a killed worker's export is redelivered well before, see
    #: CELERY_BROKER_TRANSPORT_OPTIONS): it counts as failed and the admin may ask again.
    GIVE_UP_AFTER = dt.timedelta(hours=3)
    #: Finished files are kept this long, then swept.
    KEEP_FILES_FOR = dt.timedelta(hours=24)
    GIVEN_UP_ERROR = "导出未能完成，请重新导出。"
    #: What an export covers (the reports' status it selects, hence the values).
    SCOPE_CHOICES = [("approved", "仅已审核的报表"), ("all", "全部报表")]

    class Kind(models.TextChoices):
        DATA = "data", "数据工作簿"
        LEDGER = "ledger", "全省服务活动"
        ROSTER = "roster", "全省入驻企业名册"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SET_NULL: accounts are deactivated rather than deleted, and an old export must never
    # stand in the way of removing one.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField("内容", max_length=10, choices=Kind.choices, default=Kind.DATA)
    year = models.PositiveSmallIntegerField("年度")
    scope = models.CharField("范围", max_length=10, choices=SCOPE_CHOICES)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    rows_done = models.PositiveIntegerField("已导出报表", default=0)
    rows_total = models.PositiveIntegerField("报表总数", default=0)
    #: The file's name inside settings.EXPORT_DIR; empty until done and after the sweep.
    file_name = models.CharField("文件", max_length=100, blank=True)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    #: Set on every state change and every chunk of progress.
    updated_at = models.DateTimeField("最后更新", default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "数据导出任务"

    def __str__(self) -> str:
        if self.kind != self.Kind.DATA:
            return f"{self.year}年度{self.get_kind_display()}导出"
        return f"{self.year}年度数据导出（{self.get_scope_display()}）"

    @property
    def what(self) -> str:
        """What the job exports, as the job lists show it."""
        return (self.get_scope_display() if self.kind == self.Kind.DATA
                else self.get_kind_display())

    @property
    def unit(self) -> str:
        """The rows the progress counts."""
        return {self.Kind.LEDGER: "条服务活动", self.Kind.ROSTER: "家企业"}.get(self.kind, "份报表")

    def current_state(self, now: dt.datetime | None = None) -> str:
        """The state as the user should see it: a lost job has failed, an old file expired."""
        now = now or timezone.now()
        if self.state in (self.State.QUEUED, self.State.RUNNING):
            return (self.State.FAILED if self.created_at < now - self.GIVE_UP_AFTER
                    else self.state)
        if self.state == self.State.DONE and (
                not self.file_name or self.finished_at is None
                or self.finished_at < now - self.KEEP_FILES_FOR):
            return self.EXPIRED
        return self.state

    def current_state_label(self, now: dt.datetime | None = None) -> str:
        state = self.current_state(now)
        return self.EXPIRED_LABEL if state == self.EXPIRED else self.State(state).label

    def current_error(self, now: dt.datetime | None = None) -> str:
        if self.state != self.State.FAILED and self.current_state(now) == self.State.FAILED:
            return self.GIVEN_UP_ERROR
        return self.error
