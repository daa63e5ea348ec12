"""Province statistics (SPEC section 5): the six annex tables, the city breakdown, the rankings.

Everything here is exact: the database sums the stored NUMERIC values, Python divides
Decimals, and nothing is rounded or converted to display units until a `Cell` is shown
(`Cell.rounded`, `Cell.sheet_value`, `Cell.display`). The HTML pages, the annex workbook
and any JSON API render from the same `Annex` structure, so they can never disagree.

Queries: the annexes take six (year, cohort this year, cohort last year: one count and one
grouped sum each) plus one for a city's name; the city breakdown three; the rankings one.
None of these grow with the number of bases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from bases.models import City
from reporting import indicators
from reporting.indicators import (
    ENTERPRISES,
    OPERATION,
    RANKING_GROUPS,
    SERVED_LABEL,
    SERVICE_CATEGORIES,
    SESSIONS_LABEL,
    Indicator,
)
from reporting.models import Report, ReportValue, Status

# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------

APPROVED_ONLY: tuple[str, ...] = (Status.APPROVED,)
# A preview counts every report sent in and not returned: a city-approved one (two-level
# rounds) is a submitted one the city has checked, still awaiting the province.
WITH_SUBMITTED: tuple[str, ...] = (Status.APPROVED, Status.CITY_APPROVED, Status.SUBMITTED)

# Stored values have two decimals, so every exact sum has two decimals as well.
CENT = Decimal("0.01")
PROVINCE = "湖南省"


def source_statuses(preview: bool) -> tuple[str, ...]:
    """Approved reports only; a preview also counts submitted (not yet approved) ones."""
    return WITH_SUBMITTED if preview else APPROVED_ONLY


def source_reports(*, year: int, preview: bool = False,
                   city_id: int | None = None) -> QuerySet[Report]:
    reports = Report.objects.filter(year=year, status__in=source_statuses(preview))
    if city_id is not None:
        reports = reports.filter(base__city_id=city_id)
    return reports


def cohort_reports(*, year: int, other_year: int, batch: int | None, preview: bool = False,
                   city_id: int | None = None) -> QuerySet[Report]:
    """`year`'s reports of the bases that also have a source report in `other_year` (同口径)."""
    partner = Report.objects.filter(base=OuterRef("base"), year=other_year,
                                    status__in=source_statuses(preview))
    reports = source_reports(year=year, preview=preview, city_id=city_id).filter(Exists(partner))
    if batch is not None:
        reports = reports.filter(base__batch=batch)
    return reports


# ---------------------------------------------------------------------------------------
# Exact aggregates of one group of reports
# ---------------------------------------------------------------------------------------


def _exact(total: Decimal) -> Decimal:
    # SQLite sums its REAL storage in binary floating point; the true total of two-decimal
    # values has two decimals, so quantizing restores it (a no-op on PostgreSQL).
    return Decimal(total).quantize(CENT)


def ratio(numerator: Decimal | None, denominator: Decimal | int | None) -> Decimal | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / Decimal(denominator)


def growth(this: Decimal | None, last: Decimal | None) -> Decimal | None:
    """this / last − 1 as an exact fraction (0.125 is 12.5%)."""
    quotient = ratio(this, last)
    return None if quotient is None else quotient - 1


def sum_present(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [value for value in values if value is not None]
    return sum(present, Decimal(0)) if present else None


@dataclass
class Figures:
    """Exact aggregates of one group of reports: n and, per code, sums over the reports."""

    n: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    positive_totals: dict[str, Decimal] = field(default_factory=dict)
    positive_counts: dict[str, int] = field(default_factory=dict)

    def total(self, code: str) -> Decimal | None:
        indicator = indicators.BY_CODE[code]
        if indicator.derived:
            # Derived figures are never stored: their total is the total of their parts.
            parts = [self.totals.get(part) for part in indicator.derived_from]
            return None if None in parts else sum_present(parts)
        return self.totals.get(code)

    def mean_of_positive(self, code: str) -> Decimal | None:
        return ratio(self.positive_totals.get(code), self.positive_counts.get(code, 0))

    def figure(self, code: str) -> Decimal | None:
        """The province figure: the total, or for a `mean_of_positive` figure the mean."""
        if indicators.BY_CODE[code].aggregation == "mean_of_positive":
            return self.mean_of_positive(code)
        return self.total(code)

    def per_base(self, code: str) -> Decimal | None:
        """The base average (total / n); a mean is already per base and shown as is."""
        if indicators.BY_CODE[code].aggregation == "mean_of_positive":
            return self.mean_of_positive(code)
        return ratio(self.total(code), self.n)

    @classmethod
    def merged(cls, groups: Iterable[Figures]) -> Figures:
        """The figures of the union of disjoint groups (sums and counts simply add up)."""
        result = cls()
        for group in groups:
            result.n += group.n
            for mine, theirs in ((result.totals, group.totals),
                                 (result.positive_totals, group.positive_totals),
                                 (result.positive_counts, group.positive_counts)):
                for code, value in theirs.items():
                    mine[code] = mine.get(code, 0) + value
        return result


def figures_by_group(reports: QuerySet[Report], group: str | None = None) -> dict[object, Figures]:
    """Aggregate in the database, two queries: n per group, then sums per (group, code).

    `group` is a Report lookup such as "base__city_id"; without one there is one group, None.
    """
    report_fields = [group] if group else []
    value_fields = [f"report__{group}"] if group else []
    result: dict[object, Figures] = {}
    counts = (reports.order_by().values(*report_fields).annotate(n=Count("pk")) if group
              else [reports.aggregate(n=Count("pk"))])
    for row in counts:
        result[row.get(group) if group else None] = Figures(n=row["n"])
    positive = Q(value__gt=0)
    sums = (ReportValue.objects.filter(report__in=reports).order_by()
            .values(*value_fields, "code")
            .annotate(total=Sum("value"), positive_total=Sum("value", filter=positive),
                      positive_count=Count("pk", filter=positive)))
    for row in sums:
        figures = result.setdefault(row.get(value_fields[0]) if group else None, Figures())
        code = row["code"]
        if row["total"] is not None:
            figures.totals[code] = _exact(row["total"])
        if row["positive_count"]:
            figures.positive_totals[code] = _exact(row["positive_total"])
            figures.positive_counts[code] = row["positive_count"]
    return result


def figures_of(reports: QuerySet[Report]) -> Figures:
    return figures_by_group(reports).get(None, Figures())


# ---------------------------------------------------------------------------------------
# The annex structure
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One printed figure: the exact value and how it is shown.

    `value` is in entry units (平方米, 万元, ...) or, when `percent`, an exact fraction.
    `scale` is the power of ten between entry and display units (4: 万平方米, 亿元).
    `literal` is printed text in place of a number (the "/" of the bulletin).
    """

    value: Decimal | None = None
    decimals: int = 0
    scale: int = 0
    percent: bool = False
    literal: str | None = None

    @property
    def rounded(self) -> Decimal | None:
        """The printed number in display units (percent points for a percent), ROUND_HALF_UP."""
        if self.value is None or self.literal is not None:
            return None
        shown = self.value * 100 if self.percent else self.value.scaleb(-self.scale)
        rounded = shown.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)
        # -0.04% rounds to -0.0: print 0.0, as a person would.
        return rounded.copy_abs() if rounded.is_zero() else rounded

    @property
    def sheet_value(self) -> Decimal | str | None:
        """The spreadsheet value: the rounded number, a percent as a fraction (12.5% → 0.125)."""
        if self.literal is not None:
            return self.literal
        rounded = self.rounded
        if rounded is None:
            return None
        return rounded / 100 if self.percent else rounded

    @property
    def number_format(self) -> str:
        """Excel's format: the printed decimals, thousands separators ("#,##0.0"), or a
        percent ("0.0%")."""
        places = "." + "0" * self.decimals if self.decimals else ""
        return f"0{places}%" if self.percent else f"#,##0{places}"

    @property
    def display(self) -> str:
        if self.literal is not None:
            return self.literal
        rounded = self.rounded
        if rounded is None:
            return "—"
        return f"{rounded}%" if self.percent else str(rounded)

    @property
    def shown(self) -> str:
        """As the pages show a figure (the report form's rule): `display` with thousands
        separators. The printed bulletin, the workbooks and `display` keep none."""
        rounded = self.rounded
        if self.literal is not None or rounded is None or self.percent:
            return self.display
        return f"{rounded:,}"

    def as_dict(self) -> dict[str, object]:
        return {"value": None if self.value is None else str(self.value),
                "display": self.display, "shown": self.shown,
                "decimals": self.decimals, "scale": self.scale,
                "percent": self.percent, "literal": self.literal}


SLASH = Cell(literal="/")


def number(value: Decimal | int | None, decimals: int = 0, scale: int = 0) -> Cell:
    return Cell(None if value is None else Decimal(value), decimals, scale)


def percent(value: Decimal | None, decimals: int = 1) -> Cell:
    return Cell(value, decimals, percent=True)


@dataclass(frozen=True)
class HeaderCell:
    """A header cell with HTML table semantics: cells covered by a span are omitted."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    code: str | None = None


@dataclass(frozen=True)
class Annex:
    number: int
    title: str
    header: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[Row, ...]

    @property
    def sheet_name(self) -> str:
        return f"附件{self.number}"

    @property
    def key(self) -> str:
        return f"annex{self.number}"

    @property
    def width(self) -> int:
        """Number of printed columns, the label column included."""
        return sum(cell.colspan for cell in self.header[0])

    @property
    def columns(self) -> tuple[str, ...]:
        """Leaf header of every value column, group first ("开展服务活动场次 2017年")."""
        return tuple(" ".join(part for part in parts if part)
                     for parts in _leaf_headers(self.header)[1:])

    def row(self, label: str) -> Row:
        return next(row for row in self.rows if row.label == label)


def _leaf_headers(header: Sequence[Sequence[HeaderCell]]) -> list[tuple[str, ...]]:
    """Per printed column, the texts of the header cells above it, top down (distinct)."""
    width = sum(cell.colspan for cell in header[0])
    grid: list[list[str]] = [[""] * width for _ in header]
    taken = [[False] * width for _ in header]
    for r, cells in enumerate(header):
        c = 0
        for cell in cells:
            while taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
                    grid[r + dr][c + dc] = cell.text if dr == 0 else ""
            c += cell.colspan
    return [tuple(grid[r][c] for r in range(len(header))) for c in range(width)]


@dataclass(frozen=True)
class Annexes:
    year: int
    compare_year: int | None
    cohort_batch: int | None
    preview: bool
    region: str
    n: int
    cohort_size: int | None
    tables: tuple[Annex, ...]
    city_id: int | None = None

    def __iter__(self) -> Iterator[Annex]:
        return iter(self.tables)

    def __getitem__(self, number: int) -> Annex:
        """annexes[2] is 附件2; a KeyError otherwise (templates rely on it for attributes)."""
        return {annex.number: annex for annex in self.tables}[number]


# ---------------------------------------------------------------------------------------
# What each annex prints (SPEC section 5 and the bulletin's tables)
# ---------------------------------------------------------------------------------------

BASE_COUNT_LABEL = "省级创业基地数量（家）"
TOTAL_LABEL = "合计"
FIRST_HEADER = "指标内容"


def printed_label(code: str, scale: int = 0) -> str:
    """The row label as printed: the annex wording of the figure and its display unit."""
    indicator = indicators.BY_CODE[code]
    label = indicator.annex.label if indicator.annex and indicator.annex.label else indicator.label
    return f"{label}（{indicator.display_unit(scale)}）"


def _annex_rows(section: str) -> list[tuple[Indicator, indicators.AnnexRow]]:
    """The catalog's annex rows of a section at the time of the call, in printed order."""
    return [(i, i.annex) for i in indicators.annex_rows(section) if i.annex is not None]


def chinese_number(value: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 (batch numbers as printed: 第一批)."""
    digits = "零一二三四五六七八九"
    if 0 <= value < 10:
        return digits[value]
    if 10 <= value < 100:
        tens, ones = divmod(value, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(value)


def cohort_wording(cohort_batch: int | None, size: int) -> str:
    """"第一批71家" for one batch, "同口径71家" for every base reporting in both years."""
    if cohort_batch is None:
        return f"同口径{size}家"
    return f"第{chinese_number(cohort_batch)}批{size}家"


def _headers(*labels: str) -> tuple[tuple[HeaderCell, ...], ...]:
    return (tuple(HeaderCell(text) for text in (FIRST_HEADER, *labels)),)


def _grouped_headers(*sub: str) -> tuple[tuple[HeaderCell, ...], ...]:
    groups = (HeaderCell(FIRST_HEADER, rowspan=2), HeaderCell(SESSIONS_LABEL, colspan=len(sub)),
              HeaderCell(SERVED_LABEL, colspan=len(sub)))
    return groups, tuple(HeaderCell(text) for text in (*sub, *sub))


def _year_label(year: int) -> str:
    return f"{year}年"


def annex1_rows(figures: Figures) -> tuple[Row, ...]:
    rows = [Row(BASE_COUNT_LABEL, (number(figures.n), SLASH))]
    for indicator, printed in _annex_rows(OPERATION):
        code, scale = indicator.code, printed.year_scale
        rows.append(Row(printed_label(code, scale), (
            number(figures.figure(code), printed.total_decimals, scale),
            number(figures.per_base(code), printed.base_average_decimals, scale),
        ), code))
    return tuple(rows)


def _comparison_rows(section: str, last: Figures, this: Figures) -> tuple[Row, ...]:
    """附件2 (operation) or 附件6 (enterprises): both years and the growth."""
    rows = []
    for indicator, printed in _annex_rows(section):
        code, scale = indicator.code, printed.comparison_scale
        decimals = printed.comparison_decimals
        before, now = last.figure(code), this.figure(code)
        rows.append(Row(printed_label(code, scale), (
            number(before, decimals, scale), number(now, decimals, scale),
            percent(growth(now, before)),
        ), code))
    return tuple(rows)


def _category_totals(figures: Figures) -> tuple[list[Decimal | None], list[Decimal | None]]:
    sessions = [figures.total(c.sessions_code) for c in SERVICE_CATEGORIES]
    served = [figures.total(c.enterprises_code) for c in SERVICE_CATEGORIES]
    return sessions, served


def annex3_rows(figures: Figures) -> tuple[Row, ...]:
    sessions, served = _category_totals(figures)
    all_sessions, all_served = sum_present(sessions), sum_present(served)
    rows = [
        Row(category.label, (number(s), percent(ratio(s, all_sessions)),
                             number(e), percent(ratio(e, all_served))))
        for category, s, e in zip(SERVICE_CATEGORIES, sessions, served, strict=True)
    ]
    # The printed 合计 shares read "100%", without a decimal.
    rows.append(Row(TOTAL_LABEL, (
        number(all_sessions), percent(ratio(all_sessions, all_sessions), 0),
        number(all_served), percent(ratio(all_served, all_served), 0))))
    return tuple(rows)


def annex4_rows(last: Figures, this: Figures) -> tuple[Row, ...]:
    last_sessions, last_served = _category_totals(last)
    this_sessions, this_served = _category_totals(this)
    labels = [c.label for c in SERVICE_CATEGORIES] + [TOTAL_LABEL]
    for columns in (last_sessions, last_served, this_sessions, this_served):
        columns.append(sum_present(columns))
    return tuple(
        Row(label, (number(ls), number(ts), percent(growth(ts, ls)),
                    number(le), number(te), percent(growth(te, le))))
        for label, ls, ts, le, te in zip(labels, last_sessions, this_sessions, last_served,
                                         this_served, strict=True)
    )


#: 附件5's enterprise average divides by the total of this figure (SPEC section 5).
ENTERPRISE_COUNT = "reporting_enterprises"


def annex5_rows(figures: Figures) -> tuple[Row, ...]:
    enterprises = figures.total(ENTERPRISE_COUNT)
    rows = []
    for indicator, printed in _annex_rows(ENTERPRISES):
        code, scale, decimals = indicator.code, printed.year_scale, printed.total_decimals
        total = figures.total(code)
        average = (SLASH if printed.enterprise_average_decimals is None else
                   number(ratio(total, enterprises), printed.enterprise_average_decimals, scale))
        rows.append(Row(printed_label(code, scale), (
            number(total, decimals, scale),
            number(ratio(total, figures.n), printed.base_average_decimals, scale),
            average), code))
    return tuple(rows)


def _titles(year: int, region: str, scope: str, cohort: str) -> dict[int, str]:
    return {
        1: f"{year}年{region}中小微企业创业创新基地建设和运营情况统计表",
        2: f"{scope}{cohort}省级创业创新基地建设和运营数据对比",
        3: f"{year}年{region}中小微企业创业创新基地服务情况统计表",
        4: f"{scope}{cohort}省级创业创新基地服务数据对比",
        5: f"{year}年{region}创业创新基地入驻企业情况统计表",
        6: f"{scope}{cohort}省级创业创新基地入驻企业数据对比",
    }


def compute_annexes(*, year: int, compare_year: int | None, cohort_batch: int | None,
                    preview: bool = False, city_id: int | None = None) -> Annexes:
    """The six annexes of SPEC section 5 (附件2/4/6 only with a comparison year).

    With `city_id` every figure covers that city's bases only and the titles name the city.
    """
    region = PROVINCE
    if city_id is not None:
        region = City.objects.filter(pk=city_id).values_list("name", flat=True).first() or ""
    scope = "" if city_id is None else region
    this_year = figures_of(source_reports(year=year, preview=preview, city_id=city_id))
    y, c = _year_label(year), None
    tables = {
        1: (_headers(y, "基地平均值"), annex1_rows(this_year)),
        3: (_grouped_headers(y, "比重"), annex3_rows(this_year)),
        5: (_headers(y, "基地平均值", "企业平均值"), annex5_rows(this_year)),
    }
    cohort_size = None
    if compare_year is not None:
        cohort = {"batch": cohort_batch, "preview": preview, "city_id": city_id}
        now = figures_of(cohort_reports(year=year, other_year=compare_year, **cohort))
        before = figures_of(cohort_reports(year=compare_year, other_year=year, **cohort))
        cohort_size, c = now.n, _year_label(compare_year)
        tables[2] = (_headers(c, y, "增长率"), _comparison_rows(OPERATION, before, now))
        tables[4] = (_grouped_headers(c, y, "增长率"), annex4_rows(before, now))
        tables[6] = (_headers(c, y, "增长率"), _comparison_rows(ENTERPRISES, before, now))
    titles = _titles(year, region, scope, cohort_wording(cohort_batch, cohort_size or 0))
    annexes = tuple(Annex(number, titles[number], header, rows)
                    for number, (header, rows) in sorted(tables.items()))
    return Annexes(year=year, compare_year=compare_year, cohort_batch=cohort_batch,
                   preview=preview, region=region, n=this_year.n, cohort_size=cohort_size,
                   tables=annexes, city_id=city_id)


# ---------------------------------------------------------------------------------------
# City breakdown: 附件1 and 附件5 year figures per city, and the province as the total
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CityBreakdown:
    year: int
    preview: bool
    header: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[Row, ...]
    total: Row


def _breakdown_cells(figures: Figures) -> tuple[Cell, ...]:
    return tuple(row.cells[0] for row in (*annex1_rows(figures), *annex5_rows(figures)))


def compute_city_breakdown(*, year: int, preview: bool = False,
                           cities: QuerySet[City] | None = None) -> CityBreakdown:
    """One row per city of `cities` (default: all) and a total row, the province figures.

    The total covers every city even when fewer cities' rows are shown, so it always equals
    the first column of 附件1 and 附件5.
    """
    by_city = figures_by_group(source_reports(year=year, preview=preview), "base__city_id")
    province = Figures.merged(by_city.values())
    cities = City.objects.all() if cities is None else cities
    rows = tuple(Row(city.name, _breakdown_cells(by_city.get(city.pk, Figures())))
                 for city in cities)
    labels = [row.label for row in (*annex1_rows(province), *annex5_rows(province))]
    operation_width = len(indicators.annex_rows(OPERATION)) + 1
    header = (
        (HeaderCell("市州", rowspan=2),
         HeaderCell(f"{_year_label(year)}建设和运营情况（附件1）", colspan=operation_width),
         HeaderCell(f"{_year_label(year)}入驻企业情况（附件5）",
                    colspan=len(labels) - operation_width)),
        tuple(HeaderCell(label) for label in labels),
    )
    return CityBreakdown(year=year, preview=preview, header=header, rows=rows,
                         total=Row("全省合计", _breakdown_cells(province)))


# ---------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingDef:
    code: str
    title: str
    parts: tuple[str, ...]
    increase: bool = False

    @property
    def is_int(self) -> bool:
        return all(indicators.BY_CODE[part].kind == "int" for part in self.parts)

    @property
    def decimals(self) -> int:
        return max(indicators.BY_CODE[part].decimals for part in self.parts)

    @property
    def unit(self) -> str:
        return indicators.BY_CODE[self.parts[0]].unit


@dataclass(frozen=True)
class RankingRow:
    place: int
    base_code: str
    base_name: str
    value: Decimal | int  # entry units

    @property
    def shown(self) -> str:
        """As the report form shows figures: thousands separators, the stored decimals."""
        return f"{self.value:,}"


def _catalog_rankings() -> tuple[RankingDef, ...]:
    """The rankings the catalog places (`ranking`, `increase_ranking`, `RANKING_GROUPS`), in
    their places: the order of SPEC section 5."""
    placed: list[tuple[int, RankingDef]] = []
    for indicator in indicators.CATALOG:
        code, label = indicator.code, indicator.label
        if indicator.ranking is not None:
            placed.append((indicator.ranking, RankingDef(code, label, (code,))))
        if indicator.increase_ranking is not None:
            placed.append((indicator.increase_ranking, RankingDef(
                f"{code}_increase", f"{label}（比上年新增）", (code,), increase=True)))
    for group in RANKING_GROUPS:
        placed.append((group.place, RankingDef(group.code, group.title,
                                               indicators.ranking_group(group.code))))
    return tuple(definition for _, definition in sorted(placed, key=lambda p: p[0]))


RANKINGS: tuple[RankingDef, ...] = _catalog_rankings()
RANKINGS_BY_CODE: dict[str, RankingDef] = {r.code: r for r in RANKINGS}
MAX_TOP = 100


def _part_aliases() -> dict[tuple[str, ...], str]:
    aliases: dict[tuple[str, ...], str] = {}
    for definition in RANKINGS:
        aliases.setdefault(definition.parts, f"ranked_{len(aliases)}")
    return aliases


def _entry_value(value: Decimal, definition: RankingDef) -> Decimal | int:
    return int(value) if definition.is_int else value.quantize(
        Decimal(1).scaleb(-definition.decimals))


def _per_base_values(*, year: int, preview: bool) -> dict[int, dict[str, tuple[str, dict]]]:
    """{year: {base code: (base name, {alias: summed value or None})}} in one query."""
    aliases = _part_aliases()
    pivot = {alias: Sum("values__value", filter=Q(values__code__in=parts))
             for parts, alias in aliases.items()}
    ranked_codes = sorted({code for parts in aliases for code in parts})
    # Joining only the ranked codes (about half of them) keeps the pivot's hash aggregate
    # small; filter() before annotate() makes the sums use this same filtered join.
    rows = (Report.objects.filter(year__in=(year, year - 1), status__in=source_statuses(preview),
                                  values__code__in=ranked_codes)
            .order_by().values("year", "base__code", "base__name").annotate(**pivot))
    result: dict[int, dict[str, tuple[str, dict]]] = {year: {}, year - 1: {}}
    # PostgreSQL's numeric sums are exact already: 174,000 quantizes at 3,000 bases (a tenth
    # of the rankings' time) would change nothing.
    exact = _exact if connection.vendor != "postgresql" else (lambda total: total)
    for row in rows:
        sums = {alias: None if row[alias] is None else exact(row[alias])
                for alias in aliases.values()}
        result[row["year"]][row["base__code"]] = (row["base__name"], sums)
    return result


def compute_rankings(*, year: int, top: int, preview: bool = False) -> dict[str, list[RankingRow]]:
    """The top `top` bases of every ranking in SPEC section 5, keyed by ranking code.

    Ties: the larger value first, then the base code ascending; places run 1, 2, 3, ...
    An `_increase` ranking is this year − last year over bases with reports in both years.
    """
    if not 1 <= top <= MAX_TOP:
        raise ValueError(f"top must be between 1 and {MAX_TOP}")
    aliases = _part_aliases()
    values = _per_base_values(year=year, preview=preview)
    this_year, last_year = values[year], values[year - 1]
    result: dict[str, list[RankingRow]] = {}
    for definition in RANKINGS:
        alias = aliases[definition.parts]
        candidates: list[tuple[Decimal, str, str]] = []
        for code, (name, figures) in this_year.items():
            value = figures[alias]
            if definition.increase:
                previous = last_year.get(code, ("", {}))[1].get(alias)
                value = None if value is None or previous is None else value - previous
            if value is not None:
                candidates.append((value, code, name))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        result[definition.code] = [
            RankingRow(place, code, name, _entry_value(value, definition))
            for place, (value, code, name) in enumerate(candidates[:top], start=1)
        ]
    return result
