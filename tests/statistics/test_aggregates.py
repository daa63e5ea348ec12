"""Province statistics (SPEC section 5), hand-computed: totals, averages, cohorts, growth,
services, and the preview of unapproved reports."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reporting.indicators import SERVICE_CATEGORIES
from reporting.models import Status
from reporting.statistics.annex_workbook import write_annex_workbook
from reporting.statistics.annexes import Cell
from tests.statistics.helpers import annexes_2017, cells, file_report, make_base

pytestmark = pytest.mark.django_db


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
    assert all("预览" in book[f"附件{i}"]["A2"].value for i in range(1, 7))
    assert "已审核及已提交报表 1/" in book["附件1"].oddFooter.left.text
