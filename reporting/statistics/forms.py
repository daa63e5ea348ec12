"""The selection of the statistics pages, the charts' data and the bulletin draft: year,
comparison year, cohort batch, preview and top N, read from the query string."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bases.models import Role, User
from reporting.filing.selectors import default_year
from reporting.statistics.annexes import MAX_TOP, chinese_number
from reporting.statistics.cache import batches_in_use
from reporting.years import YEAR_MAX, YEAR_MIN, comparison_year

YEAR_BOUNDS = {"min_value": YEAR_MIN, "max_value": YEAR_MAX}


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
    cohort_batch = forms.TypedChoiceField(label="对比范围", coerce=int, empty_value=None,
                                          required=False)
    trend_incomplete = forms.BooleanField(label="趋势图含未完整年度", required=False)
    field_order = ["year", "compare_year", "cohort_batch", "preview", "trend_incomplete"]

    def __init__(self, data: dict[str, Any], *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["cohort_batch"].choices = [
            ("", "全部基地（同口径）"),
            *((batch, f"第{chinese_number(batch)}批") for batch in batches_in_use())]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        year = data.get("year")
        if year is not None and "compare_year" not in self.errors:
            try:
                data["compare_year"] = comparison_year(year, data.get("compare_year"))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def annex_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"year": data["year"], "compare_year": data["compare_year"],
                "cohort_batch": data["cohort_batch"], "preview": self.wants_preview}


class RankingForm(StatisticsForm):
    top = forms.IntegerField(label="前N名", min_value=1, max_value=MAX_TOP)
    field_order = ["year", "top", "preview"]


def form_data(request: HttpRequest, **defaults: Any) -> dict[str, Any]:
    """The query string over the defaults: a first visit shows the latest approved year
    (looked up only then: it takes up to five queries)."""
    data = {**defaults, **request.GET.dict()}
    if "year" not in data:
        data["year"] = default_year()
    return data
