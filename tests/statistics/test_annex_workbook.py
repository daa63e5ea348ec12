"""The annex workbook (SPEC section 6): sheets, printed layout, formats, city annexes and the
city breakdown."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bases.models import Base
from portal.spreadsheet import safe_text
from reporting.indicators import SERVICE_CATEGORIES
from reporting.models import Report, Status
from reporting.statistics.annex_workbook import write_annex_workbook
from reporting.statistics.annexes import (
    compute_annexes,
    compute_city_breakdown,
    compute_rankings,
)
from tests.statistics.helpers import annexes_2017, cells, file_report, make_base, row_of

DATA = Path(__file__).resolve().parent.parent / "data"

pytestmark = pytest.mark.django_db


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


def test_workbook_has_the_six_annexes_and_rankings_in_order(workbook):
    assert workbook.sheetnames == [f"附件{i}" for i in range(1, 7)] + ["排名"]
    assert workbook["附件1"]["A1"].value == "附件1"
    assert workbook["附件1"]["A2"].value == "2017年湖南省中小微企业创业创新基地建设和运营情况统计表"
    assert workbook["附件2"]["A2"].value == "第一批1家省级创业创新基地建设和运营数据对比"


def test_workbook_merges_the_printed_header_groups(workbook):
    annex3 = {str(r) for r in workbook["附件3"].merged_cells.ranges}
    annex4 = {str(r) for r in workbook["附件4"].merged_cells.ranges}

    assert annex3 == {"A2:E2", "A3:A4", "B3:C3", "D3:E3"}
    assert annex4 == {"A2:G2", "A3:A4", "B3:D3", "E3:G3"}
    assert [c.value for c in workbook["附件3"][3]] == ["指标内容", "开展服务活动场次", None,
                                                     "服务企业家次", None]
    assert [c.value for c in workbook["附件3"][4]][1:] == ["2017年", "比重", "2017年", "比重"]
    assert [c.value for c in workbook["附件2"][3]] == ["指标内容", "2016年", "2017年", "增长率"]


def test_workbook_numbers_are_rounded_with_printed_formats(workbook):
    area = row_of(workbook["附件1"], "建筑面积（万平方米）")
    assets = row_of(workbook["附件1"], "运营单位总资产（亿元）")
    staff = row_of(workbook["附件2"], "服务人员数量（人）")

    assert (area[1].value, area[1].number_format) == (10, "#,##0.0")
    assert (assets[1].value, assets[2].number_format) == (0, "#,##0.00")
    assert [staff[1].value, staff[2].value] == [80, 81]
    assert staff[1].number_format == "#,##0"
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


def test_annex_sheets_are_set_up_for_a4_one_page_wide_with_the_data_note(workbook):
    for number in range(1, 7):
        sheet = workbook[f"附件{number}"]
        setup = sheet.page_setup
        assert (setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (9, 1, 1)
        assert setup.orientation == ("landscape" if number == 4 else "portrait")
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        header_end = 4 if number in (3, 4) else 3
        assert sheet.print_title_rows == f"$3:${header_end}"
        assert "第 &P 页" in sheet.oddFooter.right.text
        assert sheet.oddFooter.left.text.startswith("数据：已审核报表 1/1 家基地，计算于 20")
        assert sheet["A3"].border.left.style == "thin"
        assert sheet.cell(row=sheet.max_row, column=sheet.max_column).border.bottom.style == "thin"
        assert sheet.column_dimensions["A"].width == 36


def test_workbook_rankings_sheet_has_people_and_machine_columns_grouped_by_ranking(workbook):
    sheet = workbook["排名"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]

    assert rows[0] == ["指标", "名次", "基地名称", "数值", "单位", "指标代码", "基地代码",
                       "数值（原单位）"]
    assert rows[1][0] == "1. 2017年 建筑面积（万平方米）（前10名）"
    assert rows[1][1:] == [None] * 7
    # Bulletin units for people (万平方米), entry units for machines (平方米).
    assert rows[2] == ["建筑面积", 1, "长沙科技新城", 10, "万平方米", "building_area", "W1",
                       100000]
    assert ["建筑面积（比上年新增）", 1, "长沙科技新城", 2, "万平方米",
            "building_area_increase", "W1", 20000] in rows
    assert ["服务人员数量", 1, "长沙科技新城", 81, "人", "service_staff", "W1", 81] in rows
    assert sheet.print_area == "'排名'!$A$1:$E$" + str(len(rows))


FORMULA_NAMES = ['=HYPERLINK("x")', "+1+1", "@SUM(1)", "-2"]


def test_formula_looking_base_names_come_back_as_text(changsha, tmp_path):
    for index, name in enumerate(FORMULA_NAMES):
        file_report(make_base(changsha, code=f"F{index}", name=name), 2017, building_area=index)
    file_report(make_base(changsha, code="F9", name="控制\x01字符\x1f基地"), 2017,
                building_area=9)
    path = tmp_path / "names.xlsx"
    write_annex_workbook(annexes_2017(), compute_rankings(year=2017, top=10), path)

    sheet = load_workbook(path)["排名"]
    names = {row[6].value: row[2] for row in sheet.iter_rows(min_row=2)
             if row[5].value == "building_area"}

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
