"""Province statistics pages: the six annexes, the rankings, the city breakdown, the workbook.

Province admins and city viewers only (anyone else gets the 404 of `require_role`). A city
viewer sees the province figures, like the printed bulletin, but the city breakdown of
their own city only, and never a preview: a preview carries other cities' unapproved data.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bases.access import cities_for, require_role
from bases.audit import record
from bases.models import Role, User
from reporting.annex_workbook import WORKBOOK_TOP, write_annex_workbook
from reporting.models import Report, Status
from reporting.statistics import (
    MAX_TOP,
    RANKINGS,
    chinese_number,
    compute_annexes,
    compute_city_breakdown,
    compute_rankings,
)

YEAR_BOUNDS = {"min_value": 2000, "max_value": 2100}
BATCH_CHOICES = [("", "全部基地（同口径）"),
                 *((i, f"第{chinese_number(i)}批") for i in range(1, 11))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatisticsForm(forms.Form):
    """Year and preview; the preview box exists for province admins only."""

    year = forms.IntegerField(label="统计年度", **YEAR_BOUNDS)
    preview = forms.BooleanField(label="预览（含已提交未审核数据）", required=False)

    def __init__(self, data: dict[str, Any], *, user: User) -> None:
        super().__init__(data)
        if user.role != Role.PROVINCE:
            del self.fields["preview"]

    @property
    def wants_preview(self) -> bool:
        return bool(self.cleaned_data.get("preview"))

    def query(self) -> str:
        """The query string that reproduces this selection (for links)."""
        data = {name: value for name, value in self.cleaned_data.items()
                if value not in (None, False)}
        return urlencode({name: "on" if value is True else value for name, value in data.items()})


class AnnexForm(StatisticsForm):
    compare_year = forms.IntegerField(label="对比年度", required=False, help_text="留空为上一年",
                                      **YEAR_BOUNDS)
    cohort_batch = forms.TypedChoiceField(label="对比范围", choices=BATCH_CHOICES, coerce=int,
                                          empty_value=None, required=False)
    field_order = ["year", "compare_year", "cohort_batch", "preview"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year = data.get("year")
        blank_compare_year = data.get("compare_year") is None and "compare_year" not in self.errors
        if year is not None and blank_compare_year:
            data["compare_year"] = year - 1
        if year is not None and data.get("compare_year") == year:
            self.add_error("compare_year", "对比年度不能与统计年度相同")
        return data

    def annex_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"year": data["year"], "compare_year": data["compare_year"],
                "cohort_batch": data["cohort_batch"], "preview": self.wants_preview}


class RankingForm(StatisticsForm):
    top = forms.IntegerField(label="前N名", min_value=1, max_value=MAX_TOP)
    field_order = ["year", "top", "preview"]


def _default_year() -> int:
    latest = Report.objects.filter(status=Status.APPROVED).aggregate(year=Max("year"))["year"]
    return latest or timezone.localdate().year - 1


def _form_data(request: HttpRequest, **defaults: Any) -> dict[str, Any]:
    """The query string over the defaults: a first visit shows the latest approved year."""
    return {"year": _default_year(), **defaults, **request.GET.dict()}


def index(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, Role.CITY)
    form = AnnexForm(_form_data(request), user=request.user)
    return _render_index(request, form)


def _render_index(request: HttpRequest, form: AnnexForm, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "annexes": None, "preview": False}
    if form.is_valid():
        context["annexes"] = compute_annexes(**form.annex_arguments())
        context["preview"] = form.wants_preview
        context["query"] = form.query()
    return render(request, "reporting/statistics/index.html", context, status=status)


def annex_workbook(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, Role.CITY)
    form = AnnexForm(_form_data(request), user=request.user)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    arguments = form.annex_arguments()
    annexes = compute_annexes(**arguments)
    rankings = compute_rankings(year=annexes.year, top=WORKBOOK_TOP, preview=annexes.preview)
    buffer = io.BytesIO()
    write_annex_workbook(annexes, rankings, buffer)
    filename = f"annexes-{annexes.year}{'-preview' if annexes.preview else ''}.xlsx"
    batch = arguments["cohort_batch"] or "all"
    record(request, "export_annexes", object_repr=f"{filename} compare={annexes.compare_year} "
                                                  f"batch={batch}")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def rankings(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, Role.CITY)
    form = RankingForm(_form_data(request, top=10), user=request.user)
    tables = None
    if form.is_valid():
        ranked = compute_rankings(year=form.cleaned_data["year"], top=form.cleaned_data["top"],
                                  preview=form.wants_preview)
        tables = [(definition, ranked[definition.code]) for definition in RANKINGS]
    return render(request, "reporting/statistics/rankings.html",
                  {"form": form, "tables": tables, "preview": tables is not None
                   and form.wants_preview})


def cities(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, Role.CITY)
    form = StatisticsForm(_form_data(request), user=request.user)
    breakdown = None
    if form.is_valid():
        breakdown = compute_city_breakdown(year=form.cleaned_data["year"],
                                           preview=form.wants_preview,
                                           cities=cities_for(request.user))
    return render(request, "reporting/statistics/cities.html",
                  {"form": form, "breakdown": breakdown,
                   "preview": breakdown is not None and breakdown.preview})
