"""Roster records (app label `bases`; imported from bases/models.py)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q

from bases.roster.figures import BY_CODE, INDUSTRIES, MAX_DIGITS


class Enterprise(models.Model):
    """An enterprise resident in one base; the same company in two bases is two rows."""

    # Indexes and constraints cost every row of a 20,000-row import (issue 19): none
    # repeats another. The base's enterprises are found through the unique (base,
    # credit_code) index; the who-columns are audit pointers (Django applies SET_NULL
    # itself) without a foreign-key check or an index of their own.
    base = models.ForeignKey("bases.Base", verbose_name="基地", on_delete=models.PROTECT,
                             related_name="enterprises", db_index=False)
    name = models.CharField("企业名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    moved_in = models.DateField("入驻日期")
    moved_out = models.DateField("迁出日期", null=True, blank=True)
    small_micro = models.BooleanField("小微企业", default=False)
    high_tech = models.BooleanField("高新技术企业", default=False)
    high_tech_cert = models.CharField("高新技术企业证书编号", max_length=50, blank=True)
    high_tech_valid_until = models.DateField("高新技术企业证书有效期至", null=True, blank=True)
    industry = models.CharField("所属行业（国民经济行业门类）", max_length=1, blank=True,
                                choices=INDUSTRIES)
    # Personal data: shown to the base and the province only, never exported further.
    contact = models.CharField("联系人及电话", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey("bases.User", verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False, db_index=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey("bases.User", verbose_name="修改人", null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False, db_index=False)

    class Meta:
        ordering = ["name", "id"]
        # The other bases' entries of a credit code (duplicates), without the LIKE index
        # db_index would add.
        indexes = [models.Index(fields=["credit_code"], name="enterprise_credit_code")]
        verbose_name = verbose_name_plural = "入驻企业"
        constraints = [
            models.UniqueConstraint(fields=["base", "credit_code"],
                                    name="enterprise_code_unique_per_base"),
            models.CheckConstraint(
                name="enterprise_moved_out_not_before_moved_in",
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=F("moved_in"))),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"

    @property
    def last_year(self) -> int | None:
        """The last year with a resident day; None while resident."""
        return last_resident_year(self.moved_in, self.moved_out)


def last_resident_year(moved_in: dt.date, moved_out: dt.date | None) -> int | None:
    """The last year with a resident day; None while resident."""
    if moved_out is None:
        return None
    # Not resident on the day of moving out: leaving on 1 January ends the year before.
    return (moved_out - dt.timedelta(days=1)).year if moved_out > moved_in else moved_in.year


def _figure_field(code: str) -> models.Field:
    figure = BY_CODE[code]
    label = figure.label_with_unit
    if figure.kind == "int":
        return models.PositiveIntegerField(label)
    return models.DecimalField(label, max_digits=MAX_DIGITS, decimal_places=figure.decimals)


class EnterpriseYear(models.Model):
    """One enterprise's figures for one year (万元 exact to the cent)."""

    # Found through the unique (enterprise, year) index.
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="years", db_index=False)
    year = models.PositiveSmallIntegerField("年度")
    employees = _figure_field("employees")
    ent_total_assets = _figure_field("ent_total_assets")
    ent_revenue = _figure_field("ent_revenue")
    ent_profit = _figure_field("ent_profit")
    ent_tax = _figure_field("ent_tax")
    trademarks = _figure_field("trademarks")
    software_copyrights = _figure_field("software_copyrights")
    invention_patents = _figure_field("invention_patents")
    utility_model_patents = _figure_field("utility_model_patents")
    design_patents = _figure_field("design_patents")
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey("bases.User", verbose_name="修改人", null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   db_constraint=False, db_index=False)

    class Meta:
        ordering = ["enterprise", "-year"]
        verbose_name = verbose_name_plural = "入驻企业年度数据"
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"],
                                               name="enterprise_year_unique")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} {self.year}年度"


class RosterChange(models.Model):
    """Every change to the roster: who, when, and the record before and after (JSON)."""

    class Action(models.TextChoices):
        CREATE = "create", "登记企业"
        UPDATE = "update", "修改企业信息"
        MOVE_OUT = "move_out", "迁出"
        FIGURES = "figures", "填报年度数据"

    # The enterprise's base, kept to list a base's history (index below).
    base = models.ForeignKey("bases.Base", verbose_name="基地", on_delete=models.PROTECT,
                             related_name="roster_changes", db_constraint=False,
                             db_index=False)
    # Deleted with the enterprise by Django (CASCADE), like base and by not checked by the
    # database row by row: an import writes two records per enterprise, and the checks at
    # COMMIT were most of its time.
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="changes", db_constraint=False)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    by = models.ForeignKey("bases.User", verbose_name="操作人", null=True,
                           on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                           db_index=False)
    at = models.DateTimeField("时间", auto_now_add=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "名册修改记录"
        # A base's history, newest first (the history page).
        indexes = [models.Index(fields=["base", "at"], name="rosterchange_base_at")]

    def __str__(self) -> str:
        return f"{self.enterprise.name} {self.get_action_display()}"

    def diff(self, *, hidden: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
        """(field label, before, after) of each changed field, for people to read."""
        model = EnterpriseYear if self.action == self.Action.FIGURES else Enterprise
        before = self.before or {}
        return [(str(model._meta.get_field(name).verbose_name), _shown(before.get(name)),
                 _shown(value))
                for name, value in self.after.items()
                if name not in hidden and before.get(name) != value]


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
