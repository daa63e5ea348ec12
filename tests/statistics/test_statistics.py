"""Province statistics (SPEC section 5) and the annex workbook (section 6), hand-computed."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from bases.models import AuditEvent, Base, City, Role, User
from portal.spreadsheet import safe_text
from reporting.indicators import ENTERED_CODES, SERVICE_CATEGORIES
from reporting.models import Report, ReportValue, Status
from reporting.statistics.annex_workbook import write_annex_workbook
from reporting.statistics.annexes import (
    RANKINGS,
    Cell,
    compute_annexes,
    compute_city_breakdown,
    compute_rankings,
)
from tests.base import sign_in

DATA = Path(__file__).resolve().parent.parent / "data"
_codes = count(1)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------
# Fixtures: rows made directly through the ORM
# ---------------------------------------------------------------------------------------


@pytest.fixture
def changsha() -> City:
    return City.objects.get(name="长沙市")


@pytest.fixture
def zhuzhou() -> City:
    return City.objects.get(name="株洲市")


def make_base(city: City, *, batch: int = 1, code: str | None = None,
              name: str | None = None) -> Base:
    code = code or f"T{next(_codes):04d}"
    return Base.objects.create(code=code, name=name or f"基地{code}", city=city, batch=batch)


def file_report(base: Base, year: int, status: str = Status.APPROVED, **values) -> Report:
    report = Report.objects.create(base=base, year=year, status=status)
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=Decimal(str(value)))
        for code, value in values.items())
    return report


def cells(annex, label: str) -> list[str]:
    return [cell.display for cell in annex.row(label).cells]


def annexes_2017(**kwargs):
    return compute_annexes(**{"year": 2017, "compare_year": 2016, "cohort_batch": None,
                              **kwargs})


def make_user(username: str, role: str, **scope) -> User:
    return User.objects.create(username=username, role=role, **scope)


# ---------------------------------------------------------------------------------------
# 附件1: totals, base averages, means of positive values
# ---------------------------------------------------------------------------------------


def test_totals_and_base_averages_divide_by_every_base_with_a_report(changsha):
    file_report(make_base(changsha), 2017, building_area="100000.00",
                operator_total_assets="12345.67", service_staff=10)
    file_report(make_base(changsha), 2017, building_area="52500.50",
                operator_total_assets="1000.00", service_staff=0)
    file_report(make_base(changsha), 2017, building_area="0", operator_total_assets="0",
                service_staff=5)

    annex1 = annexes_2017()[1]

    assert cells(annex1, "省级创业基地数量（家）") == ["3", "/"]
    # 152500.50 m² = 15.25005 万平方米; per base 5.08335.
    assert cells(annex1, "建筑面积（万平方米）") == ["15.3", "5.1"]
    # 13345.67 万元 = 1.334567 亿元; per base 0.4448556…
    assert cells(annex1, "运营单位总资产（亿元）") == ["1.3", "0.44"]
    assert cells(annex1, "服务人员数量（人）") == ["15", "5"]


def test_exact_values_stay_decimal_until_the_cell_rounds(changsha):
    file_report(make_base(changsha), 2017, building_area="100000.01")
    file_report(make_base(changsha), 2017, building_area="0.02")

    row = annexes_2017()[1].row("建筑面积（万平方米）")

    assert row.cells[0].value == Decimal("100000.03")
    assert row.cells[1].value == Decimal("100000.03") / 2
    assert isinstance(row.cells[1].value, Decimal)
    assert row.cells[0].rounded == Decimal("10.0")


def test_mean_of_positive_skips_empty_and_zero_values_and_fills_both_columns(changsha):
    file_report(make_base(changsha), 2017, avg_rent="10.00", avg_sale_price="3000.25")
    file_report(make_base(changsha), 2017, avg_rent="0", avg_sale_price="3000.20")
    file_report(make_base(changsha), 2017)  # no rent, no price: does not rent or sell
    file_report(make_base(changsha), 2017, avg_rent="15.00", avg_sale_price="0")

    annex1 = annexes_2017()[1]

    assert cells(annex1, "租金平均水平（元/平方米/月）") == ["12.5", "12.5"]
    # (3000.25 + 3000.20) / 2 = 3000.225 → 3000.2
    assert cells(annex1, "平均售价（元/平方米）") == ["3000.2", "3000.2"]
    assert cells(annex1, "省级创业基地数量（家）") == ["4", "/"]


def test_base_that_reported_zero_counts_in_n_and_lowers_the_average(changsha):
    file_report(make_base(changsha), 2017, resident_enterprises=9, small_micro_enterprises=9)
    file_report(make_base(changsha), 2017, resident_enterprises=0, small_micro_enterprises=0)

    annex1 = annexes_2017()[1]

    assert cells(annex1, "入驻企业户数（家）") == ["9", "5"]  # 4.5 rounds half up
    assert cells(annex1, "其中：小微企业户数（家）") == ["9", "5"]


def test_no_reports_gives_empty_cells_not_errors():
    annexes = annexes_2017()

    assert annexes.n == 0
    assert cells(annexes[1], "建筑面积（万平方米）") == ["—", "—"]
    assert cells(annexes[2], "建筑面积（万平方米）") == ["—", "—", "—"]
    assert cells(annexes[3], "合计") == ["—", "—", "—", "—"]


# ---------------------------------------------------------------------------------------
# 附件5: enterprise averages, negative profit, derived patents
# ---------------------------------------------------------------------------------------


def test_negative_profit_enterprise_average_and_derived_patents(changsha):
    file_report(make_base(changsha), 2017, reporting_enterprises=3, high_tech_enterprises=1,
                ent_profit="-300.50", trademarks=1, invention_patents=2,
                utility_model_patents=1, design_patents=0)
    file_report(make_base(changsha), 2017, reporting_enterprises=1, high_tech_enterprises=0,
                ent_profit="100.00", trademarks=0, invention_patents=3,
                utility_model_patents=0, design_patents=4)

    annex5 = annexes_2017()[5]

    assert cells(annex5, "报送企业户数（家）") == ["4", "2", "/"]
    assert cells(annex5, "其中：高新技术企业户数（家）") == ["1", "1", "/"]  # 0.5 → 1
    # total −200.50 → −201 (half away from zero); per base −100.25; per enterprise −50.125.
    assert cells(annex5, "利润（万元）") == ["-201", "-100", "-50.1"]
    # 1 / 4 = 0.25 → 0.3 with ROUND_HALF_UP (banker's rounding would print 0.2).
    assert cells(annex5, "拥有商标（件）") == ["1", "1", "0.3"]
    assert cells(annex5, "拥有专利（件）") == ["10", "5", "2.50"]
    assert cells(annex5, "其中：发明专利（件）") == ["5", "3", "1.25"]


# ---------------------------------------------------------------------------------------
# Cohorts and growth (附件2, 附件4, 附件6)
# ---------------------------------------------------------------------------------------


def test_cohort_skips_a_base_missing_one_year_and_narrows_to_a_batch(changsha, zhuzhou):
    both = make_base(changsha, batch=1)
    only_2017 = make_base(changsha, batch=1)
    other_batch = make_base(zhuzhou, batch=2)
    only_2016 = make_base(zhuzhou, batch=1)
    file_report(both, 2016, building_area="80000")
    file_report(both, 2017, building_area="100000")
    file_report(other_batch, 2016, building_area="20000")
    file_report(other_batch, 2017, building_area="20000")
    file_report(only_2017, 2017, building_area="50000")
    file_report(only_2016, 2016, building_area="999999")

    every_batch = annexes_2017()
    first_batch = annexes_2017(cohort_batch=1)

    assert every_batch.cohort_size == 2
    assert every_batch[2].title == "同口径2家省级创业创新基地建设和运营数据对比"
    assert cells(every_batch[2], "建筑面积（万平方米）") == ["10.0", "12.0", "20.0%"]
    assert first_batch.cohort_size == 1
    assert first_batch[2].title == "第一批1家省级创业创新基地建设和运营数据对比"
    assert first_batch[4].title == "第一批1家省级创业创新基地服务数据对比"
    assert first_batch[6].title == "第一批1家省级创业创新基地入驻企业数据对比"
    assert cells(first_batch[2], "建筑面积（万平方米）") == ["8.0", "10.0", "25.0%"]
    # 附件1 still covers every base with a 2017 report.
    assert cells(first_batch[1], "建筑面积（万平方米）") == ["17.0", "5.7"]


def test_growth_rounds_half_up_and_is_empty_when_last_year_is_zero(changsha):
    base = make_base(changsha)
    file_report(base, 2016, service_staff=80, certified_mentors=0, ent_total_assets="100000")
    file_report(base, 2017, service_staff=81, certified_mentors=3, ent_total_assets="98750")

    annexes = annexes_2017()

    assert cells(annexes[2], "服务人员数量（人）") == ["80", "81", "1.3%"]  # 1.25%
    assert cells(annexes[2], "创业辅导师持证人数（人）") == ["0", "3", "—"]
    assert cells(annexes[6], "总资产（亿元）") == ["10.0", "9.9", "-1.3%"]  # 9.875, −1.25%


def test_comparison_means_use_cohort_bases_with_positive_values(changsha):
    a, b = make_base(changsha), make_base(changsha)
    file_report(a, 2016, avg_rent="10.00")
    file_report(a, 2017, avg_rent="12.00")
    file_report(b, 2016, avg_rent="0")
    file_report(b, 2017, avg_rent="13.00")

    # 2016: mean of {10} = 10; 2017: mean of {12, 13} = 12.5; growth 25%.
    assert cells(annexes_2017()[2], "租金平均水平（元/平方米/月）") == ["10.0", "12.5", "25.0%"]


def test_service_shares_and_cohort_growth_by_category(changsha):
    base = make_base(changsha)
    sessions_2017 = {"info": 1, "coaching": 2, "innovation": 5}
    file_report(base, 2016, **{c.sessions_code: 8 if c.key == "info" else 0
                               for c in SERVICE_CATEGORIES},
                **{c.enterprises_code: 4 for c in SERVICE_CATEGORIES})
    file_report(base, 2017, **{c.sessions_code: sessions_2017.get(c.key, 0)
                               for c in SERVICE_CATEGORIES},
                **{c.enterprises_code: 3 if c.key == "info" else 0
                   for c in SERVICE_CATEGORIES})

    annexes = annexes_2017()

    assert cells(annexes[3], "信息服务") == ["1", "12.5%", "3", "100.0%"]
    assert cells(annexes[3], "创业辅导") == ["2", "25.0%", "0", "0.0%"]
    assert cells(annexes[3], "创新支持") == ["5", "62.5%", "0", "0.0%"]
    assert cells(annexes[3], "合计") == ["8", "100%", "3", "100%"]
    assert cells(annexes[4], "信息服务") == ["8", "1", "-87.5%", "4", "3", "-25.0%"]
    assert cells(annexes[4], "创业辅导") == ["0", "2", "—", "4", "0", "-100.0%"]
    assert cells(annexes[4], "合计") == ["8", "8", "0.0%", "32", "3", "-90.6%"]


def test_round_half_up_at_half_edges():
    assert Cell(Decimal("2.5")).display == "3"
    assert Cell(Decimal("-2.5")).display == "-3"
    assert Cell(Decimal("2500"), decimals=1, scale=4).display == "0.3"  # 0.25 万平方米
    assert Cell(Decimal("0.0125"), decimals=1, percent=True).display == "1.3%"
    assert Cell(Decimal("0.0125"), decimals=1, percent=True).sheet_value == Decimal("0.013")
    assert Cell(Decimal("-0.0004"), decimals=1, percent=True).display == "0.0%"
    assert Cell(Decimal("3656.5")).rounded == Decimal("3657")


# ---------------------------------------------------------------------------------------
# Sources: approved only; a preview adds submitted
# ---------------------------------------------------------------------------------------


def test_preview_adds_submitted_reports_but_never_drafts_or_returned(changsha):
    file_report(make_base(changsha), 2017, Status.APPROVED, service_staff=10)
    file_report(make_base(changsha), 2017, Status.SUBMITTED, service_staff=5)
    file_report(make_base(changsha), 2017, Status.DRAFT, service_staff=100)
    file_report(make_base(changsha), 2017, Status.RETURNED, service_staff=1000)

    final = annexes_2017()
    preview = annexes_2017(preview=True)

    assert (final.n, cells(final[1], "服务人员数量（人）")) == (1, ["10", "10"])
    assert (preview.n, cells(preview[1], "服务人员数量（人）")) == (2, ["15", "8"])
    assert preview.preview and not final.preview


def test_preview_workbook_titles_say_preview(changsha, tmp_path):
    file_report(make_base(changsha), 2017, Status.SUBMITTED, service_staff=5)
    path = tmp_path / "preview.xlsx"

    write_annex_workbook(annexes_2017(preview=True), {}, path)

    book = load_workbook(path)
    assert all("预览" in book[f"附件{i}"]["A1"].value for i in range(1, 7))


# ---------------------------------------------------------------------------------------
# Constant number of queries
# ---------------------------------------------------------------------------------------


def make_province(bases: int, cities: list[City], prefix: str) -> None:
    """`bases` more bases over `cities`, each with every figure filed for 2016 and 2017."""
    made = Base.objects.bulk_create(
        Base(code=f"{prefix}{i:04d}", name=f"基地{prefix}{i}", city=cities[i % len(cities)],
             batch=1 + i % 2)
        for i in range(bases))
    reports = Report.objects.bulk_create(
        Report(base=base, year=year, status=Status.APPROVED) for base in made
        for year in (2016, 2017))
    ReportValue.objects.bulk_create(
        ReportValue(report=report, code=code, value=Decimal(index % 7))
        for index, report in enumerate(reports) for code in ENTERED_CODES)


def queries_for_everything(city: City) -> int:
    with CaptureQueriesContext(connection) as context:
        compute_annexes(year=2017, compare_year=2016, cohort_batch=1)
        compute_annexes(year=2017, compare_year=2016, cohort_batch=None, city_id=city.pk)
        compute_rankings(year=2017, top=10)
        compute_city_breakdown(year=2017)
    return len(context.captured_queries)


def test_query_count_is_the_same_for_3_and_300_bases(changsha, zhuzhou):
    make_province(3, [changsha, zhuzhou], "Q")
    few = queries_for_everything(changsha)
    make_province(297, [changsha, zhuzhou], "R")
    assert Report.objects.filter(year=2017).count() == 300

    many = queries_for_everything(changsha)

    assert many == few
    assert few == 6 + 7 + 1 + 3  # annexes, annexes of a city (its name), rankings, cities


# ---------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------


def test_rankings_order_ties_by_larger_value_then_base_code(changsha):
    for code, area in (("B", "500"), ("A", "500"), ("C", "700"), ("D", None)):
        values = {} if area is None else {"building_area": area}
        file_report(make_base(changsha, code=code), 2017, **values)

    ranked = compute_rankings(year=2017, top=10)["building_area"]

    assert [(r.place, r.base_code, r.value) for r in ranked] == [
        (1, "C", Decimal("700.00")), (2, "A", Decimal("500.00")), (3, "B", Decimal("500.00"))]
    assert [r.base_code for r in compute_rankings(year=2017, top=2)["building_area"]] == [
        "C", "A"]


def test_increase_rankings_need_reports_in_both_years(changsha):
    grew, new, shrank = (make_base(changsha, code=c) for c in ("X", "Y", "Z"))
    file_report(grew, 2016, service_staff=100)
    file_report(grew, 2017, service_staff=150)
    file_report(new, 2017, service_staff=1000)
    file_report(shrank, 2016, service_staff=200)
    file_report(shrank, 2017, service_staff=180)

    ranked = compute_rankings(year=2017, top=10)

    assert [(r.base_code, r.value) for r in ranked["service_staff_increase"]] == [
        ("X", 50), ("Z", -20)]
    assert [r.base_code for r in ranked["service_staff"]] == ["Y", "Z", "X"]


def test_composite_rankings_add_up_their_parts(changsha):
    base = make_base(changsha, code="K")
    file_report(base, 2017, **{c.sessions_code: 2 for c in SERVICE_CATEGORIES},
                **{c.enterprises_code: 3 for c in SERVICE_CATEGORIES},
                trademarks=1, software_copyrights=2, invention_patents=3,
                utility_model_patents=4, design_patents=5)

    ranked = compute_rankings(year=2017, top=10)

    assert list(ranked) == [definition.code for definition in RANKINGS]
    assert ranked["service_sessions"][0].value == 16
    assert ranked["enterprises_served"][0].value == 24
    assert ranked["intellectual_property"][0].value == 15
    assert ranked["building_area"] == []


def test_rankings_refuse_a_top_outside_1_to_100():
    with pytest.raises(ValueError):
        compute_rankings(year=2017, top=0)


# ---------------------------------------------------------------------------------------
# The annex workbook
# ---------------------------------------------------------------------------------------


@pytest.fixture
def workbook(changsha, tmp_path):
    base = make_base(changsha, code="W1", name="长沙科技新城")
    file_report(base, 2016, building_area="80000", service_staff=80,
                **{c.sessions_code: 1 for c in SERVICE_CATEGORIES})
    file_report(base, 2017, building_area="100000", service_staff=81, operator_total_assets="5",
                reporting_enterprises=4, trademarks=1,
                **{c.sessions_code: 1 if c.key == "info" else 0 for c in SERVICE_CATEGORIES})
    path = tmp_path / "annexes.xlsx"
    write_annex_workbook(annexes_2017(cohort_batch=1),
                         compute_rankings(year=2017, top=10), path)
    return load_workbook(path)


def row_of(sheet, label: str) -> list:
    return next(row for row in sheet.iter_rows() if row[0].value == label)


def test_workbook_has_the_six_annexes_and_rankings_in_order(workbook):
    assert workbook.sheetnames == [f"附件{i}" for i in range(1, 7)] + ["排名"]
    assert workbook["附件1"]["A1"].value == "2017年湖南省中小微企业创业创新基地建设和运营情况统计表"
    assert workbook["附件2"]["A1"].value == "第一批1家省级创业创新基地建设和运营数据对比"


def test_workbook_merges_the_printed_header_groups(workbook):
    annex3 = {str(r) for r in workbook["附件3"].merged_cells.ranges}
    annex4 = {str(r) for r in workbook["附件4"].merged_cells.ranges}

    assert annex3 == {"A1:E1", "A2:A3", "B2:C2", "D2:E2"}
    assert annex4 == {"A1:G1", "A2:A3", "B2:D2", "E2:G2"}
    assert [c.value for c in workbook["附件3"][2]] == ["指标内容", "开展服务活动场次", None,
                                                     "服务企业家次", None]
    assert [c.value for c in workbook["附件3"][3]][1:] == ["2017年", "比重", "2017年", "比重"]
    assert [c.value for c in workbook["附件2"][2]] == ["指标内容", "2016年", "2017年", "增长率"]


def test_workbook_numbers_are_rounded_with_printed_formats(workbook):
    area = row_of(workbook["附件1"], "建筑面积（万平方米）")
    assets = row_of(workbook["附件1"], "运营单位总资产（亿元）")
    staff = row_of(workbook["附件2"], "服务人员数量（人）")

    assert (area[1].value, area[1].number_format) == (10, "0.0")
    assert (assets[1].value, assets[2].number_format) == (0, "0.00")
    assert [staff[1].value, staff[2].value] == [80, 81]
    assert staff[1].number_format == "0"
    assert staff[1].data_type == "n"


def test_workbook_percents_are_fractions_with_percent_format(workbook):
    staff_growth = row_of(workbook["附件2"], "服务人员数量（人）")[3]
    info = row_of(workbook["附件3"], "信息服务")
    total = row_of(workbook["附件3"], "合计")

    assert Decimal(str(staff_growth.value)) == Decimal("0.013")  # 1.25% → 1.3%
    assert staff_growth.number_format == "0.0%"
    assert (info[2].value, info[2].number_format) == (1, "0.0%")
    assert (total[2].value, total[2].number_format) == (1, "0%")
    growth = row_of(workbook["附件4"], "合计")[3]
    assert Decimal(str(growth.value)) == Decimal("-0.875")


def test_workbook_prints_slash_where_the_bulletin_does(workbook):
    assert row_of(workbook["附件1"], "省级创业基地数量（家）")[2].value == "/"
    for label in ("报送企业户数（家）", "其中：高新技术企业户数（家）"):
        cell = row_of(workbook["附件5"], label)[3]
        assert (cell.value, cell.data_type) == ("/", "s")
    assert Decimal(str(row_of(workbook["附件5"], "拥有商标（件）")[3].value)) == Decimal("0.3")


def test_workbook_rankings_sheet_lists_top_places_in_entry_units(workbook):
    sheet = workbook["排名"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]

    assert rows[0] == ["ranking", "place", "base_code", "base_name", "value"]
    assert ["building_area", 1, "W1", "长沙科技新城", 100000] in rows
    assert ["building_area_increase", 1, "W1", "长沙科技新城", 20000] in rows


FORMULA_NAMES = ['=HYPERLINK("x")', "+1+1", "@SUM(1)", "-2"]


def test_formula_looking_base_names_come_back_as_text(changsha, tmp_path):
    for index, name in enumerate(FORMULA_NAMES):
        file_report(make_base(changsha, code=f"F{index}", name=name), 2017, building_area=index)
    file_report(make_base(changsha, code="F9", name="控制\x01字符\x1f基地"), 2017,
                building_area=9)
    path = tmp_path / "names.xlsx"
    write_annex_workbook(annexes_2017(), compute_rankings(year=2017, top=10), path)

    sheet = load_workbook(path)["排名"]
    names = {row[2].value: row[3] for row in sheet.iter_rows(min_row=2)
             if row[0].value == "building_area"}

    assert [names[f"F{i}"].value for i in range(4)] == ["'" + name for name in FORMULA_NAMES]
    assert all(names[f"F{i}"].data_type == "s" for i in range(4))
    assert names["F9"].value == "控制字符基地"
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet7.xml").decode()


def test_safe_text_strips_control_characters_and_keeps_tabs_and_newlines():
    assert safe_text("a\x00b\x08c\x0bd\x1fe\tf\ng") == "abcde\tf\ng"
    assert safe_text(None) == ""
    assert safe_text(12) == "12"


# ---------------------------------------------------------------------------------------
# The printed layout (titles, labels, columns of the bulletin)
# ---------------------------------------------------------------------------------------


def test_layout_matches_the_printed_annexes_for_the_first_batch_of_2017(changsha, zhuzhou):
    published = json.loads((DATA / "published-annexes.json").read_text(encoding="utf-8"))
    first = Base.objects.bulk_create(
        Base(code=f"P{i:03d}", name=f"基地{i}", city=changsha, batch=1) for i in range(71))
    second = Base.objects.bulk_create(
        Base(code=f"S{i:03d}", name=f"基地{i}", city=zhuzhou, batch=2) for i in range(31))
    Report.objects.bulk_create(
        [Report(base=b, year=2017, status=Status.APPROVED) for b in first + second]
        + [Report(base=b, year=2016, status=Status.APPROVED) for b in first])

    annexes = compute_annexes(year=2017, compare_year=2016, cohort_batch=1)

    assert [annex.key for annex in annexes] == [f"annex{i}" for i in range(1, 7)]
    for annex in annexes:
        printed = published[annex.key]
        assert annex.title == printed["title"]
        assert [row.label for row in annex.rows] == [row[0] for row in printed["rows"]]
        # The JSON abbreviates the group names of 附件4; the leaf headers are the printed ones.
        assert [c.split()[-1] for c in annex.columns] == [
            c.split()[-1] for c in printed["columns"]]
        assert all(len(row.cells) == len(printed["columns"]) for row in annex.rows)
    assert cells(annexes[1], "省级创业基地数量（家）") == ["102", "/"]


def test_city_annexes_name_the_city(changsha):
    file_report(make_base(changsha), 2017, service_staff=3)

    annexes = annexes_2017(city_id=changsha.pk)

    assert annexes[1].title == "2017年长沙市中小微企业创业创新基地建设和运营情况统计表"
    assert annexes[2].title == "长沙市同口径0家省级创业创新基地建设和运营数据对比"


# ---------------------------------------------------------------------------------------
# City breakdown
# ---------------------------------------------------------------------------------------


def test_city_breakdown_total_row_equals_the_province_figures(changsha, zhuzhou):
    file_report(make_base(changsha), 2017, building_area="10000", avg_rent="10", employees=5)
    file_report(make_base(changsha), 2017, building_area="5000", avg_rent="0", employees=1)
    file_report(make_base(zhuzhou), 2017, building_area="2500", avg_rent="20", employees=7)

    breakdown = compute_city_breakdown(year=2017)
    annexes = annexes_2017()
    by_city = {row.label: [c.display for c in row.cells] for row in breakdown.rows}
    province_column = [row.cells[0].display for row in (*annexes[1].rows, *annexes[5].rows)]

    assert [c.display for c in breakdown.total.cells] == province_column
    assert by_city["长沙市"][:3] == ["2", "1.5", "—"]  # nobody filed factory area
    assert by_city["株洲市"][:3] == ["1", "0.3", "—"]
    assert by_city["长沙市"][3] == "10.0"  # mean of positive rents within the city
    assert breakdown.total.cells[3].display == "15.0"
    assert by_city["湘潭市"][0] == "0"


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------

PAGES = ["statistics:index", "statistics:rankings", "statistics:cities"]


@pytest.fixture
def province_admin() -> User:
    return make_user("pat", Role.PROVINCE)


@pytest.fixture
def city_viewer(changsha) -> User:
    return make_user("carol", Role.CITY, city=changsha)


@pytest.fixture
def filed(changsha, zhuzhou):
    file_report(make_base(changsha, name="长沙基地"), 2017, service_staff=3)
    file_report(make_base(zhuzhou, name="株洲基地"), 2017, Status.SUBMITTED, service_staff=4)


@pytest.mark.parametrize("page", PAGES)
def test_pages_answer_the_province_admin(client, province_admin, filed, page):
    sign_in(client, province_admin)

    response = client.get(reverse(page), {"year": 2017})

    assert response.status_code == 200
    assert '<div class="table-wrap">' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_pages_answer_a_city_viewer(client, city_viewer, filed, page):
    sign_in(client, city_viewer)

    assert client.get(reverse(page), {"year": 2017}).status_code == 200


def test_city_viewer_sees_only_their_own_city_in_the_breakdown(client, city_viewer, filed):
    sign_in(client, city_viewer)

    breakdown = client.get(reverse("statistics:cities"), {"year": 2017}).context["breakdown"]

    assert [row.label for row in breakdown.rows] == ["长沙市"]
    assert breakdown.total.cells[0].display == "1"  # the province's approved bases


def test_province_admin_sees_every_city_in_the_breakdown(client, province_admin, filed):
    sign_in(client, province_admin)

    breakdown = client.get(reverse("statistics:cities"), {"year": 2017}).context["breakdown"]

    assert len(breakdown.rows) == City.objects.count()


@pytest.mark.parametrize("page", [*PAGES, "statistics:annex_workbook"])
def test_officers_get_404_and_anonymous_users_are_sent_to_login(client, changsha, page):
    sign_in(client, make_user("olga", Role.OFFICER, base=make_base(changsha)))
    assert client.get(reverse(page)).status_code == 404

    client.logout()
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_preview_is_labelled_everywhere_on_the_page(client, province_admin, filed):
    sign_in(client, province_admin)

    final = client.get(reverse("statistics:index"), {"year": 2017})
    preview = client.get(reverse("statistics:index"), {"year": 2017, "preview": "on"})

    assert 'class="preview-badge"' not in final.content.decode()
    assert preview.context["annexes"].n == 2
    assert preview.content.decode().count('class="preview-badge"') >= 7
    assert "preview=on" in preview.content.decode()


def test_city_viewers_cannot_preview_unapproved_data(client, city_viewer, filed):
    sign_in(client, city_viewer)

    response = client.get(reverse("statistics:index"), {"year": 2017, "preview": "on"})

    assert response.context["annexes"].n == 1
    assert not response.context["annexes"].preview


@pytest.mark.parametrize("params", [
    {"year": "abc"}, {"year": "1800"}, {"year": "2017", "compare_year": "2017"},
    {"year": "2017", "cohort_batch": "x"}, {"year": "2017", "compare_year": "二〇一六"},
])
def test_invalid_selection_shows_a_form_error_not_a_server_error(client, province_admin,
                                                                  params):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:index"), params)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="error"' in response.content.decode()


@pytest.mark.parametrize("top", ["0", "101", "ten"])
def test_rankings_top_n_outside_1_to_100_is_a_form_error(client, province_admin, top):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:rankings"), {"year": 2017, "top": top})

    assert response.status_code == 200
    assert "top" in response.context["form"].errors


def test_rankings_page_shows_the_chosen_top_n_with_chinese_titles(client, province_admin,
                                                                  changsha):
    for index in range(3):
        file_report(make_base(changsha, code=f"N{index}"), 2017, building_area=index + 1)
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:rankings"), {"year": 2017, "top": 2})

    tables = dict((definition.code, places) for definition, places in response.context["tables"])
    assert [row.base_code for row in tables["building_area"]] == ["N2", "N1"]
    assert "建筑面积（比上年新增）" in response.content.decode()


def test_workbook_download_is_an_audited_attachment(client, province_admin, filed):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:annex_workbook"),
                          {"year": 2017, "cohort_batch": 1})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="annexes-2017.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[-1] == "排名"
    event = AuditEvent.objects.get(event="export_annexes")
    assert event.actor == province_admin
    assert "annexes-2017.xlsx" in event.object_repr


def test_workbook_download_with_bad_parameters_answers_400_with_the_form(client,
                                                                        province_admin):
    sign_in(client, province_admin)

    response = client.get(reverse("statistics:annex_workbook"), {"year": "soon"})

    assert response.status_code == 400
    assert "year" in response.context["form"].errors
    assert not AuditEvent.objects.filter(event="export_annexes").exists()


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def test_export_annexes_command_writes_a_readable_workbook(changsha, tmp_path):
    base = make_base(changsha)
    file_report(base, 2016, service_staff=2)
    file_report(base, 2017, service_staff=3)
    path = tmp_path / "out.xlsx"

    call_command("export_annexes", "--year", "2017", "--cohort-batch", "1", "-o", str(path),
                 stdout=io.StringIO())

    book = load_workbook(path)
    assert book.sheetnames[-1] == "排名"
    assert row_of(book["附件2"], "服务人员数量（人）")[1].value == 2
    assert book["附件2"]["B2"].value == "2016年"  # --compare-year defaults to the year before
