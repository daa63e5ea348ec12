"""Province statistics pages: the six annexes, the rankings, the city breakdown, the workbook,
and the charts of the statistics page with their JSON data endpoint.

Province admins and city viewers only (anyone else gets the 404 of `require_role`). A city
viewer sees the province figures, like the printed bulletin, but the city breakdown of
their own city only, and never a preview: a preview carries other cities' unapproved data.

Charts are drawn in the browser (static/js/statistics.js with the vendored Chart.js) from
`ChartSet.as_dict()`, embedded in the page with `json_script` and served by `chart_data`;
every number is a `Cell` of the annexes (or of the city breakdown, whose total row equals
附件1/5), and the page renders the same cells as each chart's data table.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bases.access import cities_for, require_role
from bases.audit import record
from bases.models import CITY_ROLES, Role, User
from reporting import indicators
from reporting.filing.selectors import YearCoverage, year_coverage
from reporting.statistics.annex_workbook import WORKBOOK_TOP, write_annex_workbook
from reporting.statistics.annexes import (
    BASE_COUNT_LABEL,
    RANKINGS,
    TOTAL_LABEL,
    Annexes,
    Cell,
    CityBreakdown,
    Row,
    printed_label,
)
from reporting.statistics.cache import (
    FRAGMENT_TIMEOUT,
    compute_annexes,
    compute_city_breakdown,
    compute_rankings,
    page_fragment,
)
from reporting.statistics.cache import year_coverage as cached_year_coverage
from reporting.statistics.forms import AnnexForm, RankingForm, StatisticsForm, form_data
from reporting.statistics.roster import duplicates_note

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def index(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = AnnexForm(form_data(request), user=request.user)
    return render_index(request, form)


def render_index(request: HttpRequest, form: AnnexForm, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "annexes": None, "preview": False}
    if form.is_valid():
        annexes = compute_annexes(**form.annex_arguments())
        include_incomplete = form.cleaned_data["trend_incomplete"]
        # Computed only when the template renders them: not when the fragment is cached.
        charts = functools.cache(lambda: chart_set(annexes, user=request.user,
                                                   include_incomplete=include_incomplete))
        context.update(annexes=annexes, preview=form.wants_preview, query=form.query(),
                       charts=charts, charts_json=lambda: charts().as_dict(),
                       fragment=page_fragment(**form.annex_arguments(), user=request.user,
                                              include_incomplete=include_incomplete),
                       fragment_timeout=FRAGMENT_TIMEOUT,
                       coverage=coverage_of(annexes.year), trend_hint=not include_incomplete,
                       duplicates=duplicates_note(annexes.year))
    return render(request, "reporting/statistics/index.html", context, status=status)


def annex_workbook(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = AnnexForm(form_data(request), user=request.user)
    if not form.is_valid():
        return render_index(request, form, status=400)
    arguments = form.annex_arguments()
    annexes = compute_annexes(**arguments)
    rankings = compute_rankings(year=annexes.year, top=WORKBOOK_TOP, preview=annexes.preview)
    buffer = io.BytesIO()
    write_annex_workbook(annexes, rankings, buffer,
                         incomplete=coverage_of(annexes.year).note,
                         duplicates=duplicates_note(annexes.year))
    filename = f"annexes-{annexes.year}{'-preview' if annexes.preview else ''}.xlsx"
    batch = arguments["cohort_batch"] or "all"
    record(request, "export_annexes", object_repr=f"{filename} compare={annexes.compare_year} "
                                                  f"batch={batch}")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def rankings(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = RankingForm(form_data(request, top=10), user=request.user)
    tables = None
    if form.is_valid():
        ranked = compute_rankings(year=form.cleaned_data["year"], top=form.cleaned_data["top"],
                                  preview=form.wants_preview)
        tables = [(definition, ranked[definition.code]) for definition in RANKINGS]
    return render(request, "reporting/statistics/rankings.html",
                  {"form": form, "tables": tables, "preview": tables is not None
                   and form.wants_preview,
                   "coverage": tables is not None and coverage_of(form.cleaned_data["year"])})


def cities(request: HttpRequest) -> HttpResponse:
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = StatisticsForm(form_data(request), user=request.user)
    breakdown = None
    if form.is_valid():
        breakdown = compute_city_breakdown(year=form.cleaned_data["year"],
                                           preview=form.wants_preview,
                                           cities=cities_for(request.user))
    return render(request, "reporting/statistics/cities.html",
                  {"form": form, "breakdown": breakdown,
                   "preview": breakdown is not None and breakdown.preview,
                   "coverage": breakdown is not None and coverage_of(breakdown.year)})


def coverage_of(year: int) -> YearCoverage:
    return cached_year_coverage(year=year)


# ---------------------------------------------------------------------------------------
# Charts: service activities by category, cohort growth, cities, five-year trends
# ---------------------------------------------------------------------------------------

TREND_YEARS = 5


def _number(cell: Cell) -> float | None:
    """The printed (rounded) number for drawing; percent points for a percent."""
    rounded = cell.rounded
    return None if rounded is None else float(rounded)


@dataclass(frozen=True)
class Series:
    """One column of a chart's data table; `plot` says whether it is drawn as well."""

    label: str
    cells: tuple[Cell, ...]
    unit: str = ""
    plot: bool = True
    axis: str = "y"

    @property
    def percent(self) -> bool:
        return any(cell.percent for cell in self.cells)

    @property
    def heading(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit and not self.percent else self.label

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "heading": self.heading, "unit": self.unit,
                "plot": self.plot, "axis": self.axis, "percent": self.percent,
                "cells": [{**cell.as_dict(), "number": _number(cell)} for cell in self.cells]}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    source: str
    row_header: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"
    horizontal: bool = False
    multiples: bool = False  # one small chart per plotted series (different units)
    total: Row | None = None  # shown in the table only

    @property
    def table_rows(self) -> list[tuple[str, list[Cell]]]:
        return [(label, [series.cells[i] for series in self.series])
                for i, label in enumerate(self.labels)]

    def as_dict(self) -> dict[str, object]:
        total = None if self.total is None else {
            "label": self.total.label,
            "cells": [{**cell.as_dict(), "number": _number(cell)} for cell in self.total.cells]}
        return {"key": self.key, "title": self.title, "source": self.source,
                "row_header": self.row_header, "kind": self.kind, "horizontal": self.horizontal,
                "multiples": self.multiples, "labels": list(self.labels),
                "series": [series.as_dict() for series in self.series], "total": total}


@dataclass(frozen=True)
class ChartSet:
    year: int
    compare_year: int | None
    cohort_batch: int | None
    preview: bool
    charts: tuple[Chart, ...]

    def __iter__(self):
        return iter(self.charts)

    def as_dict(self) -> dict[str, object]:
        return {"year": self.year, "compare_year": self.compare_year,
                "cohort_batch": self.cohort_batch, "preview": self.preview,
                "charts": [chart.as_dict() for chart in self.charts]}


def services_chart(annexes: Annexes) -> Chart:
    """附件3: sessions and enterprises served per category, with their shares."""
    annex = annexes[3]
    rows = [row for row in annex.rows if row.label != TOTAL_LABEL]
    total = next(row for row in annex.rows if row.label == TOTAL_LABEL)

    def column(index: int) -> tuple[Cell, ...]:
        return tuple(row.cells[index] for row in rows)

    return Chart(
        key="services", title=f"{annexes.year}年服务活动分类情况", source="附件3",
        row_header="服务类别", labels=tuple(row.label for row in rows),
        series=(Series("服务活动", column(0), "场次"),
                Series("场次比重", column(1), plot=False),
                Series("服务企业", column(2), "家次", axis="y1"),
                Series("家次比重", column(3), plot=False)),
        total=total)


def growth_charts(annexes: Annexes) -> list[Chart]:
    """附件2 and 附件6: each figure of the cohort last year, this year and its growth."""
    if annexes.compare_year is None or not annexes.cohort_size:
        return []
    charts = []
    for number in (2, 6):
        annex = annexes[number]

        def column(index: int, annex=annex) -> tuple[Cell, ...]:
            return tuple(row.cells[index] for row in annex.rows)

        charts.append(Chart(
            key=f"growth{number}", title=f"{annex.title}：增长率", source=annex.sheet_name,
            row_header="指标", labels=tuple(row.label for row in annex.rows),
            series=(Series(f"{annexes.compare_year}年", column(0), plot=False),
                    Series(f"{annexes.year}年", column(1), plot=False),
                    Series("增长率", column(2))),
            horizontal=True))
    return charts


def _shown(code: str) -> tuple[str, str, str]:
    """A year-table (附件1/5) figure as a chart shows it: its printed row label, its catalog
    label and the unit the annex prints it in."""
    indicator = indicators.BY_CODE[code]
    scale = indicator.annex.year_scale if indicator.annex else 0
    return printed_label(code, scale), indicator.label, indicator.display_unit(scale)


CITY_FIGURES = ((BASE_COUNT_LABEL, "基地数量", "家"), _shown("resident_enterprises"),
                _shown("employees"))


def cities_chart(breakdown: CityBreakdown) -> Chart:
    """Bases, resident enterprises and employment per city; the total is the province's."""
    labels = [header.text for header in breakdown.header[1]]
    indexes = [labels.index(label) for label, _, _ in CITY_FIGURES]
    series = tuple(Series(name, tuple(row.cells[i] for row in breakdown.rows), unit)
                   for i, (_, name, unit) in zip(indexes, CITY_FIGURES, strict=True))
    total = Row(breakdown.total.label, tuple(breakdown.total.cells[i] for i in indexes))
    return Chart(key="cities", title=f"{breakdown.year}年分市州基地、入驻企业和就业情况",
                 source="附件1、附件5（分市州）", row_header="市州",
                 labels=tuple(row.label for row in breakdown.rows), series=series,
                 horizontal=True, multiples=True, total=total)


TREND_FIGURES = ((1, BASE_COUNT_LABEL, 0, "基地数量", "家"),
                 *((number, code, 0, *_shown(code)[1:]) for number, code in (
                     (1, "building_area"), (1, "resident_enterprises"), (5, "employees"))),
                 (3, TOTAL_LABEL, 0, "服务活动", "场次"),
                 (3, TOTAL_LABEL, 2, "服务企业", "家次"))


def trend_chart(years: Sequence[Annexes], *, left_out: Sequence[int] = ()) -> Chart | None:
    """Province figures of the years that have data (附件1/3/5 of each year); `left_out`
    names the incomplete years not drawn, in the chart's source line."""
    years = [annexes for annexes in years if annexes.n]
    if not years:
        return None

    def cell(annexes: Annexes, number: int, key: str, column: int) -> Cell:
        return next(row.cells[column] for row in annexes[number].rows
                    if key in (row.code, row.label))

    series = tuple(
        Series(name, tuple(cell(annexes, number, key, column) for annexes in years), unit)
        for number, key, column, name, unit in TREND_FIGURES)
    return Chart(key="trends", title=f"{years[0].year}—{years[-1].year}年全省主要指标",
                 source="各年度附件1、附件3、附件5" + (
                     f"；未含数据未完整的{'、'.join(f'{y}年' for y in left_out)}"
                     if left_out else ""),
                 row_header="年度",
                 labels=tuple(f"{annexes.year}年" for annexes in years), series=series,
                 kind="line", multiples=True)


def chart_set(annexes: Annexes, *, user: User, include_incomplete: bool = False) -> ChartSet:
    """Every chart of the statistics page for the annexes' selection, in the user's scope.

    The trends leave out years whose round is open or whose approved reports cover fewer
    bases than expected (a year with 1 of 102 bases would read as a collapse), unless asked.
    """
    breakdown = compute_city_breakdown(year=annexes.year, preview=annexes.preview,
                                       cities=cities_for(user))
    years = range(annexes.year - TREND_YEARS + 1, annexes.year + 1)
    coverage = year_coverage(years)
    left_out = [] if include_incomplete else [
        year for year in years if not coverage[year].complete
        and (year == annexes.year or coverage[year].approved)]
    history = [compute_annexes(year=year, compare_year=None, cohort_batch=None,
                               preview=annexes.preview)
               for year in years[:-1] if year not in left_out]
    trends = trend_chart([*history, *([] if annexes.year in left_out else [annexes])],
                         left_out=left_out)
    charts = [services_chart(annexes), *growth_charts(annexes), cities_chart(breakdown)]
    if trends is not None:
        charts.append(trends)
    return ChartSet(year=annexes.year, compare_year=annexes.compare_year,
                    cohort_batch=annexes.cohort_batch, preview=annexes.preview,
                    charts=tuple(charts))


def chart_data(request: HttpRequest) -> JsonResponse:
    """The charts' data as JSON, same selection and query string as the statistics page."""
    require_role(request, Role.PROVINCE, *CITY_ROLES)
    form = AnnexForm(form_data(request), user=request.user)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    annexes = compute_annexes(**form.annex_arguments())
    return JsonResponse(chart_set(annexes, user=request.user,
                                  include_incomplete=form.cleaned_data["trend_incomplete"]
                                  ).as_dict(),
                        json_dumps_params={"ensure_ascii": False})
